/*
 * irp.c: allocating and freeing IRPs.
 *
 * An IRP is one block of pool: the IRP, then StackSize stack locations.
 * The driver that receives the IRP first uses the last location; each
 * IoCallDriver moves one location towards the first. So an IRP for a
 * device is allocated with that device's StackSize: one location for
 * each driver in the stack below and including it.
 *
 *   Irp | location 0 (bottom driver) | ... | location StackCount-1 (top) |
 *                                          CurrentStackLocation starts just past here
 *
 * In front of every IRP the I/O manager keeps a list entry (IOP_IRP_HEADER)
 * so that the `irps` command can show every IRP that is outstanding.
 */
#include "iop.h"
#include "ps.h"
#include "ob.h"

KSPIN_LOCK IopIrpListLock;
LIST_ENTRY IopIrpList = {&IopIrpList, &IopIrpList};

static IOP_IRP_HEADER *IopIrpHeader(PIRP Irp)
{
    return (IOP_IRP_HEADER *)Irp - 1;
}

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    UNREFERENCED_PARAMETER(ChargeQuota); /* no processes, no quotas */
    if (StackSize < 1)
        return NULL;
    USHORT size = (USHORT)(sizeof(IRP) + StackSize * sizeof(IO_STACK_LOCATION));
    IOP_IRP_HEADER *header =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(IOP_IRP_HEADER) + size, IOP_TAG_IRP);
    if (header == NULL)
        return NULL;
    PIRP irp = (PIRP)(header + 1);
    RtlZeroMemory(irp, size);
    irp->Type = IO_TYPE_IRP;
    irp->Size = size;
    irp->StackCount = StackSize;
    irp->CurrentLocation = (CHAR)(StackSize + 1);
    irp->RequestorMode = KernelMode;
    irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(irp + 1) + StackSize;

    KIRQL oldIrql;
    KeAcquireSpinLock(&IopIrpListLock, &oldIrql);
    InsertTailList(&IopIrpList, &header->IrpListEntry);
    KeReleaseSpinLock(&IopIrpListLock, oldIrql);
    return irp;
}

VOID IopFreeIrp(PIRP Irp)
{
    IOP_IRP_HEADER *header = IopIrpHeader(Irp);
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopIrpListLock, &oldIrql);
    RemoveEntryList(&header->IrpListEntry);
    KeReleaseSpinLock(&IopIrpListLock, oldIrql);
    Irp->Type = 0; /* a second IoCompleteRequest or IoFreeIrp will not mistake it for an IRP */
    ExFreePoolWithTag(header, IOP_TAG_IRP);
}

/* A thread's IRP (IoBuildAsynchronousFsdRequest) holds a reference to its
   thread, which goes with it. The buffers and MDLs are the caller's to
   free first, as on Windows. */
VOID IoFreeIrp(PIRP Irp)
{
    if (Irp->Type != IO_TYPE_IRP)
        KeBugCheckEx(DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x01, (ULONG_PTR)Irp, 0, 0);
    if (Irp->Tail.Overlay.Thread != NULL)
        ObDereferenceObject(Irp->Tail.Overlay.Thread);
    IopFreeIrp(Irp);
}
