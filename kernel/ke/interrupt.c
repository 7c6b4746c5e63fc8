/*
 * interrupt.c: taking an interrupt at its IRQL, and interrupt objects.
 *
 * Entry (the order matters, and is NT's):
 *   1. raise IRQL to the vector's level (vector >> 4), so that the APIC
 *      holds back everything at or below it;
 *   2. EOI, so the APIC stops counting this vector as in service: from
 *      now on only IRQL (CR8) masks, and masking means exactly IRQL;
 *   3. enable interrupts: anything of a *higher* level may preempt;
 *   4. run the handler;
 *   5. disable interrupts and restore the old IRQL; the iretq that follows
 *      re-enables them, and the APIC delivers what was held back (a DPC
 *      request, for instance) the moment IRQL allows it.
 *
 * Devices connect through interrupt objects (KINTERRUPT, IoConnectInterrupt):
 * an ISR, its context, and a spin lock taken at the object's synchronize
 * IRQL, the same lock KeSynchronizeExecution takes, so that code outside
 * the ISR can touch the device's registers without racing it.
 */
#include "ke.h"
#include "hal.h"
#include "kd.h"

/* The objects connected to each device vector, and the lock that keeps the
   chain stable while an interrupt walks it: taken at the vector's IRQL. */
static LIST_ENTRY KiInterruptChain[256]; /* KiInterruptChainLock[vector] */
static KSPIN_LOCK KiInterruptChainLock[256];
static volatile ULONG64 KiUnexpectedInterrupts; /* device vectors nobody claimed */

BOOLEAN KiIsInterruptVector(ULONG Vector)
{
    return Vector >= 32 || Vector == APC_VECTOR;
}

VOID KiInitializeInterrupts(VOID)
{
    for (ULONG v = 0; v < 256; v++) {
        InitializeListHead(&KiInterruptChain[v]);
        KeInitializeSpinLock(&KiInterruptChainLock[v]);
    }
}

/* Calls every ISR connected to Vector until one claims the interrupt. */
static VOID KiDeviceInterrupt(ULONG Vector)
{
    BOOLEAN claimed = FALSE;
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[Vector]);
    for (PLIST_ENTRY e = KiInterruptChain[Vector].Flink;
         e != &KiInterruptChain[Vector] && !claimed; e = e->Flink) {
        PKINTERRUPT interrupt = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        KIRQL oldIrql = KeAcquireInterruptSpinLock(interrupt);
        claimed = interrupt->ServiceRoutine(interrupt, interrupt->ServiceContext);
        KIRQL irql = KeGetCurrentIrql();
        if (irql != interrupt->SynchronizeIrql) /* an ISR must return at its IRQL */
            KeBugCheckEx(IRQL_UNEXPECTED_VALUE,
                         ((ULONG)irql << 16) | ((ULONG)interrupt->SynchronizeIrql << 8) | 3,
                         (ULONG_PTR)interrupt->ServiceRoutine, (ULONG_PTR)interrupt, 0);
        KeReleaseInterruptSpinLock(interrupt, oldIrql);
        if (claimed)
            interrupt->ServiceCount++;
    }
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[Vector]);
    if (!claimed)
        __atomic_add_fetch(&KiUnexpectedInterrupts, 1, __ATOMIC_RELAXED);
}

static VOID KiRunHandler(ULONG Vector, PKTRAP_FRAME TrapFrame, KIRQL InterruptedIrql)
{
    switch (Vector) {
    case CLOCK_VECTOR:
        KiClockInterrupt(TrapFrame, InterruptedIrql);
        break;
    case IPI_VECTOR:
        KiIpiInterrupt();
        break;
    case DISPATCH_VECTOR:
        KiDispatchInterrupt();
        break;
    case APC_VECTOR:
        KiApcInterrupt();
        break;
    default:
        KiDeviceInterrupt(Vector);
        break;
    }
}

VOID KiInterruptDispatch(PKTRAP_FRAME TrapFrame)
{
    ULONG vector = (ULONG)TrapFrame->Vector;
    KeGetCurrentPrcb()->InterruptCount[vector]++;
    if (vector == SPURIOUS_VECTOR)
        return; /* the APIC withdrew it: no EOI for a spurious interrupt */

    KIRQL oldIrql = KeGetCurrentIrql();
    __writecr8(vector >> 4);
    HalEndOfInterrupt();
    _enable();
    KiRunHandler(vector, TrapFrame, oldIrql);
    _disable();
    __writecr8(oldIrql);
}

/* ---- interrupt objects -------------------------------------------------- */

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine,
                            PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector,
                            KIRQL Irql, KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                            BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    UNREFERENCED_PARAMETER(ProcessorEnableMask); /* the vector is routed by the HAL */
    if (FloatingSave || Vector < FIRST_DEVICE_VECTOR || Vector > LAST_DEVICE_VECTOR ||
        Irql != (Vector >> 4) || SynchronizeIrql < Irql || SynchronizeIrql > HIGH_LEVEL)
        return STATUS_INVALID_PARAMETER; /* KeLab kernels save no FPU state */
    PKINTERRUPT interrupt = ExAllocatePoolWithTag(NonPagedPool, sizeof(*interrupt), 'rtnI');
    if (interrupt == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    *interrupt = (KINTERRUPT){.ServiceRoutine = ServiceRoutine, .ServiceContext = ServiceContext,
                              .Vector = Vector, .Irql = Irql, .SynchronizeIrql = SynchronizeIrql,
                              .Mode = InterruptMode, .ShareVector = ShareVector};
    KeInitializeSpinLock(&interrupt->SpinLock);
    interrupt->ActualLock = SpinLock ? SpinLock : &interrupt->SpinLock;

    KIRQL oldIrql;
    KeRaiseIrql(Irql, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[Vector]);
    BOOLEAN conflict = !IsListEmpty(&KiInterruptChain[Vector]) &&
                       (!ShareVector || !CONTAINING_RECORD(KiInterruptChain[Vector].Flink,
                                                           KINTERRUPT, InterruptListEntry)
                                             ->ShareVector);
    if (!conflict)
        InsertTailList(&KiInterruptChain[Vector], &interrupt->InterruptListEntry);
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[Vector]);
    KeLowerIrql(oldIrql);
    if (conflict) {
        ExFreePoolWithTag(interrupt, 'rtnI');
        return STATUS_INVALID_PARAMETER; /* the vector is taken and not shareable */
    }
    HalEnableSystemInterrupt(Vector, Irql, InterruptMode);
    *InterruptObject = interrupt;
    return STATUS_SUCCESS;
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    KIRQL oldIrql;
    KeRaiseIrql(InterruptObject->Irql, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[InterruptObject->Vector]);
    RemoveEntryList(&InterruptObject->InterruptListEntry);
    BOOLEAN last = IsListEmpty(&KiInterruptChain[InterruptObject->Vector]);
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[InterruptObject->Vector]);
    KeLowerIrql(oldIrql);
    if (last)
        HalDisableSystemInterrupt(InterruptObject->Vector, InterruptObject->Irql);
    ExFreePoolWithTag(InterruptObject, 'rtnI');
}

KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt)
{
    KIRQL oldIrql = KeGetCurrentIrql();
    if (oldIrql < Interrupt->SynchronizeIrql)
        KeRaiseIrql(Interrupt->SynchronizeIrql, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(Interrupt->ActualLock);
    return oldIrql;
}

VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql)
{
    KeReleaseSpinLockFromDpcLevel(Interrupt->ActualLock);
    KeLowerIrql(OldIrql);
}

BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext)
{
    KIRQL oldIrql = KeAcquireInterruptSpinLock(Interrupt);
    BOOLEAN result = SynchronizeRoutine(SynchronizeContext);
    KeReleaseInterruptSpinLock(Interrupt, oldIrql);
    return result;
}

/* ---- `interrupts` --------------------------------------------------------- */

static PCSTR KiVectorName(ULONG Vector)
{
    switch (Vector) {
    case APC_VECTOR: return "APC software interrupt";
    case DISPATCH_VECTOR: return "DISPATCH software interrupt (DPCs)";
    case CLOCK_VECTOR: return "clock";
    case IPI_VECTOR: return "inter-processor interrupt";
    case SPURIOUS_VECTOR: return "spurious";
    }
    return IsListEmpty(&KiInterruptChain[Vector]) ? "device (not connected)" : "device";
}

static VOID KiShellInterrupts(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("vector IRQL");
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        DbgPrint("      CPU%-2u", p);
    DbgPrint("  source\n");
    for (ULONG v = 32; v < 256; v++) {
        ULONG64 total = 0;
        for (ULONG p = 0; p < KeNumberProcessors; p++)
            total += KiProcessorBlock[p]->InterruptCount[v];
        if (v != APC_VECTOR && total == 0 && IsListEmpty(&KiInterruptChain[v]))
            continue;
        DbgPrint("  0x%02X   %2u", v, v >> 4);
        for (ULONG p = 0; p < KeNumberProcessors; p++)
            DbgPrint(" %10llu", (unsigned long long)KiProcessorBlock[p]->InterruptCount[v]);
        DbgPrint("  %s\n", KiVectorName(v));
    }
    DbgPrint("Unclaimed device interrupts: %llu\n", (unsigned long long)KiUnexpectedInterrupts);
}
KD_COMMAND(interrupts, "", "interrupt counts per vector and processor", KiShellInterrupts);
