/*
 * dpc.c: deferred procedure calls.
 *
 * An interrupt service routine runs at device IRQL, masking everything
 * below it, so it does the minimum and queues a DPC for the rest. Each
 * processor has its own DPC queue. Queuing asks for a DISPATCH_LEVEL
 * software interrupt: a self-IPI on vector 0x2F that the APIC holds back
 * while IRQL >= DISPATCH_LEVEL and delivers the moment it drops below. Its
 * handler (KiDispatchInterrupt) drains the queue at DISPATCH_LEVEL.
 *
 * A DPC aimed at another processor (KeSetTargetProcessorDpc) goes on that
 * processor's queue, and the request goes to it as an IPI on the same
 * vector 0x2F: it is held there by *its* IRQL, exactly as a local request.
 *
 * Importance: High goes to the head of the queue, the rest to the tail;
 * Low does not request an interrupt at all: it waits for the next clock
 * tick (or another DPC's interrupt), which is how NT batches them.
 *
 * The queue is taken at HIGH_LEVEL, because an ISR at any device IRQL may
 * queue a DPC on this processor while it is draining the queue.
 */
#include "ki.h"
#include "hal.h"

ULONG KiDpcWatchdogTicks; /* set once at boot, from kelab.dpctimeout */

VOID KiInitializeDpcData(PKPRCB Prcb)
{
    InitializeListHead(&Prcb->DpcData.DpcListHead);
    KeInitializeSpinLock(&Prcb->DpcData.DpcLock);
    RtlStringCbPrintfA(Prcb->DpcData.LockName, sizeof(Prcb->DpcData.LockName), "DpcQueue%u",
                       Prcb->Number);
    KeLabNameSpinLock(&Prcb->DpcData.DpcLock, Prcb->DpcData.LockName);
}

VOID KiInitializeDpcWatchdog(VOID)
{
    KiDpcWatchdogTicks = (ULONG)((ULONG64)KiDpcWatchdogMilliseconds * 10000 / KeTimeIncrement) + 1;
}

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    RtlZeroMemory(Dpc, sizeof(*Dpc));
    Dpc->Importance = MediumImportance;
    Dpc->Number = KDPC_CURRENT_PROCESSOR;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
}

VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    Dpc->Importance = (UCHAR)Importance;
}

VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    Dpc->Number = (USHORT)(UCHAR)Number;
}

BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    PKPRCB self = KeGetCurrentPrcb();
    ULONG number = Dpc->Number == KDPC_CURRENT_PROCESSOR ? self->Number : Dpc->Number;
    if (number >= KeNumberProcessors) /* TIMER_OR_DPC_INVALID 3: no such processor */
        KeBugCheckEx(TIMER_OR_DPC_INVALID, 3, (ULONG_PTR)Dpc, number, KeNumberProcessors);
    PKPRCB target = KiProcessorBlock[number];
    KDPC_DATA *queue = &target->DpcData;

    KeAcquireSpinLockAtDpcLevel(&queue->DpcLock);
    BOOLEAN inserted = Dpc->DpcData == NULL;
    if (inserted) {
        Dpc->SystemArgument1 = SystemArgument1;
        Dpc->SystemArgument2 = SystemArgument2;
        Dpc->DpcData = queue;
        if (Dpc->Importance == HighImportance)
            InsertHeadList(&queue->DpcListHead, &Dpc->DpcListEntry);
        else
            InsertTailList(&queue->DpcListHead, &Dpc->DpcListEntry);
        queue->DpcQueueDepth++;
    }
    KeReleaseSpinLockFromDpcLevel(&queue->DpcLock);

    if (inserted && Dpc->Importance != LowImportance) {
        if (target == self)
            HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
        else
            HalRequestIpi(target->ApicId, DISPATCH_VECTOR);
    }
    KeLowerIrql(oldIrql);
    return inserted;
}

BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    KDPC_DATA *queue = Dpc->DpcData;
    BOOLEAN removed = FALSE;
    if (queue != NULL) {
        KeAcquireSpinLockAtDpcLevel(&queue->DpcLock);
        if (Dpc->DpcData == queue) { /* still there: not dequeued meanwhile */
            RemoveEntryList(&Dpc->DpcListEntry);
            queue->DpcQueueDepth--;
            Dpc->DpcData = NULL;
            removed = TRUE;
        }
        KeReleaseSpinLockFromDpcLevel(&queue->DpcLock);
    }
    KeLowerIrql(oldIrql);
    return removed;
}

/* Takes the first DPC off this processor's queue, with its arguments
   copied out: once DpcData is NULL the owner may queue it again. */
static PKDPC KiDequeueDpc(KDPC_DATA *Queue, PVOID Arguments[3])
{
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&Queue->DpcLock);
    PKDPC dpc = NULL;
    if (!IsListEmpty(&Queue->DpcListHead)) {
        dpc = CONTAINING_RECORD(RemoveHeadList(&Queue->DpcListHead), KDPC, DpcListEntry);
        Queue->DpcQueueDepth--;
        Arguments[0] = dpc->DeferredContext;
        Arguments[1] = dpc->SystemArgument1;
        Arguments[2] = dpc->SystemArgument2;
        dpc->DpcData = NULL;
    }
    KeReleaseSpinLockFromDpcLevel(&Queue->DpcLock);
    KeLowerIrql(oldIrql);
    return dpc;
}

/* Runs every queued DPC, at DISPATCH_LEVEL. A DPC must return at the IRQL
   it was called at: one that does not (a spin lock left held, a stray
   KeLowerIrql) has broken the rule everything else relies on. The stop is
   IRQL_UNEXPECTED_VALUE with P1 = (current << 16) | (expected << 8) | 4,
   P2 the routine, P3 the DPC (4 is KeLab's unique value for a DPC; NT
   documents 3 for an ISR, which KiDeviceInterrupt uses). */
static VOID KiRetireDpcList(PKPRCB Prcb)
{
    PVOID args[3];
    PKDPC dpc;
    while ((dpc = KiDequeueDpc(&Prcb->DpcData, args)) != NULL) {
        PKDEFERRED_ROUTINE routine = dpc->DeferredRoutine;
        Prcb->DpcStartTick = Prcb->TickCount;
        Prcb->DpcRoutineActive = routine;
        routine(dpc, args[0], args[1], args[2]);
        Prcb->DpcRoutineActive = NULL;
        Prcb->DpcData.DpcCount++;
        KIRQL irql = KeGetCurrentIrql();
        if (irql != DISPATCH_LEVEL)
            KeBugCheckEx(IRQL_UNEXPECTED_VALUE, ((ULONG)irql << 16) | (DISPATCH_LEVEL << 8) | 4,
                         (ULONG_PTR)routine, (ULONG_PTR)dpc, 0);
    }
}

/* The DISPATCH_LEVEL software interrupt: DPCs first, then the scheduler
   (a standby thread, a quantum end). */
VOID KiDispatchInterrupt(VOID)
{
    KiRetireDpcList(KeGetCurrentPrcb());
    KiDispatchSchedule();
}

/* Called by the clock interrupt, which preempts a running DPC: one that
   has run longer than its allotment is DPC_WATCHDOG_VIOLATION with
   P1 = 0 (a single DPC), P2 its time so far and P3 the limit, in ticks. */
VOID KiCheckDpcWatchdog(PKPRCB Prcb, PKTRAP_FRAME TrapFrame)
{
    if (Prcb->DpcRoutineActive == NULL)
        return;
    ULONG64 elapsed = Prcb->TickCount - Prcb->DpcStartTick;
    if (elapsed <= KiDpcWatchdogTicks)
        return;
    PCSTR name;
    ULONG64 offset;
    if (KeLookupSymbol((ULONG64)Prcb->DpcRoutineActive, &name, &offset))
        DbgPrint("\nDPC watchdog: %s has run for %llu ticks at DISPATCH_LEVEL (limit %u)\n", name,
                 (unsigned long long)elapsed, KiDpcWatchdogTicks);
    KeBugCheckWithTrapFrame(DPC_WATCHDOG_VIOLATION, 0, elapsed, KiDpcWatchdogTicks, 0, TrapFrame);
}

/* ---- KeFlushQueuedDpcs ----------------------------------------------------- */

/* A marker DPC at the tail of every queue: when all markers have run, every
   DPC queued before them has too. */
typedef struct _KI_FLUSH {
    KDPC Dpc[MAXIMUM_PROCESSORS];
    volatile LONG Remaining;
} KI_FLUSH;

static VOID KiFlushMarker(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    __atomic_sub_fetch(&((KI_FLUSH *)Context)->Remaining, 1, __ATOMIC_RELEASE);
}

VOID KeFlushQueuedDpcs(VOID)
{
    KI_FLUSH flush; /* on this stack: the wait below keeps it alive long enough */
    ULONG n = KeNumberProcessors;
    flush.Remaining = (LONG)n;
    for (ULONG p = 0; p < n; p++) {
        KeInitializeDpc(&flush.Dpc[p], KiFlushMarker, &flush);
        KeSetTargetProcessorDpc(&flush.Dpc[p], (CCHAR)p);
        KeInsertQueueDpc(&flush.Dpc[p], NULL, NULL);
    }
    /* Called below DISPATCH_LEVEL, so this processor's own queue drains
       under us; the others drain on their own. */
    while (__atomic_load_n(&flush.Remaining, __ATOMIC_ACQUIRE) != 0)
        YieldProcessor();
}
