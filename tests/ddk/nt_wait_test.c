/*
 * nt_wait_test.c: KeWaitForSingleObject, KeWaitForMultipleObjects and
 * KeDelayExecutionThread as the WDK documents them.
 *
 * WaitAny returns STATUS_WAIT_0 plus the index of the first object that
 * satisfies it and consumes only that one; WaitAll returns STATUS_WAIT_0
 * once every object is signaled at the same time, and consumes each. A
 * waiting thread hangs a wait block on each object (its own three, or the
 * caller's array for more), naming itself, the object, the index (its
 * WaitKey) and the wait type. A timeout is relative when negative,
 * absolute when positive, a test when zero (the only wait allowed at
 * DISPATCH_LEVEL); an alertable wait ends with STATUS_ALERTED when the
 * thread is alerted. The wait returns at the caller's IRQL.
 */
#include "ntconf.h"

#define MANY 5 /* more objects than a thread's own wait blocks */

KTEST(nt_wait, wait_any_returns_the_first_signaled_index_and_consumes_only_it)
{
    KEVENT e[3];
    PVOID objects[3] = {&e[0], &e[1], &e[2]};
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeEvent(&e[0], SynchronizationEvent, FALSE);
    KeInitializeEvent(&e[1], SynchronizationEvent, TRUE);
    KeInitializeEvent(&e[2], SynchronizationEvent, TRUE);
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_WAIT_0 + 1);
    KT_EXPECT_EQ(KeReadStateEvent(&e[1]), 0);
    KT_EXPECT_EQ(KeReadStateEvent(&e[2]), 1);
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_WAIT_0 + 2);
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_TIMEOUT);
}

KTEST(nt_wait, wait_all_consumes_every_object_or_none)
{
    KEVENT e;
    KSEMAPHORE s;
    KMUTEX m;
    PVOID objects[3] = {&e, &s, &m};
    LARGE_INTEGER zero = {.QuadPart = 0};
    KeInitializeEvent(&e, SynchronizationEvent, TRUE);
    KeInitializeSemaphore(&s, 0, 2);
    KeInitializeMutex(&m, 0);
    /* The semaphore is at 0: nothing may be taken, not even the others. */
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAll, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_TIMEOUT);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 1);
    KT_EXPECT_EQ(KeReadStateMutex(&m), 1);
    KeReleaseSemaphore(&s, IO_NO_INCREMENT, 2, FALSE);
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAll, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_WAIT_0);
    KT_EXPECT_EQ(KeReadStateEvent(&e), 0);     /* reset */
    KT_EXPECT_EQ(KeReadStateSemaphore(&s), 1); /* one taken */
    KT_EXPECT_EQ(KeReadStateMutex(&m), 0);     /* owned */
    KT_EXPECT_EQ(m.OwnerThread, KeGetCurrentThread());
    KeReleaseMutex(&m, FALSE);
}

KTEST(nt_wait, a_wait_all_waiter_goes_only_when_every_object_is_signaled)
{
    KEVENT a, b;
    CONF_WAITER w = {.Count = 2, .Objects = {&a, &b}, .WaitAll = TRUE};
    KeInitializeEvent(&a, NotificationEvent, FALSE);
    KeInitializeEvent(&b, SynchronizationEvent, FALSE);
    if (ConfStartWaiter(&w)) {
        KeSetEvent(&a, IO_NO_INCREMENT, FALSE);
        /* a alone does not satisfy it: the waiter stays on both lists. */
        KT_EXPECT_EQ(ConfWaitListLength(&a), 1);
        KT_EXPECT_EQ(ConfWaitListLength(&b), 1);
        KeSetEvent(&b, IO_NO_INCREMENT, FALSE);
        KT_EXPECT_EQ(ConfWaitListLength(&a), 0);
        KT_EXPECT_EQ(ConfWaitListLength(&b), 0);
        KT_EXPECT_EQ(KeReadStateEvent(&a), 1); /* notification: stays */
        KT_EXPECT_EQ(KeReadStateEvent(&b), 0); /* synchronization: consumed */
    }
    KeSetEvent(&a, IO_NO_INCREMENT, FALSE);
    KeSetEvent(&b, IO_NO_INCREMENT, FALSE);
    ConfJoinWaiter(&w);
    KT_EXPECT_EQ(w.Status, STATUS_WAIT_0);
}

/* Checks the wait blocks a waiter hung on its objects: each names the
   thread, its object, its index and the wait type, and they form a ring. */
static VOID ExpectWaitBlocks(CONF_WAITER *W, PKWAIT_BLOCK Array)
{
    PKWAIT_BLOCK blocks[MAXIMUM_WAIT_OBJECTS];
    for (ULONG i = 0; i < W->Count; i++) {
        blocks[i] = ConfWaitBlockAt(W->Objects[i], 0);
        KT_ASSERT_NOT_NULL(blocks[i]);
        KT_EXPECT_EQ(blocks[i]->Thread, W->Thread);
        KT_EXPECT_EQ(blocks[i]->Object, W->Objects[i]);
        KT_EXPECT_EQ(blocks[i]->WaitKey, i);
        KT_EXPECT_EQ(blocks[i]->WaitType, W->WaitAll ? WaitAll : WaitAny);
        if (Array != NULL)
            KT_EXPECT_EQ(blocks[i], &Array[i]);
    }
    for (ULONG i = 0; i + 1 < W->Count; i++)
        KT_EXPECT_EQ(blocks[i]->NextWaitBlock, blocks[i + 1]);
    /* The last leads back to the first, through the timeout's block. */
    PKWAIT_BLOCK b = blocks[W->Count - 1]->NextWaitBlock;
    for (ULONG hops = 0; b != blocks[0] && hops < 2; hops++)
        b = b->NextWaitBlock;
    KT_EXPECT_EQ(b, blocks[0]);
}

KTEST(nt_wait, a_waiters_own_wait_blocks_describe_its_wait)
{
    KEVENT e[THREAD_WAIT_OBJECTS];
    CONF_WAITER w = {.Count = THREAD_WAIT_OBJECTS};
    for (ULONG i = 0; i < THREAD_WAIT_OBJECTS; i++) {
        KeInitializeEvent(&e[i], NotificationEvent, FALSE);
        w.Objects[i] = &e[i];
    }
    if (ConfStartWaiter(&w))
        ExpectWaitBlocks(&w, NULL);
    KeSetEvent(&e[2], IO_NO_INCREMENT, FALSE);
    ConfJoinWaiter(&w);
    KT_EXPECT_EQ(w.Status, STATUS_WAIT_0 + 2);
    for (ULONG i = 0; i < THREAD_WAIT_OBJECTS; i++)
        KT_EXPECT_EQ(ConfWaitListLength(&e[i]), 0); /* every block left with it */
}

KTEST(nt_wait, more_objects_wait_in_the_callers_wait_block_array)
{
    KEVENT e[MANY];
    KWAIT_BLOCK blocks[MANY];
    CONF_WAITER w = {.Count = MANY, .WaitBlocks = blocks};
    for (ULONG i = 0; i < MANY; i++) {
        KeInitializeEvent(&e[i], SynchronizationEvent, FALSE);
        w.Objects[i] = &e[i];
    }
    if (ConfStartWaiter(&w))
        ExpectWaitBlocks(&w, blocks);
    KeSetEvent(&e[3], IO_NO_INCREMENT, FALSE);
    ConfJoinWaiter(&w);
    KT_EXPECT_EQ(w.Status, STATUS_WAIT_0 + 3);
    KT_EXPECT_EQ(KeReadStateEvent(&e[3]), 0);
}

KTEST(nt_wait, waiters_on_one_object_line_up_in_arrival_order)
{
    KEVENT e;
    CONF_WAITER w[3];
    volatile LONG sequence = 0;
    CONF_WAITER waiter = {.Objects = {&e}, .Sequence = &sequence};
    KeInitializeEvent(&e, SynchronizationEvent, FALSE);
    if (ConfStartWaiters(w, ARRAYSIZE(w), &waiter)) {
        CONF_EXPECT_HEADER(&e, ARRAYSIZE(w), .Type = EventSynchronizationObject,
                           .Size = CONF_SIZE_IN_LONGS(KEVENT), .SignalState = 0);
        for (ULONG i = 0; i < ARRAYSIZE(w); i++) {
            KT_EXPECT_EQ(ConfWaiterAt(&e, i), w[i].Thread);
            KT_EXPECT_EQ(ConfWaitBlockAt(&e, i)->WaitListEntry.Blink,
                         i == 0 ? &e.Header.WaitListHead
                                : &ConfWaitBlockAt(&e, i - 1)->WaitListEntry);
        }
    }
    for (ULONG i = 0; i < ARRAYSIZE(w); i++) { /* each set releases the first in line */
        KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
        ConfJoinWaiter(&w[i]);
        KT_EXPECT_EQ(w[i].WakeOrder, (LONG)i + 1);
    }
}

KTEST(nt_wait, timeouts_zero_relative_and_absolute)
{
    KEVENT e;
    LARGE_INTEGER zero = {.QuadPart = 0}, relative = {.QuadPart = CONF_MS(20)}, absolute, now;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    ULONG64 start = KeQueryInterruptTime();
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &relative),
                 STATUS_TIMEOUT);
    KT_EXPECT_GE(KeQueryInterruptTime(), start + 20 * 10000);
    KeQuerySystemTime(&absolute);
    absolute.QuadPart += 20 * 10000;
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &absolute),
                 STATUS_TIMEOUT);
    KeQuerySystemTime(&now);
    KT_EXPECT_GE(now.QuadPart, absolute.QuadPart);
    absolute.QuadPart = 1; /* long past */
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &absolute),
                 STATUS_TIMEOUT);
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
}

KTEST(nt_wait, a_wait_returns_at_the_callers_irql)
{
    KEVENT e;
    KIRQL old, afterSatisfied, afterTimeout, atDispatch[2];
    LARGE_INTEGER zero = {.QuadPart = 0}, shortWait = {.QuadPart = CONF_MS(5)};
    NTSTATUS status[2];
    KeInitializeEvent(&e, NotificationEvent, TRUE);
    KeRaiseIrql(APC_LEVEL, &old);
    KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, NULL);
    afterSatisfied = KeGetCurrentIrql();
    KeResetEvent(&e);
    KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &shortWait);
    afterTimeout = KeGetCurrentIrql();
    KeLowerIrql(old);
    /* A zero timeout is the wait allowed at DISPATCH_LEVEL. */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    status[0] = KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero);
    atDispatch[0] = KeGetCurrentIrql();
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    status[1] = KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero);
    atDispatch[1] = KeGetCurrentIrql();
    KeLowerIrql(old);
    KT_EXPECT_EQ(afterSatisfied, APC_LEVEL);
    KT_EXPECT_EQ(afterTimeout, APC_LEVEL);
    KT_EXPECT_EQ(status[0], STATUS_TIMEOUT);
    KT_EXPECT_EQ(status[1], STATUS_SUCCESS);
    KT_EXPECT_EQ(atDispatch[0], DISPATCH_LEVEL);
    KT_EXPECT_EQ(atDispatch[1], DISPATCH_LEVEL);
}

KTEST(nt_wait, an_alert_ends_an_alertable_wait_only)
{
    KEVENT e;
    CONF_WAITER alertable = {.Objects = {&e}, .Alertable = TRUE};
    CONF_WAITER plain = {.Objects = {&e}};
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    if (ConfStartWaiter(&alertable) && ConfStartWaiter(&plain)) {
        KT_EXPECT_FALSE(KeAlertThread(alertable.Thread, KernelMode)); /* was not alerted */
        KT_EXPECT_FALSE(KeAlertThread(plain.Thread, KernelMode));
        /* The alertable wait ended; the plain one goes on. */
        KT_EXPECT_EQ(ConfWaitListLength(&e), 1);
        KT_EXPECT_EQ(ConfWaiterAt(&e, 0), plain.Thread);
    }
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    ConfJoinWaiter(&alertable);
    ConfJoinWaiter(&plain);
    KT_EXPECT_EQ(alertable.Status, STATUS_ALERTED);
    KT_EXPECT_EQ(plain.Status, STATUS_SUCCESS);
}

KTEST(nt_wait, delay_execution_waits_at_least_the_interval)
{
    LARGE_INTEGER interval = {.QuadPart = CONF_MS(20)}, absolute, now;
    ULONG64 start = KeQueryInterruptTime();
    KT_EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    KT_EXPECT_GE(KeQueryInterruptTime(), start + 20 * 10000);
    KeQuerySystemTime(&absolute);
    absolute.QuadPart += 20 * 10000;
    KT_EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &absolute), STATUS_SUCCESS);
    KeQuerySystemTime(&now);
    KT_EXPECT_GE(now.QuadPart, absolute.QuadPart);
}

/* A thread object is signaled when its thread ends. */
static VOID EndWhenAllowed(PVOID Context)
{
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, &timeout);
}

KTEST(nt_wait, a_thread_object_is_signaled_when_its_thread_ends)
{
    KEVENT allowed;
    LARGE_INTEGER zero = {.QuadPart = 0}, timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeInitializeEvent(&allowed, NotificationEvent, FALSE);
    PKTHREAD thread = KtStartThread(EndWhenAllowed, &allowed, 0, 0);
    KT_ASSERT_NOT_NULL(thread);
    DISPATCHER_HEADER *header = (DISPATCHER_HEADER *)thread; /* a KTHREAD begins with one */
    KT_EXPECT_EQ(header->Type, ThreadObject);
    KT_EXPECT_EQ(KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &zero),
                 STATUS_TIMEOUT);
    KeSetEvent(&allowed, IO_NO_INCREMENT, FALSE);
    KT_EXPECT_EQ(KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &timeout),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(header->SignalState, 1);
    /* Every later wait is satisfied too: a thread stays ended. */
    KT_EXPECT_EQ(KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &zero),
                 STATUS_SUCCESS);
    KtJoinThread(thread, CONF_WAIT_MS);
}
