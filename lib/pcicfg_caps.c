/*
 * pcicfg_caps.c: a PCI function's capability list (see pcicfg.h).
 *
 * When the status register's bit 4 is set, the byte at 0x34 (0x14 for a
 * CardBus bridge) points to the first capability; each starts with its
 * id and a pointer to the next, 0 ending the list:
 *
 *   0x34: 0x90 --> 0x90: id 0x11 (MSI-X), next 0xA0 --> 0xA0: id 0x10, next 0
 *
 * Capabilities live after the 64-byte header, dword aligned, inside the
 * 256 bytes. A pointer that breaks those rules, or comes back to a
 * capability already seen, is refused rather than followed.
 */
#include "pcicfgp.h"

#define PCICFG_HEADER_LENGTH 0x40

/* MSI: message control in the upper half of the first dword. The
   structure is 10 bytes with a 32-bit address, 14 with a 64-bit one,
   and 10 more with the mask and pending bits of per-vector masking. */
static NTSTATUS PciCfgMsi(PCICFG_FUNCTION *Function, UCHAR Offset, ULONG First)
{
    USHORT control = (USHORT)(First >> 16);
    ULONG log2 = (control >> 1) & 7;
    PCICFG_MSI *msi = &Function->Msi;

    if (msi->Offset != 0)
        return PciCfgFail(Function, "a second MSI capability, at 0x%02x", Offset);
    if (log2 > 5)
        return PciCfgFail(Function, "MSI at 0x%02x: reserved multiple message capable %u", Offset,
                          log2);
    msi->Address64 = (control & 0x80) != 0;
    msi->PerVectorMasking = (control & 0x100) != 0;
    msi->MessagesCapable = (UCHAR)(1u << log2);
    ULONG length = 10 + (msi->Address64 ? 4 : 0) + (msi->PerVectorMasking ? 10 : 0);
    if (Offset + length > PCICFG_SPACE_LENGTH)
        return PciCfgFail(Function, "MSI at 0x%02x: its %u bytes run past the 256", Offset, length);
    msi->Offset = Offset;
    return STATUS_SUCCESS;
}

/* Where an MSI-X structure (the table or the pending bits) lies: in a
   memory BAR, inside it. */
static NTSTATUS PciCfgMsiXPlace(PCICFG_FUNCTION *Function, PCSTR What, ULONG Register, ULONG Length,
                                UCHAR *Bar, ULONG *Offset)
{
    ULONG bir = Register & 7;
    *Bar = (UCHAR)bir;
    *Offset = Register & ~7u;
    if (bir >= PCICFG_MAX_BARS || (Function->Bars[bir].Type != PciCfgBarMemory32 &&
                                   Function->Bars[bir].Type != PciCfgBarMemory64))
        return PciCfgFail(Function, "MSI-X %s in BAR %u, which is not a memory BAR", What, bir);
    if (*Offset + (ULONG64)Length > Function->Bars[bir].Size)
        return PciCfgFail(Function,
                          "MSI-X %s at 0x%x (%u bytes) lies outside BAR %u (0x%llx bytes)", What,
                          *Offset, Length, bir, (unsigned long long)Function->Bars[bir].Size);
    return STATUS_SUCCESS;
}

/* MSI-X: table size in message control, then the table's and the
   pending-bit array's BAR and offset. 16 bytes per table entry, one
   pending bit per entry in whole qwords. */
static NTSTATUS PciCfgMsiX(PPCICFG_READ Read, PVOID Context, PCICFG_FUNCTION *Function,
                           UCHAR Offset, ULONG First)
{
    PCICFG_MSIX *msix = &Function->MsiX;
    NTSTATUS status;

    if (msix->Offset != 0)
        return PciCfgFail(Function, "a second MSI-X capability, at 0x%02x", Offset);
    if (Offset + 12u > PCICFG_SPACE_LENGTH)
        return PciCfgFail(Function, "MSI-X at 0x%02x: its 12 bytes run past the 256", Offset);
    msix->TableSize = (USHORT)(((First >> 16) & 0x7FF) + 1);
    status = PciCfgMsiXPlace(Function, "table", Read(Context, Offset + 4u), 16u * msix->TableSize,
                             &msix->TableBar, &msix->TableOffset);
    if (NT_SUCCESS(status))
        status =
            PciCfgMsiXPlace(Function, "pending bits", Read(Context, Offset + 8u),
                            8u * ((msix->TableSize + 63u) / 64u), &msix->PbaBar, &msix->PbaOffset);
    if (NT_SUCCESS(status))
        msix->Offset = Offset;
    return status;
}

NTSTATUS PciCfgWalkCapabilities(PPCICFG_READ Read, PVOID Context, PCICFG_FUNCTION *Function)
{
    ULONG64 seen = 0; /* bit n: the dword at 4n was visited */
    ULONG from = Function->HeaderType == 2 ? PCICFG_CARDBUS_CAPABILITIES : PCICFG_CAPABILITIES;
    NTSTATUS status = STATUS_SUCCESS;

    if (!(Function->Status & PCICFG_STATUS_CAPABILITIES))
        return STATUS_SUCCESS;
    ULONG next = Read(Context, from) & 0xFF;
    while (next != 0 && NT_SUCCESS(status)) {
        if (next & 3)
            return PciCfgFail(Function, "capability pointer 0x%02x at 0x%02x is not dword aligned",
                              next, from);
        if (next < PCICFG_HEADER_LENGTH)
            return PciCfgFail(
                Function, "capability pointer 0x%02x at 0x%02x points into the header", next, from);
        if (seen & (1ull << (next / 4)))
            return PciCfgFail(Function, "the capability list loops: 0x%02x at 0x%02x was seen",
                              next, from);
        seen |= 1ull << (next / 4);

        ULONG first = Read(Context, next);
        PCICFG_CAPABILITY *cap = &Function->Capabilities[Function->CapabilityCount++];
        cap->Offset = (UCHAR)next;
        cap->Id = (UCHAR)first;
        if (cap->Id == PCICFG_CAP_MSI)
            status = PciCfgMsi(Function, cap->Offset, first);
        else if (cap->Id == PCICFG_CAP_MSIX)
            status = PciCfgMsiX(Read, Context, Function, cap->Offset, first);
        from = next + 1;
        next = (first >> 8) & 0xFF;
    }
    return status;
}
