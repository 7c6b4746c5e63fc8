/*
 * handle.c: the handle table.
 *
 * A handle is an index into one table of object pointers and the access
 * granted, shifted left by 2 (NT's handles are multiples of 4). KeLab has
 * one process, the System process, whose table is also NT's kernel handle
 * table, so a handle comes in two forms, as in NT: a kernel handle
 * (OBJ_KERNEL_HANDLE) has the top bits set and reads as a negative number,
 * and only kernel mode may use it; a handle made without that attribute is
 * the System process's, positive, and user mode may use it too, within the
 * access it was granted. Kernel mode is never checked against the granted
 * access (the WDK: "if AccessMode is KernelMode, the requested access is
 * always allowed").
 *
 * Closing a handle that is not open is INVALID_KERNEL_HANDLE (0x93): a
 * kernel component closing someone else's handle, or its own twice, is a
 * bug worth a stop.
 */
#include "obp.h"
#include "ke.h"

#define OBP_KERNEL_HANDLE_BIAS 0xFFFFFFFF80000000ull
#define OBP_INITIAL_ENTRIES    64

typedef struct _HANDLE_TABLE_ENTRY {
    PVOID Object; /* NULL: free */
    ACCESS_MASK GrantedAccess;
} HANDLE_TABLE_ENTRY;

static KSPIN_LOCK ObpHandleLock;
static HANDLE_TABLE_ENTRY *ObpHandles; /* ObpHandleLock */
static ULONG ObpHandleCapacity;        /* ObpHandleLock */
static ULONG ObpHandleHint;            /* ObpHandleLock: lowest possibly free slot */
static ULONG ObpHandlesInUse;          /* ObpHandleLock */

static BOOLEAN ObpGrowHandleTable(ULONG SeenCapacity);

/* Boot: the first table, so that no caller pays for it (and no test's
   pool check sees it). */
VOID ObpInitializeHandleTable(VOID)
{
    KeLabNameSpinLock(&ObpHandleLock, "HandleTable");
    ObpGrowHandleTable(0);
}

static HANDLE ObpIndexToHandle(ULONG Index, ULONG HandleAttributes)
{
    ULONG64 bias = (HandleAttributes & OBJ_KERNEL_HANDLE) ? OBP_KERNEL_HANDLE_BIAS : 0;
    return (HANDLE)(bias | ((ULONG64)(Index + 1) << 2));
}

static BOOLEAN ObpIsKernelHandle(HANDLE Handle)
{
    return ((ULONG64)Handle & ~0x7FFFFFFFull) == OBP_KERNEL_HANDLE_BIAS;
}

/* The table index of Handle, in either form, or ObpHandleCapacity if it
   is not one. */
static ULONG ObpHandleToIndex(HANDLE Handle)
{
    ULONG64 value = (ULONG64)Handle;
    if (((value & ~0x7FFFFFFFull) != 0 && !ObpIsKernelHandle(Handle)) || (value & 3) != 0 ||
        (value & 0x7FFFFFFF) == 0)
        return ObpHandleCapacity;
    ULONG64 index = ((value & 0x7FFFFFFF) >> 2) - 1;
    return index < ObpHandleCapacity ? (ULONG)index : ObpHandleCapacity;
}

/* Doubles the table. Called with the lock released (pool may not be
   allocated while holding a spin lock raised above it); returns FALSE if
   out of memory. */
static BOOLEAN ObpGrowHandleTable(ULONG SeenCapacity)
{
    ULONG capacity = SeenCapacity ? SeenCapacity * 2 : OBP_INITIAL_ENTRIES;
    HANDLE_TABLE_ENTRY *bigger =
        ExAllocatePoolWithTag(NonPagedPool, capacity * sizeof(HANDLE_TABLE_ENTRY), 'lbaH');
    if (bigger == NULL)
        return FALSE;
    RtlZeroMemory(bigger, capacity * sizeof(HANDLE_TABLE_ENTRY));
    HANDLE_TABLE_ENTRY *old = NULL;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
    if (ObpHandleCapacity == SeenCapacity) { /* nobody grew it meanwhile */
        RtlCopyMemory(bigger, ObpHandles, SeenCapacity * sizeof(HANDLE_TABLE_ENTRY));
        old = ObpHandles;
        ObpHandles = bigger;
        ObpHandleCapacity = capacity;
        bigger = NULL;
    }
    KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    if (old)
        ExFreePoolWithTag(old, 'lbaH');
    if (bigger)
        ExFreePoolWithTag(bigger, 'lbaH');
    return TRUE;
}

/* The access a new handle to an object of Type is granted for
   DesiredAccess, as NT's ObpCreateHandle computes it for kernel mode (there
   are no security descriptors to consult): MAXIMUM_ALLOWED is everything
   the type has, generic rights are mapped through the type's
   GENERIC_MAPPING, and rights the type does not have are dropped. */
static ACCESS_MASK ObpGrantedAccess(POBJECT_TYPE Type, ACCESS_MASK DesiredAccess)
{
    if (DesiredAccess & MAXIMUM_ALLOWED)
        DesiredAccess = (DesiredAccess & ~(ACCESS_MASK)MAXIMUM_ALLOWED) | GENERIC_ALL;
    RtlMapGenericMask(&DesiredAccess, &Type->GenericMapping);
    return DesiredAccess & (Type->ValidAccessMask | ACCESS_SYSTEM_SECURITY);
}

NTSTATUS ObInsertObject(PVOID Object, ULONG HandleAttributes, ACCESS_MASK DesiredAccess,
                        PHANDLE Handle)
{
    POBJECT_HEADER header = OBJECT_TO_OBJECT_HEADER(Object);
    ACCESS_MASK granted = ObpGrantedAccess(header->Type, DesiredAccess);
    for (;;) {
        KIRQL oldIrql;
        KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
        for (ULONG i = ObpHandleHint; i < ObpHandleCapacity; i++) {
            if (ObpHandles[i].Object == NULL) {
                ObpHandles[i] = (HANDLE_TABLE_ENTRY){Object, granted};
                ObpHandleHint = i + 1;
                ObpHandlesInUse++;
                __atomic_add_fetch(&header->HandleCount, 1, __ATOMIC_RELAXED);
                KeReleaseSpinLock(&ObpHandleLock, oldIrql);
                ObReferenceObject(Object); /* the handle's own reference */
                *Handle = ObpIndexToHandle(i, HandleAttributes);
                return STATUS_SUCCESS;
            }
        }
        ULONG seen = ObpHandleCapacity;
        KeReleaseSpinLock(&ObpHandleLock, oldIrql);
        if (!ObpGrowHandleTable(seen))
            return STATUS_INSUFFICIENT_RESOURCES;
    }
}

NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes,
                               PACCESS_STATE PassedAccessState, ACCESS_MASK DesiredAccess,
                               POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, PHANDLE Handle)
{
    UNREFERENCED_PARAMETER(PassedAccessState);
    UNREFERENCED_PARAMETER(AccessMode); /* no security descriptors: nothing to check */
    if (ObjectType != NULL && ObGetObjectType(Object) != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    return ObInsertObject(Object, HandleAttributes, DesiredAccess, Handle);
}

/* Whether a handle with Granted access to Object may be referenced as
   the caller asks: the type, then (for user mode only) the access. */
static NTSTATUS ObpCheckReference(PVOID Object, ACCESS_MASK Granted, ACCESS_MASK DesiredAccess,
                                  POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode)
{
    if (ObjectType != NULL && ObGetObjectType(Object) != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    if (AccessMode != KernelMode && (Granted & DesiredAccess) != DesiredAccess)
        return STATUS_ACCESS_DENIED;
    return STATUS_SUCCESS;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation)
{
    PVOID object = NULL;
    ACCESS_MASK granted = 0;
    NTSTATUS status;
    if (Handle == NtCurrentThread()) { /* the caller's own thread, with every right */
        object = KeGetCurrentThread(); /* its KTHREAD begins its ETHREAD */
        granted = THREAD_ALL_ACCESS;
        status = ObpCheckReference(object, granted, DesiredAccess, ObjectType, AccessMode);
        if (status == STATUS_SUCCESS)
            ObReferenceObject(object);
    } else {
        KIRQL oldIrql;
        KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
        /* A kernel handle does not exist for user mode. */
        ULONG index = AccessMode != KernelMode && ObpIsKernelHandle(Handle)
                          ? ObpHandleCapacity
                          : ObpHandleToIndex(Handle);
        status = STATUS_INVALID_HANDLE;
        if (index < ObpHandleCapacity && ObpHandles[index].Object != NULL) {
            object = ObpHandles[index].Object;
            granted = ObpHandles[index].GrantedAccess;
            status = ObpCheckReference(object, granted, DesiredAccess, ObjectType, AccessMode);
            if (status == STATUS_SUCCESS) /* under the lock: the handle keeps it alive */
                ObReferenceObject(object);
        }
        KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    }
    if (status != STATUS_SUCCESS)
        return status;
    *Object = object;
    if (HandleInformation != NULL)
        *HandleInformation = (OBJECT_HANDLE_INFORMATION){.GrantedAccess = granted};
    return STATUS_SUCCESS;
}

NTSTATUS ZwClose(HANDLE Handle)
{
    PVOID object = NULL;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
    ULONG index = ObpHandleToIndex(Handle);
    if (index < ObpHandleCapacity) {
        object = ObpHandles[index].Object;
        ObpHandles[index].Object = NULL;
        if (index < ObpHandleHint)
            ObpHandleHint = index;
        ObpHandlesInUse -= object != NULL;
    }
    KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    if (object == NULL)
        KeBugCheckEx(INVALID_KERNEL_HANDLE, (ULONG_PTR)Handle, 1, 0, 0);
    __atomic_sub_fetch(&OBJECT_TO_OBJECT_HEADER(object)->HandleCount, 1, __ATOMIC_RELAXED);
    ObDereferenceObject(object);
    return STATUS_SUCCESS;
}

ULONG ObQueryHandleCount(VOID)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
    ULONG count = ObpHandlesInUse;
    KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    return count;
}
