/*
 * pcip.h: what the PCI bus driver's files share, and nobody else uses.
 *
 * The PCI bus driver (kernel/pci/, as pci.sys is part of Windows) is a
 * PnP driver like any other: matched on the host bridge the PnP manager's
 * root reports, it enumerates every function of every bus and reports
 * each as a PDO, which the PnP manager then gives to the function's
 * driver. It reaches configuration space through the HAL
 * (HalGetBusDataByOffset) and checks every function's with lib/pcicfg.c.
 */
#ifndef KELAB_PCIP_H
#define KELAB_PCIP_H

#include "wdm.h"
#include "pcicfg.h"

#define PCIP_TAG          ' icP'
#define PCIP_MAX_MESSAGES 32

/* One function found on a bus: recorded whether or not it got a PDO. */
typedef struct _PCIP_FUNCTION {
    LIST_ENTRY Entry; /* PcipLock: on PcipFunctions */
    UCHAR Bus, Device, Function;
    NTSTATUS Parsed;        /* lib/pcicfg.c's verdict */
    PCICFG_FUNCTION Config; /* its configuration space, read at enumeration */
    PDEVICE_OBJECT Pdo;     /* NULL: refused, no PDO */
    /* Set at start, cleared at removal (PnP IRPs are serialized): */
    BOOLEAN Started;
    UCHAR MessageKind; /* PCICFG_CAP_MSIX, PCICFG_CAP_MSI, or 0 */
    ULONG MessageCount;
    ULONG Vectors[PCIP_MAX_MESSAGES];
    volatile ULONG *MsiXTable; /* mapped while started with MSI-X */
} PCIP_FUNCTION, *PPCIP_FUNCTION;

/* The extension of a function's PDO. IsFdo comes first in both kinds of
   extension: the driver's one dispatch routine tells them apart by it. */
typedef struct _PCIP_PDO {
    BOOLEAN IsFdo; /* FALSE */
    PPCIP_FUNCTION Function;
} PCIP_PDO, *PPCIP_PDO;

/* The bus FDO's extension, on the host bridge. */
typedef struct _PCIP_BUS {
    BOOLEAN IsFdo; /* TRUE */
    PDEVICE_OBJECT Fdo;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT LowerDevice;
} PCIP_BUS, *PPCIP_BUS;

extern KSPIN_LOCK PcipLock;
extern LIST_ENTRY PcipFunctions; /* PcipLock */

/* config.c: configuration space of one function. */
ULONG PcipRead32(PPCIP_FUNCTION Function, ULONG Offset);
USHORT PcipRead16(PPCIP_FUNCTION Function, ULONG Offset);
VOID PcipWrite32(PPCIP_FUNCTION Function, ULONG Offset, ULONG Value);
VOID PcipWrite16(PPCIP_FUNCTION Function, ULONG Offset, USHORT Value);

/* enumerate.c */
NTSTATUS PcipEnumerate(PDRIVER_OBJECT Driver);
NTSTATUS PcipBusRelations(PIRP Irp);

/* function.c: a function's PDO answering the PnP manager. */
NTSTATUS PcipDispatchFunction(PPCIP_FUNCTION Function, PIRP Irp);

/* msi.c */
NTSTATUS PcipStartMessages(PPCIP_FUNCTION Function, PCM_RESOURCE_LIST Translated);
VOID PcipStopMessages(PPCIP_FUNCTION Function);

#endif
