/*
 * clock_test.c: the clock interrupt is masked exactly by IRQL, and time
 * moves forward at the right pace.
 */
#include "ktest.h"
#include "ke.h"

static ULONG64 ClockInterrupts(VOID)
{
    return KeGetCurrentPrcb()->InterruptCount[CLOCK_VECTOR];
}

KTEST(clock, masked_at_clock_level_and_delivered_when_lowered)
{
    KIRQL old;
    KeRaiseIrql(CLOCK_LEVEL, &old);
    ULONG64 before = ClockInterrupts();
    KeStallExecutionProcessor(50000); /* a dozen ticks' worth */
    KT_EXPECT_EQ(ClockInterrupts(), before);
    KeLowerIrql(old);
    /* The APIC held one clock interrupt pending; it arrived the moment
       IRQL dropped below CLOCK_LEVEL. */
    KT_EXPECT_GE(ClockInterrupts(), before + 1);
}

KTEST(clock, runs_at_dispatch_level)
{
    KIRQL old = KeRaiseIrqlToDpcLevel();
    ULONG64 before = ClockInterrupts();
    KeStallExecutionProcessor(50000);
    KT_EXPECT_GT(ClockInterrupts(), before);
    KeLowerIrql(old);
}

KTEST(clock, interrupt_time_follows_the_clock_source)
{
    ULONG64 start = KeQueryInterruptTime();
    KeStallExecutionProcessor(200000); /* 200 ms = 2,000,000 units of 100 ns */
    ULONG64 elapsed = KeQueryInterruptTime() - start;
    /* Loose bounds: ticks can be late under emulation, never early. */
    KT_EXPECT_GE(elapsed, 2000000 / 4);
    KT_EXPECT_LE(elapsed, 2000000 * 4);
}

KTEST(clock, tick_count_and_increment_agree)
{
    LARGE_INTEGER ticks;
    ULONG64 before = KeQueryInterruptTime();
    KeQueryTickCount(&ticks);
    ULONG64 after = KeQueryInterruptTime();
    ULONG64 fromTicks = (ULONG64)ticks.QuadPart * KeQueryTimeIncrement();
    KT_EXPECT_GE(fromTicks, before);
    KT_EXPECT_LE(fromTicks, after);
    KT_EXPECT_EQ(KeQueryTimeIncrement(), 40000); /* 4 ms */
}

KTEST(clock, system_time_is_a_real_date)
{
    LARGE_INTEGER now;
    KeQuerySystemTime(&now);
    /* 2024-01-01 is 13,348,540,800 seconds after 1601-01-01. */
    KT_EXPECT_GT(now.QuadPart, 133485408000000000ll);
}

KTEST(clock, performance_counter_is_monotonic)
{
    LARGE_INTEGER frequency, a, b;
    a = KeQueryPerformanceCounter(&frequency);
    KT_EXPECT_GE(frequency.QuadPart, 1000000);
    for (ULONG i = 0; i < 1000; i++) {
        b = KeQueryPerformanceCounter(NULL);
        if (b.QuadPart < a.QuadPart) {
            KT_EXPECT_GE(b.QuadPart, a.QuadPart);
            break;
        }
        a = b;
    }
}
