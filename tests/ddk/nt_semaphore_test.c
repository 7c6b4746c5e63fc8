/*
 * nt_semaphore_test.c: KSEMAPHORE as the WDK documents it, field by field.
 *
 * SignalState is the count and Limit its maximum. A satisfied wait takes
 * one; KeReleaseSemaphore adds Adjustment, returns the count before it,
 * and releases as many waiters as the new count allows, first come first
 * served. A release that would take the count past the limit (or
 * overflow it) raises STATUS_SEMAPHORE_LIMIT_EXCEEDED; with no handler in
 * a kernel, that is KMODE_EXCEPTION_NOT_HANDLED with that status.
 */
#include "ntconf.h"

#define WAITERS 3

#define EXPECT_SEMAPHORE(s, count, waiters)                                                        \
    CONF_EXPECT_HEADER((s), (waiters), .Type = SemaphoreObject,                                    \
                       .Size = CONF_SIZE_IN_LONGS(KSEMAPHORE), .SignalState = (count))

KTEST(nt_semaphore, initialize_fills_every_field)
{
    KSEMAPHORE s;
    KT_EXPECT_EQ(sizeof(KSEMAPHORE), 32); /* x64 */
    ConfPoison(&s);
    KeInitializeSemaphore(&s, 2, 5);
    EXPECT_SEMAPHORE(&s, 2, 0);
    KT_EXPECT_EQ(s.Limit, 5);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 2);
}

KTEST(nt_semaphore, release_adds_and_returns_the_count_before)
{
    KSEMAPHORE s;
    KeInitializeSemaphore(&s, 0, 5);
    KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 2, FALSE), 0);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 2);
    KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 3, FALSE), 2); /* up to the limit */
    EXPECT_SEMAPHORE(&s, 5, 0);
    KT_EXPECT_EQ(s.Limit, 5);
}

KTEST(nt_semaphore, each_wait_takes_one)
{
    KSEMAPHORE s;
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeSemaphore(&s, 3, 3);
    for (LONG count = 3; count > 0; count--) {
        KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero),
                     STATUS_SUCCESS);
        KT_EXPECT_EQ(KeReadStateSemaphore(&s), count - 1);
    }
    KT_EXPECT_EQ(KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    EXPECT_SEMAPHORE(&s, 0, 0);
}

KTEST(nt_semaphore, release_wakes_as_many_waiters_as_it_adds_in_order)
{
    KSEMAPHORE s;
    CONF_WAITER w[WAITERS], waiter = {.Objects = {&s}};
    KeInitializeSemaphore(&s, 0, 10);
    if (ConfStartWaiters(w, WAITERS, &waiter)) {
        KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 2, FALSE), 0);
        /* The first two took one each; the third waits on. */
        EXPECT_SEMAPHORE(&s, 0, 1);
        KT_EXPECT_EQ(ConfWaiterAt(&s, 0), w[2].Thread);
        KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 3, FALSE), 0);
        EXPECT_SEMAPHORE(&s, 2, 0); /* one for the third waiter, two left */
    } else {
        KeReleaseSemaphore(&s, IO_NO_INCREMENT, WAITERS, FALSE);
    }
    ConfJoinWaiters(w, WAITERS);
    for (ULONG i = 0; i < WAITERS; i++)
        KT_EXPECT_EQ(w[i].Status, STATUS_SUCCESS);
}

KTEST(nt_semaphore, release_and_read_return_at_the_callers_irql)
{
    KSEMAPHORE s;
    KIRQL old, afterRelease, afterRead;
    KeInitializeSemaphore(&s, 0, 1);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeReleaseSemaphore(&s, IO_NO_INCREMENT, 1, FALSE);
    afterRelease = KeGetCurrentIrql();
    KeReadStateSemaphore(&s);
    afterRead = KeGetCurrentIrql();
    KeLowerIrql(old);
    KT_EXPECT_EQ(afterRelease, DISPATCH_LEVEL);
    KT_EXPECT_EQ(afterRead, DISPATCH_LEVEL);
    EXPECT_SEMAPHORE(&s, 1, 0);
}

KTEST(nt_semaphore, release_with_wait_true_returns_at_synch_level_until_the_wait)
{
    KSEMAPHORE s;
    KeInitializeSemaphore(&s, 0, 1);
    KT_EXPECT_EQ(KeReleaseSemaphore(&s, IO_NO_INCREMENT, 1, TRUE), 0);
    KIRQL between = KeGetCurrentIrql();
    /* The wait takes what the release just gave: nobody could come between. */
    NTSTATUS status = KeWaitForSingleObject(&s, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(between, SYNCH_LEVEL);
    KT_EXPECT_EQ(status, STATUS_SUCCESS);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    EXPECT_SEMAPHORE(&s, 0, 0);
}

/* ---- misuse ----------------------------------------------------------------------- */

static KSEMAPHORE DeathSemaphore;

KTEST_DEATH(nt_semaphore, release_past_the_limit, KMODE_EXCEPTION_NOT_HANDLED,
            (ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED, KT_ANY, KT_ANY, KT_ANY)
{
    KeInitializeSemaphore(&DeathSemaphore, 0, 1);
    KeReleaseSemaphore(&DeathSemaphore, IO_NO_INCREMENT, 2, FALSE);
}

/* 1 + MAXLONG does not fit in a LONG: the check must not wrap around. */
KTEST_DEATH(nt_semaphore, release_that_would_overflow_the_count, KMODE_EXCEPTION_NOT_HANDLED,
            (ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED, KT_ANY, KT_ANY, KT_ANY)
{
    KeInitializeSemaphore(&DeathSemaphore, 1, 0x7FFFFFFF);
    KeReleaseSemaphore(&DeathSemaphore, IO_NO_INCREMENT, 0x7FFFFFFF, FALSE);
}
