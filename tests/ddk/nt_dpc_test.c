/*
 * nt_dpc_test.c: DPCs as the WDK documents them, field by field.
 *
 * KeInitializeDpc gives a DPC medium importance and no target (the
 * processor that queues it); KeInsertQueueDpc queues it (FALSE if it is
 * already queued, keeping the first arguments) on the target's queue:
 * high importance at the head, the others at the tail. A processor runs
 * its queue at DISPATCH_LEVEL as soon as its IRQL drops below that, one
 * DPC after another, each dequeued before its routine runs (so it may
 * queue itself again). KeRemoveQueueDpc takes a queued DPC off (TRUE if
 * it was queued); KeFlushQueuedDpcs returns once every DPC queued before
 * it has run.
 */
#include "ntconf.h"

typedef struct _DPC_RECORD {
    KDPC Dpc;
    volatile LONG Runs;
    LONG Again; /* times the routine queues the DPC again */
    PVOID Context, Argument1, Argument2;
    PKDPC DpcSeen;
    KIRQL Irql;
    ULONG Processor;
    BOOLEAN QueuedWhileRunning; /* DpcData was set when the routine began */
    volatile LONG *Sequence;    /* optional: each run's place among others sharing it */
    LONG Order;
} DPC_RECORD;

static VOID RecordDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    DPC_RECORD *r = CONTAINING_RECORD(Dpc, DPC_RECORD, Dpc);
    r->DpcSeen = Dpc;
    r->Context = Context;
    r->Argument1 = Argument1;
    r->Argument2 = Argument2;
    r->Irql = KeGetCurrentIrql();
    r->Processor = KeGetCurrentProcessorNumber();
    r->QueuedWhileRunning = Dpc->DpcData != NULL;
    if (r->Sequence != NULL)
        r->Order = __atomic_add_fetch(r->Sequence, 1, __ATOMIC_RELAXED);
    if (r->Again > 0) {
        r->Again--;
        KeInsertQueueDpc(Dpc, Argument1, Argument2);
    }
    __atomic_add_fetch(&r->Runs, 1, __ATOMIC_RELEASE);
}

static VOID InitializeRecord(DPC_RECORD *R)
{
    RtlZeroMemory(R, sizeof(*R));
    KeInitializeDpc(&R->Dpc, RecordDpc, R);
}

/* Pins the calling thread to processor 0 (KeSetSystemAffinityThreadEx
   moves it there at once): a DPC it queues without a target runs there. */
static KAFFINITY PinToProcessor0(VOID)
{
    return KeSetSystemAffinityThreadEx(CONF_AFFINITY(0));
}

KTEST(nt_dpc, initialize_fills_every_field)
{
    KDPC d;
    int context;
    ConfPoison(&d);
    KeInitializeDpc(&d, RecordDpc, &context);
    KT_EXPECT_EQ(d.Type, DpcObject);
    KT_EXPECT_EQ(d.Importance, MediumImportance);
    KT_EXPECT_EQ(d.Number, 0); /* no target: the processor that queues it */
    KT_EXPECT_EQ(d.DeferredRoutine, RecordDpc);
    KT_EXPECT_EQ(d.DeferredContext, &context);
    KT_EXPECT_NULL(d.DpcData); /* not queued */
}

KTEST(nt_dpc, importance_and_target_are_stored_as_nt_stores_them)
{
    KDPC d;
    KeInitializeDpc(&d, RecordDpc, NULL);
    KeSetImportanceDpc(&d, HighImportance);
    KT_EXPECT_EQ(d.Importance, HighImportance);
    KeSetImportanceDpc(&d, LowImportance);
    KT_EXPECT_EQ(d.Importance, LowImportance);
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        KeSetTargetProcessorDpc(&d, (CCHAR)p);
        KT_EXPECT_EQ(d.Number, MAXIMUM_PROCESSORS + p); /* NT: a target is biased by the maximum */
    }
}

KTEST(nt_dpc, queued_below_dispatch_level_it_has_run_when_the_insert_returns)
{
    DPC_RECORD r;
    InitializeRecord(&r);
    KAFFINITY old = PinToProcessor0();
    KT_EXPECT_TRUE(KeInsertQueueDpc(&r.Dpc, (PVOID)1, (PVOID)2));
    KeRevertToUserAffinityThreadEx(old);
    KT_EXPECT_EQ(r.Runs, 1);
    KT_EXPECT_EQ(r.DpcSeen, &r.Dpc);
    KT_EXPECT_EQ(r.Context, &r);
    KT_EXPECT_EQ(r.Argument1, (PVOID)1);
    KT_EXPECT_EQ(r.Argument2, (PVOID)2);
    KT_EXPECT_EQ(r.Irql, DISPATCH_LEVEL);
    KT_EXPECT_EQ(r.Processor, 0);
    KT_EXPECT_FALSE(r.QueuedWhileRunning); /* dequeued before its routine ran */
    KT_EXPECT_NULL(r.Dpc.DpcData);
}

KTEST(nt_dpc, queued_at_or_above_dispatch_level_it_waits_for_irql_to_drop_below)
{
    static const KIRQL levels[] = {DISPATCH_LEVEL, CLOCK_LEVEL, HIGH_LEVEL};
    for (ULONG i = 0; i < ARRAYSIZE(levels); i++) {
        DPC_RECORD r;
        KIRQL old;
        LONG runsAtDispatch;
        InitializeRecord(&r);
        KeRaiseIrql(levels[i], &old);
        KT_EXPECT_TRUE(KeInsertQueueDpc(&r.Dpc, NULL, NULL));
        KT_EXPECT_NOT_NULL(r.Dpc.DpcData); /* queued */
        KeStallExecutionProcessor(1000);
        KeLowerIrql(DISPATCH_LEVEL);
        runsAtDispatch = r.Runs;
        KeLowerIrql(old);
        KT_EXPECT_EQ(runsAtDispatch, 0);
        KT_EXPECT_EQ(r.Runs, 1);
    }
}

KTEST(nt_dpc, a_second_insert_while_queued_returns_false_and_changes_nothing)
{
    DPC_RECORD r;
    KIRQL old;
    InitializeRecord(&r);
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    BOOLEAN first = KeInsertQueueDpc(&r.Dpc, (PVOID)1, (PVOID)2);
    BOOLEAN second = KeInsertQueueDpc(&r.Dpc, (PVOID)3, (PVOID)4);
    KeLowerIrql(old);
    KT_EXPECT_TRUE(first);
    KT_EXPECT_FALSE(second);
    KT_EXPECT_EQ(r.Runs, 1);
    KT_EXPECT_EQ(r.Argument1, (PVOID)1);
    KT_EXPECT_EQ(r.Argument2, (PVOID)2);
}

KTEST(nt_dpc, remove_takes_a_queued_dpc_off_its_queue)
{
    DPC_RECORD r;
    KIRQL old;
    InitializeRecord(&r);
    KT_EXPECT_FALSE(KeRemoveQueueDpc(&r.Dpc)); /* never queued */
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    KeInsertQueueDpc(&r.Dpc, NULL, NULL);
    BOOLEAN removed = KeRemoveQueueDpc(&r.Dpc);
    PVOID dpcData = r.Dpc.DpcData;
    BOOLEAN again = KeRemoveQueueDpc(&r.Dpc);
    KeLowerIrql(old);
    KT_EXPECT_TRUE(removed);
    KT_EXPECT_NULL(dpcData);
    KT_EXPECT_FALSE(again);
    KT_EXPECT_EQ(r.Runs, 0);
}

KTEST(nt_dpc, high_importance_goes_first_and_the_rest_in_order)
{
    static const KDPC_IMPORTANCE importance[] = {MediumImportance, LowImportance, HighImportance,
                                                 MediumHighImportance, MediumImportance};
    static const LONG expectedOrder[] = {2, 3, 1, 4, 5};
    DPC_RECORD r[ARRAYSIZE(importance)];
    volatile LONG sequence = 0;
    KIRQL old;
    for (ULONG i = 0; i < ARRAYSIZE(r); i++) {
        InitializeRecord(&r[i]);
        r[i].Sequence = &sequence;
        KeSetImportanceDpc(&r[i].Dpc, importance[i]);
    }
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    for (ULONG i = 0; i < ARRAYSIZE(r); i++)
        KeInsertQueueDpc(&r[i].Dpc, NULL, NULL);
    KeLowerIrql(old);
    KeFlushQueuedDpcs();
    for (ULONG i = 0; i < ARRAYSIZE(r); i++)
        KT_EXPECT_EQ(r[i].Order, expectedOrder[i]);
}

KTEST(nt_dpc, its_routine_may_queue_it_again)
{
    DPC_RECORD r;
    InitializeRecord(&r);
    r.Again = 2;
    KeInsertQueueDpc(&r.Dpc, NULL, NULL);
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(r.Runs, 3);
    KT_EXPECT_NULL(r.Dpc.DpcData);
}

KTEST(nt_dpc, a_targeted_dpc_runs_on_its_processor)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        DPC_RECORD r;
        InitializeRecord(&r);
        KeSetTargetProcessorDpc(&r.Dpc, (CCHAR)p);
        KT_EXPECT_TRUE(KeInsertQueueDpc(&r.Dpc, (PVOID)(ULONG_PTR)p, NULL));
        if (CONF_AWAIT(r.Runs == 1)) {
            KT_EXPECT_EQ(r.Processor, p);
            KT_EXPECT_EQ(r.Irql, DISPATCH_LEVEL);
            KT_EXPECT_EQ(r.Argument1, (PVOID)(ULONG_PTR)p);
        }
    }
}

/* A DPC queued on a processor from a DPC running there waits for it to
   finish: one processor runs its DPCs one after another. */
typedef struct _NESTED {
    DPC_RECORD Inner;
    BOOLEAN Inserted;
    LONG RunsWhileOuterRan;
} NESTED;

static VOID QueueBehindMe(PVOID Context)
{
    NESTED *n = Context;
    KeSetTargetProcessorDpc(&n->Inner.Dpc, (CCHAR)KeGetCurrentProcessorNumber());
    n->Inserted = KeInsertQueueDpc(&n->Inner.Dpc, NULL, NULL);
    KeStallExecutionProcessor(2000);
    n->RunsWhileOuterRan = n->Inner.Runs;
}

KTEST(nt_dpc, a_processor_runs_its_dpcs_one_after_another)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        NESTED n = {0};
        InitializeRecord(&n.Inner);
        KtRunOnProcessor(p, QueueBehindMe, &n);
        KT_EXPECT_TRUE(n.Inserted);
        KT_EXPECT_EQ(n.RunsWhileOuterRan, 0);
        if (CONF_AWAIT(n.Inner.Runs == 1))
            KT_EXPECT_EQ(n.Inner.Processor, p);
    }
}

KTEST(nt_dpc, flush_returns_once_every_queued_dpc_has_run)
{
    DPC_RECORD r[MAXIMUM_PROCESSORS];
    ULONG n = KeNumberProcessors;
    for (ULONG p = 0; p < n; p++) {
        InitializeRecord(&r[p]);
        /* Low importance asks for no interrupt: only the flush makes sure. */
        KeSetImportanceDpc(&r[p].Dpc, LowImportance);
        KeSetTargetProcessorDpc(&r[p].Dpc, (CCHAR)p);
        KeInsertQueueDpc(&r[p].Dpc, NULL, NULL);
    }
    KeFlushQueuedDpcs();
    for (ULONG p = 0; p < n; p++) {
        KT_EXPECT_EQ(r[p].Runs, 1);
        KT_EXPECT_EQ(r[p].Processor, p);
    }
}
