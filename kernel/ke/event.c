/*
 * event.c: events, the simplest dispatcher object.
 *
 * A notification event, once set, releases every waiter and stays set
 * until reset. A synchronization event releases one waiter and resets
 * itself (with no waiter it stays set until one wait consumes it).
 * KeSetEvent with Wait = TRUE returns holding the dispatcher lock at
 * SYNCH_LEVEL; the caller's next KeWaitXxx takes over from there
 * (docs/dispatcher.md tells the story).
 */
#include "ke.h"

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    Event->Header.Type =
        Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject;
    Event->Header.SignalState = State ? 1 : 0;
    InitializeListHead(&Event->Header.WaitListHead);
}

/* Wait = TRUE keeps the lock for the caller's wait; FALSE gives it back. */
static VOID KiFinishSignal(KIRQL OldIrql, BOOLEAN Wait)
{
    if (Wait)
        KiSetWaitNext(OldIrql);
    else
        KiReleaseDispatcherLock(OldIrql);
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KeSetEvent", Wait);
    LONG previous = Event->Header.SignalState;
    if (previous == 0) {
        Event->Header.SignalState = 1;
        KiWaitTest(Event, Increment);
    }
    KiFinishSignal(oldIrql, Wait);
    return previous;
}

/* Releases the waiters a set would, and leaves the event not signaled. */
LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KePulseEvent", Wait);
    LONG previous = Event->Header.SignalState;
    if (previous == 0) {
        Event->Header.SignalState = 1;
        KiWaitTest(Event, Increment);
    }
    Event->Header.SignalState = 0;
    KiFinishSignal(oldIrql, Wait);
    return previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    LONG previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    KiReleaseDispatcherLock(oldIrql);
    return previous;
}

/* No lock, no answer: cheaper than KeResetEvent when the previous state
   does not matter. */
VOID KeClearEvent(PRKEVENT Event)
{
    Event->Header.SignalState = 0;
}

LONG KeReadStateEvent(PRKEVENT Event)
{
    return Event->Header.SignalState;
}
