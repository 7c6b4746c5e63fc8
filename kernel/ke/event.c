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
#include "ki.h"

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    Event->Header.Type =
        Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject;
    Event->Header.SignalState = State ? 1 : 0;
    InitializeListHead(&Event->Header.WaitListHead);
}

/* Signals the event and releases what it satisfies; returns the previous
   state. Dispatcher lock held. */
static LONG KiSignalEvent(PRKEVENT Event, KPRIORITY Increment)
{
    LONG previous = Event->Header.SignalState;
    if (previous == 0) {
        Event->Header.SignalState = 1;
        KiWaitTest(Event, Increment);
    }
    return previous;
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KeSetEvent", Wait);
    LONG previous = KiSignalEvent(Event, Increment);
    KiUnlockForSignal(oldIrql, Wait);
    return previous;
}

/* Releases the waiters a set would, and leaves the event not signaled. */
LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    KIRQL oldIrql = KiLockForSignal("KePulseEvent", Wait);
    LONG previous = KiSignalEvent(Event, Increment);
    Event->Header.SignalState = 0;
    KiUnlockForSignal(oldIrql, Wait);
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
