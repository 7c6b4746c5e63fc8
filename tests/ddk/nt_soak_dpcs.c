/*
 * nt_soak_dpcs.c: DPCs aimed at every processor, queued and taken back.
 *
 * One thread keeps a DPC aimed at each processor busy: it queues them all
 * (counting the inserts that found the DPC not queued), takes one back now
 * and then (counting the removes that found it queued), and every few
 * rounds flushes the queues and checks that each DPC ran exactly once per
 * insert it did not take back, on its own processor, at DISPATCH_LEVEL;
 * then it gives each a new importance.
 */
#include "nt_soak.h"

#define SOAK_DPC_ROUNDS_PER_CHECK 32

typedef struct _SOAK_DPC {
    SOAK *Soak;
    ULONG Processor;
    KDPC Dpc;
    volatile LONG Runs;
    LONG Inserted, Removed; /* the thrower's */
} SOAK_DPC;

static SOAK_DPC SoakTargetedDpcs[MAXIMUM_PROCESSORS];

static VOID SoakDpcRoutine(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument2);
    SOAK_DPC *d = Context;
    if (KeGetCurrentProcessorNumber() != d->Processor || KeGetCurrentIrql() != DISPATCH_LEVEL ||
        Argument1 != d)
        SoakFail(d->Soak, "DPC for processor %u ran on %u at IRQL %u", d->Processor,
                 KeGetCurrentProcessorNumber(), KeGetCurrentIrql());
    __atomic_add_fetch(&d->Runs, 1, __ATOMIC_RELEASE);
    SoakCount(d->Soak, SoakDpcs, 1);
}

/* After a flush: every insert not taken back has run, once. */
static VOID SoakCheckDpcs(SOAK *Soak)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        SOAK_DPC *d = &SoakTargetedDpcs[p];
        if (d->Runs != d->Inserted - d->Removed)
            SoakFail(Soak, "DPC for processor %u: %d runs for %d inserts and %d removes", p,
                     d->Runs, d->Inserted, d->Removed);
    }
}

static VOID SoakDpcThrower(PVOID Context)
{
    SOAK *soak = Context;
    SOAK_RANDOM random;
    SoakSeedRandom(soak, 400, &random);
    ULONG n = KeNumberProcessors;
    for (ULONG round = 1; !__atomic_load_n(&soak->Stop, __ATOMIC_ACQUIRE); round++) {
        for (ULONG p = 0; p < n; p++)
            SoakTargetedDpcs[p].Inserted +=
                KeInsertQueueDpc(&SoakTargetedDpcs[p].Dpc, &SoakTargetedDpcs[p], NULL);
        SOAK_DPC *victim = &SoakTargetedDpcs[SoakRandom(&random, n)];
        if (SoakRandom(&random, 4) == 0 && KeRemoveQueueDpc(&victim->Dpc)) {
            victim->Removed++;
            SoakCount(soak, SoakDpcRemoves, 1);
        }
        if (round % SOAK_DPC_ROUNDS_PER_CHECK == 0) {
            KeFlushQueuedDpcs();
            SoakCheckDpcs(soak);
            for (ULONG p = 0; p < n; p++) /* none is queued now */
                KeSetImportanceDpc(&SoakTargetedDpcs[p].Dpc,
                                   (KDPC_IMPORTANCE)SoakRandom(&random, 4));
        }
        KtSleep(SOAK_PAUSE_MS + SoakRandom(&random, SOAK_PAUSE_MS));
    }
}

VOID SoakStartDpcs(SOAK *Soak)
{
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        SOAK_DPC *d = &SoakTargetedDpcs[p];
        RtlZeroMemory(d, sizeof(*d));
        d->Soak = Soak;
        d->Processor = p;
        KeInitializeDpc(&d->Dpc, SoakDpcRoutine, d);
        KeSetTargetProcessorDpc(&d->Dpc, (CCHAR)p);
    }
    SoakStartThread(Soak, SoakDpcThrower, Soak, 0);
}

VOID SoakFinishDpcs(SOAK *Soak)
{
    KeFlushQueuedDpcs();
    SoakCheckDpcs(Soak);
}
