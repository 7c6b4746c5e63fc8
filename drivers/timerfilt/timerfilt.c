/*
 * timerfilt.c: an upper filter on the timer device's stack.
 *
 * A filter is a driver whose device sits on top of another's and sees
 * every request first. AddDevice attaches it (the I/O manager calls it
 * with the timer device, as the PnP manager calls a filter's AddDevice
 * with the stack's PDO). Requests it does not care about go down untouched:
 * IoSkipCurrentIrpStackLocation gives the driver below this driver's own
 * stack location, and the filter never sees them again. Device controls
 * go down with a completion routine in a copy of the location, so the
 * filter gets them back on the way up.
 *
 * The completion routine shows the rule every completion routine that
 * lets completion go on must keep: if the driver below returned
 * STATUS_PENDING, the filter's dispatch routine returned it too (it
 * returned what IoCallDriver returned), so the routine must mark the IRP
 * pending at this level as well. Forget it, and the levels above see a
 * request that returned STATUS_PENDING but was never marked pending: on
 * Windows, a classic way to hang a requester.
 */
#include "ntddtimer.h"

typedef struct _FILTER_EXTENSION {
    PDEVICE_OBJECT LowerDevice; /* where requests go: the device below ours */
} FILTER_EXTENSION, *PFILTER_EXTENSION;

static NTSTATUS FilterPassThrough(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(extension->LowerDevice, Irp);
}

/* At the IRQL of whoever completed the IRP below: up to DISPATCH_LEVEL. */
static NTSTATUS FilterDeviceControlCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    if (NT_SUCCESS(Irp->IoStatus.Status) &&
        stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_TIMER_WAIT)
        ((PTIMER_RESULT)Irp->AssociatedIrp.SystemBuffer)->SeenByFilter++;
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS FilterDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION extension = DeviceObject->DeviceExtension;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, FilterDeviceControlCompletion, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(extension->LowerDevice, Irp);
}

static PAGEABLE_CODE NTSTATUS FilterAddDevice(PDRIVER_OBJECT DriverObject,
                                              PDEVICE_OBJECT PhysicalDeviceObject)
{
    PAGED_CODE();
    PDEVICE_OBJECT filter;
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL,
                                     PhysicalDeviceObject->DeviceType, 0, FALSE, &filter);
    if (!NT_SUCCESS(status))
        return status;
    PFILTER_EXTENSION extension = filter->DeviceExtension;
    extension->LowerDevice = IoAttachDeviceToDeviceStack(filter, PhysicalDeviceObject);
    if (extension->LowerDevice == NULL) {
        IoDeleteDevice(filter);
        return STATUS_NO_SUCH_DEVICE;
    }
    /* Requests reach the filter first, built for the filter's flags: it
       must ask for the buffers the device below expects. */
    filter->Flags |= extension->LowerDevice->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    filter->Flags &= ~DO_DEVICE_INITIALIZING; /* AddDevice's last step */
    return STATUS_SUCCESS;
}

static PAGEABLE_CODE VOID FilterUnload(PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    while (DriverObject->DeviceObject != NULL) {
        PDEVICE_OBJECT filter = DriverObject->DeviceObject;
        IoDetachDevice(((PFILTER_EXTENSION)filter->DeviceExtension)->LowerDevice);
        IoDeleteDevice(filter);
    }
}

static PAGEABLE_CODE NTSTATUS TimerFiltDriverEntry(PDRIVER_OBJECT DriverObject,
                                                   PUNICODE_STRING RegistryPath)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterPassThrough;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FilterDeviceControl;
    DriverObject->DriverExtension->AddDevice = FilterAddDevice;
    DriverObject->DriverUnload = FilterUnload;
    return STATUS_SUCCESS;
}

/* Loaded after the timer device (order 10), on top of whose stack it goes. */
KELAB_BUILTIN_DRIVER(TimerFiltDriverEntry, L"\\Driver\\TimerFilt", 20, TIMER_DEVICE_NAME);
