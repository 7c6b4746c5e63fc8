/*
 * kbench.h: in-kernel benchmarks, run by `make bench` (kelab.mode=bench).
 *
 * A benchmark measures many samples of one operation and reports their
 * median and 99th percentile; the host script (tools/bench/kernel-benchmarks)
 * boots it with 1, 2, 4... processors and prints a table. Benchmarks never
 * pass or fail: timing under emulation is for comparing, not for judging.
 *
 *     KBENCH(spinlock_uncontended)
 *     {
 *         ... KbReport("spinlock.uncontended", samples, n, KbNanoseconds);
 *     }
 */
#ifndef KELAB_KBENCH_H
#define KELAB_KBENCH_H

#include "wdm.h"

typedef struct _KBENCH_CASE {
    PCSTR Name;
    VOID (*Function)(VOID);
} KBENCH_CASE;

#define KBENCH(name)                                                                               \
    static VOID KbBench_##name(VOID);                                                              \
    static const KBENCH_CASE KbCase_##name                                                         \
        __attribute__((section(".kbench"), used, aligned(8))) = {#name, KbBench_##name};           \
    static VOID KbBench_##name(VOID)

/* A timestamp for samples (the time stamp counter: cheap to read, and
   KbReport converts cycles to nanoseconds with its measured frequency). */
static inline ULONG64 KbNow(VOID)
{
    ULONG lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((ULONG64)hi << 32) | lo;
}

/* Sorts Samples (cycles, each covering Divisor operations), and prints
   "# bench: Metric median=... p99=... n=... unit=ns" per operation. */
VOID KbReport(PCSTR Metric, ULONG64 *Samples, ULONG Count, ULONG Divisor);
/* Prints "# bench: Metric value=... unit=Unit" for a single figure. */
VOID KbReportValue(PCSTR Metric, ULONG64 Value, PCSTR Unit);

__attribute__((noreturn)) VOID KbRunBenchmarks(VOID);

#endif
