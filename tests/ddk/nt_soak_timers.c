/*
 * nt_soak_timers.c: timers with DPCs, waited for or cancelled.
 *
 * Each timer worker sets its timer (one-shot or periodic, with a DPC) for a
 * few milliseconds, then either waits for it to expire (a lost expiry is a
 * timeout; an early one is a failure) or cancels it after a while, which
 * may be before or after it expired: KeCancelTimer says which. Then it
 * flushes the DPC queues and checks the DPC ran exactly once for every
 * expiry of a one-shot setting (at least once for a periodic one), and
 * never for a setting cancelled in time.
 */
#include "nt_soak.h"

#define SOAK_TIMERS 2

typedef struct _SOAK_TIMER {
    SOAK *Soak;
    ULONG Number;
    KTIMER Timer;
    KDPC Dpc;
    volatile LONG DpcRuns;
    LONG Expected; /* DPC runs so far, as the worker accounts for them */
} SOAK_TIMER;

static SOAK_TIMER SoakTimers[SOAK_TIMERS];

static VOID SoakTimerDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    SOAK_TIMER *t = Context;
    if (KeGetCurrentIrql() != DISPATCH_LEVEL || !KeReadStateTimer(&t->Timer))
        SoakFail(t->Soak, "timer %u: its DPC ran at IRQL %u, the timer signaled: %u", t->Number,
                 KeGetCurrentIrql(), KeReadStateTimer(&t->Timer));
    __atomic_add_fetch(&t->DpcRuns, 1, __ATOMIC_RELEASE);
    SoakCount(t->Soak, SoakTimerDpcs, 1);
}

/* Waits for the setting to expire; TRUE if it did, no sooner than due. */
static BOOLEAN SoakAwaitExpiry(SOAK_TIMER *T, ULONG64 Due)
{
    if (!SoakWait(T->Soak, &T->Timer, "timer"))
        return FALSE;
    if (KeQueryInterruptTime() < Due)
        SoakFail(T->Soak, "timer %u expired %llu early", T->Number,
                 (unsigned long long)(Due - KeQueryInterruptTime()));
    SoakCount(T->Soak, SoakTimerExpiries, 1);
    return TRUE;
}

/* One setting of the timer, to its end; FALSE once it has failed. */
static BOOLEAN SoakTimerRound(SOAK_TIMER *T, SOAK_RANDOM *Random)
{
    LONG dueMs = 1 + (LONG)SoakRandom(Random, 8);
    LONG period = SoakRandom(Random, 4) == 0 ? 1 + (LONG)SoakRandom(Random, 5) : 0;
    LARGE_INTEGER due = {.QuadPart = CONF_MS(dueMs)};
    ULONG64 dueTime = KeQueryInterruptTime() + (ULONG64)dueMs * 10000;
    if (KeSetTimerEx(&T->Timer, due, period, &T->Dpc))
        SoakFail(T->Soak, "timer %u: KeSetTimerEx found it set", T->Number);
    SoakCount(T->Soak, SoakTimerSets, 1);
    BOOLEAN expired;
    if (SoakRandom(Random, 2) == 0) {
        expired = SoakAwaitExpiry(T, dueTime);
        if (!expired)
            return FALSE;
    } else {
        KtSleep(SoakRandom(Random, (ULONG)dueMs + 2));
        expired = FALSE;
    }
    BOOLEAN wasSet = KeCancelTimer(&T->Timer);
    SoakCount(T->Soak, SoakTimerCancels, wasSet);
    if (period != 0 && !wasSet)
        SoakFail(T->Soak, "timer %u: a periodic timer was not set when cancelled", T->Number);
    /* A one-shot setting that was no longer set had expired. */
    if (period == 0 && !wasSet)
        expired = TRUE;
    KeFlushQueuedDpcs();
    LONG runs = T->DpcRuns;
    if (period == 0 && runs != T->Expected + expired)
        SoakFail(T->Soak, "timer %u: %d DPC runs after a one-shot setting, %d expected", T->Number,
                 runs - T->Expected, expired);
    if (period != 0 && runs < T->Expected + expired)
        SoakFail(T->Soak, "timer %u: no DPC run for a periodic expiry", T->Number);
    T->Expected = runs;
    KtSleep(SOAK_PAUSE_MS + SoakRandom(Random, SOAK_PAUSE_MS));
    return T->Soak->Failures == 0;
}

static VOID SoakTimerWorker(PVOID Context)
{
    SOAK_TIMER *t = Context;
    SOAK_RANDOM random;
    SoakSeedRandom(t->Soak, 300 + t->Number, &random);
    while (!__atomic_load_n(&t->Soak->Stop, __ATOMIC_ACQUIRE) && SoakTimerRound(t, &random))
        ;
    KeCancelTimer(&t->Timer);
}

VOID SoakStartTimers(SOAK *Soak)
{
    for (ULONG i = 0; i < SOAK_TIMERS; i++) {
        SOAK_TIMER *t = &SoakTimers[i];
        RtlZeroMemory(t, sizeof(*t));
        t->Soak = Soak;
        t->Number = i;
        KeInitializeTimerEx(&t->Timer, NotificationTimer);
        KeInitializeDpc(&t->Dpc, SoakTimerDpc, t);
        SoakStartThread(Soak, SoakTimerWorker, t, 0);
    }
}

/* The workers have ended: no timer may be set, and no DPC may run after
   the last flush. */
VOID SoakFinishTimers(SOAK *Soak)
{
    KeFlushQueuedDpcs();
    for (ULONG i = 0; i < SOAK_TIMERS; i++) {
        SOAK_TIMER *t = &SoakTimers[i];
        if (KeCancelTimer(&t->Timer))
            SoakFail(Soak, "timer %u was still set after its worker ended", i);
        if (t->DpcRuns != t->Expected)
            SoakFail(Soak, "timer %u: %d DPC runs, %d accounted for", i, t->DpcRuns, t->Expected);
    }
}
