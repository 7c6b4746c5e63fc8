/*
 * usbdescp.h: what the USB descriptor parser's files share and nothing
 * else sees.
 */
#ifndef KELAB_USBDESCP_H
#define KELAB_USBDESCP_H

#include "usbdesc.h"
#include "rtl.h"

static inline USHORT UsbDescRead16(const UCHAR *p)
{
    return (USHORT)(p[0] | p[1] << 8);
}

/* Writes the reason and returns STATUS_DEVICE_DATA_ERROR. */
NTSTATUS UsbDescFail(PSTR Reason, SIZE_T cbReason, PCSTR Format, ...)
    __attribute__((format(printf, 3, 4)));

/* A descriptor type for a reason: "interface", or "type 0x24". */
PCSTR UsbDescTypeName(UCHAR Type, CHAR Buffer[16]);

#endif
