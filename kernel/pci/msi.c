/*
 * msi.c: programming a function's messages (PCI Local Bus 3.0, 6.8).
 *
 * The PnP manager granted vectors (the translated resources, one per
 * message); the HAL says what address and data raise each
 * (HalGetMessageTarget). MSI-X keeps a table of such pairs in one of the
 * function's BARs, 16 bytes an entry with a mask bit of its own; MSI keeps
 * one pair in configuration space. Either way INTx is turned off, so the
 * device interrupts only by message.
 *
 * Multi-message MSI wants its vectors consecutive and aligned (the device
 * ORs the message number into the data); KeLab's are not, so an MSI
 * function gets its first message only.
 */
#include "pcip.h"
#include "hal.h"

#define MSIX_CONTROL_ENABLE   0x8000
#define MSIX_CONTROL_MASK_ALL 0x4000
#define MSIX_ENTRY_MASKED     0x00000001
#define MSI_CONTROL_ENABLE    0x0001

/* The translated message descriptors: how many, and their vectors. */
static ULONG PcipGrantedMessages(PCM_RESOURCE_LIST Translated, PULONG Vectors,
                                 PKAFFINITY Affinities)
{
    ULONG count = 0;
    if (Translated == NULL)
        return 0;
    PCM_PARTIAL_RESOURCE_LIST list = &Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < list->Count && count < PCIP_MAX_MESSAGES; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR d = &list->PartialDescriptors[i];
        if (d->Type == CmResourceTypeInterrupt && (d->Flags & CM_RESOURCE_INTERRUPT_MESSAGE)) {
            Vectors[count] = d->u.MessageInterrupt.Translated.Vector;
            Affinities[count++] = d->u.MessageInterrupt.Translated.Affinity;
        }
    }
    return count;
}

static NTSTATUS PcipStartMsiX(PPCIP_FUNCTION Function, ULONG Count, const KAFFINITY *Affinities)
{
    const PCICFG_MSIX *x = &Function->Config.MsiX;
    PHYSICAL_ADDRESS table = {
        .QuadPart = (LONGLONG)(Function->Config.Bars[x->TableBar].Address + x->TableOffset)};
    ULONG control = x->Offset + 2;
    Function->MsiXTable = MmMapIoSpace(table, 16u * x->TableSize, MmNonCached);
    if (Function->MsiXTable == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    /* Masked as a whole while the entries change. */
    PcipWrite16(Function, control, MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASK_ALL);
    for (ULONG i = 0; i < x->TableSize; i++) {
        volatile ULONG *entry = Function->MsiXTable + 4 * i;
        if (i >= Count) {
            WRITE_REGISTER_ULONG(&entry[3], MSIX_ENTRY_MASKED);
            continue;
        }
        PHYSICAL_ADDRESS address;
        ULONG data;
        HalGetMessageTarget(Function->Vectors[i], Affinities[i], &address, &data);
        WRITE_REGISTER_ULONG(&entry[0], (ULONG)address.QuadPart);
        WRITE_REGISTER_ULONG(&entry[1], (ULONG)((ULONG64)address.QuadPart >> 32));
        WRITE_REGISTER_ULONG(&entry[2], data);
        WRITE_REGISTER_ULONG(&entry[3], 0);
    }
    PcipWrite16(Function, control, MSIX_CONTROL_ENABLE);
    Function->MessageKind = PCICFG_CAP_MSIX;
    return STATUS_SUCCESS;
}

static VOID PcipStartMsi(PPCIP_FUNCTION Function, KAFFINITY Affinity)
{
    const PCICFG_MSI *m = &Function->Config.Msi;
    PHYSICAL_ADDRESS address;
    ULONG data;
    HalGetMessageTarget(Function->Vectors[0], Affinity, &address, &data);
    PcipWrite32(Function, m->Offset + 4, (ULONG)address.QuadPart);
    if (m->Address64) {
        PcipWrite32(Function, m->Offset + 8, (ULONG)((ULONG64)address.QuadPart >> 32));
        PcipWrite16(Function, m->Offset + 12, (USHORT)data);
    } else {
        PcipWrite16(Function, m->Offset + 8, (USHORT)data);
    }
    /* One message (Multiple Message Enable 0), enabled. */
    USHORT control = PcipRead16(Function, m->Offset + 2);
    PcipWrite16(Function, m->Offset + 2, (USHORT)((control & ~0x70) | MSI_CONTROL_ENABLE));
    Function->MessageKind = PCICFG_CAP_MSI;
}

NTSTATUS PcipStartMessages(PPCIP_FUNCTION Function, PCM_RESOURCE_LIST Translated)
{
    KAFFINITY affinities[PCIP_MAX_MESSAGES];
    ULONG count = PcipGrantedMessages(Translated, Function->Vectors, affinities);
    NTSTATUS status = STATUS_SUCCESS;

    Function->MessageKind = 0;
    Function->MessageCount = 0;
    if (count == 0)
        return STATUS_SUCCESS;
    if (Function->Config.MsiX.Offset != 0) {
        status = PcipStartMsiX(Function, count, affinities);
        Function->MessageCount = count;
    } else if (Function->Config.Msi.Offset != 0) {
        PcipStartMsi(Function, affinities[0]);
        Function->MessageCount = 1;
    }
    if (NT_SUCCESS(status)) {
        USHORT command = PcipRead16(Function, PCICFG_COMMAND);
        PcipWrite16(Function, PCICFG_COMMAND, command | PCICFG_COMMAND_INTX_DISABLE);
    }
    return status;
}

VOID PcipStopMessages(PPCIP_FUNCTION Function)
{
    if (Function->MessageKind == PCICFG_CAP_MSIX) {
        const PCICFG_MSIX *x = &Function->Config.MsiX;
        PcipWrite16(Function, x->Offset + 2, MSIX_CONTROL_MASK_ALL);
        for (ULONG i = 0; i < x->TableSize; i++)
            WRITE_REGISTER_ULONG(&Function->MsiXTable[4 * i + 3], MSIX_ENTRY_MASKED);
        MmUnmapIoSpace((PVOID)Function->MsiXTable, 16u * x->TableSize);
        Function->MsiXTable = NULL;
    } else if (Function->MessageKind == PCICFG_CAP_MSI) {
        USHORT control = PcipRead16(Function, Function->Config.Msi.Offset + 2);
        PcipWrite16(Function, Function->Config.Msi.Offset + 2,
                    (USHORT)(control & ~MSI_CONTROL_ENABLE));
    }
    Function->MessageKind = 0;
    Function->MessageCount = 0;
}
