/*
 * nt_event_test.c: KEVENT as the WDK documents it, field by field.
 *
 * KeInitializeEvent fills the whole DISPATCHER_HEADER (Type, Size in
 * LONGs, SignalState, an empty wait list); KeSetEvent returns the previous
 * state and leaves 1; KeResetEvent returns the previous state and leaves
 * 0; KeClearEvent leaves 0; KeReadStateEvent returns what is stored;
 * KePulseEvent releases what a set would and leaves 0. A notification
 * event releases every waiter, a synchronization event the first one, in
 * the order they began to wait. Every routine returns at its caller's
 * IRQL, except KeSetEvent and KePulseEvent with Wait = TRUE, which return
 * at SYNCH_LEVEL for the wait that must follow.
 */
#include "ntconf.h"

#define WAITERS 3

static const KIRQL CallerIrqls[] = {PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL};

static UCHAR EventObjectType(EVENT_TYPE Type)
{
    return Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject;
}

KTEST(nt_event, initialize_fills_every_header_field)
{
    KT_EXPECT_EQ(sizeof(KEVENT), 24); /* x64: a KEVENT is its header */
    for (EVENT_TYPE type = NotificationEvent; type <= SynchronizationEvent; type++) {
        for (BOOLEAN state = FALSE; state <= TRUE; state++) {
            KEVENT e;
            ConfPoison(&e);
            KeInitializeEvent(&e, type, state);
            CONF_EXPECT_HEADER(&e, 0, .Type = EventObjectType(type), .Absolute = 0,
                               .Size = CONF_SIZE_IN_LONGS(KEVENT), .Inserted = 0,
                               .SignalState = state);
        }
    }
}

KTEST(nt_event, set_returns_the_previous_state_and_stores_1)
{
    for (EVENT_TYPE type = NotificationEvent; type <= SynchronizationEvent; type++) {
        KEVENT e;
        KeInitializeEvent(&e, type, FALSE);
        KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0);
        KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
        KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 1);
        KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
        /* The previous state is returned raw, and the new one is 1
           whatever was stored before. */
        e.Header.SignalState = 0x23456789;
        KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0x23456789);
        KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
        CONF_EXPECT_HEADER(&e, 0, .Type = EventObjectType(type), .Size = CONF_SIZE_IN_LONGS(KEVENT),
                           .SignalState = 1);
    }
}

KTEST(nt_event, reset_returns_the_previous_state_and_stores_0)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, TRUE);
    KT_EXPECT_EQ(KeResetEvent(&e), 1);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    KT_EXPECT_EQ(KeResetEvent(&e), 0);
    e.Header.SignalState = 7;
    KT_EXPECT_EQ(KeResetEvent(&e), 7);
    CONF_EXPECT_HEADER(&e, 0, .Type = EventNotificationObject, .Size = CONF_SIZE_IN_LONGS(KEVENT),
                       .SignalState = 0);
}

KTEST(nt_event, clear_stores_0)
{
    KEVENT e;
    KeInitializeEvent(&e, SynchronizationEvent, TRUE);
    KeClearEvent(&e);
    CONF_EXPECT_HEADER(&e, 0, .Type = EventSynchronizationObject,
                       .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
    KeClearEvent(&e);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
}

KTEST(nt_event, read_state_returns_what_is_stored)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    e.Header.SignalState = 5;
    KT_EXPECT_EQ(KeReadStateEvent(&e), 5);
}

KTEST(nt_event, pulse_without_waiters_returns_the_previous_state_and_stores_0)
{
    for (EVENT_TYPE type = NotificationEvent; type <= SynchronizationEvent; type++) {
        KEVENT e;
        KeInitializeEvent(&e, type, FALSE);
        KT_EXPECT_EQ(KePulseEvent(&e, IO_NO_INCREMENT, FALSE), 0);
        KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
        KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
        KT_EXPECT_EQ(KePulseEvent(&e, IO_NO_INCREMENT, FALSE), 1);
        CONF_EXPECT_HEADER(&e, 0, .Type = EventObjectType(type), .Size = CONF_SIZE_IN_LONGS(KEVENT),
                           .SignalState = 0);
    }
}

KTEST(nt_event, every_routine_returns_at_the_callers_irql)
{
    for (ULONG i = 0; i < ARRAYSIZE(CallerIrqls); i++) {
        KEVENT e;
        KIRQL old, after[6];
        KeRaiseIrql(CallerIrqls[i], &old);
        KeInitializeEvent(&e, NotificationEvent, FALSE);
        after[0] = KeGetCurrentIrql();
        KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
        after[1] = KeGetCurrentIrql();
        KeResetEvent(&e);
        after[2] = KeGetCurrentIrql();
        KeClearEvent(&e);
        after[3] = KeGetCurrentIrql();
        KeReadStateEvent(&e);
        after[4] = KeGetCurrentIrql();
        KePulseEvent(&e, IO_NO_INCREMENT, FALSE);
        after[5] = KeGetCurrentIrql();
        KeLowerIrql(old);
        for (ULONG r = 0; r < ARRAYSIZE(after); r++)
            KT_EXPECT_EQ(after[r], CallerIrqls[i]);
    }
}

/* KeSetEvent(.., TRUE) and KePulseEvent(.., TRUE) return at SYNCH_LEVEL,
   and each of the waits that may follow returns at the IRQL they were
   called at. (The checks come after the wait: nothing else may run at
   SYNCH_LEVEL in between.) */
KTEST(nt_event, wait_true_returns_at_synch_level_and_the_next_wait_at_the_callers_irql)
{
    for (ULONG i = 0; i < 2; i++) { /* PASSIVE_LEVEL and APC_LEVEL: Wait = TRUE allows no more */
        KEVENT a, b;
        KIRQL old, between[4], after[4];
        NTSTATUS status[4];
        LARGE_INTEGER zero = {.QuadPart = 0}, shortDelay = {.QuadPart = CONF_MS(1)};
        PVOID both[2] = {&a, &b};
        KeInitializeEvent(&a, NotificationEvent, FALSE);
        KeInitializeEvent(&b, NotificationEvent, TRUE);
        KeRaiseIrql(CallerIrqls[i], &old);

        KeSetEvent(&a, IO_NO_INCREMENT, TRUE);
        between[0] = KeGetCurrentIrql();
        status[0] = KeWaitForSingleObject(&b, Executive, KernelMode, FALSE, NULL);
        after[0] = KeGetCurrentIrql();

        KePulseEvent(&a, IO_NO_INCREMENT, TRUE);
        between[1] = KeGetCurrentIrql();
        status[1] =
            KeWaitForMultipleObjects(2, both, WaitAny, Executive, KernelMode, FALSE, &zero, NULL);
        after[1] = KeGetCurrentIrql();

        KeSetEvent(&a, IO_NO_INCREMENT, TRUE);
        between[2] = KeGetCurrentIrql();
        status[2] = KeDelayExecutionThread(KernelMode, FALSE, &shortDelay);
        after[2] = KeGetCurrentIrql();

        KeSetEvent(&a, IO_NO_INCREMENT, TRUE);
        between[3] = KeGetCurrentIrql();
        status[3] = KeWaitForMutexObject(&b, Executive, KernelMode, FALSE, &zero);
        after[3] = KeGetCurrentIrql();

        KeLowerIrql(old);
        for (ULONG w = 0; w < 4; w++) {
            KT_EXPECT_EQ(between[w], SYNCH_LEVEL);
            KT_EXPECT_EQ(after[w], CallerIrqls[i]);
        }
        KT_EXPECT_EQ(status[0], STATUS_SUCCESS);
        KT_EXPECT_EQ(status[1], STATUS_WAIT_0 + 1); /* the pulse left a clear */
        KT_EXPECT_EQ(status[2], STATUS_SUCCESS);
        KT_EXPECT_EQ(status[3], STATUS_SUCCESS);
        KT_EXPECT_EQ(KeReadStateEvent(&a), 1);
    }
}

/* ---- waiters ---------------------------------------------------------------------- */

/* Starts WAITERS waiters on Event, in order (ConfStartWaiters), and checks
   the order of their wait blocks. */
static BOOLEAN StartWaitersInOrder(PKEVENT Event, CONF_WAITER Waiters[WAITERS],
                                   volatile LONG *Sequence)
{
    CONF_WAITER waiter = {.Objects = {Event}, .Sequence = Sequence};
    if (!ConfStartWaiters(Waiters, WAITERS, &waiter))
        return FALSE;
    for (ULONG i = 0; i < WAITERS; i++)
        KT_EXPECT_EQ(ConfWaiterAt(Event, i), Waiters[i].Thread);
    return TRUE;
}

KTEST(nt_event, a_waiters_wait_block_describes_its_wait)
{
    KEVENT e;
    CONF_WAITER w = {.Objects = {&e}};
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    if (ConfStartWaiter(&w)) {
        PKWAIT_BLOCK block = ConfWaitBlockAt(&e, 0);
        KT_EXPECT_EQ(block->Thread, w.Thread);
        KT_EXPECT_EQ(block->Object, &e);
        KT_EXPECT_EQ(block->WaitKey, 0);
        KT_EXPECT_EQ(block->WaitType, WaitAny);
        CONF_EXPECT_HEADER(&e, 1, .Type = EventNotificationObject,
                           .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
    }
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    ConfJoinWaiter(&w);
    KT_EXPECT_EQ(w.Status, STATUS_SUCCESS);
}

KTEST(nt_event, notification_set_releases_every_waiter_and_stays_signaled)
{
    KEVENT e;
    CONF_WAITER w[WAITERS] = {0};
    volatile LONG sequence = 0;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    if (StartWaitersInOrder(&e, w, &sequence)) {
        KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0);
        /* Released by the call itself: nobody is left on the list. */
        CONF_EXPECT_HEADER(&e, 0, .Type = EventNotificationObject,
                           .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 1);
    }
    ConfJoinWaiters(w, WAITERS);
    for (ULONG i = 0; i < WAITERS; i++) {
        KT_EXPECT_EQ(w[i].Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(w[i].IrqlOnWake, PASSIVE_LEVEL);
    }
    KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
}

KTEST(nt_event, synchronization_set_releases_the_first_waiter_only)
{
    KEVENT e;
    CONF_WAITER w[WAITERS] = {0};
    volatile LONG sequence = 0;
    KeInitializeEvent(&e, SynchronizationEvent, FALSE);
    if (StartWaitersInOrder(&e, w, &sequence)) {
        for (ULONG round = 0; round < WAITERS; round++) {
            KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0);
            /* The first in line went, and took the signal with it. */
            CONF_EXPECT_HEADER(&e, WAITERS - round - 1, .Type = EventSynchronizationObject,
                               .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
            if (round + 1 < WAITERS)
                KT_EXPECT_EQ(ConfWaiterAt(&e, 0), w[round + 1].Thread);
            ConfJoinWaiter(&w[round]);
            KT_EXPECT_EQ(w[round].Status, STATUS_SUCCESS);
        }
        /* Nobody waits: it stays signaled until a wait consumes it. */
        KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0);
        KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
    }
    ConfJoinWaiters(w, WAITERS);
}

KTEST(nt_event, pulse_releases_what_a_set_would_and_stores_0)
{
    KEVENT n, s;
    CONF_WAITER wn[WAITERS] = {0}, ws[WAITERS] = {0};
    volatile LONG sequence = 0;
    KeInitializeEvent(&n, NotificationEvent, FALSE);
    KeInitializeEvent(&s, SynchronizationEvent, FALSE);
    if (StartWaitersInOrder(&n, wn, &sequence) && StartWaitersInOrder(&s, ws, &sequence)) {
        KT_EXPECT_EQ(KePulseEvent(&n, IO_NO_INCREMENT, FALSE), 0);
        CONF_EXPECT_HEADER(&n, 0, .Type = EventNotificationObject,
                           .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
        KT_EXPECT_EQ(KePulseEvent(&s, IO_NO_INCREMENT, FALSE), 0);
        CONF_EXPECT_HEADER(&s, WAITERS - 1, .Type = EventSynchronizationObject,
                           .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
        KT_EXPECT_EQ(ConfWaiterAt(&s, 0), ws[1].Thread);
        KeSetEvent(&s, IO_NO_INCREMENT, FALSE);
        KeSetEvent(&s, IO_NO_INCREMENT, FALSE);
    }
    ConfJoinWaiters(wn, WAITERS);
    ConfJoinWaiters(ws, WAITERS);
    for (ULONG i = 0; i < WAITERS; i++) {
        KT_EXPECT_EQ(wn[i].Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(ws[i].Status, STATUS_SUCCESS);
    }
}

KTEST(nt_event, a_signaled_event_satisfies_waits_as_its_type_says)
{
    KEVENT n, s;
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeEvent(&n, NotificationEvent, TRUE);
    KeInitializeEvent(&s, SynchronizationEvent, TRUE);
    for (ULONG i = 0; i < 2; i++) /* notification: every wait, and it stays signaled */
        KT_EXPECT_EQ(KeWaitForSingleObject(&n, Executive, KernelMode, FALSE, &zero),
                     STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateEvent(&n), 1);
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateEvent(&s), 0); /* synchronization: the wait consumed it */
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
}

/* ---- misuse ----------------------------------------------------------------------- */

static KEVENT DeathEvent;

/* Driver Verifier's IrqlKeSetEvent rule, which KeLab applies to
   KePulseEvent's Wait as well: TRUE is allowed at APC_LEVEL at most. */
KTEST_DEATH(nt_event, pulse_with_wait_true_at_dispatch_level, DRIVER_VERIFIER_DETECTED_VIOLATION,
            0x00020016, KT_ANY, DISPATCH_LEVEL, TRUE)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, FALSE);
    KeRaiseIrqlToDpcLevel();
    KePulseEvent(&DeathEvent, IO_NO_INCREMENT, TRUE);
}
