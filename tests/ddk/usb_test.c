/*
 * usb_test.c: the USB stack with the HSI dongle attached, from a function
 * driver's side: what it is given, the URBs it sends, how they come back.
 *
 * These tests need the dongle (KTEST_DONGLE): the runner boots them with
 * one started as `make run` starts it, in loopback mode with --test.
 */
#include "usb_testlib.h"

#define USB_TEST_DONGLE "mode=loopback,test"
#define OPEN_TIMEOUT    10000 /* ms: a replugged dongle is enumerated again meanwhile */

KTEST_DONGLE(usb, enumeration_finds_the_dongle, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_EXPECT_EQ(d->DeviceDescriptor.bLength, sizeof(USB_DEVICE_DESCRIPTOR));
    KT_EXPECT_EQ(d->DeviceDescriptor.idVendor, HSI_USB_VID);
    KT_EXPECT_EQ(d->DeviceDescriptor.idProduct, HSI_USB_PID);
    KT_EXPECT_EQ(d->DeviceDescriptor.bcdDevice, HSI_USB_BCD_DEVICE);
    KT_EXPECT_EQ(d->DeviceDescriptor.bMaxPacketSize0, HSI_EP0_MAXPACKET);
    KT_EXPECT_NOT_NULL(d->ConfigurationHandle);
    KT_EXPECT_EQ(d->InterfaceClass, HSI_IF_CLASS);
    KT_EXPECT_EQ(d->InterfaceSubClass, HSI_IF_SUBCLASS);
    KT_EXPECT_EQ(d->InterfaceProtocol, HSI_IF_PROTOCOL);
    /* The three endpoints, each a pipe with what its descriptor says. */
    KT_EXPECT_EQ(d->PipeCount, 3);
    KT_EXPECT_EQ(d->BulkOut.EndpointAddress, HSI_EP_BULK_OUT);
    KT_EXPECT_EQ(d->BulkOut.PipeType, UsbdPipeTypeBulk);
    KT_EXPECT_EQ(d->BulkOut.MaximumPacketSize, HSI_BULK_MAXPACKET);
    KT_EXPECT_EQ(d->BulkIn.EndpointAddress, HSI_EP_BULK_IN);
    KT_EXPECT_EQ(d->BulkIn.PipeType, UsbdPipeTypeBulk);
    KT_EXPECT_EQ(d->BulkIn.MaximumPacketSize, HSI_BULK_MAXPACKET);
    KT_EXPECT_EQ(d->Events.EndpointAddress, HSI_EP_EVENTS);
    KT_EXPECT_EQ(d->Events.PipeType, UsbdPipeTypeInterrupt);
    KT_EXPECT_EQ(d->Events.MaximumPacketSize, HSI_EVENTS_MAXPACKET);
    KT_EXPECT_EQ(d->Events.Interval, 1);
    KT_EXPECT_NE(d->BulkOut.PipeHandle, d->BulkIn.PipeHandle);
    /* The stack: the test driver's FDO on the core's PDO. */
    KT_EXPECT_EQ(d->Lower, d->Pdo);
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(d->Pdo);
    KT_EXPECT_EQ(top, d->Fdo);
    ObDereferenceObject(top);
    UsbTestClose(d);
}

KTEST_DONGLE(usb, string_descriptors, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    USB_TEST_REQUEST r;
    UCHAR buffer[64];
    static const char product[] = "Virtual HSI Dongle";
    KT_ASSERT_NOT_NULL(d);

    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    UsbBuildGetDescriptorRequest(&r.Urb, sizeof(struct _URB_CONTROL_DESCRIPTOR_REQUEST),
                                 USB_STRING_DESCRIPTOR_TYPE, d->DeviceDescriptor.iProduct, 0x0409,
                                 buffer, NULL, sizeof(buffer), NULL);
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_SUCCESS);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_SUCCESS);
    ULONG length = r.Urb.UrbControlDescriptorRequest.TransferBufferLength;
    KT_EXPECT_EQ(length, 2 + 2 * (sizeof(product) - 1));
    KT_EXPECT_EQ(buffer[0], length);
    KT_EXPECT_EQ(buffer[1], USB_STRING_DESCRIPTOR_TYPE);
    for (ULONG i = 0; i + 1 < sizeof(product) && 2 + 2 * i < sizeof(buffer); i++)
        KT_EXPECT_EQ(buffer[2 + 2 * i], product[i]);
    UsbTestClose(d);
}

/* GET_INFO, as docs/hsi-dongle.md lays it out; the completion routine
   runs at DISPATCH_LEVEL (the controller's DPC completes the IRP). */
KTEST_DONGLE(usb, vendor_control_get_info, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    USB_TEST_REQUEST r;
    UCHAR info[HSI_INFO_SIZE + 8];
    struct hsi_info i;
    KT_ASSERT_NOT_NULL(d);

    RtlFillMemory(info, sizeof(info), 0xEE);
    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    UsbBuildVendorRequest(&r.Urb, URB_FUNCTION_VENDOR_INTERFACE,
                          sizeof(struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST),
                          USBD_TRANSFER_DIRECTION_IN | USBD_SHORT_TRANSFER_OK, 0, HSI_REQ_GET_INFO,
                          0, 0, info, NULL, sizeof(info), NULL);
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_SUCCESS);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_SUCCESS);
    KT_EXPECT_EQ(r.Urb.UrbControlVendorClassRequest.TransferBufferLength, HSI_INFO_SIZE);
    KT_EXPECT_EQ(r.CompletionIrql, DISPATCH_LEVEL);
    KT_EXPECT_EQ(info[HSI_INFO_SIZE], 0xEE); /* nothing past what came */
    hsi_info_get(info, &i);
    KT_EXPECT_EQ(i.version, HSI_PROTO_VERSION);
    KT_EXPECT_EQ(i.max_channels, HSI_MAX_CHANNELS);
    KT_EXPECT_EQ(i.modes, HSI_INFO_MODE_BIT(HSI_MODE_STREAM) | HSI_INFO_MODE_BIT(HSI_MODE_FRAME));
    KT_EXPECT_NE(i.max_kbps, 0);
    UsbTestClose(d);
}

/* A request the device STALLs (GET_INFO with wLength short of 16) fails
   with USBD_STATUS_STALL_PID; the default pipe recovers by itself and the
   next request succeeds. */
KTEST_DONGLE(usb, control_stall_then_recovery, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    UCHAR info[HSI_INFO_SIZE];
    USBD_STATUS usbd;
    KT_ASSERT_NOT_NULL(d);

    for (ULONG round = 0; round < 3; round++) {
        KT_EXPECT_EQ(UsbTestVendor(d, TRUE, HSI_REQ_GET_INFO, 0, 0, info, 4, &usbd),
                     STATUS_UNSUCCESSFUL);
        KT_EXPECT_EQ(usbd, USBD_STATUS_STALL_PID);
        KT_EXPECT_EQ(UsbTestVendor(d, TRUE, HSI_REQ_GET_INFO, 0, 0, info, sizeof(info), &usbd),
                     STATUS_SUCCESS);
        KT_EXPECT_EQ(usbd, USBD_STATUS_SUCCESS);
    }
    UsbTestClose(d);
}

/* URBs the core refuses before the device sees them. */
KTEST_DONGLE(usb, bad_urbs_are_refused, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    USB_TEST_REQUEST r;
    UCHAR buffer[16];
    KT_ASSERT_NOT_NULL(d);

    /* A pipe handle that is no pipe. */
    USBD_PIPE_INFORMATION bogus = d->BulkIn;
    bogus.PipeHandle = (USBD_PIPE_HANDLE)buffer;
    UsbTestBuildTransfer(&r, &bogus, buffer, sizeof(buffer));
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_INVALID_PIPE_HANDLE);

    /* A length that says the URB is shorter than its function's. */
    UsbTestBuildTransfer(&r, &d->BulkIn, buffer, sizeof(buffer));
    r.Urb.UrbHeader.Length = sizeof(struct _URB_HEADER);
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_INVALID_PARAMETER);

    /* A function that does not exist. */
    UsbTestBuildTransfer(&r, &d->BulkIn, buffer, sizeof(buffer));
    r.Urb.UrbHeader.Function = 0x7777;
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_INVALID_URB_FUNCTION);

    /* Data promised, no buffer given. */
    UsbTestBuildTransfer(&r, &d->BulkIn, NULL, sizeof(buffer));
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_INVALID_PARAMETER);

    /* SET_ADDRESS is the core's alone. */
    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    r.Urb.UrbHeader.Function = URB_FUNCTION_CONTROL_TRANSFER;
    r.Urb.UrbHeader.Length = sizeof(struct _URB_CONTROL_TRANSFER);
    r.Urb.UrbControlTransfer.TransferFlags = USBD_DEFAULT_PIPE_TRANSFER;
    UCHAR setAddress[8] = {0x00, USB_REQUEST_SET_ADDRESS, 5, 0, 0, 0, 0, 0};
    RtlCopyMemory(r.Urb.UrbControlTransfer.SetupPacket, setAddress, sizeof(setAddress));
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_INVALID_PARAMETER);

    /* Isochronous transfers: a real function KeLab does not do. */
    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    r.Urb.UrbHeader.Function = URB_FUNCTION_ISOCH_TRANSFER;
    r.Urb.UrbHeader.Length = sizeof(struct _URB_ISOCH_TRANSFER);
    KT_EXPECT_EQ(UsbTestSubmit(d, &r), STATUS_NOT_SUPPORTED);
    KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_NOT_SUPPORTED);
    UsbTestClose(d);
}

/* Bulk OUT and back IN through the dongle's loopback, across sizes
   around the 512-byte packet (the transfer is 8 bytes of header more
   than the message), and messages in several 64 KiB transfers. */
KTEST_DONGLE(usb, bulk_loopback_sizes, USB_TEST_DONGLE)
{
    static const ULONG sizes[] = {1,    4,    52,   56,    60,    500,   504,    508,     1016,
                                  1020, 1024, 4088, 65528, 65532, 65536, 200000, 1 << 20, 4 << 20};
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));
    for (ULONG i = 0; i < ARRAYSIZE(sizes); i++) {
        if (!UsbTestHsiLoopback(d, sizes[i], 2)) {
            KtLog("loopback of %u bytes failed", sizes[i]);
            KtFail();
        }
    }
    UsbTestClose(d);
}

/* Many bulk IN transfers queued at once while a long message streams. */
KTEST_DONGLE(usb, many_transfers_in_flight, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 2 << 20, 16));
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 300000, 8));
    UsbTestClose(d);
}

/* The interrupt endpoint: 8-byte event records whose seq numbers follow
   one another; a configuration change posts CONFIG_APPLIED. */
KTEST_DONGLE(usb, interrupt_events, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    USB_TEST_REQUEST r;
    UCHAR events[HSI_EVENTS_MAXPACKET], rx[HSI_RX_CONFIG_SIZE];
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));

    /* Whatever is queued first (events since the plug), then ours. */
    BOOLEAN seen = FALSE;
    LONG64 last = -1;
    for (ULONG poll = 0; poll < 64 && !seen; poll++) {
        UsbTestBuildTransfer(&r, &d->Events, events, sizeof(events));
        UsbTestStart(d, &r);
        if (poll == 0) {
            /* SET_RX_CONFIG needs ACREADY 0 and an empty RX queue; it
               posts CONFIG_APPLIED(2). */
            struct hsi_rx_config c = {
                .mode = HSI_MODE_FRAME, .flow = HSI_FLOW_SYNC, .channels = 1, .timeout_ms = 0};
            hsi_rx_config_put(rx, &c);
            KT_EXPECT_EQ(UsbTestVendor(d, FALSE, HSI_REQ_SET_RX_READY, 0, 0, NULL, 0, NULL),
                         STATUS_SUCCESS);
            KT_EXPECT_EQ(UsbTestVendor(d, FALSE, HSI_REQ_SET_RX_CONFIG, 0, 0, rx, sizeof(rx), NULL),
                         STATUS_SUCCESS);
            KT_EXPECT_EQ(UsbTestVendor(d, FALSE, HSI_REQ_SET_RX_READY, 1, 0, NULL, 0, NULL),
                         STATUS_SUCCESS);
        }
        KT_ASSERT_TRUE(UsbTestWait(&r, 5000));
        KT_ASSERT_EQ(r.Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(r.CompletionIrql, DISPATCH_LEVEL);
        ULONG length = r.Urb.UrbBulkOrInterruptTransfer.TransferBufferLength;
        int count = hsi_event_count(length);
        KT_ASSERT_TRUE(count >= 1);
        for (int e = 0; e < count; e++) {
            struct hsi_event ev;
            hsi_event_get(events + e * HSI_EVENT_SIZE, &ev);
            if (last >= 0 && ev.type != HSI_EV_DONGLE_RESET)
                KT_EXPECT_EQ(ev.seq, (ULONG)last + 1);
            last = ev.seq;
            seen |= ev.type == HSI_EV_CONFIG_APPLIED && ev.arg == 2;
        }
    }
    KT_EXPECT_TRUE(seen);
    UsbTestClose(d);
}

/* A bulk IN with nothing to read stays pending until its IRP is
   cancelled, then completes with STATUS_CANCELLED and USBD_STATUS_CANCELED;
   the pipe goes on working. */
KTEST_DONGLE(usb, cancel_pending_bulk_in, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    USB_TEST_REQUEST r;
    static UCHAR buffer[HSI_MAX_XFER];
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));

    for (ULONG round = 0; round < 4; round++) {
        UsbTestBuildTransfer(&r, &d->BulkIn, buffer, sizeof(buffer));
        UsbTestStart(d, &r);
        LARGE_INTEGER brief = {.QuadPart = -10 * 10000};
        KT_EXPECT_EQ(KeWaitForSingleObject(&r.Done, Executive, KernelMode, FALSE, &brief),
                     STATUS_TIMEOUT); /* nothing to read: it waits */
        KT_EXPECT_TRUE(IoCancelIrp(r.Irp));
        KT_ASSERT_TRUE(UsbTestWait(&r, 5000));
        KT_EXPECT_EQ(r.Status, STATUS_CANCELLED);
        KT_EXPECT_EQ(r.Urb.UrbHeader.Status, USBD_STATUS_CANCELED);
        KT_EXPECT_EQ(r.Urb.UrbBulkOrInterruptTransfer.TransferBufferLength, 0);
    }
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 1000, 2));
    UsbTestClose(d);
}

/* ABORT_PIPE ends every transfer queued on the pipe before it returns. */
KTEST_DONGLE(usb, abort_pipe, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    static USB_TEST_REQUEST in[4];
    static UCHAR buffers[4][1024];
    USB_TEST_REQUEST abort;
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));

    for (ULONG i = 0; i < 4; i++) {
        UsbTestBuildTransfer(&in[i], &d->BulkIn, buffers[i], sizeof(buffers[i]));
        UsbTestStart(d, &in[i]);
    }
    RtlZeroMemory(&abort.Urb, sizeof(abort.Urb));
    abort.Urb.UrbHeader.Function = URB_FUNCTION_ABORT_PIPE;
    abort.Urb.UrbHeader.Length = sizeof(struct _URB_PIPE_REQUEST);
    abort.Urb.UrbPipeRequest.PipeHandle = d->BulkIn.PipeHandle;
    KT_EXPECT_EQ(UsbTestSubmit(d, &abort), STATUS_SUCCESS);
    for (ULONG i = 0; i < 4; i++) {
        KT_EXPECT_EQ(KeReadStateEvent(&in[i].Done), 1); /* done before the abort returned */
        UsbTestWait(&in[i], 1000);
        KT_EXPECT_EQ(in[i].Status, STATUS_CANCELLED);
    }
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 5000, 2));
    UsbTestClose(d);
}

/* The dongle unplugs itself with transfers outstanding (TEST_INJECT
   replug): each fails (QEMU ends them as transaction errors, or the
   controller driver as gone, whichever sees it first), the driver's
   device is removed, a request sent to the old device then fails with
   STATUS_DEVICE_NOT_CONNECTED, the dongle comes back and is bound again,
   and nothing is left behind (the framework checks pool use after). */
KTEST_DONGLE(usb, unplug_and_replug_with_requests_outstanding, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    static USB_TEST_REQUEST in[3];
    static UCHAR buffers[3][HSI_MAX_XFER];
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));
    ULONG removed = UsbTestRemoved(), generation = d->Generation;

    for (ULONG i = 0; i < 2; i++) {
        UsbTestBuildTransfer(&in[i], &d->BulkIn, buffers[i], sizeof(buffers[i]));
        UsbTestStart(d, &in[i]);
    }
    KT_EXPECT_EQ(UsbTestVendor(d, FALSE, HSI_REQ_TEST_INJECT, HSI_FAULT_REPLUG, 0, NULL, 0, NULL),
                 STATUS_SUCCESS);
    for (ULONG i = 0; i < 2; i++) {
        KT_EXPECT_TRUE(UsbTestWait(&in[i], 10000));
        KT_EXPECT_FALSE(NT_SUCCESS(in[i].Status));
        KT_EXPECT_TRUE(USBD_ERROR(in[i].Urb.UrbHeader.Status));
        KT_EXPECT_EQ(in[i].Urb.UrbBulkOrInterruptTransfer.TransferBufferLength, 0);
    }
    KT_EXPECT_TRUE(UsbTestWaitRemoved(removed + 1, 10000));
    UsbTestBuildTransfer(&in[2], &d->Events, buffers[2], HSI_EVENTS_MAXPACKET);
    UsbTestStart(d, &in[2]);
    KT_EXPECT_TRUE(UsbTestWait(&in[2], 10000));
    KT_EXPECT_EQ(in[2].Status, STATUS_DEVICE_NOT_CONNECTED);
    KT_EXPECT_EQ(in[2].Urb.UrbHeader.Status, USBD_STATUS_DEVICE_GONE);
    UsbTestClose(d);

    d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_EXPECT_GT(d->Generation, generation);
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 100000, 2));
    UsbTestClose(d);
}

/* ---- what a completion routine may not do ------------------------------------- */

static KEVENT NeverSet;

/* A URB's completion routine runs in the controller's DPC: waiting there
   has no thread to block, ATTEMPTED_SWITCH_FROM_DPC. */
static NTSTATUS CompletionThatWaits(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    KeWaitForSingleObject(&NeverSet, Executive, KernelMode, FALSE, NULL);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The bulk IN waits for data (queued well before the data comes, so it
   is the DPC that completes it), then a message in loopback fills it. */
KTEST_DEATH_DONGLE(usb, completion_routine_waits, USB_TEST_DONGLE, ATTEMPTED_SWITCH_FROM_DPC,
                   KT_ANY, 0, KT_ANY, 0)
{
    static USB_TEST_REQUEST in, out;
    static UCHAR buffer[HSI_MAX_XFER], message[HSI_MSG_HDR_SIZE + 4];
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_ASSERT_TRUE(UsbTestHsiBringUp(d));
    KeInitializeEvent(&NeverSet, NotificationEvent, FALSE);

    UsbTestBuildTransfer(&in, &d->BulkIn, buffer, sizeof(buffer));
    PIRP irp = IoAllocateIrp(d->Lower->StackSize, FALSE);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_INTERNAL_USB_SUBMIT_URB;
    next->Parameters.Others.Argument1 = &in.Urb;
    IoSetCompletionRoutine(irp, CompletionThatWaits, NULL, TRUE, TRUE, TRUE);
    IoCallDriver(d->Lower, irp);

    struct hsi_msg_hdr h = {.channel = 0, .flags = HSI_MSG_LAST, .seq = d->TxSeq++, .length = 4};
    hsi_msg_hdr_put(message, &h);
    UsbTestBuildTransfer(&out, &d->BulkOut, message, sizeof(message));
    UsbTestSubmit(d, &out);
    KtSleep(5000); /* the bug check comes first */
}

/* ---- the port, through the device's stack -------------------------------------- */

static NTSTATUS PortIoctlDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours again */
}

/* An internal device control other than SUBMIT_URB, in an IRP of ours. */
static NTSTATUS PortIoctl(PUSB_TEST_DEVICE Device, ULONG Code, PULONG Argument)
{
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = IoAllocateIrp(Device->Lower->StackSize, FALSE);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = Code;
    next->Parameters.Others.Argument1 = Argument;
    IoSetCompletionRoutine(irp, PortIoctlDone, &done, TRUE, TRUE, TRUE);
    IoCallDriver(Device->Lower, irp);
    KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    NTSTATUS status = irp->IoStatus.Status;
    IoFreeIrp(irp);
    return status;
}

KTEST_DONGLE(usb, port_status, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    ULONG status = 0xFFFFFFFF;
    KT_ASSERT_NOT_NULL(d);
    KT_EXPECT_EQ(PortIoctl(d, IOCTL_INTERNAL_USB_GET_PORT_STATUS, &status), STATUS_SUCCESS);
    KT_EXPECT_EQ(status, USBD_PORT_CONNECTED | USBD_PORT_ENABLED);
    UsbTestClose(d);
}

/* A port cycle is an unplug and a replug: the driver's device is removed
   and a new one is enumerated, bound and started. */
KTEST_DONGLE(usb, cycle_port, USB_TEST_DONGLE)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    ULONG removed = UsbTestRemoved(), generation = d->Generation;
    KT_EXPECT_EQ(PortIoctl(d, IOCTL_INTERNAL_USB_CYCLE_PORT, NULL), STATUS_SUCCESS);
    UsbTestClose(d);
    KT_EXPECT_TRUE(UsbTestWaitRemoved(removed + 1, 10000));
    d = UsbTestOpen(OPEN_TIMEOUT);
    KT_ASSERT_NOT_NULL(d);
    KT_EXPECT_GT(d->Generation, generation);
    KT_EXPECT_TRUE(UsbTestHsiLoopback(d, 1000, 1));
    UsbTestClose(d);
}
