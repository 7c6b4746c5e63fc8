/*
 * interrupt.c: IoConnectInterrupt and IoDisconnectInterrupt, a driver's
 * way to its interrupt.
 *
 * The I/O manager checks what the driver asked for, allocates the
 * interrupt object, and hands it to the kernel, which owns interrupt
 * dispatch: KeInitializeInterrupt, KeConnectInterrupt (onto the vector's
 * chain, and the vector enabled) and KeDisconnectInterrupt
 * (kernel/ke/interrupt.c), as on NT.
 */
#include "iop.h"
#include "hal.h"
#include "ke.h"

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine,
                            PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql,
                            KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                            BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    UNREFERENCED_PARAMETER(ProcessorEnableMask); /* the vector is routed by the HAL */
    if (FloatingSave || Vector < FIRST_DEVICE_VECTOR || Vector > LAST_DEVICE_VECTOR ||
        Irql != (Vector >> 4) || SynchronizeIrql < Irql || SynchronizeIrql > HIGH_LEVEL)
        return STATUS_INVALID_PARAMETER; /* KeLab kernels save no FPU state */
    PKINTERRUPT interrupt =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*interrupt), IOP_TAG_INTERRUPT);
    if (interrupt == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeInterrupt(interrupt, ServiceRoutine, ServiceContext, SpinLock, Vector, Irql,
                          SynchronizeIrql, InterruptMode, ShareVector);
    if (!KeConnectInterrupt(interrupt)) {
        ExFreePoolWithTag(interrupt, IOP_TAG_INTERRUPT);
        return STATUS_INVALID_PARAMETER; /* the vector is taken and not shareable */
    }
    *InterruptObject = interrupt;
    return STATUS_SUCCESS;
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    KeDisconnectInterrupt(InterruptObject);
    ExFreePoolWithTag(InterruptObject, IOP_TAG_INTERRUPT);
}

/*
 * IoConnectInterruptEx, CONNECT_MESSAGE_BASED: the interrupts the PnP
 * manager granted the device (its translated resources) are connected
 * one interrupt object per message. An object's routine is a trampoline
 * that calls the driver's message routine with the message's number; the
 * driver gets a table saying, for each message, where the device writes
 * it, its vector, IRQL and interrupt object. A device that has a line
 * interrupt instead is connected to FallBackServiceRoutine.
 */
typedef struct _IOP_MESSAGE_INTERRUPT {
    KINTERRUPT Interrupt; /* first: the table's InterruptObject points here */
    PKMESSAGE_SERVICE_ROUTINE Routine;
    PVOID Context;
    ULONG MessageId;
} IOP_MESSAGE_INTERRUPT;

static BOOLEAN IopMessageTrampoline(PKINTERRUPT Interrupt, PVOID Context)
{
    IOP_MESSAGE_INTERRUPT *message = Context;
    return message->Routine(Interrupt, message->Context, message->MessageId);
}

/* The device's translated interrupt descriptors, messages or line. */
static ULONG IopDeviceInterrupts(PIOP_DEVICE_NODE Node, BOOLEAN Messages,
                                 PCM_PARTIAL_RESOURCE_DESCRIPTOR *First)
{
    ULONG count = 0;
    if (Node == NULL || Node->Translated == NULL)
        return 0;
    PCM_PARTIAL_RESOURCE_LIST list = &Node->Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[i];
        if (d->Type != CmResourceTypeInterrupt ||
            !!(d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE) != Messages)
            continue;
        if (count++ == 0)
            *First = d;
    }
    return count;
}

static VOID IopDisconnectMessages(PIO_INTERRUPT_MESSAGE_INFO Table)
{
    for (ULONG i = 0; i < Table->MessageCount; i++) {
        if (Table->MessageInfo[i].InterruptObject != NULL &&
            Table->MessageInfo[i].InterruptObject->Connected)
            KeDisconnectInterrupt(Table->MessageInfo[i].InterruptObject);
    }
    ExFreePoolWithTag(Table, IOP_TAG_INTERRUPT);
}

static NTSTATUS IopConnectMessages(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *P,
                                   PIOP_DEVICE_NODE Node, PCM_PARTIAL_RESOURCE_DESCRIPTOR First,
                                   ULONG Count)
{
    SIZE_T size = FIELD_OFFSET(IO_INTERRUPT_MESSAGE_INFO, MessageInfo) +
                  Count * sizeof(IO_INTERRUPT_MESSAGE_INFO_ENTRY) +
                  Count * sizeof(IOP_MESSAGE_INTERRUPT);
    PIO_INTERRUPT_MESSAGE_INFO table = ExAllocatePoolWithTag(NonPagedPool, size, IOP_TAG_INTERRUPT);
    if (table == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(table, size);
    IOP_MESSAGE_INTERRUPT *objects = (IOP_MESSAGE_INTERRUPT *)&table->MessageInfo[Count];
    table->MessageCount = Count;
    for (ULONG i = 0, m = 0; m < Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &First[i];
        if (d->Type != CmResourceTypeInterrupt || !(d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE))
            continue;
        ULONG vector = d->u.MessageInterrupt.Translated.Vector;
        KIRQL irql = (KIRQL)d->u.MessageInterrupt.Translated.Level;
        PIO_INTERRUPT_MESSAGE_INFO_ENTRY e = &table->MessageInfo[m];
        e->Vector = vector;
        e->Irql = irql;
        e->Mode = Latched;
        e->Polarity = InterruptActiveHigh;
        e->TargetProcessorSet = d->u.MessageInterrupt.Translated.Affinity;
        HalGetMessageTarget(vector, e->TargetProcessorSet, &e->MessageAddress, &e->MessageData);
        if (irql > table->UnifiedIrql)
            table->UnifiedIrql = irql;
        objects[m].Routine = P->MessageServiceRoutine;
        objects[m].Context = P->ServiceContext;
        objects[m].MessageId = m;
        e->InterruptObject = &objects[m].Interrupt;
        m++;
    }
    KIRQL synchronize = P->SpinLock != NULL && P->SynchronizeIrql > table->UnifiedIrql
                            ? P->SynchronizeIrql
                            : table->UnifiedIrql;
    for (ULONG m = 0; m < Count; m++) {
        PIO_INTERRUPT_MESSAGE_INFO_ENTRY e = &table->MessageInfo[m];
        KeInitializeInterrupt(e->InterruptObject, IopMessageTrampoline, &objects[m], P->SpinLock,
                              e->Vector, e->Irql, P->SpinLock ? synchronize : e->Irql, Latched,
                              FALSE);
        if (!KeConnectInterrupt(e->InterruptObject)) {
            IopDisconnectMessages(table);
            return STATUS_INVALID_PARAMETER;
        }
    }
    KIRQL irql;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    Node->Messages = table;
    KeReleaseSpinLock(&IopPnpLock, irql);
    *P->ConnectionContext.InterruptMessageTable = table;
    return STATUS_SUCCESS;
}

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters)
{
    if (Parameters->Version != CONNECT_MESSAGE_BASED)
        return STATUS_NOT_SUPPORTED; /* KeLab connects by vector with IoConnectInterrupt */
    IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *p = &Parameters->MessageBased;
    if (p->PhysicalDeviceObject == NULL || p->MessageServiceRoutine == NULL ||
        p->ConnectionContext.Generic == NULL || p->FloatingSave)
        return STATUS_INVALID_PARAMETER;
    PIOP_DEVICE_NODE node = IopDeviceNode(p->PhysicalDeviceObject);
    if (node == NULL)
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x2, (ULONG_PTR)p->PhysicalDeviceObject, 0, 0);

    PCM_PARTIAL_RESOURCE_DESCRIPTOR first;
    ULONG messages = IopDeviceInterrupts(node, TRUE, &first);
    if (messages != 0)
        return IopConnectMessages(p, node, first, messages);
    if (p->FallBackServiceRoutine == NULL || IopDeviceInterrupts(node, FALSE, &first) == 0)
        return STATUS_NOT_FOUND; /* the device has no interrupt */
    NTSTATUS status = IoConnectInterrupt(
        p->ConnectionContext.InterruptObject, p->FallBackServiceRoutine, p->ServiceContext,
        p->SpinLock, first->u.Interrupt.Vector, (KIRQL)first->u.Interrupt.Level,
        p->SpinLock ? p->SynchronizeIrql : (KIRQL)first->u.Interrupt.Level,
        (first->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive,
        first->ShareDisposition == CmResourceShareShared, first->u.Interrupt.Affinity, FALSE);
    if (NT_SUCCESS(status))
        Parameters->Version = CONNECT_LINE_BASED;
    return status;
}

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters)
{
    if (Parameters->Version == CONNECT_LINE_BASED) {
        IoDisconnectInterrupt(Parameters->ConnectionContext.InterruptObject);
        return;
    }
    PIO_INTERRUPT_MESSAGE_INFO table = Parameters->ConnectionContext.InterruptMessageTable;
    KIRQL irql;
    KeAcquireSpinLock(&IopDatabaseLock, &irql);
    KeAcquireSpinLockAtDpcLevel(&IopPnpLock);
    for (PLIST_ENTRY e = IopDeviceList.Flink; e != &IopDeviceList; e = e->Flink) {
        PIOP_DEVICE_NODE node =
            CONTAINING_RECORD(e, EXTENDED_DEVOBJ_EXTENSION, DeviceListEntry)->DeviceNode;
        if (node != NULL && node->Messages == table)
            node->Messages = NULL;
    }
    KeReleaseSpinLockFromDpcLevel(&IopPnpLock);
    KeReleaseSpinLock(&IopDatabaseLock, irql);
    IopDisconnectMessages(table);
}
