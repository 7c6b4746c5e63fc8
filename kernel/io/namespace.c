/*
 * namespace.c: names, and opening a device by its name.
 *
 * NT keeps every named object in one tree (\Device\Timer0,
 * \Driver\TimerDev, \GLOBAL??\COM1...). KeLab keeps two flat lists, the
 * drivers (driver.c) and the devices (device.c), and looks a name up by
 * walking them: there are a handful of each.
 *
 * IoGetDeviceObjectPointer is how one driver finds another's device: it
 * opens the named device (a file object on it, which keeps it open) and
 * returns the top of its stack, where requests for it must enter so that
 * every filter sees them. NT's open also sends IRP_MJ_CREATE down the
 * stack (and IRP_MJ_CLEANUP, IRP_MJ_CLOSE when the file object goes);
 * KeLab has no files, so its open is only the reference.
 */
#include "iop.h"
#include "ob.h"

BOOLEAN IopSetName(IOP_NAME *Name, PCUNICODE_STRING Source)
{
    ULONG length = Source->Length / sizeof(WCHAR);
    if (length > IOP_MAX_NAME)
        return FALSE;
    for (ULONG i = 0; i < length; i++) {
        WCHAR c = Source->Buffer[i];
        Name->Buffer[i] = c;
        Name->Display[i] = c >= 0x20 && c < 0x7F ? (CHAR)c : '?';
    }
    Name->Display[length] = 0;
    Name->String.Buffer = Name->Buffer;
    Name->String.Length = (USHORT)(length * sizeof(WCHAR));
    Name->String.MaximumLength = sizeof(Name->Buffer);
    return TRUE;
}

PDEVICE_OBJECT IopFindDevice(PCUNICODE_STRING Name)
{
    for (PLIST_ENTRY e = IopDeviceList.Flink; e != &IopDeviceList; e = e->Flink) {
        PEXTENDED_DEVOBJ_EXTENSION ext =
            CONTAINING_RECORD(e, EXTENDED_DEVOBJ_EXTENSION, DeviceListEntry);
        if (ext->Named && RtlEqualUnicodeString(&ext->Name.String, Name, TRUE))
            return ext->DeviceObject;
    }
    return NULL;
}

PDEVICE_OBJECT IopReferenceDeviceByName(PCUNICODE_STRING Name)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    PDEVICE_OBJECT found = IopFindDevice(Name);
    if (found != NULL)
        ObReferenceObject(found);
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    return found;
}

/* The last reference to a file object closes the device (if it was
   opened: a refused open leaves DeviceObject NULL). */
static VOID IopDeleteFileObject(PVOID Object)
{
    PDEVICE_OBJECT device = ((PFILE_OBJECT)Object)->DeviceObject;
    if (device == NULL)
        return;
    IopCloseDevice(device);
    ObDereferenceObject(device);
}

static OBJECT_TYPE IopFileObjectType = {"File", 'eliF', IopDeleteFileObject, 0};

/* Opens Device (whose reference passes to the file object). */
static NTSTATUS IopOpenDevice(PDEVICE_OBJECT Device, PFILE_OBJECT *FileObject)
{
    PFILE_OBJECT file;
    NTSTATUS status = ObCreateObject(&IopFileObjectType, sizeof(FILE_OBJECT),
                                     IopDeviceExtension(Device)->Name.Display, (PVOID *)&file);
    if (!NT_SUCCESS(status))
        return status;
    file->Type = IO_TYPE_FILE;
    file->Size = sizeof(FILE_OBJECT);
    KIRQL oldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &oldIrql);
    if (Device->Flags & DO_DEVICE_INITIALIZING) /* its driver is not done setting it up */
        status = STATUS_NO_SUCH_DEVICE;
    else if (IopDeviceExtension(Device)->DeletePending) /* deleted since it was found */
        status = STATUS_NO_SUCH_DEVICE;
    else if ((Device->Flags & DO_EXCLUSIVE) && Device->ReferenceCount != 0)
        status = STATUS_ACCESS_DENIED;
    else
        Device->ReferenceCount++;
    KeReleaseSpinLock(&IopDatabaseLock, oldIrql);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(file);
        return status;
    }
    file->DeviceObject = Device;
    *FileObject = file;
    return STATUS_SUCCESS;
}

PAGEABLE_CODE NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName,
                                                ACCESS_MASK DesiredAccess, PFILE_OBJECT *FileObject,
                                                PDEVICE_OBJECT *DeviceObject)
{
    PAGED_CODE();
    UNREFERENCED_PARAMETER(DesiredAccess); /* no security descriptors */
    PDEVICE_OBJECT device = IopReferenceDeviceByName(ObjectName);
    if (device == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    PFILE_OBJECT file;
    NTSTATUS status = IopOpenDevice(device, &file);
    if (!NT_SUCCESS(status)) {
        ObDereferenceObject(device);
        return status;
    }
    /* The top is not referenced separately, as on Windows: it is valid
       while the file object keeps the stack open. */
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(device);
    ObDereferenceObject(top);
    *FileObject = file;
    *DeviceObject = top;
    return STATUS_SUCCESS;
}
