/*
 * usb.h: USB request blocks (URBs), the requests a USB function driver
 * sends down its device stack, with the WDK's names, values and layouts.
 *
 * A URB travels in an IRP: IRP_MJ_INTERNAL_DEVICE_CONTROL with
 * IOCTL_INTERNAL_USB_SUBMIT_URB (usbioctl.h), the URB's address in the
 * next stack location's Parameters.Others.Argument1. The USB core checks
 * it, the host controller driver carries it out, and the IRP completes
 * (at DISPATCH_LEVEL, from the controller's DPC) with Hdr.Status set to a
 * USBD_STATUS_* and the IRP's status to the matching NTSTATUS. usbdlib.h
 * has the routines and macros that build URBs; the USB specification's
 * own descriptors and constants are in usbspec.h.
 *
 * Each structure has the WDK's fields in the WDK's order, so the offsets
 * match Windows x64 (the assertions at the end check the ones drivers
 * and the core rely on). What KeLab
 * leaves out: frame length control (obsolete since Windows XP), static
 * streams, chained MDLs and Microsoft OS descriptors. Isochronous URBs
 * exist so that the URB union has its Windows size; the core refuses
 * them (KeLab's stack does no isochronous transfers).
 */
#ifndef KELAB_USB_H
#define KELAB_USB_H

#include "wdm.h"
#include "usbspec.h"

#define USBDI_VERSION 0x00000600 /* what USBD_GetUSBDIVersion reports */

/* ---- URB functions (Hdr.Function) ------------------------------------ */

#define URB_FUNCTION_SELECT_CONFIGURATION            0x0000
#define URB_FUNCTION_SELECT_INTERFACE                0x0001
#define URB_FUNCTION_ABORT_PIPE                      0x0002
#define URB_FUNCTION_TAKE_FRAME_LENGTH_CONTROL       0x0003
#define URB_FUNCTION_RELEASE_FRAME_LENGTH_CONTROL    0x0004
#define URB_FUNCTION_GET_FRAME_LENGTH                0x0005
#define URB_FUNCTION_SET_FRAME_LENGTH                0x0006
#define URB_FUNCTION_GET_CURRENT_FRAME_NUMBER        0x0007
#define URB_FUNCTION_CONTROL_TRANSFER                0x0008
#define URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER      0x0009
#define URB_FUNCTION_ISOCH_TRANSFER                  0x000A
#define URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE      0x000B
#define URB_FUNCTION_SET_DESCRIPTOR_TO_DEVICE        0x000C
#define URB_FUNCTION_SET_FEATURE_TO_DEVICE           0x000D
#define URB_FUNCTION_SET_FEATURE_TO_INTERFACE        0x000E
#define URB_FUNCTION_SET_FEATURE_TO_ENDPOINT         0x000F
#define URB_FUNCTION_CLEAR_FEATURE_TO_DEVICE         0x0010
#define URB_FUNCTION_CLEAR_FEATURE_TO_INTERFACE      0x0011
#define URB_FUNCTION_CLEAR_FEATURE_TO_ENDPOINT       0x0012
#define URB_FUNCTION_GET_STATUS_FROM_DEVICE          0x0013
#define URB_FUNCTION_GET_STATUS_FROM_INTERFACE       0x0014
#define URB_FUNCTION_GET_STATUS_FROM_ENDPOINT        0x0015
#define URB_FUNCTION_RESERVED_0X0016                 0x0016
#define URB_FUNCTION_VENDOR_DEVICE                   0x0017
#define URB_FUNCTION_VENDOR_INTERFACE                0x0018
#define URB_FUNCTION_VENDOR_ENDPOINT                 0x0019
#define URB_FUNCTION_CLASS_DEVICE                    0x001A
#define URB_FUNCTION_CLASS_INTERFACE                 0x001B
#define URB_FUNCTION_CLASS_ENDPOINT                  0x001C
#define URB_FUNCTION_RESERVE_0X001D                  0x001D
#define URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL 0x001E
#define URB_FUNCTION_CLASS_OTHER                     0x001F
#define URB_FUNCTION_VENDOR_OTHER                    0x0020
#define URB_FUNCTION_GET_STATUS_FROM_OTHER           0x0021
#define URB_FUNCTION_CLEAR_FEATURE_TO_OTHER          0x0022
#define URB_FUNCTION_SET_FEATURE_TO_OTHER            0x0023
#define URB_FUNCTION_GET_DESCRIPTOR_FROM_ENDPOINT    0x0024
#define URB_FUNCTION_SET_DESCRIPTOR_TO_ENDPOINT      0x0025
#define URB_FUNCTION_GET_CONFIGURATION               0x0026
#define URB_FUNCTION_GET_INTERFACE                   0x0027
#define URB_FUNCTION_GET_DESCRIPTOR_FROM_INTERFACE   0x0028
#define URB_FUNCTION_SET_DESCRIPTOR_TO_INTERFACE     0x0029
#define URB_FUNCTION_GET_MS_FEATURE_DESCRIPTOR       0x002A
#define URB_FUNCTION_SYNC_RESET_PIPE                 0x0030
#define URB_FUNCTION_SYNC_CLEAR_STALL                0x0031
#define URB_FUNCTION_CONTROL_TRANSFER_EX             0x0032
#define URB_FUNCTION_OPEN_STATIC_STREAMS             0x0035
#define URB_FUNCTION_CLOSE_STATIC_STREAMS            0x0036
#define URB_FUNCTION_RESET_PIPE                      URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL

/* ---- transfer flags ------------------------------------------------- */

#define USBD_TRANSFER_DIRECTION             0x00000001
#define USBD_SHORT_TRANSFER_OK              0x00000002 /* less than asked for is success */
#define USBD_START_ISO_TRANSFER_ASAP        0x00000004
#define USBD_DEFAULT_PIPE_TRANSFER          0x00000008
#define USBD_TRANSFER_DIRECTION_FLAG(flags) ((flags)&USBD_TRANSFER_DIRECTION)
#define USBD_TRANSFER_DIRECTION_OUT         0
#define USBD_TRANSFER_DIRECTION_IN          1
#define VALID_TRANSFER_FLAGS_MASK                                                                  \
    (USBD_SHORT_TRANSFER_OK | USBD_TRANSFER_DIRECTION | USBD_START_ISO_TRANSFER_ASAP |             \
     USBD_DEFAULT_PIPE_TRANSFER)

/* ---- USBD status: the URB's own result, beside the IRP's NTSTATUS ---- */

typedef LONG USBD_STATUS;

/* Two top bits: 00 success, 01 pending, 1x error; the next two bits of an
   error say whether the endpoint was halted (11) or not (10). */
#define USBD_SUCCESS(Status) ((USBD_STATUS)(Status) >= 0)
#define USBD_PENDING(Status) ((ULONG)(Status) >> 30 == 1)
#define USBD_ERROR(Status)   ((USBD_STATUS)(Status) < 0)

#define USBD_STATUS_SUCCESS ((USBD_STATUS)0x00000000L)
#define USBD_STATUS_PENDING ((USBD_STATUS)0x40000000L)
/* what the device or the bus did: the endpoint halts */
#define USBD_STATUS_CRC                  ((USBD_STATUS)0xC0000001L)
#define USBD_STATUS_BTSTUFF              ((USBD_STATUS)0xC0000002L)
#define USBD_STATUS_DATA_TOGGLE_MISMATCH ((USBD_STATUS)0xC0000003L)
#define USBD_STATUS_STALL_PID            ((USBD_STATUS)0xC0000004L)
#define USBD_STATUS_DEV_NOT_RESPONDING   ((USBD_STATUS)0xC0000005L)
#define USBD_STATUS_PID_CHECK_FAILURE    ((USBD_STATUS)0xC0000006L)
#define USBD_STATUS_UNEXPECTED_PID       ((USBD_STATUS)0xC0000007L)
#define USBD_STATUS_DATA_OVERRUN         ((USBD_STATUS)0xC0000008L)
#define USBD_STATUS_DATA_UNDERRUN        ((USBD_STATUS)0xC0000009L)
#define USBD_STATUS_BUFFER_OVERRUN       ((USBD_STATUS)0xC000000CL)
#define USBD_STATUS_BUFFER_UNDERRUN      ((USBD_STATUS)0xC000000DL)
#define USBD_STATUS_NOT_ACCESSED         ((USBD_STATUS)0xC000000FL)
#define USBD_STATUS_FIFO                 ((USBD_STATUS)0xC0000010L)
#define USBD_STATUS_XACT_ERROR           ((USBD_STATUS)0xC0000011L)
#define USBD_STATUS_BABBLE_DETECTED      ((USBD_STATUS)0xC0000012L)
#define USBD_STATUS_DATA_BUFFER_ERROR    ((USBD_STATUS)0xC0000013L)
#define USBD_STATUS_ENDPOINT_HALTED      ((USBD_STATUS)0xC0000030L)
/* what the software said: the endpoint does not halt */
#define USBD_STATUS_INVALID_URB_FUNCTION             ((USBD_STATUS)0x80000200L)
#define USBD_STATUS_INVALID_PARAMETER                ((USBD_STATUS)0x80000300L)
#define USBD_STATUS_ERROR_BUSY                       ((USBD_STATUS)0x80000400L)
#define USBD_STATUS_INVALID_PIPE_HANDLE              ((USBD_STATUS)0x80000600L)
#define USBD_STATUS_NO_BANDWIDTH                     ((USBD_STATUS)0x80000700L)
#define USBD_STATUS_INTERNAL_HC_ERROR                ((USBD_STATUS)0x80000800L)
#define USBD_STATUS_ERROR_SHORT_TRANSFER             ((USBD_STATUS)0x80000900L)
#define USBD_STATUS_BAD_START_FRAME                  ((USBD_STATUS)0xC0000A00L)
#define USBD_STATUS_ISOCH_REQUEST_FAILED             ((USBD_STATUS)0xC0000B00L)
#define USBD_STATUS_FRAME_CONTROL_OWNED              ((USBD_STATUS)0xC0000C00L)
#define USBD_STATUS_FRAME_CONTROL_NOT_OWNED          ((USBD_STATUS)0xC0000D00L)
#define USBD_STATUS_NOT_SUPPORTED                    ((USBD_STATUS)0xC0000E00L)
#define USBD_STATUS_INVALID_CONFIGURATION_DESCRIPTOR ((USBD_STATUS)0xC0000F00L)
#define USBD_STATUS_INSUFFICIENT_RESOURCES           ((USBD_STATUS)0xC0001000L)
#define USBD_STATUS_SET_CONFIG_FAILED                ((USBD_STATUS)0xC0002000L)
#define USBD_STATUS_BUFFER_TOO_SMALL                 ((USBD_STATUS)0xC0003000L)
#define USBD_STATUS_INTERFACE_NOT_FOUND              ((USBD_STATUS)0xC0004000L)
#define USBD_STATUS_INVALID_PIPE_FLAGS               ((USBD_STATUS)0xC0005000L)
#define USBD_STATUS_TIMEOUT                          ((USBD_STATUS)0xC0006000L)
#define USBD_STATUS_DEVICE_GONE                      ((USBD_STATUS)0xC0007000L)
#define USBD_STATUS_STATUS_NOT_MAPPED                ((USBD_STATUS)0xC0008000L)
#define USBD_STATUS_HUB_INTERNAL_ERROR               ((USBD_STATUS)0xC0009000L)
#define USBD_STATUS_CANCELED                         ((USBD_STATUS)0xC0010000L)
/* what USBD_ValidateConfigurationDescriptor finds wrong */
#define USBD_STATUS_BAD_DESCRIPTOR                 ((USBD_STATUS)0xC0100000L)
#define USBD_STATUS_BAD_DESCRIPTOR_BLEN            ((USBD_STATUS)0xC0100001L)
#define USBD_STATUS_BAD_DESCRIPTOR_TYPE            ((USBD_STATUS)0xC0100002L)
#define USBD_STATUS_BAD_INTERFACE_DESCRIPTOR       ((USBD_STATUS)0xC0100003L)
#define USBD_STATUS_BAD_ENDPOINT_DESCRIPTOR        ((USBD_STATUS)0xC0100004L)
#define USBD_STATUS_BAD_INTERFACE_ASSOC_DESCRIPTOR ((USBD_STATUS)0xC0100005L)
#define USBD_STATUS_BAD_CONFIG_DESC_LENGTH         ((USBD_STATUS)0xC0100006L)
#define USBD_STATUS_BAD_NUMBER_OF_INTERFACES       ((USBD_STATUS)0xC0100007L)
#define USBD_STATUS_BAD_NUMBER_OF_ENDPOINTS        ((USBD_STATUS)0xC0100008L)
#define USBD_STATUS_BAD_ENDPOINT_ADDRESS           ((USBD_STATUS)0xC0100009L)

/* ---- handles the core gives out --------------------------------------- */

typedef PVOID USBD_PIPE_HANDLE;
typedef PVOID USBD_CONFIGURATION_HANDLE;
typedef PVOID USBD_INTERFACE_HANDLE;

#define USBD_DEFAULT_MAXIMUM_TRANSFER_SIZE 0xFFFFFFFF

typedef struct _USBD_VERSION_INFORMATION {
    ULONG USBDI_Version;
    ULONG Supported_USB_Version; /* BCD: 0x0300 */
} USBD_VERSION_INFORMATION, *PUSBD_VERSION_INFORMATION;

typedef enum _USBD_PIPE_TYPE {
    UsbdPipeTypeControl,
    UsbdPipeTypeIsochronous,
    UsbdPipeTypeBulk,
    UsbdPipeTypeInterrupt
} USBD_PIPE_TYPE;

#define USBD_PIPE_DIRECTION_IN(pipeInformation)                                                    \
    ((pipeInformation)->EndpointAddress & USB_ENDPOINT_DIRECTION_MASK)

/* One endpoint of a selected interface, filled in by the core on
   SELECT_CONFIGURATION or SELECT_INTERFACE (all but MaximumTransferSize
   and PipeFlags, which the driver may set before). */
typedef struct _USBD_PIPE_INFORMATION {
    USHORT MaximumPacketSize;
    UCHAR EndpointAddress;
    UCHAR Interval;
    USBD_PIPE_TYPE PipeType;
    USBD_PIPE_HANDLE PipeHandle; /* what transfers on this endpoint name */
    ULONG MaximumTransferSize;   /* ignored since Windows XP, as here */
    ULONG PipeFlags;             /* USBD_PF_* */
} USBD_PIPE_INFORMATION, *PUSBD_PIPE_INFORMATION;

#define USBD_PF_CHANGE_MAX_PACKET 0x00000001
#define USBD_PF_SHORT_PACKET_OPT  0x00000002

/* One interface in a selection request: the driver sets Length,
   InterfaceNumber and AlternateSetting; the core fills in the rest and
   NumberOfPipes entries of Pipes. */
typedef struct _USBD_INTERFACE_INFORMATION {
    USHORT Length; /* of this structure with all its pipes */
    UCHAR InterfaceNumber;
    UCHAR AlternateSetting;
    UCHAR Class;
    UCHAR SubClass;
    UCHAR Protocol;
    UCHAR Reserved;
    USBD_INTERFACE_HANDLE InterfaceHandle;
    ULONG NumberOfPipes;
    USBD_PIPE_INFORMATION Pipes[1];
} USBD_INTERFACE_INFORMATION, *PUSBD_INTERFACE_INFORMATION;

/* ---- the URBs ----------------------------------------------------------- */

/* The host controller driver's scratch space in a transfer URB. */
struct _URB_HCD_AREA {
    PVOID Reserved8[8];
};

struct _URB_HEADER {
    USHORT Length;          /* of the whole URB */
    USHORT Function;        /* URB_FUNCTION_* */
    USBD_STATUS Status;     /* the result */
    PVOID UsbdDeviceHandle; /* the core's */
    ULONG UsbdFlags;        /* the core's */
};

struct _URB_SELECT_INTERFACE {
    struct _URB_HEADER Hdr;
    USBD_CONFIGURATION_HANDLE ConfigurationHandle;
    USBD_INTERFACE_INFORMATION Interface;
};

/* ConfigurationDescriptor NULL: unconfigure the device. Interface is the
   first of one USBD_INTERFACE_INFORMATION per interface. */
struct _URB_SELECT_CONFIGURATION {
    struct _URB_HEADER Hdr;
    PUSB_CONFIGURATION_DESCRIPTOR ConfigurationDescriptor;
    USBD_CONFIGURATION_HANDLE ConfigurationHandle;
    USBD_INTERFACE_INFORMATION Interface;
};

/* ABORT_PIPE, SYNC_RESET_PIPE_AND_CLEAR_STALL, SYNC_RESET_PIPE,
   SYNC_CLEAR_STALL. */
struct _URB_PIPE_REQUEST {
    struct _URB_HEADER Hdr;
    USBD_PIPE_HANDLE PipeHandle;
    ULONG Reserved;
};

struct _URB_GET_CURRENT_FRAME_NUMBER {
    struct _URB_HEADER Hdr;
    ULONG FrameNumber;
};

/* The transfer URBs share their first fields: a pipe (or none: the
   default pipe), flags, a buffer given by address or by MDL, and on
   completion TransferBufferLength is what was transferred. */
struct _URB_CONTROL_DESCRIPTOR_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG Reserved0;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    USHORT Reserved1;
    UCHAR Index;
    UCHAR DescriptorType;
    USHORT LanguageId;
    USHORT Reserved2;
};

struct _URB_CONTROL_GET_STATUS_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG Reserved0;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    UCHAR Reserved1[4];
    USHORT Index;
    USHORT Reserved2;
};

struct _URB_CONTROL_FEATURE_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG Reserved2;
    ULONG Reserved3;
    PVOID Reserved4;
    PMDL Reserved5;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    USHORT Reserved0;
    USHORT FeatureSelector;
    USHORT Index;
    USHORT Reserved1;
};

/* VENDOR_* and CLASS_*: the core builds bmRequestType from the function
   (type and recipient) and the transfer direction. */
struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG TransferFlags;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    UCHAR RequestTypeReservedBits;
    UCHAR Request;
    USHORT Value;
    USHORT Index;
    USHORT Reserved1;
};

struct _URB_CONTROL_GET_INTERFACE_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG Reserved0;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    UCHAR Reserved1[4];
    USHORT Interface;
    USHORT Reserved2;
};

struct _URB_CONTROL_GET_CONFIGURATION_REQUEST {
    struct _URB_HEADER Hdr;
    PVOID Reserved;
    ULONG Reserved0;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    UCHAR Reserved1[8];
};

/* Any control transfer, setup packet given whole. PipeHandle NULL with
   USBD_DEFAULT_PIPE_TRANSFER: the device's endpoint 0. */
struct _URB_CONTROL_TRANSFER {
    struct _URB_HEADER Hdr;
    USBD_PIPE_HANDLE PipeHandle;
    ULONG TransferFlags;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    UCHAR SetupPacket[8];
};

/* The same, with a timeout in milliseconds (0: none) after which the
   transfer is cancelled and completes with USBD_STATUS_TIMEOUT. */
struct _URB_CONTROL_TRANSFER_EX {
    struct _URB_HEADER Hdr;
    USBD_PIPE_HANDLE PipeHandle;
    ULONG TransferFlags;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    ULONG Timeout;
    ULONG Pad;
    struct _URB_HCD_AREA hca;
    UCHAR SetupPacket[8];
};

struct _URB_BULK_OR_INTERRUPT_TRANSFER {
    struct _URB_HEADER Hdr;
    USBD_PIPE_HANDLE PipeHandle;
    ULONG TransferFlags; /* USBD_TRANSFER_DIRECTION_IN, USBD_SHORT_TRANSFER_OK */
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
};

typedef struct _USBD_ISO_PACKET_DESCRIPTOR {
    ULONG Offset;
    ULONG Length;
    USBD_STATUS Status;
} USBD_ISO_PACKET_DESCRIPTOR, *PUSBD_ISO_PACKET_DESCRIPTOR;

struct _URB_ISOCH_TRANSFER {
    struct _URB_HEADER Hdr;
    USBD_PIPE_HANDLE PipeHandle;
    ULONG TransferFlags;
    ULONG TransferBufferLength;
    PVOID TransferBuffer;
    PMDL TransferBufferMDL;
    struct _URB *UrbLink;
    struct _URB_HCD_AREA hca;
    ULONG StartFrame;
    ULONG NumberOfPackets;
    ULONG ErrorCount;
    USBD_ISO_PACKET_DESCRIPTOR IsoPacket[1];
};

typedef struct _URB {
    union {
        struct _URB_HEADER UrbHeader;
        struct _URB_SELECT_INTERFACE UrbSelectInterface;
        struct _URB_SELECT_CONFIGURATION UrbSelectConfiguration;
        struct _URB_PIPE_REQUEST UrbPipeRequest;
        struct _URB_GET_CURRENT_FRAME_NUMBER UrbGetCurrentFrameNumber;
        struct _URB_CONTROL_TRANSFER UrbControlTransfer;
        struct _URB_CONTROL_TRANSFER_EX UrbControlTransferEx;
        struct _URB_BULK_OR_INTERRUPT_TRANSFER UrbBulkOrInterruptTransfer;
        struct _URB_ISOCH_TRANSFER UrbIsochronousTransfer;
        struct _URB_CONTROL_DESCRIPTOR_REQUEST UrbControlDescriptorRequest;
        struct _URB_CONTROL_GET_STATUS_REQUEST UrbControlGetStatusRequest;
        struct _URB_CONTROL_FEATURE_REQUEST UrbControlFeatureRequest;
        struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST UrbControlVendorClassRequest;
        struct _URB_CONTROL_GET_INTERFACE_REQUEST UrbControlGetInterfaceRequest;
        struct _URB_CONTROL_GET_CONFIGURATION_REQUEST UrbControlGetConfigurationRequest;
    };
} URB, *PURB;

/* The URB of an IRP_MJ_INTERNAL_DEVICE_CONTROL IRP, in the current stack
   location (the one the USB core reads). */
#define URB_FROM_IRP(Irp) ((IoGetCurrentIrpStackLocation(Irp))->Parameters.Others.Argument1)

/* Windows x64's layout, which a driver's own copy of a structure (or a
   debugger's view of one) relies on. */
_Static_assert(sizeof(struct _URB_HEADER) == 24, "URB header");
_Static_assert(sizeof(struct _URB_HCD_AREA) == 64, "URB HCD area");
_Static_assert(FIELD_OFFSET(struct _URB_BULK_OR_INTERRUPT_TRANSFER, PipeHandle) == 24, "pipe");
_Static_assert(FIELD_OFFSET(struct _URB_BULK_OR_INTERRUPT_TRANSFER, TransferBufferMDL) == 48,
               "bulk MDL");
_Static_assert(sizeof(struct _URB_BULK_OR_INTERRUPT_TRANSFER) == 128, "bulk URB");
_Static_assert(FIELD_OFFSET(struct _URB_CONTROL_TRANSFER, SetupPacket) == 128, "setup packet");
_Static_assert(FIELD_OFFSET(struct _URB_CONTROL_TRANSFER_EX, Timeout) == 56, "timeout");
_Static_assert(FIELD_OFFSET(struct _URB_CONTROL_DESCRIPTOR_REQUEST, LanguageId) == 132,
               "language id");
_Static_assert(FIELD_OFFSET(struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST, Value) == 130, "value");
_Static_assert(sizeof(USBD_PIPE_INFORMATION) == 24, "pipe information");
_Static_assert(FIELD_OFFSET(USBD_INTERFACE_INFORMATION, Pipes) == 24, "interface pipes");
_Static_assert(FIELD_OFFSET(struct _URB_SELECT_CONFIGURATION, Interface) == 40,
               "selected interfaces");
_Static_assert(sizeof(struct _URB_PIPE_REQUEST) == 40, "pipe request");

#endif
