/*
 * pnpres.c: turning what a device needs into what it gets.
 *
 * NT's PnP manager arbitrates: it asks each device for its requirements
 * (alternatives, ranges, alignments), lets arbiters for memory, ports and
 * interrupts pick, and may move devices to make room. KeLab's is the
 * smallest arbitration that is still the protocol: memory and port
 * windows stay where the firmware put them (a PCI device asks for exactly
 * its BAR), and interrupts are allocated:
 *
 *   - a message interrupt requirement (CM_RESOURCE_INTERRUPT_MESSAGE,
 *     asking MinimumVector to MaximumVector messages) gets one message per
 *     processor at most, each a vector of its own from the HAL: one raw
 *     descriptor says how many, one translated descriptor per message
 *     says its vector, IRQL and processor;
 *   - a line interrupt (an ISA IRQ in MinimumVector) is routed by
 *     HalGetInterruptVector.
 *
 * The raw list is what the bus driver programs into the device, the
 * translated list what the function driver connects to.
 */
#include "iop.h"
#include "hal.h"

#define IOP_RESOURCE_TAG 'seRP'

/* Partial descriptors a requirement becomes: in the raw list, in the
   translated list. */
static VOID IopCountDescriptors(const IO_RESOURCE_DESCRIPTOR *Req, PULONG Raw, PULONG Translated)
{
    if (Req->Type == CmResourceTypeInterrupt && (Req->Flags & CM_RESOURCE_INTERRUPT_MESSAGE)) {
        ULONG wanted = Req->u.Interrupt.MaximumVector;
        ULONG granted = wanted < KeNumberProcessors ? wanted : KeNumberProcessors;
        *Raw += 1;
        *Translated += granted ? granted : 1;
    } else if (Req->Type == CmResourceTypeInterrupt || Req->Type == CmResourceTypeMemory ||
               Req->Type == CmResourceTypePort) {
        *Raw += 1;
        *Translated += 1;
    }
}

static PCM_RESOURCE_LIST IopAllocateList(ULONG Count, const IO_RESOURCE_REQUIREMENTS_LIST *Req)
{
    SIZE_T size =
        sizeof(CM_RESOURCE_LIST) + (Count ? Count - 1 : 0) * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    PCM_RESOURCE_LIST list = ExAllocatePoolWithTag(NonPagedPool, size, IOP_RESOURCE_TAG);
    if (list == NULL)
        return NULL;
    RtlZeroMemory(list, size);
    list->Count = 1;
    list->List[0].InterfaceType = Req->InterfaceType;
    list->List[0].BusNumber = Req->BusNumber;
    list->List[0].PartialResourceList.Version = 1;
    list->List[0].PartialResourceList.Revision = 1;
    return list;
}

/* Messages for a message interrupt requirement: appended to both lists. */
static NTSTATUS IopGrantMessages(const IO_RESOURCE_DESCRIPTOR *Req, PCM_PARTIAL_RESOURCE_LIST Raw,
                                 PCM_PARTIAL_RESOURCE_LIST Translated)
{
    ULONG wanted = Req->u.Interrupt.MaximumVector;
    ULONG count = wanted < KeNumberProcessors ? wanted : KeNumberProcessors;
    ULONG vectors[MAXIMUM_PROCESSORS];

    if (count == 0 || Req->u.Interrupt.MinimumVector > count ||
        !HalAllocateMessageVectors(count, vectors))
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR raw = &Raw->PartialDescriptors[Raw->Count++];
    raw->Type = CmResourceTypeInterrupt;
    raw->ShareDisposition = CmResourceShareDeviceExclusive;
    raw->Flags = CM_RESOURCE_INTERRUPT_LATCHED | CM_RESOURCE_INTERRUPT_MESSAGE;
    raw->u.MessageInterrupt.Raw.MessageCount = (USHORT)count;
    raw->u.MessageInterrupt.Raw.Vector = vectors[0];
    raw->u.MessageInterrupt.Raw.Affinity = KeQueryActiveProcessors();
    for (ULONG i = 0; i < count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR t = &Translated->PartialDescriptors[Translated->Count++];
        t->Type = CmResourceTypeInterrupt;
        t->ShareDisposition = CmResourceShareDeviceExclusive;
        t->Flags = raw->Flags;
        t->u.MessageInterrupt.Translated.Level = vectors[i] >> 4;
        t->u.MessageInterrupt.Translated.Vector = vectors[i];
        t->u.MessageInterrupt.Translated.Affinity = (KAFFINITY)1 << i; /* one per processor */
    }
    return STATUS_SUCCESS;
}

/* A line interrupt: MinimumVector is the ISA IRQ. */
static NTSTATUS IopGrantLine(const IO_RESOURCE_DESCRIPTOR *Req, PCM_PARTIAL_RESOURCE_LIST Raw,
                             PCM_PARTIAL_RESOURCE_LIST Translated)
{
    KIRQL irql;
    KAFFINITY affinity;
    ULONG irq = Req->u.Interrupt.MinimumVector;
    ULONG vector = HalGetInterruptVector(Isa, 0, irq, irq, &irql, &affinity);
    if (vector == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR raw = &Raw->PartialDescriptors[Raw->Count++];
    PCM_PARTIAL_RESOURCE_DESCRIPTOR t = &Translated->PartialDescriptors[Translated->Count++];
    raw->Type = t->Type = CmResourceTypeInterrupt;
    raw->ShareDisposition = t->ShareDisposition = Req->ShareDisposition;
    raw->Flags = t->Flags = Req->Flags;
    raw->u.Interrupt.Level = raw->u.Interrupt.Vector = irq;
    raw->u.Interrupt.Affinity = affinity;
    t->u.Interrupt.Level = irql;
    t->u.Interrupt.Vector = vector;
    t->u.Interrupt.Affinity = affinity;
    return STATUS_SUCCESS;
}

/* A window where the firmware put it: the same in both lists. */
static VOID IopGrantWindow(const IO_RESOURCE_DESCRIPTOR *Req, PCM_PARTIAL_RESOURCE_LIST Raw,
                           PCM_PARTIAL_RESOURCE_LIST Translated)
{
    PCM_PARTIAL_RESOURCE_DESCRIPTOR raw = &Raw->PartialDescriptors[Raw->Count++];
    raw->Type = Req->Type;
    raw->ShareDisposition = Req->ShareDisposition;
    raw->Flags = Req->Flags;
    raw->u.Memory.Start = Req->u.Memory.MinimumAddress; /* Port has the same layout */
    raw->u.Memory.Length = Req->u.Memory.Length;
    Translated->PartialDescriptors[Translated->Count++] = *raw;
}

NTSTATUS IopAssignResources(PIOP_DEVICE_NODE Node, PIO_RESOURCE_REQUIREMENTS_LIST Requirements)
{
    ULONG rawCount = 0, translatedCount = 0;
    NTSTATUS status = STATUS_SUCCESS;

    Node->Raw = Node->Translated = NULL;
    if (Requirements == NULL || Requirements->AlternativeLists == 0)
        return STATUS_SUCCESS; /* it needs nothing */
    const IO_RESOURCE_LIST *list = &Requirements->List[0];
    for (ULONG i = 0; i < list->Count; i++)
        IopCountDescriptors(&list->Descriptors[i], &rawCount, &translatedCount);
    Node->Raw = IopAllocateList(rawCount, Requirements);
    Node->Translated = IopAllocateList(translatedCount, Requirements);
    if (Node->Raw == NULL || Node->Translated == NULL) {
        IopReleaseResources(Node);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    PCM_PARTIAL_RESOURCE_LIST raw = &Node->Raw->List[0].PartialResourceList;
    PCM_PARTIAL_RESOURCE_LIST translated = &Node->Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count && NT_SUCCESS(status); i++) {
        const IO_RESOURCE_DESCRIPTOR *req = &list->Descriptors[i];
        if (req->Type == CmResourceTypeInterrupt && (req->Flags & CM_RESOURCE_INTERRUPT_MESSAGE))
            status = IopGrantMessages(req, raw, translated);
        else if (req->Type == CmResourceTypeInterrupt)
            status = IopGrantLine(req, raw, translated);
        else if (req->Type == CmResourceTypeMemory || req->Type == CmResourceTypePort)
            IopGrantWindow(req, raw, translated);
    }
    if (!NT_SUCCESS(status))
        IopReleaseResources(Node);
    return status;
}

VOID IopReleaseResources(PIOP_DEVICE_NODE Node)
{
    if (Node->Translated != NULL) {
        PCM_PARTIAL_RESOURCE_LIST list = &Node->Translated->List[0].PartialResourceList;
        for (ULONG i = 0; i < list->Count; i++) {
            PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[i];
            if (d->Type == CmResourceTypeInterrupt && (d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE))
                HalFreeMessageVectors(1, &d->u.MessageInterrupt.Translated.Vector);
        }
        ExFreePoolWithTag(Node->Translated, IOP_RESOURCE_TAG);
    }
    if (Node->Raw != NULL)
        ExFreePoolWithTag(Node->Raw, IOP_RESOURCE_TAG);
    Node->Raw = Node->Translated = NULL;
}
