/*
 * handle.c: the kernel handle table.
 *
 * A handle is an index into one table of object pointers, shifted left
 * by 2 (NT's handles are multiples of 4) with the top bits set, as NT's
 * kernel handles are: they read as negative numbers. Closing a handle
 * that is not open is INVALID_KERNEL_HANDLE (0x93): a kernel component
 * closing someone else's handle, or its own twice, is a bug worth a stop.
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

static BOOLEAN ObpGrowHandleTable(ULONG SeenCapacity);

/* Boot: the first table, so that no caller pays for it (and no test's
   pool check sees it). */
VOID ObpInitializeHandleTable(VOID)
{
    KeLabNameSpinLock(&ObpHandleLock, "HandleTable");
    ObpGrowHandleTable(0);
}

static HANDLE ObpIndexToHandle(ULONG Index)
{
    return (HANDLE)(OBP_KERNEL_HANDLE_BIAS | ((ULONG64)(Index + 1) << 2));
}

/* The table index of Handle, or ObpHandleCapacity if it is not one. */
static ULONG ObpHandleToIndex(HANDLE Handle)
{
    ULONG64 value = (ULONG64)Handle;
    if ((value & ~0x7FFFFFFFull) != OBP_KERNEL_HANDLE_BIAS || (value & 3) != 0 ||
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

NTSTATUS ObInsertObject(PVOID Object, ACCESS_MASK Access, PHANDLE Handle)
{
    POBJECT_HEADER header = OBJECT_TO_OBJECT_HEADER(Object);
    for (;;) {
        KIRQL oldIrql;
        KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
        for (ULONG i = ObpHandleHint; i < ObpHandleCapacity; i++) {
            if (ObpHandles[i].Object == NULL) {
                ObpHandles[i] = (HANDLE_TABLE_ENTRY){Object, Access};
                ObpHandleHint = i + 1;
                __atomic_add_fetch(&header->HandleCount, 1, __ATOMIC_RELAXED);
                KeReleaseSpinLock(&ObpHandleLock, oldIrql);
                ObReferenceObject(Object); /* the handle's own reference */
                *Handle = ObpIndexToHandle(i);
                return STATUS_SUCCESS;
            }
        }
        ULONG seen = ObpHandleCapacity;
        KeReleaseSpinLock(&ObpHandleLock, oldIrql);
        if (!ObpGrowHandleTable(seen))
            return STATUS_INSUFFICIENT_RESOURCES;
    }
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                   POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                                   PVOID *Object, PVOID HandleInformation)
{
    UNREFERENCED_PARAMETER(AccessMode);
    UNREFERENCED_PARAMETER(HandleInformation);
    NTSTATUS status = STATUS_INVALID_HANDLE;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpHandleLock, &oldIrql);
    ULONG index = ObpHandleToIndex(Handle);
    if (index < ObpHandleCapacity && ObpHandles[index].Object != NULL) {
        PVOID object = ObpHandles[index].Object;
        if (ObjectType != NULL && ObGetObjectType(object) != ObjectType) {
            status = STATUS_OBJECT_TYPE_MISMATCH;
        } else if ((ObpHandles[index].GrantedAccess & DesiredAccess) != DesiredAccess) {
            status = STATUS_ACCESS_DENIED;
        } else {
            ObReferenceObject(object);
            *Object = object;
            status = STATUS_SUCCESS;
        }
    }
    KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    return status;
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
    }
    KeReleaseSpinLock(&ObpHandleLock, oldIrql);
    if (object == NULL)
        KeBugCheckEx(INVALID_KERNEL_HANDLE, (ULONG_PTR)Handle, 1, 0, 0);
    __atomic_sub_fetch(&OBJECT_TO_OBJECT_HEADER(object)->HandleCount, 1, __ATOMIC_RELAXED);
    ObDereferenceObject(object);
    return STATUS_SUCCESS;
}
