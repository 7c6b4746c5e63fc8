/*
 * pcicfg.c: the common header of a PCI function and its BARs (see
 * pcicfg.h; the capability list is in pcicfg_caps.c).
 *
 * A BAR (base address register) holds the address of a window the
 * function decodes; its low bits say what kind of window, and its size is
 * found by writing all ones and reading back: the bits the function
 * hardwires to zero are the size. A 64-bit memory BAR takes two
 * registers, the second holding the upper half of address and mask.
 *
 *   I/O BAR      bit 0 = 1, address in bits 2-31
 *   memory BAR   bit 0 = 0, bits 1-2 type (0 32-bit, 1 below 1 MiB,
 *                2 64-bit, 3 reserved), bit 3 prefetchable, address in 4-63
 *
 * A probe is a size only if its address bits are ones down to some bit
 * and zeros below it; anything else means the function lies.
 */
#include "pcicfgp.h"

#define PCICFG_PHYSICAL_LIMIT (1ull << 52) /* x86-64 physical addresses */
#define PCICFG_IO_LIMIT       0x10000ull   /* x86 has 64 KiB of port space */

NTSTATUS PciCfgFail(PCICFG_FUNCTION *Function, PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(Function->Reason, sizeof(Function->Reason), Format, ap);
    va_end(ap);
    return STATUS_DEVICE_DATA_ERROR;
}

/* Mask (the probe's address bits, all ones above the register's width)
   must be ones down to some bit and zeros below; returns the size, or 0
   if it is not one. */
static ULONG64 PciCfgSizeFromMask(ULONG64 Mask)
{
    ULONG64 low = ~Mask; /* must be 2^k - 1 */
    if (Mask == 0 || (low & (low + 1)) != 0)
        return 0;
    return low + 1;
}

/* Records the window of BAR Index, checking it lies where it can. */
static NTSTATUS PciCfgPlaceBar(PCICFG_FUNCTION *Function, ULONG Index, PCICFG_BAR *Bar,
                               ULONG64 Mask, ULONG64 Limit, ULONG Probe)
{
    Bar->Size = PciCfgSizeFromMask(Mask);
    if (Bar->Size == 0)
        return PciCfgFail(Function, "BAR %u does not size: probe 0x%08x", Index, Probe);
    if ((Bar->Address & (Bar->Size - 1)) != 0)
        return PciCfgFail(Function, "BAR %u at 0x%llx is not aligned to its size 0x%llx", Index,
                          (unsigned long long)Bar->Address, (unsigned long long)Bar->Size);
    if (Bar->Size > Limit || Bar->Address > Limit - Bar->Size)
        return PciCfgFail(Function, "BAR %u at 0x%llx, size 0x%llx, ends past 0x%llx", Index,
                          (unsigned long long)Bar->Address, (unsigned long long)Bar->Size,
                          (unsigned long long)Limit);
    return STATUS_SUCCESS;
}

/* An I/O BAR. A probe whose upper 16 bits read 0 is a 16-bit decoder's. */
static NTSTATUS PciCfgIoBar(PCICFG_FUNCTION *Function, ULONG Index, ULONG Value, ULONG Probe)
{
    PCICFG_BAR *bar = &Function->Bars[Index];
    ULONG mask = Probe & ~3u;
    if ((Probe & 1) == 0)
        return PciCfgFail(Function, "BAR %u reads as I/O (0x%08x) but sizes as memory (0x%08x)",
                          Index, Value, Probe);
    if (mask == 0)
        return PciCfgFail(Function, "BAR %u does not size: probe 0x%08x", Index, Probe);
    if (mask != 0 && (mask >> 16) == 0)
        mask |= 0xFFFF0000u;
    bar->Type = PciCfgBarIo;
    bar->Address = Value & ~3u;
    return PciCfgPlaceBar(Function, Index, bar, 0xFFFFFFFF00000000ull | mask, PCICFG_IO_LIMIT,
                          Probe);
}

/* A memory BAR; a 64-bit one also takes register Index + 1, which the
   caller skips. */
static NTSTATUS PciCfgMemoryBar(PCICFG_FUNCTION *Function, ULONG Index, ULONG Value,
                                ULONG64 UpperValue, const ULONG *Probes)
{
    PCICFG_BAR *bar = &Function->Bars[Index];
    ULONG type = (Value >> 1) & 3;
    ULONG64 mask = 0xFFFFFFFF00000000ull | (Probes[Index] & ~0xFu);

    if ((Probes[Index] & 0xF) != (Value & 0xF))
        return PciCfgFail(Function, "BAR %u: its type bits change when sized (0x%08x, 0x%08x)",
                          Index, Value, Probes[Index]);
    if (type == 3)
        return PciCfgFail(Function, "BAR %u has the reserved memory type 3 (0x%08x)", Index, Value);
    bar->Prefetchable = (Value & 8) != 0;
    bar->Address = Value & ~0xFu;
    bar->Type = PciCfgBarMemory32;
    if (type == 2) {
        if (Index + 1 >= Function->BarCount)
            return PciCfgFail(Function, "BAR %u is 64-bit but is the last BAR: no upper half",
                              Index);
        bar->Type = PciCfgBarMemory64;
        bar->Address |= UpperValue << 32;
        mask = (ULONG64)Probes[Index + 1] << 32 | (Probes[Index] & ~0xFu);
    }
    /* No address bit that reads back as one: nothing to size. */
    if ((type == 2 ? mask : (ULONG)mask) == 0)
        return PciCfgFail(Function, "BAR %u does not size: probe 0x%08x", Index, Probes[Index]);
    return PciCfgPlaceBar(Function, Index, bar, mask,
                          type == 2 ? PCICFG_PHYSICAL_LIMIT : 0x100000000ull, Probes[Index]);
}

static NTSTATUS PciCfgReadBars(PPCICFG_READ Read, PVOID Context, const ULONG *Probes,
                               PCICFG_FUNCTION *Function)
{
    for (ULONG i = 0; i < Function->BarCount; i++) {
        ULONG value = Read(Context, PCICFG_BAR0 + 4 * i);
        NTSTATUS status;
        if (Probes[i] == 0) {
            /* Not implemented: every bit hardwired to zero. */
            if (value != 0)
                return PciCfgFail(Function, "BAR %u reads 0x%08x but does not size (probe 0)", i,
                                  value);
            continue;
        }
        if (value & 1) {
            status = PciCfgIoBar(Function, i, value, Probes[i]);
        } else {
            BOOLEAN wide = ((value >> 1) & 3) == 2 && i + 1 < Function->BarCount;
            ULONG upper = wide ? Read(Context, PCICFG_BAR0 + 4 * (i + 1)) : 0;
            status = PciCfgMemoryBar(Function, i, value, upper, Probes);
            if (Function->Bars[i].Type == PciCfgBarMemory64)
                i++; /* the upper half is no BAR of its own */
        }
        if (!NT_SUCCESS(status))
            return status;
    }
    return STATUS_SUCCESS;
}

/* The header fields every type has, and those of its own type. */
static NTSTATUS PciCfgReadHeader(PPCICFG_READ Read, PVOID Context, PCICFG_FUNCTION *Function)
{
    ULONG command = Read(Context, PCICFG_COMMAND);
    ULONG classes = Read(Context, PCICFG_CLASS_REVISION);
    ULONG header = Read(Context, PCICFG_HEADER_TYPE & ~3u) >> 16;
    ULONG interrupt = Read(Context, PCICFG_INTERRUPT);

    Function->Command = (USHORT)command;
    Function->Status = (USHORT)(command >> 16);
    Function->RevisionId = (UCHAR)classes;
    Function->ProgIf = (UCHAR)(classes >> 8);
    Function->SubClass = (UCHAR)(classes >> 16);
    Function->BaseClass = (UCHAR)(classes >> 24);
    Function->HeaderType = header & 0x7F;
    Function->MultiFunction = (header & 0x80) != 0;
    Function->InterruptLine = (UCHAR)interrupt;
    Function->InterruptPin = (UCHAR)(interrupt >> 8);
    if (Function->InterruptPin > 4)
        return PciCfgFail(Function, "interrupt pin %u (INTA# to INTD# are 1 to 4)",
                          Function->InterruptPin);

    switch (Function->HeaderType) {
    case 0: {
        ULONG subsystem = Read(Context, PCICFG_SUBSYSTEM);
        Function->BarCount = 6;
        Function->SubsystemVendorId = (USHORT)subsystem;
        Function->SubsystemId = (USHORT)(subsystem >> 16);
        return STATUS_SUCCESS;
    }
    case 1: {
        ULONG buses = Read(Context, PCICFG_BUS_NUMBERS);
        Function->BarCount = 2;
        Function->PrimaryBus = (UCHAR)buses;
        Function->SecondaryBus = (UCHAR)(buses >> 8);
        Function->SubordinateBus = (UCHAR)(buses >> 16);
        if (Function->SubordinateBus < Function->SecondaryBus)
            return PciCfgFail(Function, "bridge: subordinate bus %u is below secondary bus %u",
                              Function->SubordinateBus, Function->SecondaryBus);
        return STATUS_SUCCESS;
    }
    case 2:
        return STATUS_SUCCESS; /* CardBus: no BARs KeLab would use */
    }
    return PciCfgFail(Function, "unknown header type %u", Function->HeaderType);
}

NTSTATUS PciCfgParseFunction(PPCICFG_READ Read, PVOID Context,
                             const ULONG BarProbes[PCICFG_MAX_BARS], PCICFG_FUNCTION *Function)
{
    ULONG ids = Read(Context, PCICFG_VENDOR_ID);
    NTSTATUS status;

    RtlZeroMemory(Function, sizeof(*Function));
    Function->VendorId = (USHORT)ids;
    Function->DeviceId = (USHORT)(ids >> 16);
    if (Function->VendorId == 0xFFFF) {
        PciCfgFail(Function, "no function answers");
        return STATUS_NO_SUCH_DEVICE;
    }
    if (Function->VendorId == 0)
        return PciCfgFail(Function, "vendor id 0000 is not valid");
    status = PciCfgReadHeader(Read, Context, Function);
    if (NT_SUCCESS(status))
        status = PciCfgReadBars(Read, Context, BarProbes, Function);
    if (NT_SUCCESS(status))
        status = PciCfgWalkCapabilities(Read, Context, Function);
    return status;
}

PCSTR PciCfgClassName(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf)
{
    static const struct {
        UCHAR Base, Sub, ProgIf; /* 0xFF: any */
        PCSTR Name;
    } names[] = {
        {0x01, 0x01, 0xFF, "IDE controller"},
        {0x01, 0x06, 0x01, "SATA controller (AHCI)"},
        {0x01, 0x08, 0x02, "NVM Express controller"},
        {0x01, 0xFF, 0xFF, "storage controller"},
        {0x02, 0x00, 0xFF, "Ethernet controller"},
        {0x02, 0xFF, 0xFF, "network controller"},
        {0x03, 0xFF, 0xFF, "display controller"},
        {0x04, 0xFF, 0xFF, "multimedia controller"},
        {0x06, 0x00, 0xFF, "host bridge"},
        {0x06, 0x01, 0xFF, "ISA bridge"},
        {0x06, 0x04, 0xFF, "PCI-to-PCI bridge"},
        {0x06, 0xFF, 0xFF, "bridge"},
        {0x07, 0xFF, 0xFF, "communication controller"},
        {0x08, 0xFF, 0xFF, "system peripheral"},
        {0x0C, 0x03, 0x00, "USB controller (UHCI)"},
        {0x0C, 0x03, 0x10, "USB controller (OHCI)"},
        {0x0C, 0x03, 0x20, "USB controller (EHCI)"},
        {0x0C, 0x03, 0x30, "USB controller (xHCI)"},
        {0x0C, 0x03, 0xFF, "USB controller"},
        {0x0C, 0x05, 0xFF, "SMBus controller"},
        {0x0C, 0xFF, 0xFF, "serial bus controller"},
    };
    for (ULONG i = 0; i < ARRAYSIZE(names); i++) {
        if (names[i].Base == BaseClass && (names[i].Sub == 0xFF || names[i].Sub == SubClass) &&
            (names[i].ProgIf == 0xFF || names[i].ProgIf == ProgIf))
            return names[i].Name;
    }
    return "other";
}
