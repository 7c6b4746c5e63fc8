/*
 * io_testlib.c: drivers and device stacks for tests that play drivers.
 */
#include "io_testlib.h"

/* DriverEntry has no context argument: the dispatch routine for the
   driver being loaded waits here, and DriverEntry leaves the driver object
   it was given (tests run one at a time). */
static PDRIVER_DISPATCH IoTestNextDispatch;
static PDRIVER_OBJECT IoTestLoadedDriver;

static VOID IoTestUnload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL) {
        PDEVICE_OBJECT device = DriverObject->DeviceObject;
        PDEVICE_OBJECT lower = IoGetLowerDeviceObject(device);
        if (lower != NULL) {
            IoDetachDevice(lower);
            ObDereferenceObject(lower);
        }
        IoDeleteDevice(device);
    }
}

static NTSTATUS IoTestDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KT_EXPECT_NULL(RegistryPath);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION && IoTestNextDispatch; i++)
        DriverObject->MajorFunction[i] = IoTestNextDispatch;
    DriverObject->DriverUnload = IoTestUnload;
    IoTestLoadedDriver = DriverObject;
    return STATUS_SUCCESS;
}

PDRIVER_OBJECT IoTestLoadDriver(PCWSTR Name, PDRIVER_DISPATCH Dispatch)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, Name);
    IoTestNextDispatch = Dispatch;
    IoTestLoadedDriver = NULL;
    NTSTATUS status = IoCreateDriver(&name, IoTestDriverEntry);
    KT_EXPECT_EQ(status, STATUS_SUCCESS);
    return NT_SUCCESS(status) ? IoTestLoadedDriver : NULL;
}

VOID IoTestUnloadDriver(PDRIVER_OBJECT Driver)
{
    KT_EXPECT_EQ(IoDeleteDriver(Driver), STATUS_SUCCESS);
}

PDEVICE_OBJECT IoTestAddDevice(PDRIVER_OBJECT Driver, ULONG ExtensionSize, PCWSTR Name,
                               PDEVICE_OBJECT Below)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, Name);
    PDEVICE_OBJECT device = NULL;
    KT_EXPECT_EQ(IoCreateDevice(Driver, ExtensionSize, Name ? &name : NULL, FILE_DEVICE_UNKNOWN, 0,
                                FALSE, &device),
                 STATUS_SUCCESS);
    if (device == NULL)
        return NULL;
    if (Below != NULL)
        KT_EXPECT_NOT_NULL(IoAttachDeviceToDeviceStack(device, Below));
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return device;
}

PFILE_OBJECT IoTestOpen(PCWSTR Name, PDEVICE_OBJECT *Top)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, Name);
    PFILE_OBJECT file = NULL;
    KT_EXPECT_EQ(IoGetDeviceObjectPointer(&name, 0, &file, Top), STATUS_SUCCESS);
    return file;
}

PFILE_OBJECT IoTestOpenTimer(PDEVICE_OBJECT *Top)
{
    return IoTestOpen(TIMER_DEVICE_NAME, Top);
}

BOOLEAN IoTestSubmitTimer(PDEVICE_OBJECT Top, IO_TEST_TIMER_REQUEST *Request,
                          ULONG DelayMicroseconds, ULONG Tag)
{
    KeInitializeEvent(&Request->Done, NotificationEvent, FALSE);
    Request->Iosb.Status = STATUS_PENDING;
    Request->In = (TIMER_REQUEST){.DelayMicroseconds = DelayMicroseconds, .Tag = Tag};
    RtlZeroMemory(&Request->Out, sizeof(Request->Out));
    Request->Irp = IoBuildDeviceIoControlRequest(
        IOCTL_TIMER_WAIT, Top, &Request->In, sizeof(Request->In), &Request->Out,
        sizeof(Request->Out), FALSE, &Request->Done, &Request->Iosb);
    if (Request->Irp == NULL)
        return FALSE;
    NTSTATUS status = IoCallDriver(Top, Request->Irp);
    KT_EXPECT_EQ(status, STATUS_PENDING); /* queued, always */
    return TRUE;
}

BOOLEAN IoTestWait(PKEVENT Event, ULONG TimeoutMs)
{
    LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)TimeoutMs * 10000};
    NTSTATUS status = KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, &timeout);
    if (status != STATUS_SUCCESS) {
        KtLog("the request did not complete within %u ms", TimeoutMs);
        KtFail();
    }
    return status == STATUS_SUCCESS;
}
