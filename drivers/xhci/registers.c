/*
 * registers.c: reaching the controller's registers.
 *
 * Every access is a single 32-bit one: QEMU's xHCI accepts only 32-bit
 * accesses to the operational, runtime and doorbell registers, and real
 * controllers latch some 64-bit registers when their high half is
 * written, so 64-bit values go low half first.
 */
#include "xhci.h"

ULONG XhciRead(PXHCI_CONTROLLER Controller, ULONG Offset)
{
    return READ_REGISTER_ULONG((volatile ULONG *)(Controller->Registers + Offset));
}

VOID XhciWrite(PXHCI_CONTROLLER Controller, ULONG Offset, ULONG Value)
{
    WRITE_REGISTER_ULONG((volatile ULONG *)(Controller->Registers + Offset), Value);
}

VOID XhciWrite64(PXHCI_CONTROLLER Controller, ULONG Offset, ULONG64 Value)
{
    XhciWrite(Controller, Offset, (ULONG)Value);
    XhciWrite(Controller, Offset + 4, (ULONG)(Value >> 32));
}

/* Target: 0 for the command ring (slot 0), else the endpoint's DCI. The
   TRBs it announces must be visible first. */
VOID XhciRingDoorbell(PXHCI_CONTROLLER Controller, ULONG Slot, ULONG Target)
{
    KeMemoryBarrier();
    XhciWrite(Controller, Controller->Doorbells + XHCI_DOORBELL(Slot), Target);
}
