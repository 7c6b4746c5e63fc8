/*
 * io_device_test.c: device objects, their names and their stacks.
 *
 * IoCreateDevice and what it fills in; \Device\ names (a second device of
 * the same name, names KeLab cannot hold, a name freed by IoDeleteDevice);
 * opening a device by name (IoGetDeviceObjectPointer) and the references
 * an open holds; device stacks (IoAttachDeviceToDeviceStack,
 * IoGetAttachedDeviceReference, IoDetachDevice); a device deleted while
 * it is still open or attached, which lives on until the last reference
 * goes; and the refusal to unload a driver whose devices are in use
 * (IoDeleteDriver).
 *
 * Each test loads drivers of its own (io_testlib) and unloads them at the
 * end, which deletes their devices: the pool check after every test then
 * also checks that each device, file and driver object went away.
 */
#include "io_testlib.h"
#include "ob.h"

#define TEST_DEVICE_TYPE        0x8001     /* vendors' device types start at 0x8000 */
#define FILE_DEVICE_SECURE_OPEN 0x00000100 /* a characteristic (not in KeLab's wdm.h) */

/* ---- helpers ------------------------------------------------------------------ */

/* The pointer references on an object: who holds the device. */
static LONG_PTR References(PVOID Object)
{
    return OBJECT_TO_OBJECT_HEADER(Object)->PointerCount;
}

/* Device objects alive, all drivers' together: a deleted device is freed
   when this drops. */
static LONG LiveDevices(PDEVICE_OBJECT AnyDevice)
{
    return ObGetObjectType(AnyDevice)->ObjectCount;
}

/* The device below Device in its stack (IoGetLowerDeviceObject without
   the reference it adds: only compared). */
static PDEVICE_OBJECT LowerDevice(PDEVICE_OBJECT Device)
{
    PDEVICE_OBJECT lower = IoGetLowerDeviceObject(Device);
    if (lower != NULL)
        ObDereferenceObject(lower);
    return lower;
}

/* The longest device name the I/O manager keeps (IoCreateDevice, wdm.h). */
#define MAX_NAME 64

/* IoCreateDevice with only a name (NULL: unnamed) and the flag Exclusive. */
static NTSTATUS Create(PDRIVER_OBJECT Driver, PCWSTR Name, BOOLEAN Exclusive,
                       PDEVICE_OBJECT *Device)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, Name);
    return IoCreateDevice(Driver, 0, Name ? &name : NULL, FILE_DEVICE_UNKNOWN, 0, Exclusive,
                          Device);
}

/* IoGetDeviceObjectPointer by name. */
static NTSTATUS Open(PCWSTR Name, PFILE_OBJECT *File, PDEVICE_OBJECT *Top)
{
    UNICODE_STRING name;
    RtlInitUnicodeString(&name, Name);
    return IoGetDeviceObjectPointer(&name, 0, File, Top);
}

/* A driver of the test's own with Count ready, unnamed devices, each
   alone in its stack, in Devices[]; NULL if any of it failed. */
static PDRIVER_OBJECT LoadWithDevices(PCWSTR Name, ULONG Count, PDEVICE_OBJECT *Devices)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(Name, NULL);
    for (ULONG i = 0; i < Count && driver != NULL; i++) {
        Devices[i] = IoTestAddDevice(driver, 0, NULL, NULL);
        if (Devices[i] == NULL) {
            IoTestUnloadDriver(driver);
            driver = NULL;
        }
    }
    return driver;
}

/* Lower's device (named Name, or not) with Upper's attached on top: a
   function driver's device and a filter's. FALSE if either failed. */
static BOOLEAN AddFilteredDevice(PDRIVER_OBJECT Lower, PCWSTR Name, PDRIVER_OBJECT Upper,
                                 PDEVICE_OBJECT *Device, PDEVICE_OBJECT *Filter)
{
    *Device = IoTestAddDevice(Lower, 0, Name, NULL);
    *Filter = *Device != NULL ? IoTestAddDevice(Upper, 0, NULL, *Device) : NULL;
    return *Filter != NULL;
}

/* ---- creating devices -------------------------------------------------------- */

KTEST(io_device, create_fills_in_the_device_object)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestCreate", NULL);
    KT_ASSERT_NOT_NULL(driver);
    LONG_PTR driverReferences = References(driver);
    PDEVICE_OBJECT device = NULL;
    KT_ASSERT_EQ(
        IoCreateDevice(driver, 40, NULL, TEST_DEVICE_TYPE, FILE_DEVICE_SECURE_OPEN, FALSE, &device),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(device->Type, IO_TYPE_DEVICE);
    KT_EXPECT_GE(device->Size, sizeof(DEVICE_OBJECT) + 40);
    KT_EXPECT_EQ(device->DriverObject, driver);
    KT_EXPECT_EQ(References(driver), driverReferences + 1); /* the device holds its driver */
    KT_EXPECT_EQ(device->DeviceType, TEST_DEVICE_TYPE);
    KT_EXPECT_EQ(device->Characteristics, FILE_DEVICE_SECURE_OPEN);
    /* Not ready until its driver says so; not exclusive. */
    KT_EXPECT_EQ(device->Flags, DO_DEVICE_INITIALIZING);
    KT_EXPECT_EQ(device->StackSize, 1); /* one location: its own driver's */
    KT_EXPECT_NULL(device->AttachedDevice);
    KT_EXPECT_EQ(device->ReferenceCount, 0); /* nobody has it open */
    KT_EXPECT_EQ(References(device), 1);
    PDEVOBJ_EXTENSION extension = device->DeviceObjectExtension;
    KT_ASSERT_NOT_NULL(extension);
    KT_EXPECT_EQ(extension->Type, IO_TYPE_DEVICE_OBJECT_EXTENSION);
    KT_EXPECT_EQ(extension->DeviceObject, device);
    KT_EXPECT_NULL(LowerDevice(device));
    KT_EXPECT_EQ(driver->DeviceObject, device);
    KT_EXPECT_NULL(device->NextDevice);

    /* Exclusive is a flag; no extension is a NULL DeviceExtension. */
    PDEVICE_OBJECT exclusive = NULL;
    KT_ASSERT_EQ(Create(driver, NULL, TRUE, &exclusive), STATUS_SUCCESS);
    KT_EXPECT_EQ(exclusive->Flags, DO_DEVICE_INITIALIZING | DO_EXCLUSIVE);
    KT_EXPECT_NULL(exclusive->DeviceExtension);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, extension_is_zeroed_aligned_and_the_drivers_alone)
{
    const ULONG size = 200;
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestExtension", NULL);
    KT_ASSERT_NOT_NULL(driver);
    /* Leave a pattern in pool where the next device of this size is likely
       to be allocated: a zeroed extension is then the I/O manager's doing. */
    PDEVICE_OBJECT device = IoTestAddDevice(driver, size, NULL, NULL);
    KT_ASSERT_NOT_NULL(device);
    RtlFillMemory(device->DeviceExtension, size, 0xA5);
    IoDeleteDevice(device);

    device = IoTestAddDevice(driver, size, NULL, NULL);
    KT_ASSERT_NOT_NULL(device);
    PUCHAR extension = device->DeviceExtension;
    KT_ASSERT_NOT_NULL(extension);
    KT_EXPECT_EQ((ULONG_PTR)extension % 16, 0); /* MEMORY_ALLOCATION_ALIGNMENT on x64 */
    ULONG nonzero = 0;
    for (ULONG i = 0; i < size; i++)
        nonzero += extension[i] != 0;
    KT_EXPECT_EQ(nonzero, 0);

    /* The driver may use every byte it asked for without touching the
       device object or the I/O manager's part of it (and without running
       past the allocation: the pool check would see that at unload). */
    KT_EXPECT_GE(extension, (PUCHAR)(device + 1));
    RtlFillMemory(extension, size, 0xFF);
    KT_EXPECT_EQ(device->Type, IO_TYPE_DEVICE);
    KT_EXPECT_EQ(device->DriverObject, driver);
    KT_EXPECT_EQ(device->StackSize, 1);
    KT_EXPECT_EQ(device->DeviceObjectExtension->Type, IO_TYPE_DEVICE_OBJECT_EXTENSION);
    KT_EXPECT_EQ(device->DeviceObjectExtension->DeviceObject, device);
    KT_EXPECT_NULL(LowerDevice(device));
    IoTestUnloadDriver(driver);
}

KTEST(io_device, an_extension_larger_than_memory_is_refused)
{
    /* 4 GiB of extension cannot be had: the device must not be created
       with less than was asked for. */
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestHuge", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = NULL;
    KT_EXPECT_EQ(IoCreateDevice(driver, 0xFFFFFFF0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device),
                 STATUS_INSUFFICIENT_RESOURCES);
    KT_EXPECT_NULL(device);
    KT_EXPECT_NULL(driver->DeviceObject);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, a_drivers_devices_are_listed_newest_first)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestList", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT a = IoTestAddDevice(driver, 0, NULL, NULL);
    PDEVICE_OBJECT b = IoTestAddDevice(driver, 0, L"\\Device\\IoTestListB", NULL);
    PDEVICE_OBJECT c = IoTestAddDevice(driver, 0, NULL, NULL);
    KT_ASSERT_NOT_NULL(c);
    KT_EXPECT_EQ(driver->DeviceObject, c);
    KT_EXPECT_EQ(c->NextDevice, b);
    KT_EXPECT_EQ(b->NextDevice, a);
    KT_EXPECT_NULL(a->NextDevice);
    IoDeleteDevice(b); /* from the middle */
    KT_EXPECT_EQ(driver->DeviceObject, c);
    KT_EXPECT_EQ(c->NextDevice, a);
    IoDeleteDevice(c); /* the head */
    KT_EXPECT_EQ(driver->DeviceObject, a);
    KT_EXPECT_NULL(a->NextDevice);
    IoTestUnloadDriver(driver);
}

/* ---- names ------------------------------------------------------------------------ */

KTEST(io_device, a_second_device_of_a_name_collides)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestCollide", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT first = NULL;
    KT_ASSERT_EQ(Create(driver, L"\\Device\\IoTestTwin", FALSE, &first), STATUS_SUCCESS);
    LONG_PTR driverReferences = References(driver);
    LONG live = LiveDevices(first);
    PDEVICE_OBJECT second = NULL;
    KT_EXPECT_EQ(Create(driver, L"\\Device\\IoTestTwin", FALSE, &second),
                 STATUS_OBJECT_NAME_COLLISION);
    /* Object names are case-insensitive. */
    KT_EXPECT_EQ(Create(driver, L"\\DEVICE\\iotesttwin", FALSE, &second),
                 STATUS_OBJECT_NAME_COLLISION);
    KT_EXPECT_NULL(second);
    /* The refused ones left nothing behind. */
    KT_EXPECT_EQ(driver->DeviceObject, first);
    KT_EXPECT_NULL(first->NextDevice);
    KT_EXPECT_EQ(References(driver), driverReferences);
    KT_EXPECT_EQ(LiveDevices(first), live);
    /* Unnamed devices never collide. */
    KT_EXPECT_EQ(Create(driver, NULL, FALSE, &second), STATUS_SUCCESS);
    KT_EXPECT_EQ(Create(driver, NULL, FALSE, &second), STATUS_SUCCESS);
    IoTestUnloadDriver(driver);
}

/* A name of Length characters: \Device\ and then as many 'x' as it takes. */
static VOID LongName(PUNICODE_STRING Name, PWCH Buffer, ULONG Length)
{
    static const WCHAR prefix[] = L"\\Device\\";
    for (ULONG i = 0; i < Length; i++)
        Buffer[i] = i < ARRAYSIZE(prefix) - 1 ? prefix[i] : L'x';
    Name->Buffer = Buffer;
    Name->Length = Name->MaximumLength = (USHORT)(Length * sizeof(WCHAR));
}

KTEST(io_device, names_it_cannot_hold_are_refused_cleanly)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestNames", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT keeper = IoTestAddDevice(driver, 0, NULL, NULL); /* to count devices by */
    KT_ASSERT_NOT_NULL(keeper);
    LONG_PTR driverReferences = References(driver);
    LONG live = LiveDevices(keeper);

    /* KeLab's namespace is \Device and nothing else. */
    static const PCWSTR outside[] = {L"IoTestRelative", L"\\Driver\\IoTestNotADevice", L"\\Device",
                                     L"\\Device\\", L""};
    for (ULONG i = 0; i < ARRAYSIZE(outside); i++) {
        PDEVICE_OBJECT device = NULL;
        KT_EXPECT_EQ(Create(driver, outside[i], FALSE, &device), STATUS_OBJECT_NAME_INVALID);
        KT_EXPECT_NULL(device);
    }

    /* A name one character longer than the I/O manager keeps. */
    WCHAR buffer[MAX_NAME + 1];
    UNICODE_STRING name;
    LongName(&name, buffer, MAX_NAME + 1);
    PDEVICE_OBJECT device = NULL;
    KT_EXPECT_EQ(IoCreateDevice(driver, 16, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device),
                 STATUS_OBJECT_NAME_INVALID);
    KT_EXPECT_NULL(device);
    KT_EXPECT_EQ(driver->DeviceObject, keeper);
    KT_EXPECT_EQ(References(driver), driverReferences);
    KT_EXPECT_EQ(LiveDevices(keeper), live);

    /* The longest it keeps works, and is found again by that name. */
    LongName(&name, buffer, MAX_NAME);
    KT_ASSERT_EQ(IoCreateDevice(driver, 0, &name, FILE_DEVICE_UNKNOWN, 0, FALSE, &device),
                 STATUS_SUCCESS);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KT_EXPECT_EQ(IoGetDeviceObjectPointer(&name, 0, &file, &top), STATUS_SUCCESS);
    KT_EXPECT_EQ(top, device);
    if (file != NULL)
        ObDereferenceObject(file);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, a_deleted_devices_name_can_be_used_again)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestReuse", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT old = IoTestAddDevice(driver, 0, L"\\Device\\IoTestReused", NULL);
    KT_ASSERT_NOT_NULL(old);
    LONG live = LiveDevices(old);
    IoDeleteDevice(old);
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KT_EXPECT_EQ(Open(L"\\Device\\IoTestReused", &file, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    PDEVICE_OBJECT reborn = IoTestAddDevice(driver, 0, L"\\Device\\IoTestReused", NULL);
    KT_ASSERT_NOT_NULL(reborn);
    KT_EXPECT_EQ(LiveDevices(reborn), live); /* the old one was freed at once */
    file = IoTestOpen(L"\\Device\\IoTestReused", &top);
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_EQ(file->DeviceObject, reborn);
    ObDereferenceObject(file);
    IoTestUnloadDriver(driver);
}

/* ---- opening by name ------------------------------------------------------------- */

KTEST(io_device, open_returns_the_top_of_the_stack_and_a_file_object)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestOpen", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT bottom, filter;
    KT_ASSERT_TRUE(AddFilteredDevice(driver, L"\\Device\\IoTestOpened", driver, &bottom, &filter));
    LONG_PTR bottomReferences = References(bottom), filterReferences = References(filter);

    PDEVICE_OBJECT top = NULL;
    PFILE_OBJECT file = IoTestOpen(L"\\device\\IOTESTOPENED", &top); /* any case */
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_EQ(top, filter); /* requests enter at the top, so the filter sees them */
    KT_EXPECT_EQ(file->Type, IO_TYPE_FILE);
    KT_EXPECT_EQ(file->DeviceObject, bottom); /* the file is on the device named */
    KT_EXPECT_EQ(References(file), 1);        /* the caller's */
    /* The open is counted on the named device, and its file object holds
       a reference to it; the top is not referenced separately (as on
       Windows: the open keeps the whole stack). */
    KT_EXPECT_EQ(bottom->ReferenceCount, 1);
    KT_EXPECT_EQ(filter->ReferenceCount, 0);
    KT_EXPECT_EQ(References(bottom), bottomReferences + 1);
    KT_EXPECT_EQ(References(filter), filterReferences);

    /* A second open is a second file object. */
    PFILE_OBJECT again = IoTestOpen(L"\\Device\\IoTestOpened", &top);
    KT_ASSERT_NOT_NULL(again);
    KT_EXPECT_NE(again, file);
    KT_EXPECT_EQ(bottom->ReferenceCount, 2);
    ObDereferenceObject(again);
    ObDereferenceObject(file);
    KT_EXPECT_EQ(bottom->ReferenceCount, 0);
    KT_EXPECT_EQ(References(bottom), bottomReferences);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, open_of_a_name_nobody_has_is_name_not_found)
{
    PFILE_OBJECT file = (PFILE_OBJECT)1;
    PDEVICE_OBJECT top = (PDEVICE_OBJECT)1;
    KT_EXPECT_EQ(Open(L"\\Device\\IoTestNobody", &file, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    KT_EXPECT_EQ(file, (PFILE_OBJECT)1); /* untouched */
    KT_EXPECT_EQ(top, (PDEVICE_OBJECT)1);
    /* Names are matched whole: a prefix of an existing name is not it. */
    KT_EXPECT_EQ(Open(L"\\Device\\Timer", &file, &top), STATUS_OBJECT_NAME_NOT_FOUND);
}

KTEST(io_device, a_device_still_initializing_cannot_be_opened)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestInit", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = NULL;
    KT_ASSERT_EQ(Create(driver, L"\\Device\\IoTestUnready", FALSE, &device), STATUS_SUCCESS);
    PFILE_OBJECT file = NULL;
    PDEVICE_OBJECT top = NULL;
    KT_EXPECT_EQ(Open(L"\\Device\\IoTestUnready", &file, &top), STATUS_NO_SUCH_DEVICE);
    KT_EXPECT_EQ(device->ReferenceCount, 0);
    device->Flags &= ~DO_DEVICE_INITIALIZING; /* what AddDevice does last */
    file = IoTestOpen(L"\\Device\\IoTestUnready", &top);
    KT_ASSERT_NOT_NULL(file);
    ObDereferenceObject(file);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, an_exclusive_device_is_open_once_at_a_time)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestExclusive", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = NULL;
    KT_ASSERT_EQ(Create(driver, L"\\Device\\IoTestMine", TRUE, &device), STATUS_SUCCESS);
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    PDEVICE_OBJECT top = NULL;
    PFILE_OBJECT file = IoTestOpen(L"\\Device\\IoTestMine", &top), second = NULL;
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_EQ(Open(L"\\Device\\IoTestMine", &second, &top), STATUS_ACCESS_DENIED);
    KT_EXPECT_NULL(second);
    KT_EXPECT_EQ(device->ReferenceCount, 1);
    ObDereferenceObject(file);
    second = IoTestOpen(L"\\Device\\IoTestMine", &top); /* closed, it opens again */
    KT_ASSERT_NOT_NULL(second);
    ObDereferenceObject(second);
    IoTestUnloadDriver(driver);
}

/* ---- stacks -------------------------------------------------------------------------- */

KTEST(io_device, attach_puts_the_device_on_top_of_the_stack)
{
    PDEVICE_OBJECT d[3];
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestAttach", 3, d);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT bottom = d[0], middle = d[1], top = d[2];
    LONG_PTR bottomReferences = References(bottom), middleReferences = References(middle);
    LONG_PTR topReferences = References(top);

    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(middle, bottom), bottom);
    KT_EXPECT_EQ(bottom->AttachedDevice, middle);
    KT_EXPECT_EQ(LowerDevice(middle), bottom);
    KT_EXPECT_EQ(middle->StackSize, 2);
    /* Aimed at the bottom, it lands on the top of the stack, which it
       returns: the device to pass requests to. */
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(top, bottom), middle);
    KT_EXPECT_EQ(bottom->AttachedDevice, middle);
    KT_EXPECT_EQ(middle->AttachedDevice, top);
    KT_EXPECT_NULL(top->AttachedDevice);
    KT_EXPECT_EQ(LowerDevice(top), middle);
    KT_EXPECT_NULL(LowerDevice(bottom));
    KT_EXPECT_EQ(top->StackSize, 3);
    KT_EXPECT_EQ(bottom->StackSize, 1);
    /* Each link holds a reference both ways, so that neither device is
       freed under the other while they are attached. */
    KT_EXPECT_EQ(References(bottom), bottomReferences + 1);
    KT_EXPECT_EQ(References(middle), middleReferences + 2);
    KT_EXPECT_EQ(References(top), topReferences + 1);
    /* IoGetLowerDeviceObject's answer comes with a reference of its own. */
    PDEVICE_OBJECT lower = IoGetLowerDeviceObject(top);
    KT_EXPECT_EQ(lower, middle);
    KT_EXPECT_EQ(References(middle), middleReferences + 3);
    ObDereferenceObject(lower);
    KT_EXPECT_EQ(References(middle), middleReferences + 2);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, attach_over_a_taller_stack_takes_its_stack_size)
{
    /* The stack size is the device below's plus one, whatever the new
       device had: a driver that set it higher gets it overwritten. */
    PDEVICE_OBJECT d[2];
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestStackSize", 2, d);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT bottom = d[0], upper = d[1];
    bottom->StackSize = 5; /* a bottom driver that calls further drivers itself */
    upper->StackSize = 9;
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(upper, bottom), bottom);
    KT_EXPECT_EQ(upper->StackSize, 6);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, attach_leaves_the_buffering_flags_to_the_filter)
{
    /* NT's attach copies the stack size (and alignment) but not
       DO_BUFFERED_IO / DO_DIRECT_IO: a filter copies those from the device
       it lands on itself, as drivers/timerfilt does, and may choose
       otherwise. Nor does it touch the filter's other flags. */
    PDEVICE_OBJECT d[2];
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestFlags", 2, d);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT direct = d[0], filter = d[1];
    direct->Flags |= DO_DIRECT_IO | DO_EXCLUSIVE;
    filter->Flags |= DO_BUFFERED_IO;
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(filter, direct), direct);
    KT_EXPECT_EQ(filter->Flags, DO_BUFFERED_IO);
    KT_EXPECT_EQ(direct->Flags, DO_DIRECT_IO | DO_EXCLUSIVE);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, attached_device_reference_is_the_top_referenced)
{
    PDEVICE_OBJECT bottom;
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestTop", 1, &bottom);
    KT_ASSERT_NOT_NULL(driver);
    LONG_PTR bottomReferences = References(bottom);
    PDEVICE_OBJECT alone = IoGetAttachedDeviceReference(bottom); /* a stack of one */
    KT_EXPECT_EQ(alone, bottom);
    KT_EXPECT_EQ(References(bottom), bottomReferences + 1);
    ObDereferenceObject(alone);

    PDEVICE_OBJECT middle = IoTestAddDevice(driver, 0, NULL, bottom);
    PDEVICE_OBJECT top = IoTestAddDevice(driver, 0, NULL, bottom);
    KT_ASSERT_NOT_NULL(top);
    LONG_PTR topReferences = References(top), middleReferences = References(middle);
    PDEVICE_OBJECT found = IoGetAttachedDeviceReference(middle); /* from anywhere in it */
    KT_EXPECT_EQ(found, top);
    KT_EXPECT_EQ(References(top), topReferences + 1);
    KT_EXPECT_EQ(References(middle), middleReferences);
    ObDereferenceObject(found);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, detach_unlinks_and_drops_the_references)
{
    PDEVICE_OBJECT d[3];
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestDetach", 3, d);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT bottom = d[0], filter = d[1], other = d[2];
    LONG_PTR bottomReferences = References(bottom), filterReferences = References(filter);
    KT_ASSERT_EQ(IoAttachDeviceToDeviceStack(filter, bottom), bottom);
    IoDetachDevice(bottom); /* called with the device below, as NT's */
    KT_EXPECT_NULL(bottom->AttachedDevice);
    KT_EXPECT_NULL(LowerDevice(filter));
    KT_EXPECT_EQ(References(bottom), bottomReferences);
    KT_EXPECT_EQ(References(filter), filterReferences);
    KT_EXPECT_EQ(IoGetAttachedDeviceReference(bottom), bottom);
    ObDereferenceObject(bottom);
    /* Detached, it can go on top of another stack. */
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(filter, other), other);
    IoTestUnloadDriver(driver);
}

/* ---- deleting devices that are still in use --------------------------------- */

KTEST(io_device, a_device_deleted_while_open_lives_until_closed)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestDeleteOpen", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = IoTestAddDevice(driver, 16, L"\\Device\\IoTestDoomed", NULL);
    KT_ASSERT_NOT_NULL(device);
    PDEVICE_OBJECT top = NULL;
    PFILE_OBJECT file = IoTestOpen(L"\\Device\\IoTestDoomed", &top);
    KT_ASSERT_NOT_NULL(file);
    LONG live = LiveDevices(device);

    IoDeleteDevice(device);
    /* The name goes at once: nobody opens it again, and another device
       may take it. The object stays, for the file object that has it. */
    KT_EXPECT_EQ(LiveDevices(device), live);
    KT_EXPECT_EQ(device->ReferenceCount, 1);
    KT_EXPECT_EQ(file->DeviceObject, device);
    PFILE_OBJECT other = NULL;
    KT_EXPECT_EQ(Open(L"\\Device\\IoTestDoomed", &other, &top), STATUS_OBJECT_NAME_NOT_FOUND);
    PDEVICE_OBJECT heir = IoTestAddDevice(driver, 0, L"\\Device\\IoTestDoomed", NULL);
    KT_ASSERT_NOT_NULL(heir);
    KT_EXPECT_EQ(LiveDevices(device), live + 1);
    /* Still open, it is still its driver's (as on Windows, where it leaves
       the driver's list with its last open). */
    KT_EXPECT_EQ(driver->DeviceObject, heir);
    KT_EXPECT_EQ(heir->NextDevice, device);

    ObDereferenceObject(file); /* the last reference: now it goes */
    KT_EXPECT_EQ(LiveDevices(heir), live);
    KT_EXPECT_EQ(driver->DeviceObject, heir);
    KT_EXPECT_NULL(heir->NextDevice);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, a_device_deleted_while_attached_lives_until_detached)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestDeleteStack", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT bottom, filter;
    KT_ASSERT_TRUE(AddFilteredDevice(driver, NULL, driver, &bottom, &filter));
    LONG live = LiveDevices(bottom);

    /* The filter is deleted first but still attached: the bottom's
       AttachedDevice keeps it, and a stack whose top is being deleted
       takes no new device. */
    IoDeleteDevice(filter);
    KT_EXPECT_EQ(LiveDevices(bottom), live);
    KT_EXPECT_EQ(bottom->AttachedDevice, filter);
    KT_EXPECT_EQ(driver->DeviceObject, bottom); /* it left its driver's list */
    PDEVICE_OBJECT late = IoTestAddDevice(driver, 0, NULL, NULL);
    KT_ASSERT_NOT_NULL(late);
    LONG_PTR lateReferences = References(late);
    KT_EXPECT_NULL(IoAttachDeviceToDeviceStack(late, bottom));
    KT_EXPECT_EQ(References(late), lateReferences);
    KT_EXPECT_EQ(late->StackSize, 1);
    KT_EXPECT_NULL(LowerDevice(late));

    IoDetachDevice(bottom);                  /* drops the last reference to the filter */
    KT_EXPECT_EQ(LiveDevices(bottom), live); /* the late one in, the filter out */
    KT_EXPECT_NULL(bottom->AttachedDevice);
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(late, bottom), bottom);
    IoTestUnloadDriver(driver);
}

/* ---- unloading a driver that is in use ----------------------------------------- */

KTEST(io_device, unload_is_refused_while_a_device_is_open)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestBusy", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device, filter, top;
    KT_ASSERT_TRUE(AddFilteredDevice(driver, L"\\Device\\IoTestBusy", driver, &device, &filter));
    PFILE_OBJECT file = IoTestOpen(L"\\Device\\IoTestBusy", &top);
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_EQ(IoDeleteDriver(driver), STATUS_INVALID_DEVICE_STATE);
    /* DriverUnload did not run: its devices are all there. */
    KT_EXPECT_EQ(driver->DeviceObject, filter);
    KT_EXPECT_EQ(filter->NextDevice, device);
    KT_EXPECT_EQ(device->AttachedDevice, filter);
    ObDereferenceObject(file);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, unload_is_refused_while_another_drivers_device_is_attached)
{
    PDRIVER_OBJECT lower = IoTestLoadDriver(L"\\Driver\\IoTestLower", NULL);
    PDRIVER_OBJECT upper = IoTestLoadDriver(L"\\Driver\\IoTestUpper", NULL);
    KT_ASSERT_NOT_NULL(lower);
    KT_ASSERT_NOT_NULL(upper);
    PDEVICE_OBJECT device, filter;
    KT_ASSERT_TRUE(AddFilteredDevice(lower, NULL, upper, &device, &filter));
    KT_EXPECT_EQ(IoDeleteDriver(lower), STATUS_INVALID_DEVICE_STATE); /* filters first */
    KT_EXPECT_EQ(lower->DeviceObject, device);
    KT_EXPECT_EQ(device->AttachedDevice, filter);
    IoTestUnloadDriver(upper); /* detaches its device */
    KT_EXPECT_NULL(device->AttachedDevice);
    IoTestUnloadDriver(lower);
}

KTEST(io_device, a_filter_is_not_unloaded_while_the_stack_below_is_open)
{
    PDRIVER_OBJECT lower = IoTestLoadDriver(L"\\Driver\\IoTestOpenBelow", NULL);
    PDRIVER_OBJECT upper = IoTestLoadDriver(L"\\Driver\\IoTestFilterAbove", NULL);
    KT_ASSERT_NOT_NULL(lower);
    KT_ASSERT_NOT_NULL(upper);
    PDEVICE_OBJECT device, filter, top;
    KT_ASSERT_TRUE(AddFilteredDevice(lower, L"\\Device\\IoTestOpenBelow", upper, &device, &filter));
    PFILE_OBJECT file = IoTestOpen(L"\\Device\\IoTestOpenBelow", &top);
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_EQ(top, filter); /* requests through the open go through the filter */
    KT_EXPECT_EQ(IoDeleteDriver(upper), STATUS_INVALID_DEVICE_STATE);
    KT_EXPECT_EQ(upper->DeviceObject, filter);
    ObDereferenceObject(file);
    IoTestUnloadDriver(upper);
    IoTestUnloadDriver(lower);
}

KTEST(io_device, unload_is_refused_while_a_deleted_device_is_still_open)
{
    /* The driver deleted its device (as on a surprise removal) but a file
       object still has it, and requests through that file still reach the
       driver's dispatch routines: it is still in use. */
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestGone", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = IoTestAddDevice(driver, 0, L"\\Device\\IoTestGone", NULL);
    KT_ASSERT_NOT_NULL(device);
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpen(L"\\Device\\IoTestGone", &top);
    KT_ASSERT_NOT_NULL(file);
    IoDeleteDevice(device);
    KT_EXPECT_EQ(IoDeleteDriver(driver), STATUS_INVALID_DEVICE_STATE);
    ObDereferenceObject(file);
    KT_EXPECT_NULL(driver->DeviceObject);
    IoTestUnloadDriver(driver);
}

KTEST(io_device, unload_without_an_unload_routine_is_refused)
{
    PDEVICE_OBJECT device;
    PDRIVER_OBJECT driver = LoadWithDevices(L"\\Driver\\IoTestForever", 1, &device);
    KT_ASSERT_NOT_NULL(driver);
    PDRIVER_UNLOAD unload = driver->DriverUnload;
    driver->DriverUnload = NULL; /* a driver that cannot be unloaded */
    KT_EXPECT_EQ(IoDeleteDriver(driver), STATUS_INVALID_DEVICE_REQUEST);
    KT_EXPECT_EQ(driver->DeviceObject, device);
    driver->DriverUnload = unload;
    IoTestUnloadDriver(driver);
}

/* ---- an open racing a delete ------------------------------------------------------- */

#define CHURN_ROUNDS 1000

typedef struct _CHURN {
    PDRIVER_OBJECT Driver;
    volatile BOOLEAN Done;
    LONG Opened, Refused; /* the opener's */
} CHURN;

/* Creates and deletes \Device\IoTestChurn, over and over. */
static VOID Churner(PVOID Context)
{
    CHURN *churn = Context;
    for (ULONG i = 0; i < CHURN_ROUNDS; i++) {
        PDEVICE_OBJECT device = IoTestAddDevice(churn->Driver, 0, L"\\Device\\IoTestChurn", NULL);
        if (device == NULL)
            break;
        IoDeleteDevice(device);
    }
    churn->Done = TRUE;
}

/* Opens it whenever it is there. A device found by name but not opened
   was still initializing, or deleted in between. */
static VOID Opener(PVOID Context)
{
    CHURN *churn = Context;
    while (!churn->Done) {
        PFILE_OBJECT file;
        PDEVICE_OBJECT top;
        NTSTATUS status = Open(L"\\Device\\IoTestChurn", &file, &top);
        if (NT_SUCCESS(status)) {
            churn->Opened++;
            ObDereferenceObject(file);
        } else if (status == STATUS_NO_SUCH_DEVICE) {
            churn->Refused++;
        } else {
            KT_EXPECT_EQ(status, STATUS_OBJECT_NAME_NOT_FOUND);
        }
    }
}

KTEST(io_device, an_open_racing_a_delete_gets_the_device_or_nothing)
{
    /* The open finds the device by name and then opens it, and a delete
       can come in between: the open must then fail, not open a device
       that has left its driver (whose unload then would not wait for it). */
    CHURN churn = {.Driver = IoTestLoadDriver(L"\\Driver\\IoTestChurn", NULL)};
    KT_ASSERT_NOT_NULL(churn.Driver);
    KAFFINITY last = (KAFFINITY)1 << (KeNumberProcessors - 1);
    PKTHREAD opener = KtStartThread(Opener, &churn, 0, last);
    PKTHREAD churner = KtStartThread(Churner, &churn, 0, 1);
    KT_ASSERT_NOT_NULL(opener);
    KT_ASSERT_NOT_NULL(churner);
    KT_EXPECT_TRUE(KtJoinThread(churner, 20000));
    KT_EXPECT_TRUE(KtJoinThread(opener, 20000));
    KtLog("%d opens, %d refused", churn.Opened, churn.Refused);
    KT_EXPECT_NULL(churn.Driver->DeviceObject); /* every device left, with its last open */
    IoTestUnloadDriver(churn.Driver);
}
