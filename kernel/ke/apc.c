/*
 * apc.c: kernel APCs, work done in the context of a particular thread.
 *
 * An APC is queued to a thread; it runs when that thread is running and
 * its IRQL drops below APC_LEVEL: the APC_LEVEL software interrupt (a
 * self-IPI on vector 0x1F, held by the APIC while IRQL >= APC_LEVEL)
 * delivers it. The KernelRoutine runs at APC_LEVEL; then, for a normal
 * APC, the NormalRoutine at PASSIVE_LEVEL. Normal APCs wait while the
 * thread is inside a critical region (KeEnterCriticalRegion, or owning a
 * mutex); special APCs (no NormalRoutine) do not.
 *
 * A thread waiting at PASSIVE_LEVEL is woken to run an APC queued to it
 * (its wait returns STATUS_KERNEL_APC internally, runs it, and waits on):
 * that is how the I/O manager completes a thread's IRP in that thread.
 */
#include "ki.h"
#include "hal.h"

VOID KeInitializeApc(PRKAPC Apc, PRKTHREAD Thread, KAPC_ENVIRONMENT Environment,
                     PKKERNEL_ROUTINE KernelRoutine, PKRUNDOWN_ROUTINE RundownRoutine,
                     PKNORMAL_ROUTINE NormalRoutine, KPROCESSOR_MODE ProcessorMode,
                     PVOID NormalContext)
{
    UNREFERENCED_PARAMETER(Environment); /* one address space: every environment is the same */
    RtlZeroMemory(Apc, sizeof(*Apc));
    Apc->Thread = Thread;
    Apc->KernelRoutine = KernelRoutine;
    Apc->RundownRoutine = RundownRoutine;
    Apc->NormalRoutine = NormalRoutine;
    Apc->NormalContext = NormalContext;
    Apc->ApcMode = (UCHAR)ProcessorMode;
}

static BOOLEAN KiIsSpecialApc(PKAPC Apc)
{
    return Apc->NormalRoutine == NULL;
}

/* Can Thread run the first APC on its list now (as far as its state goes)? */
static BOOLEAN KiApcDeliverable(PKTHREAD Thread)
{
    if (IsListEmpty(&Thread->ApcListHead))
        return FALSE;
    PKAPC first = CONTAINING_RECORD(Thread->ApcListHead.Flink, KAPC, ApcListEntry);
    return KiIsSpecialApc(first) || (Thread->KernelApcDisable == 0 && !Thread->KernelApcInProgress);
}

BOOLEAN KiRequestApcIfPending(PKTHREAD Thread)
{
    if (!Thread->KernelApcPending || !KiApcDeliverable(Thread))
        return FALSE;
    HalRequestSoftwareInterrupt(APC_LEVEL);
    return TRUE;
}

/* Special APCs go ahead of normal ones, each kind in order of arrival. */
static VOID KiInsertApc(PKTHREAD Thread, PKAPC Apc)
{
    PLIST_ENTRY e = Thread->ApcListHead.Flink;
    if (KiIsSpecialApc(Apc)) {
        while (e != &Thread->ApcListHead &&
               KiIsSpecialApc(CONTAINING_RECORD(e, KAPC, ApcListEntry)))
            e = e->Flink;
        InsertTailList(e, &Apc->ApcListEntry); /* before the first normal one */
    } else {
        InsertTailList(&Thread->ApcListHead, &Apc->ApcListEntry);
    }
}

BOOLEAN KeInsertQueueApc(PRKAPC Apc, PVOID SystemArgument1, PVOID SystemArgument2,
                         KPRIORITY Increment)
{
    if (Apc->ApcMode != KernelMode)
        return FALSE; /* no user mode, no user APCs */
    KIRQL oldIrql = KiAcquireDispatcherLock();
    PKTHREAD thread = Apc->Thread;
    BOOLEAN inserted = !Apc->Inserted && thread->State != Terminated;
    if (inserted) {
        Apc->SystemArgument1 = SystemArgument1;
        Apc->SystemArgument2 = SystemArgument2;
        Apc->Inserted = TRUE;
        KiInsertApc(thread, Apc);
        thread->KernelApcPending = TRUE;
        if (thread == KeGetCurrentThread())
            KiRequestApcIfPending(thread);
        else if (thread->State == Running)
            HalRequestIpi(KiProcessorBlock[thread->NextProcessor]->ApicId, APC_VECTOR);
        else if (thread->State == Waiting && thread->WaitIrql == PASSIVE_LEVEL &&
                 KiApcDeliverable(thread))
            KiUnwaitThread(thread, STATUS_KERNEL_APC, Increment);
    }
    KiReleaseDispatcherLock(oldIrql);
    return inserted;
}

/* The APC_LEVEL software interrupt (vector 0x1F): run the current
   thread's deliverable APCs. The list is taken under the dispatcher lock;
   the routines run without it (a routine may queue more APCs, or wait). */
VOID KiApcInterrupt(VOID)
{
    PKTHREAD thread = KeGetCurrentThread();
    if (thread == NULL)
        return;
    KIRQL apcIrql = KiAcquireDispatcherLock();
    while (KiApcDeliverable(thread)) {
        PKAPC apc = CONTAINING_RECORD(RemoveHeadList(&thread->ApcListHead), KAPC, ApcListEntry);
        apc->Inserted = FALSE;
        PKNORMAL_ROUTINE normal = apc->NormalRoutine;
        PVOID context = apc->NormalContext, arg1 = apc->SystemArgument1,
              arg2 = apc->SystemArgument2;
        PKKERNEL_ROUTINE kernel = apc->KernelRoutine;
        KiReleaseDispatcherLock(apcIrql);

        kernel(apc, &normal, &context, &arg1, &arg2); /* may free the APC */
        if (normal != NULL) {
            thread->KernelApcInProgress = TRUE;
            KeLowerIrql(PASSIVE_LEVEL);
            normal(context, arg1, arg2);
            KIRQL ignored;
            KeRaiseIrql(APC_LEVEL, &ignored);
            thread->KernelApcInProgress = FALSE;
        }
        apcIrql = KiAcquireDispatcherLock();
    }
    thread->KernelApcPending = !IsListEmpty(&thread->ApcListHead);
    KiReleaseDispatcherLock(apcIrql);
}

VOID KeEnterCriticalRegion(VOID)
{
    KeGetCurrentThread()->KernelApcDisable--;
}

VOID KeLeaveCriticalRegion(VOID)
{
    PKTHREAD thread = KeGetCurrentThread();
    if (++thread->KernelApcDisable == 0)
        KiRequestApcIfPending(thread); /* APCs held back by the region may run now */
}
