/*
 * timer.c: kernel timers (KTIMER) and the timeouts of waits.
 *
 * Set timers sit on one list sorted by due time (absolute interrupt time),
 * under the dispatcher lock. Processor 0's clock interrupt compares the
 * earliest due time with the interrupt time; when one has come, it queues
 * the expiration DPC, which (at DISPATCH_LEVEL, holding the lock) signals
 * every timer that is due, releases its waiters, re-arms periodic timers
 * and queues each timer's DPC. A thread's wait timeout is its own KTIMER,
 * on the same list.
 */
#include "ki.h"

static LIST_ENTRY KiTimerList;                  /* dispatcher lock */
static volatile ULONG64 KiNextTimerDue = ~0ull; /* dispatcher lock; read unlocked */
static KDPC KiTimerExpirationDpc;

static VOID KiTimerExpiration(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2);

VOID KiInitializeTimers(VOID)
{
    InitializeListHead(&KiTimerList);
    KeInitializeDpc(&KiTimerExpirationDpc, KiTimerExpiration, NULL);
    KeSetImportanceDpc(&KiTimerExpirationDpc, HighImportance);
    KeSetTargetProcessorDpc(&KiTimerExpirationDpc, 0);
}

ULONG64 KiDueTime(PLARGE_INTEGER DueTime)
{
    if (DueTime->QuadPart <= 0)
        return KeQueryInterruptTime() + (ULONG64)(-DueTime->QuadPart);
    LARGE_INTEGER now;
    KeQuerySystemTime(&now);
    LONG64 delta = DueTime->QuadPart - now.QuadPart;
    return KeQueryInterruptTime() + (delta > 0 ? (ULONG64)delta : 0);
}

static VOID KiUpdateNextDue(VOID)
{
    KiNextTimerDue =
        IsListEmpty(&KiTimerList)
            ? ~0ull
            : CONTAINING_RECORD(KiTimerList.Flink, KTIMER, TimerListEntry)->DueTime.QuadPart;
}

VOID KiInsertTimer(PKTIMER Timer, ULONG64 DueInterruptTime, LONG Period)
{
    Timer->DueTime.QuadPart = DueInterruptTime;
    Timer->Period = Period;
    PLIST_ENTRY e = KiTimerList.Flink;
    while (e != &KiTimerList &&
           CONTAINING_RECORD(e, KTIMER, TimerListEntry)->DueTime.QuadPart <= DueInterruptTime)
        e = e->Flink;
    InsertTailList(e, &Timer->TimerListEntry); /* before e: the list stays sorted */
    Timer->Header.Inserted = TRUE;
    KiUpdateNextDue();
}

VOID KiRemoveTimer(PKTIMER Timer)
{
    RemoveEntryList(&Timer->TimerListEntry);
    Timer->Header.Inserted = FALSE;
    KiUpdateNextDue();
}

VOID KiCheckTimers(VOID)
{
    if (KeQueryInterruptTime() >= KiNextTimerDue)
        KeInsertQueueDpc(&KiTimerExpirationDpc, NULL, NULL);
}

static VOID KiTimerExpiration(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KIRQL oldIrql = KiAcquireDispatcherLock();
    ULONG64 now = KeQueryInterruptTime();
    LARGE_INTEGER systemTime;
    KeQuerySystemTime(&systemTime);
    while (!IsListEmpty(&KiTimerList)) {
        PKTIMER timer = CONTAINING_RECORD(KiTimerList.Flink, KTIMER, TimerListEntry);
        if (timer->DueTime.QuadPart > now)
            break;
        KiRemoveTimer(timer);
        timer->Header.SignalState = 1;
        KiWaitTest(timer, 0);
        if (timer->Period != 0) { /* periodic: the next period, from now if it fell behind */
            ULONG64 next = timer->DueTime.QuadPart + (ULONG64)timer->Period * 10000;
            KiInsertTimer(timer, next > now ? next : now + (ULONG64)timer->Period * 10000,
                          timer->Period);
        }
        if (timer->Dpc != NULL) /* NT passes the system time in the two arguments */
            KeInsertQueueDpc(timer->Dpc, (PVOID)(ULONG_PTR)systemTime.LowPart,
                             (PVOID)(ULONG_PTR)(ULONG)systemTime.HighPart);
    }
    KiReleaseDispatcherLock(oldIrql);
}

/* ---- the interface ----------------------------------------------------------- */

VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    RtlZeroMemory(Timer, sizeof(*Timer));
    Timer->Header.Type =
        Type == NotificationTimer ? TimerNotificationObject : TimerSynchronizationObject;
    InitializeListHead(&Timer->Header.WaitListHead);
    InitializeListHead(&Timer->TimerListEntry);
}

VOID KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    BOOLEAN wasSet = Timer->Header.Inserted;
    if (wasSet)
        KiRemoveTimer(Timer);
    Timer->Header.SignalState = 0;
    Timer->Dpc = Dpc;
    KiInsertTimer(Timer, KiDueTime(&DueTime), Period < 0 ? 0 : Period);
    KiReleaseDispatcherLock(oldIrql);
    return wasSet;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    BOOLEAN wasSet = Timer->Header.Inserted;
    if (wasSet)
        KiRemoveTimer(Timer);
    KiReleaseDispatcherLock(oldIrql);
    return wasSet;
}

BOOLEAN KeReadStateTimer(PKTIMER Timer)
{
    return Timer->Header.SignalState != 0;
}
