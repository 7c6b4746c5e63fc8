/*
 * ipi.c: making other processors do something, now.
 *
 * An inter-processor interrupt (vector 0xE1, IPI_LEVEL) carries a request
 * bit in the target's PRCB. KI_IPI_REQUEST_PACKET means "run the function in the
 * current IPI packet": one packet is in flight at a time (KiIpiLock), the
 * sender fills it, interrupts each target and waits until every target has
 * run it. KeIpiGenericCall adds a barrier, so that every processor, the
 * caller included, starts the function at the same moment, all at
 * IPI_LEVEL with nothing else running anywhere.
 *
 * The sender spins for the packet lock at DISPATCH_LEVEL with interrupts
 * enabled, so a processor waiting for the lock still answers the IPI of
 * the processor that holds it: two senders cannot deadlock.
 */
#include "ki.h"
#include "hal.h"

typedef ULONG_PTR (*PKIPI_WORKER)(ULONG_PTR Context);

typedef struct _KI_IPI_PACKET {
    PKIPI_WORKER Worker;
    ULONG_PTR Context;
    volatile LONG Remaining; /* targets that have not finished */
    volatile LONG Arrived;   /* for the barrier */
    LONG Participants;       /* 0: no barrier */
} KI_IPI_PACKET;

static KSPIN_LOCK KiIpiLock;      /* one packet in flight */
static KI_IPI_PACKET KiIpiPacket; /* KiIpiLock (read by targets while it is held) */

VOID KiInitializeIpi(VOID)
{
    KeLabNameSpinLock(&KiIpiLock, "IpiPacket");
}

static ULONG_PTR KiIpiRunPacket(VOID)
{
    KI_IPI_PACKET *p = &KiIpiPacket;
    if (p->Participants) {
        __atomic_add_fetch(&p->Arrived, 1, __ATOMIC_ACQ_REL);
        while (__atomic_load_n(&p->Arrived, __ATOMIC_ACQUIRE) < p->Participants)
            YieldProcessor();
    }
    ULONG_PTR result = p->Worker(p->Context);
    __atomic_sub_fetch(&p->Remaining, 1, __ATOMIC_RELEASE);
    return result;
}

VOID KiIpiInterrupt(VOID)
{
    PKPRCB prcb = KeGetCurrentPrcb();
    LONG requests = __atomic_exchange_n(&prcb->IpiRequests, 0, __ATOMIC_ACQ_REL);
    if (requests & KI_IPI_REQUEST_PACKET)
        KiIpiRunPacket();
}

/* Sends the packet to Targets (never the caller) and, if Self, runs it
   here too; waits until all have run it. Caller at DISPATCH_LEVEL or below. */
static ULONG_PTR KiIpiDeliver(KAFFINITY Targets, BOOLEAN Self, BOOLEAN Barrier, PKIPI_WORKER Worker,
                              ULONG_PTR Context)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&KiIpiLock, &oldIrql);
    ULONG self = KeGetCurrentProcessorNumber();
    Targets &= KeActiveProcessors & ~((KAFFINITY)1 << self);
    LONG count = (LONG)RtlNumberOfSetBitsUlongPtr(Targets) + (Self ? 1 : 0);
    KiIpiPacket = (KI_IPI_PACKET){.Worker = Worker,
                                  .Context = Context,
                                  .Remaining = count,
                                  .Participants = Barrier ? count : 0};
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        if (!(Targets & ((KAFFINITY)1 << p)))
            continue;
        __atomic_or_fetch(&KiProcessorBlock[p]->IpiRequests, KI_IPI_REQUEST_PACKET,
                          __ATOMIC_RELEASE);
        HalRequestIpi(KiProcessorBlock[p]->ApicId, IPI_VECTOR);
    }
    ULONG_PTR result = 0;
    if (Self) {
        KIRQL dispatchIrql;
        KeRaiseIrql(IPI_LEVEL, &dispatchIrql);
        result = KiIpiRunPacket();
        KeLowerIrql(dispatchIrql);
    }
    while (__atomic_load_n(&KiIpiPacket.Remaining, __ATOMIC_ACQUIRE) != 0)
        YieldProcessor();
    KeReleaseSpinLock(&KiIpiLock, oldIrql);
    return result;
}

ULONG_PTR KeIpiGenericCall(PKIPI_BROADCAST_WORKER BroadcastFunction, ULONG_PTR Context)
{
    return KiIpiDeliver(KeActiveProcessors, TRUE, TRUE, BroadcastFunction, Context);
}

static ULONG_PTR KiFlushTlbWorker(ULONG_PTR Va)
{
    __invlpg((PVOID)Va);
    return 0;
}

/* A page table entry every processor may have cached has changed: each
   must forget it before the change is safe (freeing the page, say). */
VOID KeFlushSingleTb(PVOID VirtualAddress)
{
    __invlpg(VirtualAddress);
    if (KeNumberProcessors > 1)
        KiIpiDeliver(KeActiveProcessors, FALSE, FALSE, KiFlushTlbWorker, (ULONG_PTR)VirtualAddress);
}

/* Stops every other processor where it stands, with an NMI (which IRQL
   cannot mask), so that a bug check report is not interleaved with their
   output and the state it describes stays put. Each one counts itself in
   KiFrozenProcessors before halting (KiNmi). Nothing here may take a lock:
   a frozen processor may have held it. */
volatile LONG KiFrozenProcessors; /* atomic: each frozen processor adds itself */

VOID KiFreezeOtherProcessors(VOID)
{
    ULONG self = KeGetCurrentProcessorNumber();
    LONG others = 0;
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        if (p != self && KiProcessorBlock[p] != NULL) {
            HalSendNmi(KiProcessorBlock[p]->ApicId);
            others++;
        }
    }
    for (ULONG spins = 0; spins < 50000000 && KiFrozenProcessors < others; spins++)
        YieldProcessor();
}
