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
 * Devices connect through interrupt objects (KINTERRUPT; drivers call
 * IoConnectInterrupt, kernel/io/interrupt.c, which uses the Ke routines
 * below): an ISR, its context, and a spin lock taken at the object's
 * synchronize IRQL, the same lock KeSynchronizeExecution takes, so that
 * code outside the ISR can touch the device's registers without racing it.
 */
#include "ki.h"
#include "hal.h"

/* The objects connected to each device vector, and the lock that keeps the
   chain stable while an interrupt walks it: taken at the vector's IRQL. */
static LIST_ENTRY KiInterruptChain[256]; /* KiInterruptChainLock[vector] */
static KSPIN_LOCK KiInterruptChainLock[256];
/* Per vector: interrupts for which no ISR on the chain returned TRUE. */
static volatile ULONG64 KiUnclaimedInterrupts[256]; /* atomic counters */

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
    for (PLIST_ENTRY e = KiInterruptChain[Vector].Flink; e != &KiInterruptChain[Vector] && !claimed;
         e = e->Flink) {
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
        __atomic_add_fetch(&KiUnclaimedInterrupts[Vector], 1, __ATOMIC_RELAXED);
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

VOID KeInitializeInterrupt(PKINTERRUPT Interrupt, PKSERVICE_ROUTINE ServiceRoutine,
                           PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql,
                           KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                           BOOLEAN ShareVector)
{
    *Interrupt = (KINTERRUPT){.ServiceRoutine = ServiceRoutine,
                              .ServiceContext = ServiceContext,
                              .Vector = Vector,
                              .Irql = Irql,
                              .SynchronizeIrql = SynchronizeIrql,
                              .Mode = InterruptMode,
                              .ShareVector = ShareVector};
    KeInitializeSpinLock(&Interrupt->SpinLock);
    Interrupt->ActualLock = SpinLock ? SpinLock : &Interrupt->SpinLock;
}

/* Is the chain of Vector free for Interrupt: empty, or both share? */
static BOOLEAN KiCanJoinChain(PKINTERRUPT Interrupt)
{
    PLIST_ENTRY chain = &KiInterruptChain[Interrupt->Vector];
    return IsListEmpty(chain) ||
           (Interrupt->ShareVector &&
            CONTAINING_RECORD(chain->Flink, KINTERRUPT, InterruptListEntry)->ShareVector);
}

BOOLEAN KeConnectInterrupt(PKINTERRUPT Interrupt)
{
    ULONG vector = Interrupt->Vector;
    if (vector < FIRST_DEVICE_VECTOR || vector > LAST_DEVICE_VECTOR || Interrupt->Connected)
        return FALSE;
    KIRQL oldIrql;
    KeRaiseIrql(Interrupt->Irql, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[vector]);
    BOOLEAN connected = KiCanJoinChain(Interrupt);
    if (connected) {
        InsertTailList(&KiInterruptChain[vector], &Interrupt->InterruptListEntry);
        Interrupt->Connected = TRUE;
    }
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[vector]);
    KeLowerIrql(oldIrql);
    if (connected)
        HalEnableSystemInterrupt(vector, Interrupt->Irql, Interrupt->Mode);
    return connected;
}

BOOLEAN KeDisconnectInterrupt(PKINTERRUPT Interrupt)
{
    ULONG vector = Interrupt->Vector;
    KIRQL oldIrql;
    KeRaiseIrql(Interrupt->Irql, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[vector]);
    BOOLEAN wasConnected = Interrupt->Connected;
    if (wasConnected) {
        RemoveEntryList(&Interrupt->InterruptListEntry);
        Interrupt->Connected = FALSE;
    }
    BOOLEAN last = IsListEmpty(&KiInterruptChain[vector]);
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[vector]);
    KeLowerIrql(oldIrql);
    if (wasConnected && last)
        HalDisableSystemInterrupt(vector, Interrupt->Irql);
    return wasConnected;
}

ULONG64 KeQueryInterruptCount(ULONG Vector)
{
    ULONG64 total = 0;
    for (ULONG p = 0; p < KeNumberProcessors && Vector < 256; p++)
        total += KiProcessorBlock[p]->InterruptCount[Vector];
    return total;
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

/* ---- a snapshot for `interrupts` ------------------------------------------------ */

ULONG KiSnapshotInterruptVector(ULONG Vector, KI_ISR_SNAPSHOT *Isrs, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql;
    KeRaiseIrql((KIRQL)(Vector >> 4), &oldIrql); /* the chain's lock is taken at its IRQL */
    KeAcquireSpinLockAtDpcLevel(&KiInterruptChainLock[Vector]);
    for (PLIST_ENTRY e = KiInterruptChain[Vector].Flink; e != &KiInterruptChain[Vector];
         e = e->Flink, count++) {
        PKINTERRUPT interrupt = CONTAINING_RECORD(e, KINTERRUPT, InterruptListEntry);
        if (count < Capacity)
            Isrs[count] = (KI_ISR_SNAPSHOT){interrupt->ServiceRoutine, interrupt->ServiceCount};
    }
    KeReleaseSpinLockFromDpcLevel(&KiInterruptChainLock[Vector]);
    KeLowerIrql(oldIrql);
    return count;
}

ULONG64 KiQueryUnclaimedInterrupts(ULONG Vector)
{
    return __atomic_load_n(&KiUnclaimedInterrupts[Vector], __ATOMIC_RELAXED);
}
