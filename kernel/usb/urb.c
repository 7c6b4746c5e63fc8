/*
 * urb.c: the URBs a function driver sends, checked and turned into
 * transfers (or, for the ones that configure the device, carried out).
 *
 * A URB is as untrusted as a descriptor: its length, its function, its
 * pipe handle, its buffer and its flags are checked before the core acts
 * on it, and a bad one completes with a USBD_STATUS_* that says what was
 * wrong (the IRP with the matching NTSTATUS), never with a crash.
 *
 * The URBs for standard, class and vendor requests are control transfers
 * on the default pipe whose setup packet the core writes from the URB's
 * fields (usb.h has their layouts: they all keep the buffer fields where
 * _URB_CONTROL_TRANSFER has them, and differ in their last 8 bytes).
 */
#include "usbp.h"

/* How a URB function's setup packet is made. */
typedef enum _USBP_SHAPE {
    UsbpShapeDescriptor,    /* wValue type and index, wIndex the language */
    UsbpShapeFeature,       /* wValue the feature, wIndex the index, no data */
    UsbpShapeStatus,        /* wIndex the index, 2 bytes in */
    UsbpShapeVendorClass,   /* the URB's request, value, index; direction from its flags */
    UsbpShapeConfiguration, /* 1 byte in */
    UsbpShapeInterface,     /* wIndex the interface, 1 byte in */
} USBP_SHAPE;

typedef struct _USBP_REQUEST_FUNCTION {
    USHORT Function;
    UCHAR RequestType; /* type and recipient; the direction bit is added */
    UCHAR Request;     /* 0 for vendor and class: the URB's */
    UCHAR Shape;       /* USBP_SHAPE */
    BOOLEAN In;        /* the data direction, where fixed */
} USBP_REQUEST_FUNCTION;

#define STD(recipient)    (BMREQUEST_STANDARD << 5 | BMREQUEST_TO_##recipient)
#define VENDOR(recipient) (BMREQUEST_VENDOR << 5 | BMREQUEST_TO_##recipient)
#define CLASS(recipient)  (BMREQUEST_CLASS << 5 | BMREQUEST_TO_##recipient)

static const USBP_REQUEST_FUNCTION UsbpRequestFunctions[] = {
    {URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE, STD(DEVICE), USB_REQUEST_GET_DESCRIPTOR,
     UsbpShapeDescriptor, TRUE},
    {URB_FUNCTION_GET_DESCRIPTOR_FROM_INTERFACE, STD(INTERFACE), USB_REQUEST_GET_DESCRIPTOR,
     UsbpShapeDescriptor, TRUE},
    {URB_FUNCTION_GET_DESCRIPTOR_FROM_ENDPOINT, STD(ENDPOINT), USB_REQUEST_GET_DESCRIPTOR,
     UsbpShapeDescriptor, TRUE},
    {URB_FUNCTION_SET_DESCRIPTOR_TO_DEVICE, STD(DEVICE), USB_REQUEST_SET_DESCRIPTOR,
     UsbpShapeDescriptor, FALSE},
    {URB_FUNCTION_SET_DESCRIPTOR_TO_INTERFACE, STD(INTERFACE), USB_REQUEST_SET_DESCRIPTOR,
     UsbpShapeDescriptor, FALSE},
    {URB_FUNCTION_SET_DESCRIPTOR_TO_ENDPOINT, STD(ENDPOINT), USB_REQUEST_SET_DESCRIPTOR,
     UsbpShapeDescriptor, FALSE},
    {URB_FUNCTION_SET_FEATURE_TO_DEVICE, STD(DEVICE), USB_REQUEST_SET_FEATURE, UsbpShapeFeature,
     FALSE},
    {URB_FUNCTION_SET_FEATURE_TO_INTERFACE, STD(INTERFACE), USB_REQUEST_SET_FEATURE,
     UsbpShapeFeature, FALSE},
    {URB_FUNCTION_SET_FEATURE_TO_ENDPOINT, STD(ENDPOINT), USB_REQUEST_SET_FEATURE, UsbpShapeFeature,
     FALSE},
    {URB_FUNCTION_SET_FEATURE_TO_OTHER, STD(OTHER), USB_REQUEST_SET_FEATURE, UsbpShapeFeature,
     FALSE},
    {URB_FUNCTION_CLEAR_FEATURE_TO_DEVICE, STD(DEVICE), USB_REQUEST_CLEAR_FEATURE, UsbpShapeFeature,
     FALSE},
    {URB_FUNCTION_CLEAR_FEATURE_TO_INTERFACE, STD(INTERFACE), USB_REQUEST_CLEAR_FEATURE,
     UsbpShapeFeature, FALSE},
    {URB_FUNCTION_CLEAR_FEATURE_TO_ENDPOINT, STD(ENDPOINT), USB_REQUEST_CLEAR_FEATURE,
     UsbpShapeFeature, FALSE},
    {URB_FUNCTION_CLEAR_FEATURE_TO_OTHER, STD(OTHER), USB_REQUEST_CLEAR_FEATURE, UsbpShapeFeature,
     FALSE},
    {URB_FUNCTION_GET_STATUS_FROM_DEVICE, STD(DEVICE), USB_REQUEST_GET_STATUS, UsbpShapeStatus,
     TRUE},
    {URB_FUNCTION_GET_STATUS_FROM_INTERFACE, STD(INTERFACE), USB_REQUEST_GET_STATUS,
     UsbpShapeStatus, TRUE},
    {URB_FUNCTION_GET_STATUS_FROM_ENDPOINT, STD(ENDPOINT), USB_REQUEST_GET_STATUS, UsbpShapeStatus,
     TRUE},
    {URB_FUNCTION_GET_STATUS_FROM_OTHER, STD(OTHER), USB_REQUEST_GET_STATUS, UsbpShapeStatus, TRUE},
    {URB_FUNCTION_VENDOR_DEVICE, VENDOR(DEVICE), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_VENDOR_INTERFACE, VENDOR(INTERFACE), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_VENDOR_ENDPOINT, VENDOR(ENDPOINT), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_VENDOR_OTHER, VENDOR(OTHER), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_CLASS_DEVICE, CLASS(DEVICE), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_CLASS_INTERFACE, CLASS(INTERFACE), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_CLASS_ENDPOINT, CLASS(ENDPOINT), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_CLASS_OTHER, CLASS(OTHER), 0, UsbpShapeVendorClass, FALSE},
    {URB_FUNCTION_GET_CONFIGURATION, STD(DEVICE), USB_REQUEST_GET_CONFIGURATION,
     UsbpShapeConfiguration, TRUE},
    {URB_FUNCTION_GET_INTERFACE, STD(INTERFACE), USB_REQUEST_GET_INTERFACE, UsbpShapeInterface,
     TRUE},
};

#undef STD
#undef VENDOR
#undef CLASS

/* The pipe a handle names: one of this device's, open. NULL otherwise. */
static PUSBP_PIPE UsbpPipe(PUSBP_DEVICE Device, USBD_PIPE_HANDLE Handle)
{
    PUSBP_PIPE pipe = NULL;
    KIRQL irql;
    if (Handle == &Device->DefaultPipe)
        return &Device->DefaultPipe;
    KeAcquireSpinLock(&Device->Controller->Lock, &irql);
    for (ULONG i = 0; i < Device->PipeCount; i++) {
        if (Handle == &Device->Pipes[i] && Device->Pipes[i].Open)
            pipe = &Device->Pipes[i];
    }
    KeReleaseSpinLock(&Device->Controller->Lock, irql);
    return pipe;
}

/* The buffer fields every transfer URB has where _URB_CONTROL_TRANSFER
   has them: a length, and an address or an MDL big enough for it. */
static USBD_STATUS UsbpTakeBuffer(PURB Urb, PUSBP_TRANSFER Transfer)
{
    struct _URB_CONTROL_TRANSFER *t = &Urb->UrbControlTransfer;
    ULONG length = t->TransferBufferLength;
    if (length != 0 && t->TransferBuffer == NULL && t->TransferBufferMDL == NULL)
        return USBD_STATUS_INVALID_PARAMETER;
    if (length != 0 && t->TransferBufferMDL != NULL &&
        MmGetMdlByteCount(t->TransferBufferMDL) < length)
        return USBD_STATUS_BUFFER_TOO_SMALL;
    Transfer->Hc.Length = length;
    Transfer->Hc.Mdl = length != 0 ? t->TransferBufferMDL : NULL;
    Transfer->Hc.Buffer = length != 0 && t->TransferBufferMDL == NULL ? t->TransferBuffer : NULL;
    Transfer->UrbLength = &t->TransferBufferLength;
    return USBD_STATUS_SUCCESS;
}

static VOID UsbpSetup(PUSBP_TRANSFER Transfer, UCHAR RequestType, UCHAR Request, USHORT Value,
                      USHORT Index)
{
    UCHAR *s = Transfer->Hc.Setup;
    s[0] = RequestType | (Transfer->Hc.In ? 0x80 : 0);
    s[1] = Request;
    s[2] = (UCHAR)Value;
    s[3] = (UCHAR)(Value >> 8);
    s[4] = (UCHAR)Index;
    s[5] = (UCHAR)(Index >> 8);
    s[6] = (UCHAR)Transfer->Hc.Length;
    s[7] = (UCHAR)(Transfer->Hc.Length >> 8);
}

/* A standard, class or vendor request URB as a control transfer. */
static USBD_STATUS UsbpRequestTransfer(PUSBP_DEVICE Device, PURB Urb,
                                       const USBP_REQUEST_FUNCTION *F, PUSBP_TRANSFER Transfer)
{
    USBD_STATUS status = UsbpTakeBuffer(Urb, Transfer);
    if (!USBD_SUCCESS(status))
        return status;
    ULONG length = Transfer->Hc.Length;
    Transfer->Pipe = &Device->DefaultPipe;
    Transfer->Hc.In = F->In;
    Transfer->Hc.ShortOk = TRUE;
    switch (F->Shape) {
    case UsbpShapeDescriptor: {
        const struct _URB_CONTROL_DESCRIPTOR_REQUEST *d = &Urb->UrbControlDescriptorRequest;
        UsbpSetup(Transfer, F->RequestType, F->Request, (USHORT)(d->DescriptorType << 8 | d->Index),
                  d->LanguageId);
        break;
    }
    case UsbpShapeFeature: {
        const struct _URB_CONTROL_FEATURE_REQUEST *f = &Urb->UrbControlFeatureRequest;
        Transfer->Hc.Length = 0; /* its buffer fields are reserved */
        Transfer->Hc.Mdl = NULL;
        Transfer->Hc.Buffer = NULL;
        Transfer->UrbLength = NULL;
        UsbpSetup(Transfer, F->RequestType, F->Request, f->FeatureSelector, f->Index);
        return USBD_STATUS_SUCCESS;
    }
    case UsbpShapeStatus:
        if (length < 2)
            return USBD_STATUS_BUFFER_TOO_SMALL;
        Transfer->Hc.Length = 2;
        UsbpSetup(Transfer, F->RequestType, F->Request, 0, Urb->UrbControlGetStatusRequest.Index);
        break;
    case UsbpShapeVendorClass: {
        const struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST *v = &Urb->UrbControlVendorClassRequest;
        if (v->TransferFlags & ~VALID_TRANSFER_FLAGS_MASK)
            return USBD_STATUS_INVALID_PARAMETER;
        Transfer->Hc.In = USBD_TRANSFER_DIRECTION_FLAG(v->TransferFlags) != 0;
        Transfer->Hc.ShortOk = (v->TransferFlags & USBD_SHORT_TRANSFER_OK) != 0 || !Transfer->Hc.In;
        UsbpSetup(Transfer, F->RequestType, v->Request, v->Value, v->Index);
        break;
    }
    case UsbpShapeConfiguration:
        if (length < 1)
            return USBD_STATUS_BUFFER_TOO_SMALL;
        Transfer->Hc.Length = 1;
        UsbpSetup(Transfer, F->RequestType, F->Request, 0, 0);
        break;
    case UsbpShapeInterface:
        if (length < 1)
            return USBD_STATUS_BUFFER_TOO_SMALL;
        Transfer->Hc.Length = 1;
        UsbpSetup(Transfer, F->RequestType, F->Request, 0,
                  Urb->UrbControlGetInterfaceRequest.Interface);
        break;
    }
    return Transfer->Hc.Length <= 0xFFFF ? USBD_STATUS_SUCCESS : USBD_STATUS_INVALID_PARAMETER;
}

/* The standard requests that change what the core knows about the device
   go through SELECT_CONFIGURATION and SELECT_INTERFACE, or are the core's
   alone (SET_ADDRESS): a raw control transfer may not send them. */
static BOOLEAN UsbpReservedRequest(const UCHAR Setup[8])
{
    if ((Setup[0] & 0x60) != BMREQUEST_STANDARD << 5)
        return FALSE;
    return Setup[1] == USB_REQUEST_SET_ADDRESS || Setup[1] == USB_REQUEST_SET_CONFIGURATION ||
           Setup[1] == USB_REQUEST_SET_INTERFACE;
}

/* _URB_CONTROL_TRANSFER(_EX): the setup packet as given, the direction
   from the flags (which the packet's bit 7 must agree with when there is
   data), wLength from the buffer. */
static USBD_STATUS UsbpControlTransfer(PUSBP_DEVICE Device, PURB Urb, PUSBP_TRANSFER Transfer)
{
    const struct _URB_CONTROL_TRANSFER *c = &Urb->UrbControlTransfer;
    BOOLEAN ex = Urb->UrbHeader.Function == URB_FUNCTION_CONTROL_TRANSFER_EX;
    const UCHAR *setup = ex ? Urb->UrbControlTransferEx.SetupPacket : c->SetupPacket;
    ULONG flags = c->TransferFlags;

    if (flags & ~VALID_TRANSFER_FLAGS_MASK)
        return USBD_STATUS_INVALID_PARAMETER;
    if (c->PipeHandle == NULL) {
        Transfer->Pipe = &Device->DefaultPipe;
    } else {
        Transfer->Pipe = UsbpPipe(Device, c->PipeHandle);
        if (Transfer->Pipe == NULL)
            return USBD_STATUS_INVALID_PIPE_HANDLE;
        if (Transfer->Pipe->Type != USB_ENDPOINT_TYPE_CONTROL)
            return USBD_STATUS_INVALID_PARAMETER;
    }
    USBD_STATUS status = UsbpTakeBuffer(Urb, Transfer);
    if (!USBD_SUCCESS(status))
        return status;
    if (Transfer->Hc.Length > 0xFFFF || UsbpReservedRequest(setup))
        return USBD_STATUS_INVALID_PARAMETER;
    Transfer->Hc.In = USBD_TRANSFER_DIRECTION_FLAG(flags) != 0;
    if (Transfer->Hc.Length != 0 && ((setup[0] & 0x80) != 0) != Transfer->Hc.In)
        return USBD_STATUS_INVALID_PARAMETER;
    Transfer->Hc.ShortOk = (flags & USBD_SHORT_TRANSFER_OK) != 0 || !Transfer->Hc.In;
    UsbpSetup(Transfer, setup[0] & 0x7F, setup[1], (USHORT)(setup[2] | setup[3] << 8),
              (USHORT)(setup[4] | setup[5] << 8));
    if (ex)
        Transfer->TimeoutMs = Urb->UrbControlTransferEx.Timeout;
    return USBD_STATUS_SUCCESS;
}

/* Bulk and interrupt: the direction is the endpoint's (the URB's flag is
   not consulted, as on Windows). */
static USBD_STATUS UsbpBulkOrInterruptTransfer(PUSBP_DEVICE Device, PURB Urb,
                                               PUSBP_TRANSFER Transfer)
{
    const struct _URB_BULK_OR_INTERRUPT_TRANSFER *b = &Urb->UrbBulkOrInterruptTransfer;
    if (b->TransferFlags & ~VALID_TRANSFER_FLAGS_MASK)
        return USBD_STATUS_INVALID_PARAMETER;
    Transfer->Pipe = UsbpPipe(Device, b->PipeHandle);
    if (Transfer->Pipe == NULL)
        return USBD_STATUS_INVALID_PIPE_HANDLE;
    if (Transfer->Pipe->Type != USB_ENDPOINT_TYPE_BULK &&
        Transfer->Pipe->Type != USB_ENDPOINT_TYPE_INTERRUPT)
        return USBD_STATUS_INVALID_PARAMETER;
    USBD_STATUS status = UsbpTakeBuffer(Urb, Transfer);
    if (!USBD_SUCCESS(status))
        return status;
    Transfer->Hc.In = USB_ENDPOINT_DIRECTION_IN(Transfer->Pipe->Address) != 0;
    Transfer->Hc.ShortOk = (b->TransferFlags & USBD_SHORT_TRANSFER_OK) != 0 || !Transfer->Hc.In;
    return USBD_STATUS_SUCCESS;
}

/* The smallest Hdr.Length a function's URB may have; 0 for a function
   the core does not know. */
static USHORT UsbpUrbSize(USHORT Function, const USBP_REQUEST_FUNCTION *Request)
{
    switch (Function) {
    case URB_FUNCTION_SELECT_CONFIGURATION:
        return FIELD_OFFSET(struct _URB_SELECT_CONFIGURATION, Interface);
    case URB_FUNCTION_SELECT_INTERFACE:
        return FIELD_OFFSET(struct _URB_SELECT_INTERFACE, Interface);
    case URB_FUNCTION_ABORT_PIPE:
    case URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL:
    case URB_FUNCTION_SYNC_RESET_PIPE:
    case URB_FUNCTION_SYNC_CLEAR_STALL:
        return sizeof(struct _URB_PIPE_REQUEST);
    case URB_FUNCTION_CONTROL_TRANSFER:
        return sizeof(struct _URB_CONTROL_TRANSFER);
    case URB_FUNCTION_CONTROL_TRANSFER_EX:
        return sizeof(struct _URB_CONTROL_TRANSFER_EX);
    case URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER:
        return sizeof(struct _URB_BULK_OR_INTERRUPT_TRANSFER);
    case URB_FUNCTION_ISOCH_TRANSFER:
        return FIELD_OFFSET(struct _URB_ISOCH_TRANSFER, IsoPacket);
    case URB_FUNCTION_GET_CURRENT_FRAME_NUMBER:
        return sizeof(struct _URB_GET_CURRENT_FRAME_NUMBER);
    case URB_FUNCTION_TAKE_FRAME_LENGTH_CONTROL:
    case URB_FUNCTION_RELEASE_FRAME_LENGTH_CONTROL:
    case URB_FUNCTION_GET_FRAME_LENGTH:
    case URB_FUNCTION_SET_FRAME_LENGTH:
    case URB_FUNCTION_GET_MS_FEATURE_DESCRIPTOR:
    case URB_FUNCTION_OPEN_STATIC_STREAMS:
    case URB_FUNCTION_CLOSE_STATIC_STREAMS:
        return sizeof(struct _URB_HEADER);
    default:
        return Request != NULL ? sizeof(struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST) : 0;
    }
}

/* Real functions KeLab does not carry out. */
static BOOLEAN UsbpUnsupported(USHORT Function)
{
    switch (Function) {
    case URB_FUNCTION_SELECT_INTERFACE:
    case URB_FUNCTION_ISOCH_TRANSFER:
    case URB_FUNCTION_GET_CURRENT_FRAME_NUMBER:
    case URB_FUNCTION_TAKE_FRAME_LENGTH_CONTROL:
    case URB_FUNCTION_RELEASE_FRAME_LENGTH_CONTROL:
    case URB_FUNCTION_GET_FRAME_LENGTH:
    case URB_FUNCTION_SET_FRAME_LENGTH:
    case URB_FUNCTION_GET_MS_FEATURE_DESCRIPTOR:
    case URB_FUNCTION_OPEN_STATIC_STREAMS:
    case URB_FUNCTION_CLOSE_STATIC_STREAMS:
        return TRUE;
    default:
        return FALSE;
    }
}

/* A transfer URB: checked, then started (USBD_STATUS_PENDING: the IRP
   completes with it). */
static USBD_STATUS UsbpTransferUrb(PUSBP_DEVICE Device, PIRP Irp, PURB Urb,
                                   const USBP_REQUEST_FUNCTION *Request)
{
    PUSBP_TRANSFER transfer = UsbpAllocateTransfer();
    if (transfer == NULL)
        return USBD_STATUS_INSUFFICIENT_RESOURCES;
    USBD_STATUS status;
    if (Request != NULL)
        status = UsbpRequestTransfer(Device, Urb, Request, transfer);
    else if (Urb->UrbHeader.Function == URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER)
        status = UsbpBulkOrInterruptTransfer(Device, Urb, transfer);
    else
        status = UsbpControlTransfer(Device, Urb, transfer);
    if (!USBD_SUCCESS(status)) {
        UsbpFreeTransfer(transfer);
        return status;
    }
    transfer->Irp = Irp;
    transfer->Urb = Urb;
    UsbpStartTransfer(Device, transfer);
    return USBD_STATUS_PENDING;
}

/* The URBs that configure: carried out here, waiting for the device, so
   only at PASSIVE_LEVEL. */
static USBD_STATUS UsbpConfigureUrb(PUSBP_DEVICE Device, PURB Urb)
{
    USHORT function = Urb->UrbHeader.Function;
    switch (function) {
    case URB_FUNCTION_SELECT_CONFIGURATION:
        if (KeGetCurrentIrql() != PASSIVE_LEVEL)
            return USBD_STATUS_INVALID_PARAMETER;
        return UsbpSelectConfiguration(Device, Urb);
    case URB_FUNCTION_ABORT_PIPE:
    case URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL:
    case URB_FUNCTION_SYNC_RESET_PIPE:
    case URB_FUNCTION_SYNC_CLEAR_STALL: {
        if (KeGetCurrentIrql() != PASSIVE_LEVEL)
            return USBD_STATUS_INVALID_PARAMETER;
        PUSBP_PIPE pipe = UsbpPipe(Device, Urb->UrbPipeRequest.PipeHandle);
        if (pipe == NULL)
            return USBD_STATUS_INVALID_PIPE_HANDLE;
        if (function == URB_FUNCTION_ABORT_PIPE)
            return UsbpAbortPipe(Device, pipe);
        return UsbpResetPipe(Device, pipe, function != URB_FUNCTION_SYNC_CLEAR_STALL,
                             function != URB_FUNCTION_SYNC_RESET_PIPE);
    }
    default:
        return USBD_STATUS_INVALID_URB_FUNCTION;
    }
}

NTSTATUS UsbpSubmitUrb(PUSBP_DEVICE Device, PIRP Irp, PURB Urb)
{
    USBD_STATUS status;
    KIRQL irql;

    if (Urb == NULL || Urb->UrbHeader.Length < sizeof(struct _URB_HEADER)) {
        Irp->IoStatus.Status = STATUS_INVALID_PARAMETER;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_INVALID_PARAMETER;
    }
    USHORT function = Urb->UrbHeader.Function;
    KeAcquireSpinLock(&Device->Controller->Lock, &irql);
    USBP_DEVICE_STATE state = Device->State;
    KeReleaseSpinLock(&Device->Controller->Lock, irql);

    const USBP_REQUEST_FUNCTION *request = NULL;
    for (ULONG i = 0; i < ARRAYSIZE(UsbpRequestFunctions); i++) {
        if (UsbpRequestFunctions[i].Function == function)
            request = &UsbpRequestFunctions[i];
    }
    USHORT size = UsbpUrbSize(function, request);
    if (state == UsbpDeviceGone) {
        status = USBD_STATUS_DEVICE_GONE;
    } else if (state == UsbpDeviceRefused) {
        status = USBD_STATUS_NOT_SUPPORTED; /* never addressed as a device the core trusts */
    } else if (size == 0) {
        status = USBD_STATUS_INVALID_URB_FUNCTION;
    } else if (Urb->UrbHeader.Length < size) {
        status = USBD_STATUS_INVALID_PARAMETER;
    } else if (UsbpUnsupported(function)) {
        status = USBD_STATUS_NOT_SUPPORTED;
    } else if (request != NULL || function == URB_FUNCTION_CONTROL_TRANSFER ||
               function == URB_FUNCTION_CONTROL_TRANSFER_EX ||
               function == URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER) {
        Urb->UrbHeader.Status = USBD_STATUS_PENDING;
        Urb->UrbHeader.UsbdDeviceHandle = Device;
        status = UsbpTransferUrb(Device, Irp, Urb, request);
        if (status == USBD_STATUS_PENDING)
            return STATUS_PENDING; /* the IRP is the transfer's now */
    } else {
        status = UsbpConfigureUrb(Device, Urb);
    }
    Urb->UrbHeader.Status = status;
    Irp->IoStatus.Status = UsbpNtStatus(status);
    Irp->IoStatus.Information = 0;
    NTSTATUS result = Irp->IoStatus.Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return result;
}
