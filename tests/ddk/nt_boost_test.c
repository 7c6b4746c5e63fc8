/*
 * nt_boost_test.c: the priority boost a satisfied wait gives, and its end.
 *
 * The Increment of KeSetEvent, KePulseEvent and KeReleaseSemaphore (and 1
 * for the new owner of a released mutex) boosts each thread whose wait the
 * call satisfies: a dynamic thread (base below 16) runs at
 * max(current, min(base + Increment, 15)); a real-time thread is never
 * boosted. The boost lasts a full quantum from the wake and then decays
 * one level per quantum end, back to the base.
 *
 * A readied thread's priority is read by a checker that runs above it on
 * the only processor it may use (ConfRunPinned): it cannot have run, so no
 * quantum of it can have ended, and what the checker reads is exactly what
 * the call gave.
 */
#include "ntconf.h"

#define CHECKED_PROCESSOR 0

typedef struct _BOOST_CASE {
    KPRIORITY Base;      /* of the waiter */
    KPRIORITY Increment; /* given by the call that satisfies its wait */
    KPRIORITY Expected;  /* its priority once readied */
    KEVENT Event;
    CONF_WAITER Waiter;
    volatile KPRIORITY Readied;
} BOOST_CASE;

/* The checker: starts the waiter on its own processor, satisfies its
   wait, reads its priority. */
static VOID SetAndRead(PVOID Context)
{
    BOOST_CASE *c = Context;
    c->Waiter = (CONF_WAITER){
        .Objects = {&c->Event}, .Base = c->Base, .Affinity = CONF_AFFINITY(CHECKED_PROCESSOR)};
    if (ConfStartWaiter(&c->Waiter)) {
        KeSetEvent(&c->Event, c->Increment, FALSE);
        c->Readied = KeQueryPriorityThread(c->Waiter.Thread);
    } else {
        KeSetEvent(&c->Event, c->Increment, FALSE);
    }
}

static VOID RunBoostCase(KPRIORITY Base, KPRIORITY Increment, KPRIORITY Expected, PCSTR File,
                         ULONG Line)
{
    BOOST_CASE c = {.Base = Base, .Increment = Increment, .Expected = Expected, .Readied = -1};
    KeInitializeEvent(&c.Event, SynchronizationEvent, FALSE);
    ConfRunPinned(CHECKED_PROCESSOR, SetAndRead, &c);
    ConfJoinWaiter(&c.Waiter);
    KtCheck(KtEq, c.Waiter.Status, STATUS_SUCCESS, "wait status", "STATUS_SUCCESS", File, Line);
    KtCheck(KtEq, c.Readied, Expected, "priority once readied", "expected", File, Line);
}
#define EXPECT_BOOST(base, increment, expected)                                                    \
    RunBoostCase((base), (increment), (expected), __FILE__, __LINE__)

KTEST(nt_boost, a_satisfied_wait_adds_the_increment_to_the_base)
{
    EXPECT_BOOST(8, EVENT_INCREMENT, 9);
    EXPECT_BOOST(8, IO_NETWORK_INCREMENT, 10);
    EXPECT_BOOST(4, IO_KEYBOARD_INCREMENT, 10);
    EXPECT_BOOST(8, IO_NO_INCREMENT, 8);
}

KTEST(nt_boost, the_boost_stops_at_15)
{
    EXPECT_BOOST(12, IO_SOUND_INCREMENT, 15); /* 12 + 8 */
    EXPECT_BOOST(15, IO_SOUND_INCREMENT, 15);
}

KTEST(nt_boost, real_time_threads_are_never_boosted)
{
    EXPECT_BOOST(LOW_REALTIME_PRIORITY, IO_SOUND_INCREMENT, LOW_REALTIME_PRIORITY);
    EXPECT_BOOST(20, EVENT_INCREMENT, 20);
}

/* A boost never lowers a thread that is higher already: woken at 14, the
   waiter waits again at once, and a wake with increment 1 leaves it where
   it waited (14, unless a quantum ended first), not at base + 1. */
typedef struct _REWAIT {
    KEVENT First, Second;
    CONF_WAITER Waiter;
    KPRIORITY AfterFirst, Waiting, AfterSecond;
} REWAIT;

static VOID WaitAgain(CONF_WAITER *Waiter)
{
    REWAIT *r = Waiter->Context;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeWaitForSingleObject(&r->Second, Executive, KernelMode, FALSE, &timeout);
}

static VOID BoostTwice(PVOID Context)
{
    REWAIT *r = Context;
    r->Waiter = (CONF_WAITER){.Objects = {&r->First},
                              .Affinity = CONF_AFFINITY(CHECKED_PROCESSOR),
                              .AfterWake = WaitAgain,
                              .Context = r};
    BOOLEAN started = ConfStartWaiter(&r->Waiter);
    KeSetEvent(&r->First, 6, FALSE);
    r->AfterFirst = KeQueryPriorityThread(r->Waiter.Thread);
    if (started && CONF_AWAIT(ConfIsWaitingOn(&r->Second, r->Waiter.Thread))) {
        r->Waiting = KeQueryPriorityThread(r->Waiter.Thread); /* waiting: it cannot change */
        KeSetEvent(&r->Second, EVENT_INCREMENT, FALSE);
        r->AfterSecond = KeQueryPriorityThread(r->Waiter.Thread);
    }
    KeSetEvent(&r->Second, EVENT_INCREMENT, FALSE);
}

KTEST(nt_boost, a_boost_never_lowers_a_boosted_thread)
{
    REWAIT r = {0};
    KeInitializeEvent(&r.First, SynchronizationEvent, FALSE);
    KeInitializeEvent(&r.Second, SynchronizationEvent, FALSE);
    ConfRunPinned(CHECKED_PROCESSOR, BoostTwice, &r);
    ConfJoinWaiter(&r.Waiter);
    KT_EXPECT_EQ(r.AfterFirst, 14);
    KT_EXPECT_EQ(r.AfterSecond, r.Waiting > 9 ? r.Waiting : 9);
    KT_EXPECT_GT(r.Waiting, 9); /* it waited again within five quanta of its wake */
}

/* Every routine that satisfies waits gives the boost: each waiter of a
   notification event, the one a synchronization event releases (the
   others, still waiting, keep their priority), the ones a semaphore
   release admits, and the new owner of a mutex (by 1). */
typedef struct _BOOST_ALL {
    KEVENT Notification, Synchronization;
    KSEMAPHORE Semaphore;
    KMUTEX Mutex;
    CONF_WAITER Waiters[7];
    KPRIORITY Readied[7];
} BOOST_ALL;

static VOID ReleaseMutexAfterWake(CONF_WAITER *Waiter)
{
    if (Waiter->Status == STATUS_SUCCESS)
        KeReleaseMutex(Waiter->Context, FALSE);
}

static VOID BoostEveryWay(PVOID Context)
{
    BOOST_ALL *b = Context;
    PVOID objects[7] = {
        &b->Notification, &b->Notification, &b->Synchronization, &b->Synchronization, &b->Semaphore,
        &b->Semaphore,    &b->Mutex};
    BOOLEAN started = TRUE;
    KeWaitForMutexObject(&b->Mutex, Executive, KernelMode, FALSE, NULL);
    for (ULONG i = 0; i < 7 && started; i++) {
        b->Waiters[i] = (CONF_WAITER){.Objects = {objects[i]},
                                      .Affinity = CONF_AFFINITY(CHECKED_PROCESSOR),
                                      .AfterWake = i == 6 ? ReleaseMutexAfterWake : NULL,
                                      .Context = &b->Mutex};
        started = ConfStartWaiter(&b->Waiters[i]);
    }
    KeSetEvent(&b->Notification, IO_NETWORK_INCREMENT, FALSE);
    KeSetEvent(&b->Synchronization, IO_KEYBOARD_INCREMENT, FALSE);
    KeReleaseSemaphore(&b->Semaphore, SEMAPHORE_INCREMENT + 2, 2, FALSE);
    KeReleaseMutex(&b->Mutex, FALSE);
    for (ULONG i = 0; i < 7 && started; i++)
        b->Readied[i] = KeQueryPriorityThread(b->Waiters[i].Thread);
    KeSetEvent(&b->Synchronization, IO_NO_INCREMENT, FALSE); /* the second waiter */
}

KTEST(nt_boost, every_routine_that_satisfies_a_wait_boosts_it)
{
    static const KPRIORITY expected[7] = {10, 10, 14, 8, 11, 11, 9};
    BOOST_ALL b = {0};
    KeInitializeEvent(&b.Notification, NotificationEvent, FALSE);
    KeInitializeEvent(&b.Synchronization, SynchronizationEvent, FALSE);
    KeInitializeSemaphore(&b.Semaphore, 0, 2);
    KeInitializeMutex(&b.Mutex, 0);
    ConfRunPinned(CHECKED_PROCESSOR, BoostEveryWay, &b);
    for (ULONG i = 0; i < 7; i++) {
        ConfJoinWaiter(&b.Waiters[i]);
        KT_EXPECT_EQ(b.Waiters[i].Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(b.Readied[i], expected[i]);
    }
}

/* ---- how long a boost lasts ----------------------------------------------------------- */

/* Ticks of processor 0, which counts them (KeQueryTickCount) in the same
   clock interrupt that charges its running thread's quantum: while a
   thread runs there, the ticks counted are ticks of its quantum. */
static LONGLONG Ticks(VOID)
{
    LARGE_INTEGER now;
    KeQueryTickCount(&now);
    return now.QuadPart;
}

/* A waiter on processor 0 woken with a boost of 6 spins and writes down
   each priority it sees, and the tick it saw it at, until it is back at
   its base. */
typedef struct _DECAY {
    KEVENT Event;
    CONF_WAITER Waiter;
    KPRIORITY Readied;
    LONGLONG WokenAt; /* the tick count just after the wake */
    KPRIORITY Level[16];
    LONGLONG SeenAt[16];
    ULONG Count;
    BOOLEAN Rose;
} DECAY;

static VOID WatchDecay(CONF_WAITER *Waiter)
{
    DECAY *d = Waiter->Context;
    ULONG64 deadline = KeQueryInterruptTime() + CONF_WAIT_MS * 10000ull;
    KPRIORITY last = HIGH_PRIORITY, now;
    do {
        now = KeQueryPriorityThread(KeGetCurrentThread());
        if (now > last)
            d->Rose = TRUE;
        if (now != last && d->Count < ARRAYSIZE(d->Level)) {
            d->Level[d->Count] = now;
            d->SeenAt[d->Count++] = Ticks();
        }
        last = now;
    } while (now > CONF_SYSTEM_BASE_PRIORITY && KeQueryInterruptTime() < deadline);
}

static VOID BoostBy6(PVOID Context)
{
    DECAY *d = Context;
    d->Waiter = (CONF_WAITER){.Objects = {&d->Event},
                              .Affinity = CONF_AFFINITY(0),
                              .AfterWake = WatchDecay,
                              .Context = d};
    BOOLEAN started = ConfStartWaiter(&d->Waiter);
    KeSetEvent(&d->Event, started ? 6 : IO_NO_INCREMENT, FALSE);
    d->WokenAt = Ticks();
    d->Readied = KeQueryPriorityThread(d->Waiter.Thread);
}

/* From 14 back to 8, never rising, and never faster than one level per
   quantum: level 14 - k cannot be seen before 3k ticks of the waiter's own
   have passed. (Observations can only be late, so this cannot fail by
   luck; seeing every level is not required, since a host that stalls the
   processor may deliver two ticks between two reads.) */
KTEST(nt_boost, a_boost_decays_one_level_per_quantum_back_to_the_base)
{
    DECAY d = {0};
    KeInitializeEvent(&d.Event, SynchronizationEvent, FALSE);
    ConfRunPinned(0, BoostBy6, &d);
    ConfJoinWaiter(&d.Waiter);
    KT_EXPECT_EQ(d.Readied, 14);
    KT_EXPECT_FALSE(d.Rose);
    KT_ASSERT_TRUE(d.Count > 0);
    KT_EXPECT_EQ(d.Level[d.Count - 1], CONF_SYSTEM_BASE_PRIORITY);
    for (ULONG i = 0; i < d.Count; i++) {
        KT_EXPECT_LE(d.Level[i], 14);
        KT_EXPECT_GE(d.SeenAt[i] - d.WokenAt, 3 * (14 - d.Level[i]));
    }
}

/*
 * The boost lasts until the thread has run a full quantum. The waiter is
 * on processor 0, whose clock interrupt both counts the ticks
 * (KeQueryTickCount) and charges the running thread's quantum, so ticks
 * counted while it runs are ticks of its quantum:
 *   1. a first boost (by 1) decays at a quantum end: a fresh quantum;
 *   2. it spins two ticks of that quantum away, then hands over to the
 *      checker and waits in one step (KeSetEvent with Wait = TRUE, so the
 *      checker cannot run before the waiter is in its wait);
 *   3. the checker wakes it with a boost of 2, sees 10, notes the tick
 *      count, and ends;
 *   4. the waiter runs until a tick has passed since that note and reads
 *      10 still. At most two ticks of its own have passed by that read
 *      (that one, and one that may slip in before the read): a full
 *      quantum (3) from the wake keeps the boost, what was left of the old
 *      one (1) does not.
 */
typedef struct _QUANTUM {
    KEVENT First, Ready, Second;
    CONF_WAITER Waiter;
    KPRIORITY Readied, AfterATick;
    LONGLONG CheckerEndedAt; /* the tick count when the checker last ran */
} QUANTUM;

static VOID SpinTicks(LONGLONG Count)
{
    LONGLONG start = Ticks();
    while (Ticks() < start + Count)
        YieldProcessor();
}

static VOID UseUpAQuantumAndWaitAgain(CONF_WAITER *Waiter)
{
    QUANTUM *q = Waiter->Context;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    ULONG64 deadline = KeQueryInterruptTime() + CONF_WAIT_MS * 10000ull;
    while (KeQueryPriorityThread(KeGetCurrentThread()) > CONF_SYSTEM_BASE_PRIORITY &&
           KeQueryInterruptTime() < deadline)
        YieldProcessor();
    SpinTicks(2);
    KeSetEvent(&q->Ready, IO_NO_INCREMENT, TRUE);
    if (KeWaitForSingleObject(&q->Second, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS)
        return;
    while (Ticks() <= q->CheckerEndedAt)
        YieldProcessor();
    q->AfterATick = KeQueryPriorityThread(KeGetCurrentThread());
}

static VOID WakeTwice(PVOID Context)
{
    QUANTUM *q = Context;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    q->Waiter = (CONF_WAITER){.Objects = {&q->First},
                              .Affinity = CONF_AFFINITY(0),
                              .AfterWake = UseUpAQuantumAndWaitAgain,
                              .Context = q};
    BOOLEAN started = ConfStartWaiter(&q->Waiter);
    KeSetEvent(&q->First, EVENT_INCREMENT, FALSE);
    if (started && KeWaitForSingleObject(&q->Ready, Executive, KernelMode, FALSE, &timeout) ==
                       STATUS_SUCCESS) {
        KeSetEvent(&q->Second, IO_NETWORK_INCREMENT, FALSE);
        q->Readied = KeQueryPriorityThread(q->Waiter.Thread);
    }
    KeSetEvent(&q->Second, IO_NO_INCREMENT, FALSE);
    q->CheckerEndedAt = Ticks();
}

KTEST(nt_boost, a_boost_lasts_a_full_quantum_from_the_wake)
{
    QUANTUM q = {0};
    KeInitializeEvent(&q.First, SynchronizationEvent, FALSE);
    KeInitializeEvent(&q.Ready, SynchronizationEvent, FALSE);
    KeInitializeEvent(&q.Second, SynchronizationEvent, FALSE);
    ConfRunPinned(0, WakeTwice, &q);
    ConfJoinWaiter(&q.Waiter);
    KT_EXPECT_EQ(q.Readied, CONF_SYSTEM_BASE_PRIORITY + IO_NETWORK_INCREMENT);
    KT_EXPECT_EQ(q.AfterATick, CONF_SYSTEM_BASE_PRIORITY + IO_NETWORK_INCREMENT);
}
