/*
 * pci.c: PCI configuration space, HalGetBusDataByOffset and
 * HalSetBusDataByOffset (the WDK's names for it).
 *
 * Two ways in:
 *   - ECAM (PCI Express's Enhanced Configuration Access Mechanism): each
 *     function's 4 KiB of configuration space is memory at
 *     base + (bus << 20 | device << 15 | function << 12), the base from
 *     ACPI's MCFG table. A bus's megabyte is mapped the first time the bus
 *     is touched, and stays mapped.
 *   - Ports 0xCF8/0xCFC, which every PC has: write the address (enable
 *     bit, bus, device, function, register) to 0xCF8, then read or write
 *     the data at 0xCFC. Two steps, so under a spin lock; 256 bytes only.
 * Accesses are of the width asked for (a byte, a word or a dword at a
 * time, aligned), never a wider read-modify-write, which would write back
 * write-1-to-clear status bits.
 */
#include "halp.h"
#include "arch/x86.h"

#define PCI_ADDRESS_PORT 0xCF8
#define PCI_DATA_PORT    0xCFC
#define PCI_MAX_BUSES    256
#define ECAM_BUS_BYTES   (1u << 20)

static KSPIN_LOCK HalpPciLock;                     /* the port pair, the bus mappings */
static volatile UCHAR *HalpEcamBus[PCI_MAX_BUSES]; /* HalpPciLock: mapped buses */

/* The ECAM window of Bus, mapped if needed; NULL if MCFG does not cover
   it (the ports serve it then). Lock held. */
static volatile UCHAR *HalpEcamWindow(ULONG Bus)
{
    if (HalpEcamBus[Bus] != NULL)
        return HalpEcamBus[Bus];
    for (ULONG i = 0; i < HalPlatform.EcamSegmentCount; i++) {
        if (HalPlatform.EcamSegments[i].Segment != 0 ||
            Bus < HalPlatform.EcamSegments[i].StartBus || Bus > HalPlatform.EcamSegments[i].EndBus)
            continue;
        PHYSICAL_ADDRESS base = {.QuadPart = (LONGLONG)(HalPlatform.EcamSegments[i].BaseAddress +
                                                        (ULONG64)Bus * ECAM_BUS_BYTES)};
        HalpEcamBus[Bus] = MmMapIoSpace(base, ECAM_BUS_BYTES, MmNonCached);
        return HalpEcamBus[Bus];
    }
    return NULL;
}

/* One access of Width bytes (1, 2 or 4, aligned) at Offset. Lock held. */
static ULONG HalpConfigAccess(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Width, BOOLEAN Write,
                              ULONG Value)
{
    PCI_SLOT_NUMBER slot = {.u.AsULONG = Slot};
    ULONG devfn = slot.u.bits.DeviceNumber << 3 | slot.u.bits.FunctionNumber;
    volatile UCHAR *window = HalpEcamWindow(Bus);

    if (window != NULL) {
        volatile UCHAR *p = window + (devfn << 12) + Offset;
        if (Write) {
            if (Width == 1)
                *p = (UCHAR)Value;
            else if (Width == 2)
                *(volatile USHORT *)p = (USHORT)Value;
            else
                *(volatile ULONG *)p = Value;
            return 0;
        }
        return Width == 1 ? *p : Width == 2 ? *(volatile USHORT *)p : *(volatile ULONG *)p;
    }
    __outdword(PCI_ADDRESS_PORT, 0x80000000u | Bus << 16 | devfn << 8 | (Offset & 0xFC));
    USHORT port = (USHORT)(PCI_DATA_PORT + (Offset & 3));
    if (Write) {
        if (Width == 1)
            __outbyte(port, (UCHAR)Value);
        else if (Width == 2)
            __outword(port, (USHORT)Value);
        else
            __outdword(port, Value);
        return 0;
    }
    return Width == 1 ? __inbyte(port) : Width == 2 ? __inword(port) : __indword(port);
}

/* Copies Length bytes at Offset between configuration space and Buffer,
   as few aligned accesses as the alignment allows. */
static ULONG HalpConfigTransfer(ULONG Bus, ULONG Slot, PUCHAR Buffer, ULONG Offset, ULONG Length,
                                BOOLEAN Write)
{
    KIRQL irql;
    if (Bus >= PCI_MAX_BUSES || (Slot & ~0xFFu) != 0)
        return 0;
    KeAcquireSpinLock(&HalpPciLock, &irql);
    ULONG limit = HalpEcamWindow(Bus) != NULL ? 4096 : 256;
    if (Offset >= limit) {
        KeReleaseSpinLock(&HalpPciLock, irql);
        return 0;
    }
    if (Length > limit - Offset)
        Length = limit - Offset;
    for (ULONG done = 0; done < Length;) {
        ULONG at = Offset + done, left = Length - done;
        ULONG width = (at % 4 == 0 && left >= 4) ? 4 : (at % 2 == 0 && left >= 2) ? 2 : 1;
        ULONG value = 0;
        if (Write) {
            for (ULONG i = 0; i < width; i++)
                value |= (ULONG)Buffer[done + i] << (8 * i);
            HalpConfigAccess(Bus, Slot, at, width, TRUE, value);
        } else {
            value = HalpConfigAccess(Bus, Slot, at, width, FALSE, 0);
            for (ULONG i = 0; i < width; i++)
                Buffer[done + i] = (UCHAR)(value >> (8 * i));
        }
        done += width;
    }
    KeReleaseSpinLock(&HalpPciLock, irql);
    return Length;
}

ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber,
                            PVOID Buffer, ULONG Offset, ULONG Length)
{
    if (BusDataType != PCIConfiguration)
        return 0;
    return HalpConfigTransfer(BusNumber, SlotNumber, Buffer, Offset, Length, FALSE);
}

ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber,
                            PVOID Buffer, ULONG Offset, ULONG Length)
{
    if (BusDataType != PCIConfiguration)
        return 0;
    return HalpConfigTransfer(BusNumber, SlotNumber, Buffer, Offset, Length, TRUE);
}
