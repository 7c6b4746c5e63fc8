/*
 * nt_object_test.c: handles and access rights as the WDK documents them,
 * for every type of object KeLab has: threads, files, devices, drivers.
 *
 * A handle is created with the access its creator asked for, generic
 * rights (GENERIC_READ, _WRITE, _EXECUTE, _ALL) mapped through the object
 * type's GENERIC_MAPPING, MAXIMUM_ALLOWED granted as GENERIC_ALL to
 * kernel mode, and anything outside the type's valid rights dropped.
 * ObReferenceObjectByHandle checks the handle (STATUS_INVALID_HANDLE), the
 * type (STATUS_OBJECT_TYPE_MISMATCH), and, for UserMode only, the access
 * (STATUS_ACCESS_DENIED); a kernel handle (OBJ_KERNEL_HANDLE) does not
 * exist for UserMode. It reports the granted access in
 * OBJECT_HANDLE_INFORMATION.
 */
#include "ntconf.h"
#include "ntddtimer.h"

/* NT's mappings (the WDK's wdm.h names these rights). */
static const GENERIC_MAPPING ThreadMapping = {
    STANDARD_RIGHTS_READ | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION,
    STANDARD_RIGHTS_WRITE | THREAD_TERMINATE | THREAD_SUSPEND_RESUME | THREAD_ALERT |
        THREAD_SET_INFORMATION | THREAD_SET_CONTEXT | THREAD_SET_LIMITED_INFORMATION,
    STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION | THREAD_RESUME,
    THREAD_ALL_ACCESS,
};
static const GENERIC_MAPPING FileMapping = {FILE_GENERIC_READ, FILE_GENERIC_WRITE,
                                            FILE_GENERIC_EXECUTE, FILE_ALL_ACCESS};

static const ACCESS_MASK Generic[4] = {GENERIC_READ, GENERIC_WRITE, GENERIC_EXECUTE, GENERIC_ALL};

static ACCESS_MASK Mapped(const GENERIC_MAPPING *Mapping, ULONG Which)
{
    const ACCESS_MASK rights[4] = {Mapping->GenericRead, Mapping->GenericWrite,
                                   Mapping->GenericExecute, Mapping->GenericAll};
    return rights[Which];
}

/* References Handle as asked and, if that worked, drops the reference
   again: what a reference says (its status, the object, the handle's
   information) without changing the object's count. */
static NTSTATUS TryReference(HANDLE Handle, ACCESS_MASK Access, POBJECT_TYPE Type,
                             KPROCESSOR_MODE Mode, PVOID *Object,
                             POBJECT_HANDLE_INFORMATION Information)
{
    PVOID object = NULL;
    NTSTATUS status = ObReferenceObjectByHandle(Handle, Access, Type, Mode, &object, Information);
    if (status == STATUS_SUCCESS)
        ObDereferenceObject(object);
    if (Object != NULL)
        *Object = object;
    return status;
}

/* The access a new kernel handle to Object, asked for with Desired, was
   granted; 0xFFFFFFFF if no handle could be made or referenced. */
static ACCESS_MASK GrantedFor(PVOID Object, POBJECT_TYPE Type, ACCESS_MASK Desired)
{
    HANDLE handle;
    OBJECT_HANDLE_INFORMATION information = {0};
    if (ObOpenObjectByPointer(Object, OBJ_KERNEL_HANDLE, NULL, Desired, Type, KernelMode,
                              &handle) != STATUS_SUCCESS)
        return 0xFFFFFFFF;
    NTSTATUS status = TryReference(handle, 0, Type, KernelMode, NULL, &information);
    ZwClose(handle);
    return status == STATUS_SUCCESS ? information.GrantedAccess : 0xFFFFFFFF;
}

/* Every generic right, alone and with a specific one, maps as Mapping
   says; MAXIMUM_ALLOWED is all of GenericAll; rights the type does not
   have are not granted. */
static VOID ExpectMapping(PVOID Object, POBJECT_TYPE Type, const GENERIC_MAPPING *Mapping,
                          ACCESS_MASK ValidAccess, PCSTR File, ULONG Line)
{
    for (ULONG g = 0; g < 4; g++) {
        KtCheck(KtEq, GrantedFor(Object, Type, Generic[g]), Mapped(Mapping, g),
                "granted for a generic right", "the type's mapping", File, Line);
        KtCheck(KtEq, GrantedFor(Object, Type, Generic[g] | SYNCHRONIZE),
                Mapped(Mapping, g) | SYNCHRONIZE, "granted for generic | SYNCHRONIZE",
                "mapping | SYNCHRONIZE", File, Line);
    }
    KtCheck(KtEq, GrantedFor(Object, Type, MAXIMUM_ALLOWED), Mapping->GenericAll,
            "granted for MAXIMUM_ALLOWED", "GenericAll", File, Line);
    KtCheck(KtEq, GrantedFor(Object, Type, 0), 0, "granted for nothing", "0", File, Line);
    KtCheck(KtEq, GrantedFor(Object, Type, SPECIFIC_RIGHTS_ALL | STANDARD_RIGHTS_ALL), ValidAccess,
            "granted for every specific and standard right", "the valid rights", File, Line);
}
#define EXPECT_MAPPING(object, type, mapping, valid)                                               \
    ExpectMapping((object), (type), (mapping), (valid), __FILE__, __LINE__)

/* A thread that waits until the test lets it end. */
typedef struct _LIVE_THREAD {
    KEVENT End;
    HANDLE Handle;
    PVOID Object;
} LIVE_THREAD;

static VOID WaitForTheEnd(PVOID Context)
{
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, &timeout);
}

static VOID EndLiveThread(LIVE_THREAD *T)
{
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    KeSetEvent(&T->End, IO_NO_INCREMENT, FALSE);
    if (T->Object != NULL) {
        KT_EXPECT_EQ(KeWaitForSingleObject(T->Object, Executive, KernelMode, FALSE, &timeout),
                     STATUS_SUCCESS);
        ObDereferenceObject(T->Object);
    }
    KT_EXPECT_EQ(ZwClose(T->Handle), STATUS_SUCCESS);
}

/* Creates the thread with Access and Attributes for its handle, and
   references its object (asking for no access: that is always allowed).
   On failure nothing is left running. */
static NTSTATUS StartLiveThread(LIVE_THREAD *T, ACCESS_MASK Access, ULONG Attributes)
{
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, NULL, Attributes, NULL, NULL);
    KeInitializeEvent(&T->End, NotificationEvent, FALSE);
    NTSTATUS status =
        PsCreateSystemThread(&T->Handle, Access, &attributes, NULL, NULL, WaitForTheEnd, &T->End);
    if (status != STATUS_SUCCESS)
        return status;
    status = ObReferenceObjectByHandle(T->Handle, 0, *PsThreadType, KernelMode, &T->Object, NULL);
    if (status != STATUS_SUCCESS) {
        T->Object = NULL;
        EndLiveThread(T);
    }
    return status;
}

KTEST(nt_object, a_thread_created_with_generic_all_is_referenced_for_synchronize)
{
    LIVE_THREAD t = {0};
    PVOID object;
    OBJECT_HANDLE_INFORMATION information = {0};
    KT_ASSERT_EQ(StartLiveThread(&t, GENERIC_ALL, OBJ_KERNEL_HANDLE), STATUS_SUCCESS);
    KT_EXPECT_EQ(
        TryReference(t.Handle, SYNCHRONIZE, *PsThreadType, KernelMode, &object, &information),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(information.GrantedAccess, THREAD_ALL_ACCESS); /* GENERIC_ALL, mapped */
    KT_EXPECT_EQ(object, t.Object);
    EndLiveThread(&t);
}

KTEST(nt_object, thread_handles_map_generic_rights_through_the_thread_mapping)
{
    LIVE_THREAD t = {0};
    KT_ASSERT_EQ(StartLiveThread(&t, SYNCHRONIZE, OBJ_KERNEL_HANDLE), STATUS_SUCCESS);
    EXPECT_MAPPING(t.Object, *PsThreadType, &ThreadMapping, THREAD_ALL_ACCESS);
    EndLiveThread(&t);
}

KTEST(nt_object, file_device_and_driver_handles_map_through_the_file_mapping)
{
    UNICODE_STRING name;
    PFILE_OBJECT file;
    PDEVICE_OBJECT top;
    const GENERIC_MAPPING *mapping = IoGetFileObjectGenericMapping();
    KT_EXPECT_EQ(mapping->GenericRead, FileMapping.GenericRead);
    KT_EXPECT_EQ(mapping->GenericWrite, FileMapping.GenericWrite);
    KT_EXPECT_EQ(mapping->GenericExecute, FileMapping.GenericExecute);
    KT_EXPECT_EQ(mapping->GenericAll, FileMapping.GenericAll);
    RtlInitUnicodeString(&name, TIMER_DEVICE_NAME);
    KT_ASSERT_EQ(IoGetDeviceObjectPointer(&name, FILE_READ_DATA, &file, &top), STATUS_SUCCESS);
    EXPECT_MAPPING(file, *IoFileObjectType, &FileMapping, FILE_ALL_ACCESS);
    EXPECT_MAPPING(top, *IoDeviceObjectType, &FileMapping, FILE_ALL_ACCESS);
    EXPECT_MAPPING(top->DriverObject, *IoDriverObjectType, &FileMapping, FILE_ALL_ACCESS);
    ObDereferenceObject(file);
}

KTEST(nt_object, a_kernel_mode_reference_is_not_checked_against_the_granted_access)
{
    LIVE_THREAD t = {0};
    OBJECT_HANDLE_INFORMATION information = {0};
    KT_ASSERT_EQ(StartLiveThread(&t, SYNCHRONIZE, OBJ_KERNEL_HANDLE), STATUS_SUCCESS);
    KT_EXPECT_EQ(
        TryReference(t.Handle, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, NULL, &information),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(information.GrantedAccess, SYNCHRONIZE); /* what it has, not what was asked */
    EndLiveThread(&t);
}

KTEST(nt_object, a_user_mode_reference_gets_only_the_granted_access)
{
    LIVE_THREAD t = {0};
    /* Without OBJ_KERNEL_HANDLE, the handle is the System process's, which
       user mode may use, as a system thread's handle may be in NT. */
    KT_ASSERT_EQ(StartLiveThread(&t, GENERIC_EXECUTE, 0), STATUS_SUCCESS);
    KT_EXPECT_GT((LONG_PTR)t.Handle, 0);
    KT_EXPECT_EQ(TryReference(t.Handle, SYNCHRONIZE, *PsThreadType, UserMode, NULL, NULL),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(TryReference(t.Handle, THREAD_TERMINATE, *PsThreadType, UserMode, NULL, NULL),
                 STATUS_ACCESS_DENIED);
    KT_EXPECT_EQ(TryReference(t.Handle, THREAD_TERMINATE, *PsThreadType, KernelMode, NULL, NULL),
                 STATUS_SUCCESS);
    EndLiveThread(&t);
}

KTEST(nt_object, a_kernel_handle_does_not_exist_for_user_mode)
{
    LIVE_THREAD t = {0};
    KT_ASSERT_EQ(StartLiveThread(&t, THREAD_ALL_ACCESS, OBJ_KERNEL_HANDLE), STATUS_SUCCESS);
    KT_EXPECT_LT((LONG_PTR)t.Handle, 0); /* kernel handles read as negative */
    KT_EXPECT_EQ(TryReference(t.Handle, SYNCHRONIZE, *PsThreadType, UserMode, NULL, NULL),
                 STATUS_INVALID_HANDLE);
    EndLiveThread(&t);
}

KTEST(nt_object, a_reference_checks_the_handle_and_the_type)
{
    LIVE_THREAD t = {0};
    PVOID object = (PVOID)0x1;
    KT_ASSERT_EQ(StartLiveThread(&t, THREAD_ALL_ACCESS, OBJ_KERNEL_HANDLE), STATUS_SUCCESS);
    KT_EXPECT_EQ(ObReferenceObjectByHandle(t.Handle, SYNCHRONIZE, *IoFileObjectType, KernelMode,
                                           &object, NULL),
                 STATUS_OBJECT_TYPE_MISMATCH);
    KT_EXPECT_EQ(ObReferenceObjectByHandle(NULL, SYNCHRONIZE, NULL, KernelMode, &object, NULL),
                 STATUS_INVALID_HANDLE);
    KT_EXPECT_EQ(
        ObReferenceObjectByHandle((HANDLE)0x1234, SYNCHRONIZE, NULL, KernelMode, &object, NULL),
        STATUS_INVALID_HANDLE);
    KT_EXPECT_EQ(object, (PVOID)0x1); /* untouched by a failed reference */
    /* No type: any type will do. */
    KT_EXPECT_EQ(TryReference(t.Handle, SYNCHRONIZE, NULL, KernelMode, &object, NULL),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(object, t.Object);
    HANDLE closed = t.Handle;
    EndLiveThread(&t);
    KT_EXPECT_EQ(TryReference(closed, SYNCHRONIZE, NULL, KernelMode, NULL, NULL),
                 STATUS_INVALID_HANDLE);
}

KTEST(nt_object, open_by_pointer_and_reference_by_pointer_check_the_type)
{
    HANDLE handle;
    KT_EXPECT_EQ(ObOpenObjectByPointer(KeGetCurrentThread(), OBJ_KERNEL_HANDLE, NULL, SYNCHRONIZE,
                                       *IoDeviceObjectType, KernelMode, &handle),
                 STATUS_OBJECT_TYPE_MISMATCH);
    KT_EXPECT_EQ(ObReferenceObjectByPointer(KeGetCurrentThread(), SYNCHRONIZE, *IoFileObjectType,
                                            KernelMode),
                 STATUS_OBJECT_TYPE_MISMATCH);
    NTSTATUS status =
        ObReferenceObjectByPointer(KeGetCurrentThread(), SYNCHRONIZE, *PsThreadType, KernelMode);
    KT_EXPECT_EQ(status, STATUS_SUCCESS);
    if (status == STATUS_SUCCESS)
        ObDereferenceObject(KeGetCurrentThread());
}

KTEST(nt_object, the_current_thread_pseudo_handle)
{
    PVOID object;
    OBJECT_HANDLE_INFORMATION information = {0};
    KT_EXPECT_EQ(TryReference(NtCurrentThread(), SYNCHRONIZE, *PsThreadType, KernelMode, &object,
                              &information),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(object, KeGetCurrentThread());
    KT_EXPECT_EQ(information.GrantedAccess, THREAD_ALL_ACCESS);
    KT_EXPECT_EQ(
        TryReference(ZwCurrentThread(), SYNCHRONIZE, *IoFileObjectType, KernelMode, NULL, NULL),
        STATUS_OBJECT_TYPE_MISMATCH);
}
