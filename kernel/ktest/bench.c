/*
 * bench.c: running the registered benchmarks (kelab.mode=bench) and
 * reporting medians and percentiles.
 */
#include "kbench.h"
#include "ke.h"
#include "hal.h"
#include "io.h"

extern const KBENCH_CASE __kbench_start[], __kbench_end[];

/* Insertion sort: a few thousand samples, once per benchmark. */
static VOID KbSort(ULONG64 *Samples, ULONG Count)
{
    for (ULONG i = 1; i < Count; i++) {
        ULONG64 v = Samples[i];
        ULONG j = i;
        for (; j > 0 && Samples[j - 1] > v; j--)
            Samples[j] = Samples[j - 1];
        Samples[j] = v;
    }
}

static ULONG64 KbCyclesToNs(ULONG64 Cycles, ULONG Divisor)
{
    ULONG64 hz = HalQueryTscFrequency();
    return hz ? Cycles * 1000000000ull / hz / Divisor : 0;
}

VOID KbReport(PCSTR Metric, ULONG64 *Samples, ULONG Count, ULONG Divisor)
{
    if (Count == 0)
        return;
    KbSort(Samples, Count);
    ULONG64 median = Samples[Count / 2];
    ULONG64 p99 = Samples[(Count * 99) / 100 < Count ? (Count * 99) / 100 : Count - 1];
    DbgPrint("# bench: %s median=%llu p99=%llu n=%u unit=ns\n", Metric,
             (unsigned long long)KbCyclesToNs(median, Divisor),
             (unsigned long long)KbCyclesToNs(p99, Divisor), Count);
}

VOID KbReportValue(PCSTR Metric, ULONG64 Value, PCSTR Unit)
{
    DbgPrint("# bench: %s value=%llu unit=%s\n", Metric, (unsigned long long)Value, Unit);
}

VOID KbRunBenchmarks(VOID)
{
    CHAR filter[128] = "*";
    KeGetBootOption("kelab.filter", filter, sizeof(filter));
    IoWaitForPnpIdle(); /* the devices found and started (a benchmark may use one) */
    DbgPrint("# bench: processors=%u tsc_hz=%llu\n", KeNumberProcessors,
             (unsigned long long)HalQueryTscFrequency());
    for (const KBENCH_CASE *b = __kbench_start; b < __kbench_end; b++) {
        if (!RtlGlobListMatch(filter, b->Name))
            continue;
        DbgPrint("# bench-start: %s\n", b->Name);
        b->Function();
    }
    DbgPrint("# bench: done\n");
    HalExitEmulator(HalExitPass);
}
