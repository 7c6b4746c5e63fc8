/*
 * device.c: device objects and device stacks.
 *
 * A device object is what IRPs are sent to. Drivers layer theirs into a
 * stack: a function driver's device at the bottom (on Windows, above a
 * bus driver's PDO), filters attached above it. IoAttachDeviceToDeviceStack
 * puts a device on top and returns the one it landed on, the device its
 * driver passes IRPs to; the new top's StackSize is one more than the
 * device below, so an IRP allocated for the top has a stack location for
 * every driver on the way down.
 *
 *        filter   (\Driver\TimerFilt)   StackSize 2   AttachedTo = timer
 *          |  AttachedDevice ^
 *        timer    (\Driver\TimerDev)    StackSize 1   \Device\Timer0
 *
 * Each device is an object (kernel/ob/) and holds a reference to its
 * driver. Attached devices hold references to each other, so that a
 * device deleted before it is detached is not freed under the stack;
 * IoDetachDevice drops them. IopDatabaseLock guards the links.
 */
#include "iop.h"
#include "ob.h"

KSPIN_LOCK IopDatabaseLock;
LIST_ENTRY IopDeviceList = {&IopDeviceList, &IopDeviceList};

static VOID IopDeleteDeviceObject(PVOID Object)
{
    ObDereferenceObject(((PDEVICE_OBJECT)Object)->DriverObject);
}

static OBJECT_TYPE IopDeviceObjectType = {"Device", 'iveD', IopDeleteDeviceObject, 0};

#define IOP_EXTENSION_OFFSET                                                                       \
    ALIGN_UP_BY(sizeof(DEVICE_OBJECT) + sizeof(EXTENDED_DEVOBJ_EXTENSION), 16)

static BOOLEAN IopIsDeviceName(PCUNICODE_STRING Name)
{
    static const WCHAR prefix[] = L"\\Device\\";
    UNICODE_STRING head = {sizeof(prefix) - sizeof(WCHAR), 0, (PWCH)Name->Buffer};
    UNICODE_STRING expected = RTL_CONSTANT_STRING(prefix);
    return Name->Length > head.Length && RtlEqualUnicodeString(&head, &expected, TRUE);
}

NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize,
                        PUNICODE_STRING DeviceName, DEVICE_TYPE DeviceType,
                        ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject)
{
    if (DeviceName != NULL && !IopIsDeviceName(DeviceName))
        return STATUS_OBJECT_NAME_INVALID; /* KeLab's namespace has only \Device */
    SIZE_T size = IOP_EXTENSION_OFFSET + (SIZE_T)DeviceExtensionSize;
    if (size > 0xFFFFFFFF) /* more than an object's ULONG size: more than there is anyway */
        return STATUS_INSUFFICIENT_RESOURCES;
    PDEVICE_OBJECT device;
    NTSTATUS status = ObCreateObject(&IopDeviceObjectType, (ULONG)size, NULL, (PVOID *)&device);
    if (!NT_SUCCESS(status))
        return status;
    PEXTENDED_DEVOBJ_EXTENSION ext = (PEXTENDED_DEVOBJ_EXTENSION)(device + 1);
    /* First, so that the delete procedure, which drops this reference,
       may run on every way out from here on. */
    device->DriverObject = DriverObject;
    ObReferenceObject(DriverObject);
    if (DeviceName != NULL && !IopSetName(&ext->Name, DeviceName)) {
        ObDereferenceObject(device);
        return STATUS_OBJECT_NAME_INVALID;
    }
    ext->Type = IO_TYPE_DEVICE_OBJECT_EXTENSION;
    ext->Size = sizeof(*ext);
    ext->DeviceObject = device;
    ext->Named = DeviceName != NULL;
    OBJECT_TO_OBJECT_HEADER(device)->Name = ext->Named ? ext->Name.Display : NULL;
    device->Type = IO_TYPE_DEVICE;
    device->Size = (USHORT)size;
    device->Flags = DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0);
    device->Characteristics = DeviceCharacteristics;
    device->DeviceExtension = DeviceExtensionSize ? (PUCHAR)device + IOP_EXTENSION_OFFSET : NULL;
    device->DeviceType = DeviceType;
    device->StackSize = 1;
    device->DeviceObjectExtension = (PDEVOBJ_EXTENSION)ext;

    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    if (ext->Named && IopFindDevice(&ext->Name.String) != NULL) {
        KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
        ObDereferenceObject(device);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    InsertTailList(&IopDeviceList, &ext->DeviceListEntry);
    device->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = device;
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    *DeviceObject = device;
    return STATUS_SUCCESS;
}

/* Takes the device off its driver's list. Database lock held. */
static VOID IopUnlinkFromDriver(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT *link = &DeviceObject->DriverObject->DeviceObject;
    while (*link != DeviceObject)
        link = &(*link)->NextDevice;
    *link = DeviceObject->NextDevice;
}

/* The device leaves the namespace at once, and its driver's list when
   nobody has it open (at once, or with its last close: until then the
   driver is in use, as requests through an open file still reach it).
   The object goes when the last reference does (an open file object, a
   device below it that it was not detached from). */
VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    PEXTENDED_DEVOBJ_EXTENSION ext = IopDeviceExtension(DeviceObject);
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    ext->DeletePending = TRUE;
    RemoveEntryList(&ext->DeviceListEntry);
    if (DeviceObject->ReferenceCount == 0)
        IopUnlinkFromDriver(DeviceObject);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    ObDereferenceObject(DeviceObject);
}

VOID IopCloseDevice(PDEVICE_OBJECT DeviceObject)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    if (--DeviceObject->ReferenceCount == 0 && IopDeviceExtension(DeviceObject)->DeletePending)
        IopUnlinkFromDriver(DeviceObject);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
}

/* The top of the stack DeviceObject is in. Database lock held. */
static PDEVICE_OBJECT IopTopOfStack(PDEVICE_OBJECT DeviceObject)
{
    while (DeviceObject->AttachedDevice != NULL)
        DeviceObject = DeviceObject->AttachedDevice;
    return DeviceObject;
}

PDEVICE_OBJECT IopLowerDevice(PDEVICE_OBJECT DeviceObject)
{
    return IopDeviceExtension(DeviceObject)->AttachedTo;
}

PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDEVICE_OBJECT lower = IopLowerDevice(DeviceObject);
    if (lower != NULL)
        ObReferenceObject(lower);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return lower;
}

PDEVICE_OBJECT IoAttachDeviceToDeviceStack(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDEVICE_OBJECT top = IopTopOfStack(TargetDevice);
    if (IopDeviceExtension(top)->DeletePending) { /* a stack being torn down */
        KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
        return NULL;
    }
    ObReferenceObject(SourceDevice); /* top->AttachedDevice's */
    ObReferenceObject(top);          /* SourceDevice's AttachedTo */
    top->AttachedDevice = SourceDevice;
    IopDeviceExtension(SourceDevice)->AttachedTo = top;
    SourceDevice->StackSize = (CCHAR)(top->StackSize + 1);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return top;
}

VOID IoDetachDevice(PDEVICE_OBJECT TargetDevice)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDEVICE_OBJECT upper = TargetDevice->AttachedDevice;
    if (upper != NULL) {
        TargetDevice->AttachedDevice = NULL;
        IopDeviceExtension(upper)->AttachedTo = NULL;
    }
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    if (upper != NULL) {
        ObDereferenceObject(upper);
        ObDereferenceObject(TargetDevice);
    }
}

PDEVICE_OBJECT IoGetAttachedDeviceReference(PDEVICE_OBJECT DeviceObject)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDEVICE_OBJECT top = IopTopOfStack(DeviceObject);
    ObReferenceObject(top);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return top;
}

/* Is the stack DeviceObject is in open anywhere? Database lock held. */
static BOOLEAN IopIsStackOpen(PDEVICE_OBJECT DeviceObject)
{
    while (IopLowerDevice(DeviceObject) != NULL)
        DeviceObject = IopLowerDevice(DeviceObject);
    for (; DeviceObject != NULL; DeviceObject = DeviceObject->AttachedDevice) {
        if (DeviceObject->ReferenceCount != 0)
            return TRUE;
    }
    return FALSE;
}

BOOLEAN IopIsDriverInUse(PDRIVER_OBJECT DriverObject)
{
    BOOLEAN inUse = FALSE;
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    for (PDEVICE_OBJECT d = DriverObject->DeviceObject; d != NULL && !inUse; d = d->NextDevice)
        inUse = (d->AttachedDevice != NULL && d->AttachedDevice->DriverObject != DriverObject) ||
                IopIsStackOpen(d);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return inUse;
}
