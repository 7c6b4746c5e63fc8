/*
 * sched_test.c: the scheduler: preemption by a higher priority at once,
 * here and on another processor; round robin within a priority; affinity
 * honoured; waiting on a thread until it ends.
 */
#include "ktest.h"
#include "ke.h"

#define CPU0 ((KAFFINITY)1)
#define CPU1 ((KAFFINITY)2)

typedef struct _PREEMPT_CONTEXT {
    KEVENT Go;
    volatile LONG Waiting;
    volatile LONG Ran;
    volatile ULONG Processor;
} PREEMPT_CONTEXT;

static VOID HighPriorityWaiter(PVOID Context)
{
    PREEMPT_CONTEXT *c = Context;
    c->Waiting = 1;
    KeWaitForSingleObject(&c->Go, Executive, KernelMode, FALSE, NULL);
    c->Processor = KeGetCurrentProcessorNumber();
    c->Ran = 1;
}

KTEST(sched, higher_priority_preempts_at_once_on_this_processor)
{
    PREEMPT_CONTEXT c = {0};
    KeInitializeEvent(&c.Go, SynchronizationEvent, FALSE);
    KAFFINITY old = KeSetSystemAffinityThreadEx(CPU0);
    PKTHREAD t = KtStartThread(HighPriorityWaiter, &c, 20, CPU0);
    while (!c.Waiting || t->State != Waiting)
        KtSleep(1);
    KeSetEvent(&c.Go, IO_NO_INCREMENT, FALSE);
    /* It ran before KeSetEvent even returned here: it has priority 20, we 8. */
    LONG ranAtReturn = c.Ran;
    KeRevertToUserAffinityThreadEx(old);
    KtJoinThread(t, 5000);
    KT_EXPECT_EQ(ranAtReturn, 1);
    KT_EXPECT_EQ(c.Processor, 0);
}

typedef struct _SPIN_CONTEXT {
    volatile LONG Stop;
    volatile LONG64 Count;
    volatile ULONG Violations;
    KAFFINITY Allowed;
} SPIN_CONTEXT;

static VOID Spinner(PVOID Context)
{
    SPIN_CONTEXT *c = Context;
    while (!c->Stop) {
        c->Count++;
        if (c->Allowed && !(c->Allowed & ((KAFFINITY)1 << KeGetCurrentProcessorNumber())))
            c->Violations++;
    }
}

KTEST(sched, higher_priority_preempts_another_processor_at_once)
{
    if (KeNumberProcessors < 2) {
        KtSkip("needs two processors");
        return;
    }
    SPIN_CONTEXT busy = {0};
    PREEMPT_CONTEXT c = {0};
    KeInitializeEvent(&c.Go, SynchronizationEvent, FALSE);
    PKTHREAD spinner = KtStartThread(Spinner, &busy, 4, CPU1);
    PKTHREAD high = KtStartThread(HighPriorityWaiter, &c, 20, CPU1);
    while (!c.Waiting || high->State != Waiting || busy.Count == 0)
        KtSleep(1);
    KeSetEvent(&c.Go, IO_NO_INCREMENT, FALSE); /* from this processor: an IPI to processor 1 */
    for (ULONG i = 0; i < 2000 && !c.Ran; i++)
        KeStallExecutionProcessor(100);
    KT_EXPECT_EQ(c.Ran, 1);
    KT_EXPECT_EQ(c.Processor, 1);
    busy.Stop = 1;
    KtJoinThread(high, 5000);
    KtJoinThread(spinner, 5000);
}

KTEST(sched, equal_priorities_share_the_processor_round_robin)
{
    SPIN_CONTEXT a = {0}, b = {0};
    /* Above the spinners ourselves, so our sleeps end on time. */
    KPRIORITY old = KeSetPriorityThread(KeGetCurrentThread(), 20);
    /* Two spinners on one processor: only quantum ends switch them. */
    PKTHREAD ta = KtStartThread(Spinner, &a, 12, CPU0);
    PKTHREAD tb = KtStartThread(Spinner, &b, 12, CPU0);
    KtSleep(200);
    LONG64 ca1 = a.Count, cb1 = b.Count;
    /* Wait for both to advance past that point and to have been switched
       several times: with round robin that takes a few quanta; without it
       one of them never runs again, and only then is the 10 s reached. (A
       fixed window fails when a loaded host lends processor 0 little time
       in it.) The waits are long ones, so that our own wake-ups do not
       preempt the spinners at every tick. */
    for (ULONG i = 0; i < 100 && !(a.Count > ca1 && b.Count > cb1 &&
                                   ta->ContextSwitches + tb->ContextSwitches > 4);
         i++)
        KtSleep(100);
    LONG64 ca2 = a.Count, cb2 = b.Count;
    a.Stop = b.Stop = 1;
    KeSetPriorityThread(KeGetCurrentThread(), old);
    KtJoinThread(ta, 5000);
    KtJoinThread(tb, 5000);
    KT_EXPECT_GT(ca2, ca1);
    KT_EXPECT_GT(cb2, cb1);
    KT_EXPECT_GT(ta->ContextSwitches + tb->ContextSwitches, 4);
}

static VOID SleepyAffinity(PVOID Context)
{
    SPIN_CONTEXT *c = Context;
    for (ULONG i = 0; i < 200; i++) {
        if (!(c->Allowed & ((KAFFINITY)1 << KeGetCurrentProcessorNumber())))
            c->Violations++;
        if (i % 8 == 0)
            KtSleep(1);
        else
            ZwYieldExecution();
    }
}

KTEST(sched, affinity_is_never_violated)
{
    SPIN_CONTEXT c[4] = {0};
    PKTHREAD t[4];
    for (ULONG i = 0; i < 4; i++) {
        ULONG p = i % KeNumberProcessors;
        c[i].Allowed = (KAFFINITY)1 << p;
        t[i] = KtStartThread(SleepyAffinity, &c[i], 0, c[i].Allowed);
    }
    for (ULONG i = 0; i < 4; i++) {
        KtJoinThread(t[i], 20000);
        KT_EXPECT_EQ(c[i].Violations, 0);
    }
}

static VOID ShortLived(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KtSleep(10);
}

KTEST(sched, waiting_on_a_thread_returns_when_it_terminates)
{
    PKTHREAD t = KtStartThread(ShortLived, NULL, 0, 0);
    KT_EXPECT_EQ(KeWaitForSingleObject(t, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(t->State, Terminated);
    /* Already terminated: a second wait returns at once. */
    LARGE_INTEGER zero = {.QuadPart = 0};
    KT_EXPECT_EQ(KeWaitForSingleObject(t, Executive, KernelMode, FALSE, &zero), STATUS_SUCCESS);
    ObDereferenceObject(t);
}

KTEST(sched, priority_and_base_priority)
{
    PKTHREAD self = KeGetCurrentThread();
    /* Base 8, perhaps still boosted by an earlier wait: a boost decays
       one level per quantum end, so the test does not assume 8 here. */
    KPRIORITY now = KeQueryPriorityThread(self);
    KT_EXPECT_EQ(self->BasePriority, 8);
    KPRIORITY old = KeSetPriorityThread(self, 11);
    KT_EXPECT_EQ(old, now);
    KT_EXPECT_EQ(KeQueryPriorityThread(self), 11);
    KeSetPriorityThread(self, old);
    KT_EXPECT_EQ(KeSetBasePriorityThread(self, 2), 0); /* returns the old increment */
    KT_EXPECT_EQ(self->BasePriority, 10);
    KT_EXPECT_EQ(KeSetBasePriorityThread(self, 0), 2);
    KT_EXPECT_EQ(KeQueryPriorityThread(self), 8);
}

KTEST(sched, yield_with_nothing_else_to_run)
{
    KAFFINITY old = KeSetSystemAffinityThreadEx(CPU0);
    NTSTATUS status = ZwYieldExecution();
    KeRevertToUserAffinityThreadEx(old);
    /* Idle threads do not count: nothing else was ready at our priority. */
    KT_EXPECT_TRUE(status == STATUS_NO_YIELD_PERFORMED || status == STATUS_SUCCESS);
}
