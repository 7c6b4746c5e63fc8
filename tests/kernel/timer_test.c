/*
 * timer_test.c: kernel timers: one-shot and periodic, with DPCs,
 * cancelled, and as dispatcher objects.
 */
#include "ktest.h"
#include "ke.h"

static VOID CountDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    __atomic_add_fetch((volatile LONG *)Context, 1, __ATOMIC_RELAXED);
}

KTEST(timer, one_shot_signals_and_runs_its_dpc)
{
    KTIMER timer;
    KDPC dpc;
    volatile LONG fired = 0;
    KeInitializeTimer(&timer);
    KeInitializeDpc(&dpc, CountDpc, (PVOID)&fired);
    LARGE_INTEGER due = {.QuadPart = -20 * 10000};
    KT_EXPECT_FALSE(KeSetTimer(&timer, due, &dpc));
    KT_EXPECT_FALSE(KeReadStateTimer(&timer));
    KT_EXPECT_EQ(KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_TRUE(KeReadStateTimer(&timer)); /* notification: stays signaled */
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(fired, 1);
    KT_EXPECT_FALSE(KeCancelTimer(&timer)); /* it already fired */
}

KTEST(timer, periodic_fires_until_cancelled)
{
    KTIMER timer;
    KDPC dpc;
    volatile LONG fired = 0;
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeInitializeDpc(&dpc, CountDpc, (PVOID)&fired);
    LARGE_INTEGER due = {.QuadPart = -10 * 10000};
    KeSetTimerEx(&timer, due, 10, &dpc);
    for (ULONG i = 0; i < 5; i++) /* a synchronization timer resets with each wait */
        KT_EXPECT_EQ(KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, NULL),
                     STATUS_SUCCESS);
    KT_EXPECT_TRUE(KeCancelTimer(&timer));
    KeFlushQueuedDpcs();
    LONG count = fired;
    KT_EXPECT_GE(count, 5);
    KtSleep(50);
    KT_EXPECT_EQ(fired, count); /* cancelled: no more */
}

KTEST(timer, setting_again_replaces_the_due_time)
{
    KTIMER timer;
    KeInitializeTimer(&timer);
    LARGE_INTEGER far = {.QuadPart = -10000 * 10000}, near = {.QuadPart = -10 * 10000};
    KT_EXPECT_FALSE(KeSetTimer(&timer, far, NULL));
    KT_EXPECT_TRUE(KeSetTimer(&timer, near, NULL)); /* it was set */
    LARGE_INTEGER timeout = {.QuadPart = -2000 * 10000};
    KT_EXPECT_EQ(KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &timeout),
                 STATUS_SUCCESS);
}
