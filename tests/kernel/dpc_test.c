/*
 * dpc_test.c: DPCs run at DISPATCH_LEVEL, on the processor they were
 * queued for, once IRQL drops below DISPATCH_LEVEL, in importance order.
 */
#include "ktest.h"
#include "ke.h"

typedef struct _DPC_RECORD {
    volatile LONG Runs;
    volatile KIRQL Irql;
    volatile ULONG Processor;
    volatile LONG *Order; /* optional: append our tag here */
    volatile LONG *Next;
    LONG Tag;
} DPC_RECORD;

static VOID RecordDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg2);
    DPC_RECORD *r = Context;
    r->Irql = KeGetCurrentIrql();
    r->Processor = KeGetCurrentProcessorNumber();
    if (r->Order)
        r->Order[__atomic_fetch_add(r->Next, 1, __ATOMIC_RELAXED)] = r->Tag;
    KT_EXPECT_EQ((ULONG_PTR)Arg1, 0x1234);
    __atomic_add_fetch(&r->Runs, 1, __ATOMIC_RELEASE);
}

static VOID WaitForRuns(DPC_RECORD *r, LONG Runs)
{
    for (ULONG waited = 0; r->Runs < Runs && waited < 2000000; waited += 100)
        KeStallExecutionProcessor(100);
}

KTEST(dpc, queued_at_high_level_runs_after_irql_drops)
{
    DPC_RECORD r = {0};
    KDPC dpc;
    KeInitializeDpc(&dpc, RecordDpc, &r);
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old);
    ULONG self = KeGetCurrentProcessorNumber();
    KT_EXPECT_TRUE(KeInsertQueueDpc(&dpc, (PVOID)0x1234, NULL));
    KeStallExecutionProcessor(20000);
    KT_EXPECT_EQ(r.Runs, 0); /* masked at HIGH_LEVEL */
    KeLowerIrql(DISPATCH_LEVEL);
    KeStallExecutionProcessor(20000);
    KT_EXPECT_EQ(r.Runs, 0); /* still masked at DISPATCH_LEVEL */
    KeLowerIrql(old);
    /* The APIC delivered the held software interrupt as IRQL dropped. */
    KT_EXPECT_EQ(r.Runs, 1);
    KT_EXPECT_EQ(r.Irql, DISPATCH_LEVEL);
    KT_EXPECT_EQ(r.Processor, self);
}

KTEST(dpc, insert_and_remove_report_membership)
{
    DPC_RECORD r = {0};
    KDPC dpc;
    KeInitializeDpc(&dpc, RecordDpc, &r);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KT_EXPECT_TRUE(KeInsertQueueDpc(&dpc, (PVOID)0x1234, NULL));
    KT_EXPECT_FALSE(KeInsertQueueDpc(&dpc, (PVOID)0x1234, NULL)); /* already queued */
    KT_EXPECT_TRUE(KeRemoveQueueDpc(&dpc));
    KT_EXPECT_FALSE(KeRemoveQueueDpc(&dpc));
    KeLowerIrql(old);
    KT_EXPECT_EQ(r.Runs, 0); /* removed before it could run */
}

KTEST(dpc, targeted_dpc_runs_on_its_target)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        DPC_RECORD r = {0};
        KDPC dpc;
        KeInitializeDpc(&dpc, RecordDpc, &r);
        KeSetTargetProcessorDpc(&dpc, (CCHAR)p);
        KT_EXPECT_TRUE(KeInsertQueueDpc(&dpc, (PVOID)0x1234, NULL));
        WaitForRuns(&r, 1);
        KT_EXPECT_EQ(r.Runs, 1);
        KT_EXPECT_EQ(r.Processor, p);
        KT_EXPECT_EQ(r.Irql, DISPATCH_LEVEL);
    }
}

KTEST(dpc, importance_orders_the_queue)
{
    static const KDPC_IMPORTANCE importance[] = {MediumImportance, LowImportance, HighImportance,
                                                 MediumImportance, HighImportance};
    /* High goes to the head (so the later high one runs first), the rest to the tail. */
    static const LONG expected[] = {4, 2, 0, 1, 3};
    DPC_RECORD r[5] = {0};
    KDPC dpc[5];
    volatile LONG order[5] = {0}, next = 0;
    KIRQL old = KeRaiseIrqlToDpcLevel();
    for (ULONG i = 0; i < 5; i++) {
        r[i].Order = order;
        r[i].Next = &next;
        r[i].Tag = (LONG)i;
        KeInitializeDpc(&dpc[i], RecordDpc, &r[i]);
        KeSetImportanceDpc(&dpc[i], importance[i]);
        KeInsertQueueDpc(&dpc[i], (PVOID)0x1234, NULL);
    }
    KeLowerIrql(old);
    KT_ASSERT_EQ(next, 5);
    for (ULONG i = 0; i < 5; i++)
        KT_EXPECT_EQ(order[i], expected[i]);
}

KTEST(dpc, low_importance_runs_by_the_next_tick)
{
    DPC_RECORD r = {0};
    KDPC dpc;
    KeInitializeDpc(&dpc, RecordDpc, &r);
    KeSetImportanceDpc(&dpc, LowImportance);
    KeInsertQueueDpc(&dpc, (PVOID)0x1234, NULL);
    WaitForRuns(&r, 1);
    KT_EXPECT_EQ(r.Runs, 1);
}

static VOID SlowDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeStallExecutionProcessor(5000);
    __atomic_add_fetch((volatile LONG *)Context, 1, __ATOMIC_RELEASE);
}

KTEST(dpc, flush_waits_for_every_queue)
{
    volatile LONG done = 0;
    KDPC dpc[MAXIMUM_PROCESSORS];
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        KeInitializeDpc(&dpc[p], SlowDpc, (PVOID)&done);
        KeSetTargetProcessorDpc(&dpc[p], (CCHAR)p);
        KeInsertQueueDpc(&dpc[p], NULL, NULL);
    }
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(done, (LONG)KeNumberProcessors);
}

/* A DPC that every processor queues on one target at the same time: each
   insertion either queues it or finds it queued, and its last queuing is
   never lost. */
static ULONG_PTR HammerInsert(ULONG_PTR Context)
{
    PKDPC dpc = (PKDPC)Context;
    for (ULONG i = 0; i < 2000; i++)
        KeInsertQueueDpc(dpc, (PVOID)0x1234, NULL);
    return 0;
}

KTEST(dpc, concurrent_inserts_never_lose_the_dpc)
{
    DPC_RECORD r = {0};
    KDPC dpc;
    KeInitializeDpc(&dpc, RecordDpc, &r);
    KeSetTargetProcessorDpc(&dpc, 0);
    KeIpiGenericCall(HammerInsert, (ULONG_PTR)&dpc);
    KeFlushQueuedDpcs();
    KT_EXPECT_GE(r.Runs, 1);
    KT_EXPECT_TRUE(dpc.DpcData == NULL);
}

/* ---- misuse ---- */

static VOID DpcThatStaysRaised(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KIRQL old;
    KeRaiseIrql(HIGH_LEVEL, &old); /* and never lowers */
}

static KDPC DeathDpc;

KTEST_DEATH(dpc, returns_at_another_irql, IRQL_UNEXPECTED_VALUE,
            (HIGH_LEVEL << 16) | (DISPATCH_LEVEL << 8) | 4, (ULONG_PTR)DpcThatStaysRaised,
            (ULONG_PTR)&DeathDpc, 0)
{
    KeInitializeDpc(&DeathDpc, DpcThatStaysRaised, NULL);
    KeInsertQueueDpc(&DeathDpc, NULL, NULL);
}

KTEST_DEATH(dpc, target_that_does_not_exist, TIMER_OR_DPC_INVALID, 3, (ULONG_PTR)&DeathDpc, 63,
            KT_ANY)
{
    KeInitializeDpc(&DeathDpc, DpcThatStaysRaised, NULL);
    KeSetTargetProcessorDpc(&DeathDpc, 63);
    KeInsertQueueDpc(&DeathDpc, NULL, NULL);
}

static VOID DpcThatSpins(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    for (;;)
        YieldProcessor();
}

/* The allotment is the default 2000 ms: 500 ticks of 4 ms, and the tick
   the DPC started in. */
KTEST_DEATH(dpc, watchdog_catches_a_dpc_that_never_ends, DPC_WATCHDOG_VIOLATION, 0, KT_ANY, 501, 0)
{
    KeInitializeDpc(&DeathDpc, DpcThatSpins, NULL);
    KeInsertQueueDpc(&DeathDpc, NULL, NULL);
}
