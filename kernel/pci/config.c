/*
 * config.c: one function's configuration space, through the HAL.
 *
 * Reads and writes are of the register's own width: a 16-bit write of
 * the command register must not write back the status register beside
 * it, whose error bits clear when written with ones.
 */
#include "pcip.h"

static ULONG PcipSlot(PPCIP_FUNCTION Function)
{
    PCI_SLOT_NUMBER slot = {
        .u.bits = {.DeviceNumber = Function->Device, .FunctionNumber = Function->Function}};
    return slot.u.AsULONG;
}

ULONG PcipRead32(PPCIP_FUNCTION Function, ULONG Offset)
{
    ULONG value = 0xFFFFFFFF;
    HalGetBusDataByOffset(PCIConfiguration, Function->Bus, PcipSlot(Function), &value, Offset, 4);
    return value;
}

USHORT PcipRead16(PPCIP_FUNCTION Function, ULONG Offset)
{
    USHORT value = 0xFFFF;
    HalGetBusDataByOffset(PCIConfiguration, Function->Bus, PcipSlot(Function), &value, Offset, 2);
    return value;
}

VOID PcipWrite32(PPCIP_FUNCTION Function, ULONG Offset, ULONG Value)
{
    HalSetBusDataByOffset(PCIConfiguration, Function->Bus, PcipSlot(Function), &Value, Offset, 4);
}

VOID PcipWrite16(PPCIP_FUNCTION Function, ULONG Offset, USHORT Value)
{
    HalSetBusDataByOffset(PCIConfiguration, Function->Bus, PcipSlot(Function), &Value, Offset, 2);
}
