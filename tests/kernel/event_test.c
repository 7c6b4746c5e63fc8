/*
 * event_test.c: KEVENT, value by value, as the WDK and nt-semantics.md
 * describe it: what each call returns in every state, who wakes, what
 * KeSetEvent(.., TRUE) leaves behind, and the priority boost.
 */
#include "ktest.h"
#include "ke.h"

#define WAITERS 4

KTEST(event, set_reset_clear_read_return_values)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    KT_EXPECT_EQ(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0); /* was not signaled */
    KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
    KT_EXPECT_NE(KeSetEvent(&e, IO_NO_INCREMENT, FALSE), 0); /* was signaled */
    KT_EXPECT_NE(KeResetEvent(&e), 0);                       /* returns the old state */
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    KT_EXPECT_EQ(KeResetEvent(&e), 0);
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    KeClearEvent(&e); /* same effect as KeResetEvent, no answer */
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    KeInitializeEvent(&e, SynchronizationEvent, TRUE);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
}

KTEST(event, pulse_returns_previous_and_leaves_it_clear)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    KT_EXPECT_EQ(KePulseEvent(&e, IO_NO_INCREMENT, FALSE), 0);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    KT_EXPECT_NE(KePulseEvent(&e, IO_NO_INCREMENT, FALSE), 0);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);
}

KTEST(event, a_signaled_event_satisfies_a_wait_at_once)
{
    KEVENT n, s;
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeEvent(&n, NotificationEvent, TRUE);
    KeInitializeEvent(&s, SynchronizationEvent, TRUE);
    KT_EXPECT_EQ(KeWaitForSingleObject(&n, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateEvent(&n), 1); /* notification: stays signaled */
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeReadStateEvent(&s), 0); /* synchronization: the wait consumed it */
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
}

typedef struct _WAITERS_CONTEXT {
    KEVENT Event;
    KEVENT Ready; /* notification: each waiter announces itself on Arrived */
    volatile LONG Arrived;
    volatile LONG Woken;
} WAITERS_CONTEXT;

static VOID Waiter(PVOID Context)
{
    WAITERS_CONTEXT *c = Context;
    LARGE_INTEGER timeout = {.QuadPart = -300000000}; /* 30 s: a lost wake-up fails, not hangs */
    __atomic_add_fetch(&c->Arrived, 1, __ATOMIC_RELEASE);
    if (KeWaitForSingleObject(&c->Event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS)
        __atomic_add_fetch(&c->Woken, 1, __ATOMIC_RELEASE);
}

/* Starts WAITERS threads on the event and returns once all are waiting. */
static VOID StartWaiters(WAITERS_CONTEXT *c, PKTHREAD Threads[WAITERS])
{
    for (ULONG i = 0; i < WAITERS; i++)
        Threads[i] = KtStartThread(Waiter, c, 0, 0);
    while (c->Arrived < WAITERS)
        KtSleep(1);
    /* "Arrived" is counted just before the wait: make sure they are in it
       (a loaded machine may take its time; only a hang takes 10 s). */
    for (ULONG i = 0; i < WAITERS; i++)
        KtWaitUntilThreadWaits(Threads[i], 10000);
}

KTEST(event, notification_releases_every_waiter_and_stays_signaled)
{
    WAITERS_CONTEXT c = {0};
    PKTHREAD t[WAITERS];
    KeInitializeEvent(&c.Event, NotificationEvent, FALSE);
    StartWaiters(&c, t);
    KT_EXPECT_EQ(c.Woken, 0);
    KeSetEvent(&c.Event, IO_NO_INCREMENT, FALSE);
    for (ULONG i = 0; i < WAITERS; i++)
        KtJoinThread(t[i], 5000);
    KT_EXPECT_EQ(c.Woken, WAITERS);
    KT_EXPECT_EQ(KeReadStateEvent(&c.Event), 1);
}

KTEST(event, synchronization_releases_exactly_one_and_resets)
{
    WAITERS_CONTEXT c = {0};
    PKTHREAD t[WAITERS];
    KeInitializeEvent(&c.Event, SynchronizationEvent, FALSE);
    StartWaiters(&c, t);
    for (LONG round = 1; round <= WAITERS; round++) {
        KT_EXPECT_EQ(KeSetEvent(&c.Event, IO_NO_INCREMENT, FALSE), 0);
        for (ULONG waited = 0; c.Woken < round && waited < 10000; waited++)
            KtSleep(1);
        KtSleep(20); /* had a second waiter been released, it would count by now */
        KT_EXPECT_EQ(c.Woken, round);
        KT_EXPECT_EQ(KeReadStateEvent(&c.Event), 0);
    }
    for (ULONG i = 0; i < WAITERS; i++)
        KtJoinThread(t[i], 5000);
    /* With no waiter, it stays signaled until one wait consumes it. */
    KeSetEvent(&c.Event, IO_NO_INCREMENT, FALSE);
    KT_EXPECT_EQ(KeReadStateEvent(&c.Event), 1);
}

KTEST(event, pulse_releases_the_waiters_and_leaves_it_clear)
{
    WAITERS_CONTEXT c = {0};
    PKTHREAD t[WAITERS];
    KeInitializeEvent(&c.Event, NotificationEvent, FALSE);
    StartWaiters(&c, t);
    KT_EXPECT_EQ(KePulseEvent(&c.Event, IO_NO_INCREMENT, FALSE), 0);
    for (ULONG i = 0; i < WAITERS; i++)
        KtJoinThread(t[i], 5000);
    KT_EXPECT_EQ(c.Woken, WAITERS);
    KT_EXPECT_EQ(KeReadStateEvent(&c.Event), 0);
}

/* ---- Wait = TRUE ---- */

KTEST(event, set_with_wait_true_keeps_the_lock_until_the_wait)
{
    KEVENT a, b;
    KeInitializeEvent(&a, NotificationEvent, FALSE);
    KeInitializeEvent(&b, NotificationEvent, TRUE); /* so the wait returns at once */
    PKTHREAD self = KeGetCurrentThread();
    KT_EXPECT_EQ(KeSetEvent(&a, IO_NO_INCREMENT, TRUE), 0);
    KIRQL irqlBetween = KeGetCurrentIrql();
    BOOLEAN waitNext = self->WaitNext;
    KIRQL waitIrql = self->WaitIrql;
    BOOLEAN lockHeld = KeIsDispatcherLockHeld();
    NTSTATUS status = KeWaitForSingleObject(&b, Executive, KernelMode, FALSE, NULL);
    /* Checked after the wait: nothing may run at SYNCH_LEVEL in between. */
    KT_EXPECT_EQ(irqlBetween, SYNCH_LEVEL);
    KT_EXPECT_TRUE(waitNext);
    KT_EXPECT_EQ(waitIrql, PASSIVE_LEVEL);
    KT_EXPECT_TRUE(lockHeld); /* the dispatcher lock, by this processor */
    KT_EXPECT_EQ(status, STATUS_SUCCESS);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL); /* back at the caller's IRQL */
    KT_EXPECT_FALSE(self->WaitNext);
    KT_EXPECT_FALSE(KeIsDispatcherLockHeld());
    KT_EXPECT_EQ(KeReadStateEvent(&a), 1);
}

KTEST(event, the_wait_after_wait_true_returns_at_the_callers_irql)
{
    KEVENT a, b;
    KeInitializeEvent(&a, NotificationEvent, FALSE);
    KeInitializeEvent(&b, SynchronizationEvent, TRUE);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    KeSetEvent(&a, IO_NO_INCREMENT, TRUE);
    KIRQL between = KeGetCurrentIrql();
    KeWaitForSingleObject(&b, Executive, KernelMode, FALSE, NULL);
    KIRQL after = KeGetCurrentIrql();
    KeLowerIrql(old);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_EQ(after, APC_LEVEL);
}

/* ---- the boost ---- */

typedef struct _BOOST_CONTEXT {
    KEVENT Event;
    volatile LONG Waiting;
    volatile KPRIORITY PriorityOnWake;
    volatile KPRIORITY PriorityLater;
    KPRIORITY Base;
} BOOST_CONTEXT;

static VOID BoostWaiter(PVOID Context)
{
    BOOST_CONTEXT *c = Context;
    if (c->Base >= LOW_REALTIME_PRIORITY) /* real time: a priority, not a base increment */
        KeSetPriorityThread(KeGetCurrentThread(), c->Base);
    else if (c->Base != 0)
        KeSetBasePriorityThread(KeGetCurrentThread(), c->Base - KE_SYSTEM_BASE_PRIORITY);
    c->Waiting = 1;
    KeWaitForSingleObject(&c->Event, Executive, KernelMode, FALSE, NULL);
    c->PriorityOnWake = KeQueryPriorityThread(KeGetCurrentThread());
    /* Run for several quanta: the boost decays one level at each end. */
    ULONG64 until = KeQueryInterruptTime() + 20 * KeQueryTimeIncrement() * KE_QUANTUM_TICKS;
    while (KeQueryInterruptTime() < until)
        YieldProcessor();
    c->PriorityLater = KeQueryPriorityThread(KeGetCurrentThread());
}

static VOID RunBoost(BOOST_CONTEXT *c, KPRIORITY Base, KPRIORITY Increment)
{
    KeInitializeEvent(&c->Event, SynchronizationEvent, FALSE);
    c->Base = Base;
    PKTHREAD t = KtStartThread(BoostWaiter, c, 0, 0);
    while (!c->Waiting || t->State != Waiting)
        KtSleep(1);
    KeSetEvent(&c->Event, Increment, FALSE);
    KtJoinThread(t, 10000);
}

KTEST(event, boost_is_base_plus_increment_and_decays_back)
{
    BOOST_CONTEXT c = {0};
    RunBoost(&c, 8, IO_NETWORK_INCREMENT);
    KT_EXPECT_EQ(c.PriorityOnWake, 8 + IO_NETWORK_INCREMENT);
    KT_EXPECT_EQ(c.PriorityLater, 8);
}

KTEST(event, boost_is_capped_at_15)
{
    BOOST_CONTEXT c = {0};
    RunBoost(&c, 12, IO_SOUND_INCREMENT); /* 12 + 8 would be 20 */
    KT_EXPECT_EQ(c.PriorityOnWake, 15);
    KT_EXPECT_EQ(c.PriorityLater, 12);
}

KTEST(event, realtime_threads_are_never_boosted)
{
    BOOST_CONTEXT c = {0};
    RunBoost(&c, 16, IO_SOUND_INCREMENT);
    KT_EXPECT_EQ(c.PriorityOnWake, 16);
}

/* ---- misuse ---- */

static KEVENT DeathEvent;

KTEST_DEATH(event, set_with_wait_false_above_dispatch_level, DRIVER_VERIFIER_DETECTED_VIOLATION,
            0x00020016, KT_ANY, CLOCK_LEVEL, FALSE)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, FALSE);
    KIRQL old;
    KeRaiseIrql(CLOCK_LEVEL, &old);
    KeSetEvent(&DeathEvent, IO_NO_INCREMENT, FALSE);
}

KTEST_DEATH(event, set_with_wait_true_above_apc_level, DRIVER_VERIFIER_DETECTED_VIOLATION,
            0x00020016, KT_ANY, DISPATCH_LEVEL, TRUE)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, FALSE);
    KeRaiseIrqlToDpcLevel();
    KeSetEvent(&DeathEvent, IO_NO_INCREMENT, TRUE);
}

KTEST(event, pulse_with_wait_true_then_wait)
{
    KEVENT a, b;
    KeInitializeEvent(&a, NotificationEvent, FALSE);
    KeInitializeEvent(&b, NotificationEvent, TRUE);
    KT_EXPECT_EQ(KePulseEvent(&a, IO_NO_INCREMENT, TRUE), 0);
    KIRQL between = KeGetCurrentIrql();
    KT_EXPECT_EQ(KeWaitForSingleObject(&b, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeReadStateEvent(&a), 0);
}
