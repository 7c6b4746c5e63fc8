/*
 * usb_testdrv.c: \Driver\UsbTest, the USB tests' function driver, and the
 * helpers that send its URBs (usb_testlib.h says what it is for).
 */
#include "usb_testlib.h"

static KSPIN_LOCK UsbTestLock;
static PUSB_TEST_DEVICE UsbTestCurrent; /* UsbTestLock: started and not removing */
static KEVENT UsbTestChanged;           /* a device came or went */
static volatile LONG UsbTestAddedCount, UsbTestRemovedCount;
static volatile BOOLEAN UsbTestLoaded; /* the PnP manager loads the driver for the first device */

/* ---- requests ---------------------------------------------------------------- */

static NTSTATUS UsbTestRequestDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PUSB_TEST_REQUEST request = Context;
    request->CompletionIrql = KeGetCurrentIrql();
    request->Status = Irp->IoStatus.Status;
    KeSetEvent(&request->Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is the test's again */
}

VOID UsbTestStart(PUSB_TEST_DEVICE Device, PUSB_TEST_REQUEST Request)
{
    KeInitializeEvent(&Request->Done, NotificationEvent, FALSE);
    Request->Status = STATUS_PENDING;
    Request->Irp = IoAllocateIrp(Device->Lower->StackSize, FALSE);
    if (Request->Irp == NULL) {
        Request->Status = STATUS_INSUFFICIENT_RESOURCES;
        KeSetEvent(&Request->Done, IO_NO_INCREMENT, FALSE);
        return;
    }
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(Request->Irp);
    next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_INTERNAL_USB_SUBMIT_URB;
    next->Parameters.Others.Argument1 = &Request->Urb;
    IoSetCompletionRoutine(Request->Irp, UsbTestRequestDone, Request, TRUE, TRUE, TRUE);
    IoCallDriver(Device->Lower, Request->Irp);
}

BOOLEAN UsbTestWait(PUSB_TEST_REQUEST Request, ULONG TimeoutMs)
{
    LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)TimeoutMs * 10000};
    BOOLEAN done = KeWaitForSingleObject(&Request->Done, Executive, KernelMode, FALSE, &timeout) ==
                   STATUS_SUCCESS;
    if (!done) {
        KtLog("URB function 0x%x still pending after %u ms: cancelling it",
              Request->Urb.UrbHeader.Function, TimeoutMs);
        IoCancelIrp(Request->Irp);
        KeWaitForSingleObject(&Request->Done, Executive, KernelMode, FALSE, NULL);
    }
    if (Request->Irp != NULL)
        IoFreeIrp(Request->Irp);
    Request->Irp = NULL;
    return done;
}

NTSTATUS UsbTestSubmit(PUSB_TEST_DEVICE Device, PUSB_TEST_REQUEST Request)
{
    UsbTestStart(Device, Request);
    return UsbTestWait(Request, 10000) ? Request->Status : STATUS_IO_TIMEOUT;
}

VOID UsbTestBuildTransfer(PUSB_TEST_REQUEST Request, const USBD_PIPE_INFORMATION *Pipe,
                          PVOID Buffer, ULONG Length)
{
    RtlZeroMemory(&Request->Urb, sizeof(Request->Urb));
    UsbBuildInterruptOrBulkTransferRequest(
        &Request->Urb, sizeof(struct _URB_BULK_OR_INTERRUPT_TRANSFER), Pipe->PipeHandle, Buffer,
        NULL, Length,
        USBD_PIPE_DIRECTION_IN(Pipe) ? USBD_TRANSFER_DIRECTION_IN | USBD_SHORT_TRANSFER_OK : 0,
        NULL);
}

NTSTATUS UsbTestVendor(PUSB_TEST_DEVICE Device, BOOLEAN In, UCHAR Request, USHORT Value,
                       USHORT Index, PVOID Buffer, ULONG Length, USBD_STATUS *UsbdStatus)
{
    USB_TEST_REQUEST r;
    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    UsbBuildVendorRequest(&r.Urb, URB_FUNCTION_VENDOR_INTERFACE,
                          sizeof(struct _URB_CONTROL_VENDOR_OR_CLASS_REQUEST),
                          In ? USBD_TRANSFER_DIRECTION_IN | USBD_SHORT_TRANSFER_OK : 0, 0, Request,
                          Value, Index, Buffer, NULL, Length, NULL);
    NTSTATUS status = UsbTestSubmit(Device, &r);
    if (UsbdStatus != NULL)
        *UsbdStatus = r.Urb.UrbHeader.Status;
    return status;
}

/* ---- the driver ------------------------------------------------------------------ */

static NTSTATUS UsbTestGetDescriptor(PUSB_TEST_DEVICE Device, UCHAR Type, PVOID Buffer,
                                     ULONG Length, PULONG Actual)
{
    USB_TEST_REQUEST r;
    RtlZeroMemory(&r.Urb, sizeof(r.Urb));
    UsbBuildGetDescriptorRequest(&r.Urb, sizeof(struct _URB_CONTROL_DESCRIPTOR_REQUEST), Type, 0, 0,
                                 Buffer, NULL, Length, NULL);
    NTSTATUS status = UsbTestSubmit(Device, &r);
    *Actual = r.Urb.UrbControlDescriptorRequest.TransferBufferLength;
    return status;
}

/* What a function driver does when its device starts: read the
   descriptors, select the configuration with its one interface, keep the
   pipes. */
static NTSTATUS UsbTestConfigure(PUSB_TEST_DEVICE Device)
{
    PUSB_CONFIGURATION_DESCRIPTOR config = (PUSB_CONFIGURATION_DESCRIPTOR)Device->Configuration;
    ULONG actual;
    NTSTATUS status =
        UsbTestGetDescriptor(Device, USB_DEVICE_DESCRIPTOR_TYPE, &Device->DeviceDescriptor,
                             sizeof(Device->DeviceDescriptor), &actual);
    if (NT_SUCCESS(status))
        status = UsbTestGetDescriptor(Device, USB_CONFIGURATION_DESCRIPTOR_TYPE, config,
                                      sizeof(Device->Configuration), &actual);
    if (!NT_SUCCESS(status))
        return status;
    if (actual < sizeof(*config) || config->wTotalLength > actual)
        return STATUS_DEVICE_DATA_ERROR;

    PUSB_INTERFACE_DESCRIPTOR interface =
        USBD_ParseConfigurationDescriptorEx(config, config, -1, -1, -1, -1, -1);
    if (interface == NULL)
        return STATUS_DEVICE_DATA_ERROR;
    USBD_INTERFACE_LIST_ENTRY list[2] = {{interface, NULL}, {NULL, NULL}};
    PURB urb = USBD_CreateConfigurationRequestEx(config, list);
    if (urb == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;

    PUSB_TEST_REQUEST r = ExAllocatePoolWithTag(NonPagedPool, sizeof(*r), USB_TEST_TAG);
    if (r == NULL) {
        ExFreePool(urb);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    /* The selection URB is bigger than a URB: sent from its own memory. */
    KeInitializeEvent(&r->Done, NotificationEvent, FALSE);
    r->Irp = IoAllocateIrp(Device->Lower->StackSize, FALSE);
    status = STATUS_INSUFFICIENT_RESOURCES;
    if (r->Irp != NULL) {
        PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(r->Irp);
        next->MajorFunction = IRP_MJ_INTERNAL_DEVICE_CONTROL;
        next->Parameters.DeviceIoControl.IoControlCode = IOCTL_INTERNAL_USB_SUBMIT_URB;
        next->Parameters.Others.Argument1 = urb;
        IoSetCompletionRoutine(r->Irp, UsbTestRequestDone, r, TRUE, TRUE, TRUE);
        IoCallDriver(Device->Lower, r->Irp);
        KeWaitForSingleObject(&r->Done, Executive, KernelMode, FALSE, NULL);
        IoFreeIrp(r->Irp);
        status = r->Status;
    }
    if (NT_SUCCESS(status)) {
        PUSBD_INTERFACE_INFORMATION info = list[0].Interface;
        Device->ConfigurationHandle = urb->UrbSelectConfiguration.ConfigurationHandle;
        Device->InterfaceClass = info->Class;
        Device->InterfaceSubClass = info->SubClass;
        Device->InterfaceProtocol = info->Protocol;
        Device->PipeCount = info->NumberOfPipes;
        for (ULONG i = 0; i < info->NumberOfPipes; i++) {
            PUSBD_PIPE_INFORMATION pipe = &info->Pipes[i];
            if (pipe->EndpointAddress == HSI_EP_BULK_OUT)
                Device->BulkOut = *pipe;
            else if (pipe->EndpointAddress == HSI_EP_BULK_IN)
                Device->BulkIn = *pipe;
            else if (pipe->EndpointAddress == HSI_EP_EVENTS)
                Device->Events = *pipe;
        }
    }
    ExFreePoolWithTag(r, USB_TEST_TAG);
    ExFreePool(urb);
    return status;
}

static NTSTATUS UsbTestAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT fdo;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(USB_TEST_DEVICE), NULL,
                                     FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo);
    if (!NT_SUCCESS(status))
        return status;
    PUSB_TEST_DEVICE device = fdo->DeviceExtension;
    RtlZeroMemory(device, sizeof(*device));
    device->Fdo = fdo;
    device->Pdo = Pdo;
    device->Lower = IoAttachDeviceToDeviceStack(fdo, Pdo);
    if (device->Lower == NULL) {
        IoDeleteDevice(fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    device->Generation = (ULONG)InterlockedIncrement(&UsbTestAddedCount);
    fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static NTSTATUS UsbTestSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static VOID UsbTestPublish(PUSB_TEST_DEVICE Device)
{
    KIRQL irql;
    KeAcquireSpinLock(&UsbTestLock, &irql);
    UsbTestCurrent = Device;
    KeReleaseSpinLock(&UsbTestLock, irql);
    KeSetEvent(&UsbTestChanged, IO_NO_INCREMENT, FALSE);
}

static VOID UsbTestUnpublish(PUSB_TEST_DEVICE Device)
{
    KIRQL irql;
    KeAcquireSpinLock(&UsbTestLock, &irql);
    if (UsbTestCurrent == Device)
        UsbTestCurrent = NULL;
    KeReleaseSpinLock(&UsbTestLock, irql);
}

static NTSTATUS UsbTestDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PUSB_TEST_DEVICE device = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    KEVENT done;
    NTSTATUS status;

    switch (stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        KeInitializeEvent(&done, NotificationEvent, FALSE);
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, UsbTestSignal, &done, TRUE, TRUE, TRUE);
        if (IoCallDriver(device->Lower, Irp) == STATUS_PENDING)
            KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = Irp->IoStatus.Status;
        if (NT_SUCCESS(status))
            status = UsbTestConfigure(device);
        if (NT_SUCCESS(status))
            UsbTestPublish(device);
        Irp->IoStatus.Status = status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return status;
    case IRP_MN_SURPRISE_REMOVAL:
        UsbTestUnpublish(device);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        UsbTestUnpublish(device);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoSkipCurrentIrpStackLocation(Irp);
        status = IoCallDriver(device->Lower, Irp);
        IoDetachDevice(device->Lower);
        IoDeleteDevice(DeviceObject);
        InterlockedIncrement(&UsbTestRemovedCount);
        KeSetEvent(&UsbTestChanged, IO_NO_INCREMENT, FALSE);
        return status;
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        break;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(device->Lower, Irp);
}

static NTSTATUS UsbTestDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeSpinLock(&UsbTestLock);
    KeInitializeEvent(&UsbTestChanged, SynchronizationEvent, FALSE);
    DriverObject->MajorFunction[IRP_MJ_PNP] = UsbTestDispatchPnp;
    DriverObject->DriverExtension->AddDevice = UsbTestAddDevice;
    UsbTestLoaded = TRUE;
    return STATUS_SUCCESS;
}

/* The INF's role: the HSI dongle's interface, by class. */
static const PCWSTR UsbTestIds[] = {L"USB\\Class_FF&SubClass_48&Prot_01", NULL};
KELAB_PNP_DRIVER(UsbTestDriverEntry, L"\\Driver\\UsbTest", UsbTestIds);

/* ---- what the tests call ------------------------------------------------------------ */

PUSB_TEST_DEVICE UsbTestOpen(ULONG TimeoutMs)
{
    ULONG64 deadline = KeQueryInterruptTime() + (ULONG64)TimeoutMs * 10000;
    if (!UsbTestLoaded) { /* the tests run once the devices found are started */
        KtLog("\\Driver\\UsbTest was never loaded: no HSI dongle was found");
        KtFail();
        return NULL;
    }
    for (;;) {
        KIRQL irql;
        KeAcquireSpinLock(&UsbTestLock, &irql);
        PUSB_TEST_DEVICE device = UsbTestCurrent;
        if (device != NULL) {
            ObReferenceObject(device->Fdo);
            ObReferenceObject(device->Pdo);
        }
        KeReleaseSpinLock(&UsbTestLock, irql);
        if (device != NULL)
            return device;
        ULONG64 now = KeQueryInterruptTime();
        if (now >= deadline) {
            KtLog("no HSI dongle bound to \\Driver\\UsbTest after %u ms", TimeoutMs);
            KtFail();
            return NULL;
        }
        LARGE_INTEGER wait = {.QuadPart = -(LONGLONG)(deadline - now)};
        KeWaitForSingleObject(&UsbTestChanged, Executive, KernelMode, FALSE, &wait);
    }
}

VOID UsbTestClose(PUSB_TEST_DEVICE Device)
{
    PDEVICE_OBJECT fdo = Device->Fdo, pdo = Device->Pdo;
    ObDereferenceObject(pdo);
    ObDereferenceObject(fdo); /* Device may be gone after this */
}

ULONG UsbTestAdded(VOID)
{
    return (ULONG)UsbTestAddedCount;
}

ULONG UsbTestRemoved(VOID)
{
    return (ULONG)UsbTestRemovedCount;
}

BOOLEAN UsbTestWaitRemoved(ULONG Count, ULONG TimeoutMs)
{
    ULONG64 deadline = KeQueryInterruptTime() + (ULONG64)TimeoutMs * 10000;
    while ((ULONG)UsbTestRemovedCount < Count) {
        ULONG64 now = KeQueryInterruptTime();
        if (now >= deadline)
            return FALSE;
        LARGE_INTEGER wait = {.QuadPart = -(LONGLONG)(deadline - now)};
        KeWaitForSingleObject(&UsbTestChanged, Executive, KernelMode, FALSE, &wait);
    }
    return TRUE;
}
