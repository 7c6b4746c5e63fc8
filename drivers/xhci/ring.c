/*
 * ring.c: TRB rings (xHCI 4.9) and the memory the controller reads.
 *
 * A producer ring is a circle of TRBs: the driver writes at Enqueue, the
 * controller reads from its own dequeue pointer, and the cycle bit of
 * each TRB says whose it is: a TRB whose cycle bit is not the
 * controller's current cycle state has not been written yet. The last TRB
 * is a Link TRB back to the first, with Toggle Cycle: after passing it
 * both sides flip their cycle state, so the TRBs left from the previous
 * lap read as not yet written.
 *
 *     index:  0    1    2   ...  Size-2  Size-1
 *            [TRB][TRB][TRB]     [TRB]   [Link, TC] --> back to 0
 *
 * One TRB is always left empty, so that a full ring is told from an empty
 * one. A TD of several TRBs is written with its first TRB's cycle bit
 * wrong ("held") and fixed last, so the controller never starts a TD half
 * written (XhciRingCommit).
 */
#include "xhci.h"

PVOID XhciAllocateDma(SIZE_T Bytes, PULONG64 Physical)
{
    PHYSICAL_ADDRESS low = {.QuadPart = 0}, high = {.QuadPart = -1}, boundary;
    /* Rings and contexts may not cross a 64 KiB boundary (xHCI 6.1). */
    boundary.QuadPart = 0x10000;
    PVOID memory = MmAllocateContiguousMemorySpecifyCache(Bytes, low, high, boundary, MmCached);
    if (memory == NULL)
        return NULL;
    RtlZeroMemory(memory, Bytes);
    *Physical = (ULONG64)MmGetPhysicalAddress(memory).QuadPart;
    return memory;
}

VOID XhciFreeDma(PVOID Memory, SIZE_T Bytes)
{
    if (Memory != NULL)
        MmFreeContiguousMemorySpecifyCache(Memory, Bytes, MmCached);
}

VOID XhciResetRing(PXHCI_RING Ring, BOOLEAN Link)
{
    RtlZeroMemory((PVOID)Ring->Trb, Ring->Size * 16);
    Ring->Enqueue = 0;
    Ring->Dequeue = 0;
    Ring->Cycle = 1;
    if (Link) {
        volatile ULONG *link = Ring->Trb + 4 * (Ring->Size - 1);
        link[0] = (ULONG)Ring->Physical;
        link[1] = (ULONG)(Ring->Physical >> 32);
        link[3] = XHCI_TRB_TYPE(XhciTrbLink) | XHCI_TRB_TOGGLE; /* cycle 0: not yet passed */
    }
}

NTSTATUS XhciAllocateRing(PXHCI_RING Ring, ULONG Pages, BOOLEAN Link)
{
    Ring->Size = Pages * PAGE_SIZE / 16;
    Ring->Trb = XhciAllocateDma(Pages * PAGE_SIZE, &Ring->Physical);
    if (Ring->Trb == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    XhciResetRing(Ring, Link);
    return STATUS_SUCCESS;
}

VOID XhciFreeRing(PXHCI_RING Ring)
{
    XhciFreeDma((PVOID)Ring->Trb, Ring->Size * 16);
    Ring->Trb = NULL;
}

/* TRBs that can still be written before the ring is full. */
ULONG XhciRingSpace(const XHCI_RING *Ring)
{
    ULONG usable = Ring->Size - 1; /* the Link TRB is no slot */
    return (Ring->Dequeue + usable - Ring->Enqueue - 1) % usable;
}

/* Writes one TRB at Enqueue and returns its index. Chained: the TD goes
   on after it (the Link TRB passed on the way says so too). Hold: write
   it as not yet the controller's (the first TRB of a TD). */
ULONG XhciRingPut(PXHCI_RING Ring, const ULONG Trb[4], BOOLEAN Chained, BOOLEAN Hold)
{
    ULONG index = Ring->Enqueue;
    volatile ULONG *t = Ring->Trb + 4 * index;
    ULONG cycle = Hold ? Ring->Cycle ^ 1 : Ring->Cycle;

    t[0] = Trb[0];
    t[1] = Trb[1];
    t[2] = Trb[2];
    t[3] = (Trb[3] & ~XHCI_TRB_CYCLE) | (Chained ? XHCI_TRB_CHAIN : 0) | cycle;
    if (++Ring->Enqueue == Ring->Size - 1) {
        volatile ULONG *link = Ring->Trb + 4 * Ring->Enqueue;
        link[3] = XHCI_TRB_TYPE(XhciTrbLink) | XHCI_TRB_TOGGLE | (Chained ? XHCI_TRB_CHAIN : 0) |
                  Ring->Cycle;
        Ring->Enqueue = 0;
        Ring->Cycle ^= 1;
    }
    return index;
}

/* Hands the TD starting at First to the controller: flips the held cycle
   bit, after every other TRB of the TD is visible. */
VOID XhciRingCommit(PXHCI_RING Ring, ULONG First)
{
    KeMemoryBarrier();
    Ring->Trb[4 * First + 3] ^= XHCI_TRB_CYCLE;
}

ULONG64 XhciRingPhysical(const XHCI_RING *Ring, ULONG Index)
{
    return Ring->Physical + 16ull * Index;
}

/* The index of the TRB at Physical, if it is one of this ring's. */
BOOLEAN XhciRingIndex(const XHCI_RING *Ring, ULONG64 Physical, PULONG Index)
{
    if (Physical < Ring->Physical || Physical >= Ring->Physical + 16ull * Ring->Size ||
        (Physical & 15) != 0)
        return FALSE;
    *Index = (ULONG)((Physical - Ring->Physical) / 16);
    return TRUE;
}
