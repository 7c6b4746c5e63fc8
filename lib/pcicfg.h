/*
 * pcicfg.h: one PCI function's configuration space, read and checked.
 *
 * Configuration space is the device describing itself: its IDs and
 * class, the address windows (BARs) it decodes, and a linked list of
 * capabilities (MSI, MSI-X, PCI Express...). It comes from outside the
 * kernel, so it is treated as untrusted: a BAR whose sizing probe is not
 * a size, a 64-bit BAR with no upper half, a capability list that loops,
 * points into the header or past the 256 bytes, or is misaligned, an
 * MSI-X table outside its BAR: each is refused with a reason, and the
 * kernel logs the function and leaves it alone.
 *
 * The parser never touches hardware. It reads configuration space
 * through the caller's PCICFG_READ (the kernel: port 0xCF8/0xCFC or
 * ECAM; the host tests: an array), only whole aligned dwords below 256;
 * and it is handed the result of sizing the BARs, which only the caller
 * can do (write all ones, read back, restore: with decoding off).
 *
 * Freestanding: the kernel, the host tests and the fuzzer compile it.
 */
#ifndef KELAB_PCICFG_H
#define KELAB_PCICFG_H

#include "ntdef.h"

#define PCICFG_SPACE_LENGTH     256 /* what 0xCF8/0xCFC reaches; PCIe's 4 KiB is not read */
#define PCICFG_MAX_BARS         6
#define PCICFG_MAX_CAPABILITIES 48 /* (256 - 64) / 4: every dword after the header */
#define PCICFG_REASON_MAX       112

/* Registers of the common header (PCI Local Bus 3.0, section 6.1). */
#define PCICFG_VENDOR_ID            0x00
#define PCICFG_COMMAND              0x04 /* 16 bits; the status register above it */
#define PCICFG_CLASS_REVISION       0x08 /* revision, prog-if, subclass, class */
#define PCICFG_HEADER_TYPE          0x0E
#define PCICFG_BAR0                 0x10
#define PCICFG_BUS_NUMBERS          0x18 /* type 1: primary, secondary, subordinate */
#define PCICFG_SUBSYSTEM            0x2C /* type 0 */
#define PCICFG_CAPABILITIES         0x34 /* types 0 and 1 */
#define PCICFG_CARDBUS_CAPABILITIES 0x14
#define PCICFG_INTERRUPT            0x3C /* line, pin */

#define PCICFG_COMMAND_IO           0x0001
#define PCICFG_COMMAND_MEMORY       0x0002
#define PCICFG_COMMAND_BUS_MASTER   0x0004
#define PCICFG_COMMAND_INTX_DISABLE 0x0400
#define PCICFG_STATUS_CAPABILITIES  0x0010

#define PCICFG_CAP_MSI         0x05
#define PCICFG_CAP_PCI_EXPRESS 0x10
#define PCICFG_CAP_MSIX        0x11

/* Reads the dword at Offset (a multiple of 4, below 256). */
typedef ULONG (*PPCICFG_READ)(PVOID Context, ULONG Offset);

typedef enum _PCICFG_BAR_TYPE {
    PciCfgBarNone, /* not implemented, or the upper half of a 64-bit BAR */
    PciCfgBarIo,
    PciCfgBarMemory32, /* including the old "below 1 MiB" type */
    PciCfgBarMemory64,
} PCICFG_BAR_TYPE;

typedef struct _PCICFG_BAR {
    PCICFG_BAR_TYPE Type;
    BOOLEAN Prefetchable;
    ULONG64 Address; /* as the firmware assigned it; 0: unassigned */
    ULONG64 Size;
} PCICFG_BAR;

typedef struct _PCICFG_CAPABILITY {
    UCHAR Id;
    UCHAR Offset;
} PCICFG_CAPABILITY;

typedef struct _PCICFG_MSI {
    UCHAR Offset; /* 0: the function has no MSI capability */
    BOOLEAN Address64;
    BOOLEAN PerVectorMasking;
    UCHAR MessagesCapable; /* 1, 2, 4... 32 */
} PCICFG_MSI;

typedef struct _PCICFG_MSIX {
    UCHAR Offset;     /* 0: the function has no MSI-X capability */
    USHORT TableSize; /* entries, 1..2048 */
    UCHAR TableBar;   /* BAR index */
    ULONG TableOffset;
    UCHAR PbaBar;
    ULONG PbaOffset;
} PCICFG_MSIX;

typedef struct _PCICFG_FUNCTION {
    USHORT VendorId;
    USHORT DeviceId;
    USHORT Command;
    USHORT Status;
    UCHAR RevisionId;
    UCHAR ProgIf;
    UCHAR SubClass;
    UCHAR BaseClass;
    UCHAR HeaderType; /* 0 device, 1 PCI-to-PCI bridge, 2 CardBus bridge */
    BOOLEAN MultiFunction;
    USHORT SubsystemVendorId; /* type 0 */
    USHORT SubsystemId;
    UCHAR InterruptLine;
    UCHAR InterruptPin; /* 0 none, 1-4 INTA#-INTD# */
    UCHAR PrimaryBus;   /* type 1 */
    UCHAR SecondaryBus;
    UCHAR SubordinateBus;
    UCHAR BarCount;                   /* BAR registers the header type has: 6, 2 or 0 */
    PCICFG_BAR Bars[PCICFG_MAX_BARS]; /* by register index */
    UCHAR CapabilityCount;
    PCICFG_CAPABILITY Capabilities[PCICFG_MAX_CAPABILITIES]; /* in list order */
    PCICFG_MSI Msi;
    PCICFG_MSIX MsiX;
    CHAR Reason[PCICFG_REASON_MAX];
} PCICFG_FUNCTION;

/* Parses the function Read reaches. BarProbes[i] is what BAR register i
   read after all ones were written to it (0 past the header type's BARs).
   Returns STATUS_SUCCESS; STATUS_NO_SUCH_DEVICE if no function answers
   (vendor 0xFFFF); or STATUS_DEVICE_DATA_ERROR with Function->Reason. */
NTSTATUS PciCfgParseFunction(PPCICFG_READ Read, PVOID Context,
                             const ULONG BarProbes[PCICFG_MAX_BARS], PCICFG_FUNCTION *Function);

/* "USB controller (xHCI)", "Host bridge"...: the class for a listing. */
PCSTR PciCfgClassName(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf);

#endif
