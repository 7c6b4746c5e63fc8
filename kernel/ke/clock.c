/*
 * clock.c: the clock interrupt and the kernel's sense of time.
 *
 * Every processor's local APIC timer raises vector 0xD1 (CLOCK_LEVEL)
 * KI_CLOCK_HZ times a second. Processor 0 owns time: it advances the
 * interrupt time (100 ns units since boot) and the tick count, and looks
 * for timers that are due. Every processor counts its own ticks, charges
 * the running thread's quantum, checks its DPC watchdog, and makes sure
 * low-importance DPCs, which do not request an interrupt when queued,
 * still run within a tick.
 */
#include "ki.h"
#include "hal.h"

#define KI_CLOCK_HZ 250 /* 4 ms ticks */

const ULONG KeTimeIncrement = 10000000 / KI_CLOCK_HZ;
static volatile ULONG64 KiInterruptTime; /* written by processor 0 only */
static volatile ULONG64 KiTickCount;     /* written by processor 0 only */
static ULONG64 KiBootSystemTime;         /* set once at boot */

VOID KiInitializeClock(VOID)
{
    KiBootSystemTime = HalQueryRealTimeClock();
    if (KiBootSystemTime == 0)
        DbgPrint("KeLab: the real-time clock gave no valid date; system time starts at 1601\n");
    KiStartProcessorClock();
}

VOID KiStartProcessorClock(VOID)
{
    HalStartClock(CLOCK_VECTOR, 1000000 / KI_CLOCK_HZ);
}

VOID KiClockInterrupt(PKTRAP_FRAME TrapFrame, KIRQL InterruptedIrql)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    prcb->TickCount++;
    prcb->TickInterruptedIrql = InterruptedIrql;
    if (prcb->Number == 0) {
        KiInterruptTime += KeTimeIncrement;
        KiTickCount++;
        HalReadClockSource(); /* keeps a narrow counter's 64-bit extension current */
        KiCheckTimers();
    }
    KiClockTickThread(prcb);
    KiCheckDpcWatchdog(prcb, TrapFrame);
    if (!IsListEmpty(&prcb->DpcData.DpcListHead))
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
}

ULONGLONG KeQueryInterruptTime(VOID)
{
    return KiInterruptTime;
}

VOID KeQueryTickCount(PLARGE_INTEGER TickCount)
{
    TickCount->QuadPart = (LONGLONG)KiTickCount;
}

ULONG KeQueryTimeIncrement(VOID)
{
    return KeTimeIncrement;
}

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = (LONGLONG)(KiBootSystemTime + KiInterruptTime);
}
