/*
 * nt_timer_test.c: KTIMER as the WDK documents it, field by field.
 *
 * KeInitializeTimer[Ex] leaves a timer not signaled and not set. KeSetTimer
 * [Ex] sets it (Inserted, Absolute for an absolute due time, SignalState
 * 0), cancelling a previous setting (and then returns TRUE); a due time
 * already past signals it at once. At expiry it is signaled: a
 * notification timer releases every waiter and stays signaled, a
 * synchronization timer releases one and resets; its DPC is queued with
 * the system time in its two arguments; a periodic timer is set again for
 * the next period. KeCancelTimer takes it out (TRUE if it was set) and
 * leaves its state alone.
 */
#include "ntconf.h"

#define PERIOD_MS   10
#define PERIOD_RUNS 5

#define EXPECT_TIMER(t, waiters, type, absolute, inserted, signal)                                 \
    CONF_EXPECT_HEADER((t), (waiters), .Type = (type), .Absolute = (absolute),                     \
                       .Size = CONF_SIZE_IN_LONGS(KTIMER), .Inserted = (inserted),                 \
                       .SignalState = (signal))

/* What a timer's DPC saw, run by run. */
typedef struct _TIMER_DPC {
    KDPC Dpc;
    PKTIMER Timer;
    volatile LONG Runs;
    ULONG64 RunTime[PERIOD_RUNS]; /* interrupt time of each of the first runs */
    LONGLONG SystemTime;          /* the arguments of the last run, put together */
    PVOID Context;
    KIRQL Irql;
    BOOLEAN TimerSignaled;
} TIMER_DPC;

static VOID TimerDpcRoutine(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    TIMER_DPC *t = CONTAINING_RECORD(Dpc, TIMER_DPC, Dpc);
    LONG run = t->Runs;
    if (run < PERIOD_RUNS)
        t->RunTime[run] = KeQueryInterruptTime();
    t->SystemTime = (LONGLONG)((ULONG64)(ULONG_PTR)Argument2 << 32 | (ULONG)(ULONG_PTR)Argument1);
    t->Context = Context;
    t->Irql = KeGetCurrentIrql();
    t->TimerSignaled = KeReadStateTimer(t->Timer);
    __atomic_store_n(&t->Runs, run + 1, __ATOMIC_RELEASE);
}

static VOID InitializeTimerDpc(TIMER_DPC *T, PKTIMER Timer)
{
    RtlZeroMemory(T, sizeof(*T));
    T->Timer = Timer;
    KeInitializeDpc(&T->Dpc, TimerDpcRoutine, T);
}

/* A test ends with its timer out of the timer list and no DPC of it
   queued or running: both live on the test's stack. */
static VOID Quiesce(PKTIMER Timer)
{
    KeCancelTimer(Timer);
    KeFlushQueuedDpcs();
}

static LARGE_INTEGER Relative(LONG Ms)
{
    return (LARGE_INTEGER){.QuadPart = CONF_MS(Ms)};
}

KTEST(nt_timer, initialize_fills_every_field)
{
    KTIMER t;
    KT_EXPECT_EQ(sizeof(KTIMER), 64); /* x64 */
    ConfPoison(&t);
    KeInitializeTimer(&t);
    EXPECT_TIMER(&t, 0, TimerNotificationObject, 0, FALSE, 0);
    KT_EXPECT_EQ(t.DueTime.QuadPart, 0);
    KT_EXPECT_EQ(t.Period, 0);
    ConfPoison(&t);
    KeInitializeTimerEx(&t, SynchronizationTimer);
    EXPECT_TIMER(&t, 0, TimerSynchronizationObject, 0, FALSE, 0);
    KT_EXPECT_EQ(t.DueTime.QuadPart, 0);
    KT_EXPECT_EQ(t.Period, 0);
    KT_EXPECT_FALSE(KeReadStateTimer(&t));
}

KTEST(nt_timer, a_relative_due_time_sets_it_for_that_interrupt_time)
{
    KTIMER t;
    KeInitializeTimer(&t);
    ULONG64 before = KeQueryInterruptTime();
    KT_EXPECT_FALSE(KeSetTimer(&t, Relative(5000), NULL));
    ULONG64 after = KeQueryInterruptTime();
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, TRUE, 0);
    KT_EXPECT_GE(t.DueTime.QuadPart, (LONGLONG)before + 5000 * 10000);
    KT_EXPECT_LE(t.DueTime.QuadPart, (LONGLONG)after + 5000 * 10000);
    KT_EXPECT_FALSE(KeReadStateTimer(&t));
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 0);
}

KTEST(nt_timer, an_absolute_due_time_sets_it_absolute)
{
    KTIMER t;
    LARGE_INTEGER due;
    KeInitializeTimer(&t);
    ULONG64 before = KeQueryInterruptTime();
    KeQuerySystemTime(&due);
    due.QuadPart += 5000 * 10000;
    KT_EXPECT_FALSE(KeSetTimer(&t, due, NULL));
    ULONG64 after = KeQueryInterruptTime();
    EXPECT_TIMER(&t, 0, TimerNotificationObject, TRUE, TRUE, 0);
    /* DueTime is kept in interrupt time, whatever the caller gave. */
    KT_EXPECT_GE(t.DueTime.QuadPart, (LONGLONG)before + 5000 * 10000 - 10000);
    KT_EXPECT_LE(t.DueTime.QuadPart, (LONGLONG)after + 5000 * 10000 + 10000);
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    EXPECT_TIMER(&t, 0, TimerNotificationObject, TRUE, FALSE, 0);
}

KTEST(nt_timer, a_notification_timer_expires_no_sooner_than_due_and_stays_signaled)
{
    KTIMER t;
    LARGE_INTEGER zero = {.QuadPart = 0}, timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)}, due;
    KeInitializeTimer(&t);
    ULONG64 start = KeQueryInterruptTime();
    KeSetTimer(&t, Relative(20), NULL);
    KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    KT_EXPECT_GE(KeQueryInterruptTime(), start + 20 * 10000);
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 1);
    KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_TRUE(KeReadStateTimer(&t));

    KeQuerySystemTime(&due); /* the same, absolute */
    due.QuadPart += 20 * 10000;
    KeSetTimer(&t, due, NULL);
    KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    LARGE_INTEGER now;
    KeQuerySystemTime(&now);
    KT_EXPECT_GE(now.QuadPart, due.QuadPart);
    EXPECT_TIMER(&t, 0, TimerNotificationObject, TRUE, FALSE, 1);
    Quiesce(&t);
}

KTEST(nt_timer, a_due_time_already_past_signals_it_at_once)
{
    KTIMER t;
    TIMER_DPC d;
    LARGE_INTEGER longAgo = {.QuadPart = 1}; /* absolute: 1601 */
    KeInitializeTimer(&t);
    InitializeTimerDpc(&d, &t);
    KT_EXPECT_FALSE(KeSetTimer(&t, longAgo, &d.Dpc));
    EXPECT_TIMER(&t, 0, TimerNotificationObject, TRUE, FALSE, 1);
    KeFlushQueuedDpcs(); /* its DPC was queued by the call */
    KT_EXPECT_EQ(d.Runs, 1);
    Quiesce(&t);
    KeInitializeTimerEx(&t, SynchronizationTimer);
    KT_EXPECT_FALSE(KeSetTimer(&t, Relative(0), NULL)); /* "now" has passed by the time it looks */
    KT_EXPECT_TRUE(KeReadStateTimer(&t));
    KT_EXPECT_EQ(t.Header.Inserted, FALSE);
    Quiesce(&t);
}

KTEST(nt_timer, setting_it_again_replaces_the_due_time)
{
    KTIMER t;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeInitializeTimer(&t);
    KT_EXPECT_FALSE(KeSetTimer(&t, Relative(100000), NULL));
    ULONG64 start = KeQueryInterruptTime();
    KT_EXPECT_TRUE(KeSetTimer(&t, Relative(20), NULL)); /* it was set */
    KT_EXPECT_LE(t.DueTime.QuadPart, (LONGLONG)KeQueryInterruptTime() + 20 * 10000);
    KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &timeout), STATUS_SUCCESS);
    KT_EXPECT_GE(KeQueryInterruptTime(), start + 20 * 10000);
    Quiesce(&t);
}

KTEST(nt_timer, cancel_takes_it_out_and_says_whether_it_was_set)
{
    KTIMER t;
    LARGE_INTEGER wait = {.QuadPart = CONF_MS(60)};
    KeInitializeTimer(&t);
    KeSetTimer(&t, Relative(20), NULL);
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 0);
    KT_EXPECT_FALSE(KeCancelTimer(&t));
    /* Not set, it cannot expire: the wait outlasts the old due time. */
    KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &wait), STATUS_TIMEOUT);
    KT_EXPECT_FALSE(KeReadStateTimer(&t));
}

KTEST(nt_timer, cancel_leaves_the_state_and_set_clears_it)
{
    KTIMER t;
    LARGE_INTEGER longAgo = {.QuadPart = 1};
    KeInitializeTimer(&t);
    KeSetTimer(&t, longAgo, NULL);
    KT_EXPECT_FALSE(KeCancelTimer(&t)); /* it expired: not set any more */
    KT_EXPECT_TRUE(KeReadStateTimer(&t));
    KT_EXPECT_FALSE(KeSetTimer(&t, Relative(100000), NULL));
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, TRUE, 0);
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    Quiesce(&t);
}

KTEST(nt_timer, a_notification_timer_releases_every_waiter)
{
    KTIMER t;
    CONF_WAITER w[2], waiter = {.Objects = {&t}};
    KeInitializeTimer(&t);
    BOOLEAN started = ConfStartWaiters(w, ARRAYSIZE(w), &waiter);
    KeSetTimer(&t, Relative(started ? 20 : 0), NULL);
    ConfJoinWaiters(w, ARRAYSIZE(w));
    for (ULONG i = 0; i < ARRAYSIZE(w); i++)
        KT_EXPECT_EQ(w[i].Status, STATUS_SUCCESS);
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 1);
    Quiesce(&t);
}

KTEST(nt_timer, a_synchronization_timer_releases_one_waiter_and_resets)
{
    KTIMER t;
    CONF_WAITER w[2], waiter = {.Objects = {&t}};
    KeInitializeTimerEx(&t, SynchronizationTimer);
    if (ConfStartWaiters(w, ARRAYSIZE(w), &waiter)) {
        KeSetTimer(&t, Relative(20), NULL);
        /* One expiry, one waiter gone: then nothing changes any more. */
        if (CONF_AWAIT(ConfWaitListLength(&t) == 1)) {
            EXPECT_TIMER(&t, 1, TimerSynchronizationObject, FALSE, FALSE, 0);
            KT_EXPECT_EQ(ConfWaiterAt(&t, 0), w[1].Thread);
        }
    }
    KeSetTimer(&t, Relative(0), NULL); /* the second */
    ConfJoinWaiters(w, ARRAYSIZE(w));
    for (ULONG i = 0; i < ARRAYSIZE(w); i++)
        KT_EXPECT_EQ(w[i].Status, STATUS_SUCCESS);
    EXPECT_TIMER(&t, 0, TimerSynchronizationObject, FALSE, FALSE, 0);
    Quiesce(&t);
}

KTEST(nt_timer, its_dpc_runs_at_expiry_with_the_system_time)
{
    KTIMER t;
    TIMER_DPC d;
    LARGE_INTEGER set, after;
    KeInitializeTimer(&t);
    InitializeTimerDpc(&d, &t);
    KeQuerySystemTime(&set);
    KT_EXPECT_FALSE(KeSetTimer(&t, Relative(20), &d.Dpc));
    if (CONF_AWAIT(d.Runs == 1)) {
        KeQuerySystemTime(&after);
        KT_EXPECT_EQ(d.Irql, DISPATCH_LEVEL);
        KT_EXPECT_EQ(d.Context, &d);
        KT_EXPECT_TRUE(d.TimerSignaled); /* signaled before its DPC runs */
        KT_EXPECT_GE(d.SystemTime, set.QuadPart + 20 * 10000);
        KT_EXPECT_LE(d.SystemTime, after.QuadPart);
    }
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(d.Runs, 1); /* one shot */
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 1);
    Quiesce(&t);
}

KTEST(nt_timer, a_periodic_timer_fires_every_period_until_cancelled)
{
    KTIMER t;
    TIMER_DPC d;
    KeInitializeTimer(&t);
    InitializeTimerDpc(&d, &t);
    ULONG64 start = KeQueryInterruptTime();
    KT_EXPECT_FALSE(KeSetTimerEx(&t, Relative(PERIOD_MS), PERIOD_MS, &d.Dpc));
    KT_EXPECT_EQ(t.Period, PERIOD_MS);
    CONF_AWAIT(d.Runs >= PERIOD_RUNS);
    /* Between expiries it is set again, and it stays signaled. */
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, TRUE, 1);
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    KeFlushQueuedDpcs(); /* after this no DPC of it can be queued or running */
    LONG runs = d.Runs;
    for (ULONG k = 0; k < PERIOD_RUNS && k < (ULONG)runs; k++) /* never early */
        KT_EXPECT_GE(d.RunTime[k], start + (k + 1) * PERIOD_MS * 10000ull);
    KtSleep(3 * PERIOD_MS);
    KT_EXPECT_EQ(d.Runs, runs);
    EXPECT_TIMER(&t, 0, TimerNotificationObject, FALSE, FALSE, 1);
    Quiesce(&t);
}

KTEST(nt_timer, a_periodic_synchronization_timer_satisfies_one_wait_per_period)
{
    KTIMER t;
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeInitializeTimerEx(&t, SynchronizationTimer);
    ULONG64 start = KeQueryInterruptTime();
    KeSetTimerEx(&t, Relative(PERIOD_MS), PERIOD_MS, NULL);
    for (ULONG k = 1; k <= 3; k++) {
        KT_EXPECT_EQ(KeWaitForSingleObject(&t, Executive, KernelMode, FALSE, &timeout),
                     STATUS_SUCCESS);
        KT_EXPECT_GE(KeQueryInterruptTime(), start + k * PERIOD_MS * 10000ull);
    }
    KT_EXPECT_TRUE(KeCancelTimer(&t));
    Quiesce(&t);
}

KTEST(nt_timer, every_routine_returns_at_the_callers_irql)
{
    KTIMER t;
    TIMER_DPC d;
    KIRQL old, after[5];
    KeInitializeTimer(&t);
    InitializeTimerDpc(&d, &t);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeInitializeTimerEx(&t, NotificationTimer);
    after[0] = KeGetCurrentIrql();
    KeSetTimer(&t, Relative(100000), NULL);
    after[1] = KeGetCurrentIrql();
    KeSetTimerEx(&t, Relative(100000), PERIOD_MS, &d.Dpc);
    after[2] = KeGetCurrentIrql();
    KeReadStateTimer(&t);
    after[3] = KeGetCurrentIrql();
    KeCancelTimer(&t);
    after[4] = KeGetCurrentIrql();
    KeLowerIrql(old);
    for (ULONG i = 0; i < ARRAYSIZE(after); i++)
        KT_EXPECT_EQ(after[i], DISPATCH_LEVEL);
    Quiesce(&t);
}
