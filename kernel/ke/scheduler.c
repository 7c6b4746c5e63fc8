/*
 * scheduler.c: which thread runs where, under one global dispatcher lock.
 *
 * Every processor has 32 ready queues, one per priority, and a summary
 * bitmap of the non-empty ones. One lock, the dispatcher lock, protects
 * all of them, every thread's scheduling state and every dispatcher
 * object: simple to reason about, and the most contended lock in the
 * system (Windows 7 broke it up for that reason; KeLab keeps it to show).
 *
 * Decisions, all made holding the lock at SYNCH_LEVEL:
 *   - a thread becoming ready (KiReadyThread) goes to an idle processor it
 *     may run on; failing that it preempts the processor running the
 *     lowest-priority thread below its own; failing that it waits in the
 *     ready queue of the processor it last ran on. A chosen thread is
 *     "standby" (KPRCB.NextThread), and that processor gets a DISPATCH_LEVEL
 *     software interrupt (itself) or an IPI on vector 0x2F (another);
 *   - a thread that blocks (KiSwapThread) is replaced by the standby
 *     thread, else the best ready thread this processor may run (its own
 *     queues, then stolen from another's), else the idle thread;
 *   - at the end of a quantum (clock ticks), a ready thread of the same or
 *     higher priority takes over, and the current one goes to the back of
 *     its queue: round robin within a priority.
 *
 * The lock is held across the context switch itself: the thread that
 * resumes releases it. So no processor can pick up a thread whose
 * registers are still being saved on another.
 */
#include "ki.h"
#include "hal.h"

KSPIN_LOCK KiDispatcherLock;

/* ---- the lock ---------------------------------------------------------- */

VOID KiAcquireDispatcherLockAtSynchLevel(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    KiAcquireQueuedSpinLockAtDpcLevel(&KiDispatcherLock, &prcb->DispatcherLockQueue, prcb);
}

VOID KiReleaseDispatcherLockFromSynchLevel(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    KiReleaseQueuedSpinLockFromDpcLevel(&prcb->DispatcherLockQueue, prcb);
}

KIRQL KiAcquireDispatcherLock(VOID)
{
    KIRQL oldIrql;
    KeRaiseIrql(SYNCH_LEVEL, &oldIrql);
    KiAcquireDispatcherLockAtSynchLevel();
    return oldIrql;
}

VOID KiReleaseDispatcherLock(KIRQL OldIrql)
{
    KiReleaseDispatcherLockFromSynchLevel();
    KeLowerIrql(OldIrql);
}

BOOLEAN KeIsDispatcherLockHeld(VOID)
{
    return KiDispatcherLock.Owner == KeGetCurrentPrcb();
}

/* A copy taken without the lock: the counts of a running system are a
   moving target anyway, and reading them cannot disturb them. */
VOID KeQueryDispatcherLockStatistics(KLOCK_STATISTICS *Statistics)
{
    *Statistics = *KiDispatcherLock.Statistics;
}

BOOLEAN KiInDpc(VOID)
{
    return KeGetCurrentPrcb()->DpcRoutineActive != NULL;
}

/* ---- ready queues ----------------------------------------------------------- */

static KAFFINITY KiBit(ULONG Processor)
{
    return (KAFFINITY)1 << Processor;
}

static VOID KiInsertReadyQueue(PKPRCB Prcb, PKTHREAD Thread, BOOLEAN Front)
{
    Thread->State = Ready;
    Thread->NextProcessor = Prcb->Number;
    PLIST_ENTRY queue = &Prcb->ReadyQueue[Thread->Priority];
    if (Front)
        InsertHeadList(queue, &Thread->WaitListEntry);
    else
        InsertTailList(queue, &Thread->WaitListEntry);
    Prcb->ReadySummary |= 1u << Thread->Priority;
}

static VOID KiRemoveReadyQueue(PKTHREAD Thread)
{
    PKPRCB prcb = KiProcessorBlock[Thread->NextProcessor];
    if (RemoveEntryList(&Thread->WaitListEntry))
        prcb->ReadySummary &= ~(1u << Thread->Priority);
}

/* The first thread Prcb's processor may run in Prcb's queue at Priority. */
static PKTHREAD KiFirstRunnable(PKPRCB Queues, ULONG Priority, ULONG Processor)
{
    PLIST_ENTRY head = &Queues->ReadyQueue[Priority];
    for (PLIST_ENTRY e = head->Flink; e != head; e = e->Flink) {
        PKTHREAD thread = CONTAINING_RECORD(e, KTHREAD, WaitListEntry);
        if (thread->Affinity & KiBit(Processor))
            return thread;
    }
    return NULL;
}

/* The highest-priority ready thread Prcb's processor may run, of at least
   MinimumPriority, taken off its queue: from Prcb's own queues first, then
   from the others' (an idle processor takes work from a busy one). */
static PKTHREAD KiSelectReadyThread(PKPRCB Prcb, ULONG MinimumPriority)
{
    PKTHREAD best = NULL;
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        PKPRCB queues = KiProcessorBlock[(Prcb->Number + p) % KeNumberProcessors];
        ULONG summary = queues->ReadySummary;
        while (summary != 0) {
            ULONG priority = 31 - (ULONG)__builtin_clz(summary);
            if (priority < MinimumPriority || (best && priority <= (ULONG)best->Priority))
                break;
            PKTHREAD candidate = KiFirstRunnable(queues, priority, Prcb->Number);
            if (candidate) {
                best = candidate;
                break;
            }
            summary &= ~(1u << priority);
        }
    }
    if (best)
        KiRemoveReadyQueue(best);
    return best;
}

/* ---- making threads run -------------------------------------------------------- */

static VOID KiRequestDispatch(PKPRCB Prcb)
{
    if (Prcb == KeGetCurrentPrcb())
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    else
        HalRequestIpi(Prcb->ApicId, DISPATCH_VECTOR);
}

static BOOLEAN KiIsIdle(PKPRCB Prcb)
{
    return Prcb->CurrentThread == Prcb->IdleThread && Prcb->NextThread == NULL;
}

/* The priority a newcomer must beat to take Prcb's processor. */
static LONG KiRunningPriority(PKPRCB Prcb)
{
    PKTHREAD next = Prcb->NextThread;
    return next ? next->Priority : Prcb->CurrentThread->Priority;
}

static VOID KiRequeueThread(PKPRCB Prcb, PKTHREAD Thread, BOOLEAN Front);

static VOID KiSetStandby(PKPRCB Prcb, PKTHREAD Thread)
{
    PKTHREAD displaced = Prcb->NextThread;
    if (displaced != NULL) /* it was chosen but has not run: first in line again */
        KiRequeueThread(Prcb, displaced, TRUE);
    Thread->State = Standby;
    Thread->NextProcessor = Prcb->Number;
    Prcb->NextThread = Thread;
    KiRequestDispatch(Prcb);
}

/* An idle processor Thread may run on, its last processor first. */
static PKPRCB KiFindIdleProcessor(PKTHREAD Thread, KAFFINITY Allowed)
{
    if ((Allowed & KiBit(Thread->NextProcessor)) &&
        KiIsIdle(KiProcessorBlock[Thread->NextProcessor]))
        return KiProcessorBlock[Thread->NextProcessor];
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        if ((Allowed & KiBit(p)) && KiIsIdle(KiProcessorBlock[p]))
            return KiProcessorBlock[p];
    }
    return NULL;
}

/* The processor running the lowest-priority thread below Thread's. */
static PKPRCB KiFindPreemptee(PKTHREAD Thread, KAFFINITY Allowed)
{
    PKPRCB victim = NULL;
    LONG lowest = Thread->Priority;
    for (ULONG i = 0; i < KeNumberProcessors; i++) {
        ULONG p = (Thread->NextProcessor + i) % KeNumberProcessors; /* its last one wins ties */
        if ((Allowed & KiBit(p)) && KiRunningPriority(KiProcessorBlock[p]) < lowest) {
            lowest = KiRunningPriority(KiProcessorBlock[p]);
            victim = KiProcessorBlock[p];
        }
    }
    return victim;
}

VOID KiReadyThread(PKTHREAD Thread)
{
    KAFFINITY allowed = Thread->Affinity & KeActiveProcessors;
    PKPRCB target = KiFindIdleProcessor(Thread, allowed);
    if (target == NULL)
        target = KiFindPreemptee(Thread, allowed);
    if (target != NULL) {
        KiSetStandby(target, Thread);
        return;
    }
    ULONG home = (allowed & KiBit(Thread->NextProcessor)) ? Thread->NextProcessor
                                                          : (ULONG)__builtin_ctzll(allowed);
    KiInsertReadyQueue(KiProcessorBlock[home], Thread, FALSE);
}

/* Puts a thread that could still run (preempted, its quantum over, or
   displaced from standby) back in line: on an idle processor it may run on
   if there is one, else at the front or back of Prcb's queue. */
static VOID KiRequeueThread(PKPRCB Prcb, PKTHREAD Thread, BOOLEAN Front)
{
    PKPRCB idle = KiFindIdleProcessor(Thread, Thread->Affinity & KeActiveProcessors);
    if (idle != NULL && idle != Prcb)
        KiSetStandby(idle, Thread);
    else
        KiInsertReadyQueue(Prcb, Thread, Front);
}

/* Switches from Old to New on this processor. Returns when Old runs again
   (perhaps on another processor), still holding the dispatcher lock. */
static VOID KiSwitchTo(PKPRCB Prcb, PKTHREAD Old, PKTHREAD New)
{
    New->State = Running;
    New->NextProcessor = Prcb->Number;
    if (New == Old)
        return;
    if (Old->IsIdle)
        Old->State = Ready; /* runnable, though never in a queue */
    if (New->Quantum <= 0)
        New->Quantum = KE_QUANTUM_TICKS;
    New->ContextSwitches++;
    Prcb->QuantumEnd = FALSE; /* a quantum end belonged to the old thread */
    Prcb->CurrentThread = New;
    KiSwapContext(&Old->KernelStack, New->KernelStack);
    KiRequestApcIfPending(KeGetCurrentThread()); /* Old again: APCs queued meanwhile */
}

VOID KiSwapThread(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    PKTHREAD old = prcb->CurrentThread;
    PKTHREAD next = prcb->NextThread;
    if (next != NULL)
        prcb->NextThread = NULL;
    else if ((next = KiSelectReadyThread(prcb, 0)) == NULL)
        next = prcb->IdleThread;
    KiSwitchTo(prcb, old, next);
}

/* The clock: the running thread's quantum. */
VOID KiClockTickThread(PKPRCB Prcb)
{
    PKTHREAD thread = Prcb->CurrentThread;
    if (thread == NULL || thread->IsIdle)
        return;
    if (--thread->Quantum <= 0) {
        Prcb->QuantumEnd = TRUE;
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    }
}

/* A quantum has run out: the boost decays one level, and a ready thread of
   the same or higher priority gets its turn. Returns that thread, if any. */
static PKTHREAD KiQuantumEnd(PKPRCB Prcb, PKTHREAD Thread)
{
    Thread->Quantum = KE_QUANTUM_TICKS;
    if (Thread->PriorityDecrement > 0) {
        Thread->Priority--;
        Thread->PriorityDecrement--;
    }
    if (Prcb->NextThread != NULL)
        return NULL;
    return KiSelectReadyThread(Prcb, Thread->Priority);
}

/* At DISPATCH_LEVEL, after the DPCs: act on a standby thread, a quantum
   end, or (for the idle thread) ready work. */
VOID KiDispatchSchedule(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    PKTHREAD current = prcb->CurrentThread;
    if (current == NULL ||
        (!prcb->QuantumEnd && prcb->NextThread == NULL && !(current->IsIdle && prcb->ReadySummary)))
        return; /* nothing to do: the common case, decided without the lock */

    KIRQL oldIrql = KiAcquireDispatcherLock();
    BOOLEAN roundRobin = FALSE;
    PKTHREAD next = NULL;
    if (prcb->QuantumEnd && !current->IsIdle) {
        prcb->QuantumEnd = FALSE;
        next = KiQuantumEnd(prcb, current);
        roundRobin = next != NULL;
    }
    if (next == NULL && prcb->NextThread != NULL) {
        next = prcb->NextThread;
        prcb->NextThread = NULL;
    }
    if (next == NULL && current->IsIdle)
        next = KiSelectReadyThread(prcb, 0);
    if (next != NULL) {
        /* Preempted: first in line at its priority; quantum over: last. */
        if (!current->IsIdle)
            KiRequeueThread(prcb, current, !roundRobin);
        KiSwitchTo(prcb, current, next);
    }
    KiReleaseDispatcherLock(oldIrql);
}

/* ---- the idle thread ----------------------------------------------------------- */

/* Each processor's idle thread halts until an interrupt brings work. The
   check and the halt are one step ("sti; hlt" takes the interrupt only
   after the hlt), so a wake-up IPI between them is not lost. */
VOID KiIdleLoop(VOID)
{
    for (;;) {
        PKPRCB prcb = KeGetCurrentPrcb();
        _disable();
        if (prcb->NextThread == NULL && prcb->ReadySummary == 0) {
            __asm__ volatile("sti; hlt" ::: "memory");
        } else {
            _enable();
            HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
        }
    }
}

/* ---- priority, affinity, yielding -------------------------------------------------- */

static VOID KiCheckCanSwitch(PCSTR Routine, KIRQL Irql)
{
    if (KiInDpc())
        KeBugCheckEx(ATTEMPTED_SWITCH_FROM_DPC, (ULONG_PTR)KeGetCurrentThread(), 0,
                     (ULONG_PTR)__builtin_frame_address(0), 0);
    if (Irql >= DISPATCH_LEVEL)
        KeBugCheckEx(IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)Routine, Irql, 0,
                     (ULONG_PTR)__builtin_return_address(0));
}

/* Changes a thread's priority where it stands: a ready thread is requeued
   (and may preempt someone), a running one may now have to give way. */
static VOID KiSetPriorityLocked(PKTHREAD Thread, LONG Priority)
{
    if (Thread->State == Ready) {
        KiRemoveReadyQueue(Thread);
        Thread->Priority = (SCHAR)Priority;
        KiReadyThread(Thread);
        return;
    }
    Thread->Priority = (SCHAR)Priority;
    if (Thread->State == Running) {
        PKPRCB prcb = KiProcessorBlock[Thread->NextProcessor];
        if (prcb->NextThread == NULL) {
            PKTHREAD better = KiSelectReadyThread(prcb, (ULONG)Priority + 1);
            if (better)
                KiSetStandby(prcb, better);
        }
    }
}

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread)
{
    return Thread->Priority;
}

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    ASSERT(Priority >= LOW_PRIORITY && Priority <= HIGH_PRIORITY);
    if (Priority == LOW_PRIORITY)
        Priority = LOW_PRIORITY + 1; /* priority 0 belongs to the idle threads */
    KIRQL oldIrql = KiAcquireDispatcherLock();
    KPRIORITY old = Thread->Priority;
    Thread->PriorityDecrement = 0;
    KiSetPriorityLocked(Thread, Priority);
    KiReleaseDispatcherLock(oldIrql);
    return old;
}

LONG KeSetBasePriorityThread(PKTHREAD Thread, LONG Increment)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    LONG old = Thread->BasePriority - KE_SYSTEM_BASE_PRIORITY;
    LONG base = KE_SYSTEM_BASE_PRIORITY + Increment;
    /* A dynamic thread stays dynamic (1..15), a real-time one real-time. */
    if (Thread->BasePriority < LOW_REALTIME_PRIORITY)
        base = base < 1 ? 1 : base > LOW_REALTIME_PRIORITY - 1 ? LOW_REALTIME_PRIORITY - 1 : base;
    else
        base = base < LOW_REALTIME_PRIORITY ? LOW_REALTIME_PRIORITY
               : base > HIGH_PRIORITY       ? HIGH_PRIORITY
                                            : base;
    Thread->BasePriority = (SCHAR)base;
    Thread->PriorityDecrement = 0;
    KiSetPriorityLocked(Thread, base);
    KiReleaseDispatcherLock(oldIrql);
    return old;
}

/* Boosts a dynamic thread whose wait was satisfied: priority becomes
   max(current, min(base + Increment, 15)); the boost decays one level per
   quantum end. Real-time threads (16-31) are never boosted. */
VOID KiBoostThread(PKTHREAD Thread, KPRIORITY Increment)
{
    if (Increment <= 0 || Thread->Priority >= LOW_REALTIME_PRIORITY)
        return;
    LONG boosted = Thread->BasePriority + Increment;
    if (boosted > LOW_REALTIME_PRIORITY - 1)
        boosted = LOW_REALTIME_PRIORITY - 1;
    if (boosted > Thread->Priority) {
        Thread->PriorityDecrement = (SCHAR)(boosted - Thread->BasePriority);
        Thread->Priority = (SCHAR)boosted;
    }
}

KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    PKTHREAD thread = KeGetCurrentThread();
    KAFFINITY old = thread->Affinity;
    thread->Affinity = Affinity & KeActiveProcessors;
    if (thread->Affinity == 0)
        KeBugCheckEx(INVALID_AFFINITY_SET, Affinity, KeActiveProcessors, 0, 0);
    if (!(thread->Affinity & KiBit(KeGetCurrentProcessorNumber()))) {
        /* Move now: become ready somewhere allowed, and leave this one. */
        KiCheckCanSwitch("KeSetSystemAffinityThreadEx", oldIrql);
        KiReadyThread(thread);
        KiSwapThread();
    }
    KiReleaseDispatcherLock(oldIrql);
    return old;
}

VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity)
{
    KeSetSystemAffinityThreadEx(Affinity);
}

NTSTATUS ZwYieldExecution(VOID)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    KiCheckCanSwitch("ZwYieldExecution", oldIrql);
    PKPRCB prcb = KeGetCurrentPrcb();
    PKTHREAD current = prcb->CurrentThread;
    PKTHREAD next = KiSelectReadyThread(prcb, (ULONG)current->Priority);
    if (next != NULL) {
        KiRequeueThread(prcb, current, FALSE);
        KiSwitchTo(prcb, current, next);
    }
    KiReleaseDispatcherLock(oldIrql);
    return next ? STATUS_SUCCESS : STATUS_NO_YIELD_PERFORMED;
}

/* ---- start-up ------------------------------------------------------------------------ */

VOID KiInitializeSchedulerData(PKPRCB Prcb)
{
    for (ULONG p = 0; p < MAXIMUM_PRIORITY; p++)
        InitializeListHead(&Prcb->ReadyQueue[p]);
}

/* ---- a snapshot for `ready` ---------------------------------------------------------- */

static VOID KiSnapshotThreadName(KI_READY_ENTRY *Entry, PKTHREAD Thread)
{
    RtlCopyMemory(Entry->Name, Thread->Name, sizeof(Entry->Name));
    Entry->Priority = Thread->Priority;
}

VOID KiSnapshotReadyQueues(KI_READY_SNAPSHOT *Processors)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        PKPRCB prcb = KiProcessorBlock[p];
        KI_READY_SNAPSHOT *copy = &Processors[p];
        copy->Count = 0;
        KiSnapshotThreadName(&copy->Running, prcb->CurrentThread);
        copy->HasStandby = prcb->NextThread != NULL;
        if (copy->HasStandby)
            KiSnapshotThreadName(&copy->Standby, prcb->NextThread);
        for (LONG priority = MAXIMUM_PRIORITY - 1; priority >= 0; priority--) {
            PLIST_ENTRY head = &prcb->ReadyQueue[priority];
            for (PLIST_ENTRY e = head->Flink; e != head; e = e->Flink, copy->Count++) {
                if (copy->Count < ARRAYSIZE(copy->Ready))
                    KiSnapshotThreadName(&copy->Ready[copy->Count],
                                         CONTAINING_RECORD(e, KTHREAD, WaitListEntry));
            }
        }
    }
    KiReleaseDispatcherLock(oldIrql);
}
