/*
 * apc_test.c: kernel APCs run in their thread, at APC_LEVEL then
 * PASSIVE_LEVEL; they interrupt a wait and the wait goes on; critical
 * regions hold normal APCs back but not special ones.
 */
#include "ktest.h"
#include "ke.h"

typedef struct _APC_CONTEXT {
    KAPC Apc;
    PKTHREAD Target;
    volatile PKTHREAD KernelRanIn, NormalRanIn;
    volatile KIRQL KernelIrql, NormalIrql;
    volatile LONG Order;
    volatile LONG KernelOrder, NormalOrder;
} APC_CONTEXT;

static VOID TestKernelRoutine(PKAPC Apc, PKNORMAL_ROUTINE *Normal, PVOID *Context, PVOID *Arg1,
                              PVOID *Arg2)
{
    UNREFERENCED_PARAMETER(Normal);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg2);
    APC_CONTEXT *c = CONTAINING_RECORD(Apc, APC_CONTEXT, Apc);
    c->KernelRanIn = KeGetCurrentThread();
    c->KernelIrql = KeGetCurrentIrql();
    c->KernelOrder = ++c->Order;
    KT_EXPECT_EQ((ULONG_PTR)*Arg1, 0xA1);
}

static VOID TestNormalRoutine(PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    APC_CONTEXT *c = Context;
    c->NormalRanIn = KeGetCurrentThread();
    c->NormalIrql = KeGetCurrentIrql();
    c->NormalOrder = ++c->Order;
}

KTEST(apc, runs_in_the_current_thread_at_apc_then_passive_level)
{
    APC_CONTEXT c = {0};
    KeInitializeApc(&c.Apc, KeGetCurrentThread(), OriginalApcEnvironment, TestKernelRoutine, NULL,
                    TestNormalRoutine, KernelMode, &c);
    KT_EXPECT_TRUE(KeInsertQueueApc(&c.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT));
    /* Queued to ourselves at PASSIVE_LEVEL: delivered at once. */
    KT_EXPECT_EQ(c.KernelRanIn, KeGetCurrentThread());
    KT_EXPECT_EQ(c.KernelIrql, APC_LEVEL);
    KT_EXPECT_EQ(c.NormalRanIn, KeGetCurrentThread());
    KT_EXPECT_EQ(c.NormalIrql, PASSIVE_LEVEL);
    KT_EXPECT_EQ(c.KernelOrder, 1);
    KT_EXPECT_EQ(c.NormalOrder, 2);
}

KTEST(apc, held_at_apc_level_and_delivered_when_it_drops)
{
    APC_CONTEXT c = {0};
    KeInitializeApc(&c.Apc, KeGetCurrentThread(), OriginalApcEnvironment, TestKernelRoutine, NULL,
                    TestNormalRoutine, KernelMode, &c);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    KeInsertQueueApc(&c.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT);
    KT_EXPECT_FALSE(KeInsertQueueApc(&c.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT)); /* queued */
    KT_EXPECT_NULL(c.KernelRanIn);
    KeLowerIrql(old);
    KT_EXPECT_EQ(c.NormalOrder, 2);
}

KTEST(apc, critical_region_holds_normal_apcs_not_special_ones)
{
    APC_CONTEXT normal = {0}, special = {0};
    KeInitializeApc(&normal.Apc, KeGetCurrentThread(), OriginalApcEnvironment, TestKernelRoutine,
                    NULL, TestNormalRoutine, KernelMode, &normal);
    KeInitializeApc(&special.Apc, KeGetCurrentThread(), OriginalApcEnvironment, TestKernelRoutine,
                    NULL, NULL, KernelMode, NULL);
    KeEnterCriticalRegion();
    KeInsertQueueApc(&normal.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT);
    KeInsertQueueApc(&special.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT);
    KT_EXPECT_NULL(normal.KernelRanIn);      /* held back */
    KT_EXPECT_NOT_NULL(special.KernelRanIn); /* special: runs anyway */
    KeLeaveCriticalRegion();
    KT_EXPECT_NOT_NULL(normal.NormalRanIn); /* delivered on leaving */
}

typedef struct _WAITING_TARGET {
    KEVENT Event;
    volatile LONG Waiting;
    volatile NTSTATUS Status;
} WAITING_TARGET;

static VOID WaitLong(PVOID Context)
{
    WAITING_TARGET *w = Context;
    LARGE_INTEGER timeout = {.QuadPart = -50000000};
    w->Waiting = 1;
    w->Status = KeWaitForSingleObject(&w->Event, Executive, KernelMode, FALSE, &timeout);
}

KTEST(apc, interrupts_a_wait_which_then_goes_on)
{
    WAITING_TARGET w = {0};
    APC_CONTEXT c = {0};
    KeInitializeEvent(&w.Event, NotificationEvent, FALSE);
    PKTHREAD t = KtStartThread(WaitLong, &w, 0, 0);
    while (!w.Waiting || t->State != Waiting)
        KtSleep(1);
    KeInitializeApc(&c.Apc, t, OriginalApcEnvironment, TestKernelRoutine, NULL, TestNormalRoutine,
                    KernelMode, &c);
    KeInsertQueueApc(&c.Apc, (PVOID)0xA1, NULL, IO_NO_INCREMENT);
    for (ULONG i = 0; i < 10000 && c.NormalRanIn == NULL; i++)
        KtSleep(1);
    KT_EXPECT_EQ(c.KernelRanIn, t); /* in the target thread, not here */
    KT_EXPECT_EQ(c.NormalRanIn, t);
    KtSleep(20);
    KT_EXPECT_EQ(t->State, Waiting); /* and it waits on */
    KeSetEvent(&w.Event, IO_NO_INCREMENT, FALSE);
    KtJoinThread(t, 5000);
    KT_EXPECT_EQ(w.Status, STATUS_SUCCESS);
}

/* ---- misuse ---- */

static VOID ExitInCriticalRegion(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeEnterCriticalRegion();
}

KTEST_DEATH(apc, thread_exits_inside_a_critical_region, KERNEL_APC_PENDING_DURING_EXIT, 0,
            (ULONG_PTR)-1, PASSIVE_LEVEL, 0)
{
    KtJoinThread(KtStartThread(ExitInCriticalRegion, NULL, 0, 0), 5000);
}
