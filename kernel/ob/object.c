/*
 * object.c: reference-counted kernel objects.
 *
 * An object is alive while its pointer count is above zero. Code that
 * keeps a pointer across time takes a reference (ObReferenceObject) and
 * drops it when done (ObDereferenceObject); a handle holds one reference
 * of its own. The last drop runs the type's delete procedure and frees
 * the memory: nobody frees an object directly.
 */
#include "obp.h"
#include "ke.h"
#include "kd.h"

static KSPIN_LOCK ObpObjectListLock;
static LIST_ENTRY ObpObjectList; /* ObpObjectListLock: every live object */

VOID ObInitSystem(VOID)
{
    InitializeListHead(&ObpObjectList);
    KeLabNameSpinLock(&ObpObjectListLock, "ObjectList");
    ObpInitializeHandleTable();
}

NTSTATUS ObCreateObject(POBJECT_TYPE Type, ULONG BodySize, PCSTR Name, PVOID *Object)
{
    POBJECT_HEADER header =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(OBJECT_HEADER) + BodySize, Type->PoolTag);
    if (header == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(header, sizeof(OBJECT_HEADER) + BodySize);
    header->Type = Type;
    header->PointerCount = 1;
    header->Name = Name;
    __atomic_add_fetch(&Type->ObjectCount, 1, __ATOMIC_RELAXED);
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpObjectListLock, &oldIrql);
    InsertTailList(&ObpObjectList, &header->ObjectListEntry);
    KeReleaseSpinLock(&ObpObjectListLock, oldIrql);
    *Object = OBJECT_HEADER_TO_BODY(header);
    return STATUS_SUCCESS;
}

POBJECT_TYPE ObGetObjectType(PVOID Object)
{
    return OBJECT_TO_OBJECT_HEADER(Object)->Type;
}

LONG_PTR ObReferenceObject(PVOID Object)
{
    POBJECT_HEADER header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR count = __atomic_add_fetch(&header->PointerCount, 1, __ATOMIC_RELAXED);
    if (count <= 1) /* it was already dead: a use after the last dereference */
        KeBugCheckEx(REFERENCE_BY_POINTER, (ULONG_PTR)header->Type, (ULONG_PTR)Object, count, 0);
    return count;
}

static VOID ObpDeleteObject(POBJECT_HEADER Header)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpObjectListLock, &oldIrql);
    RemoveEntryList(&Header->ObjectListEntry);
    KeReleaseSpinLock(&ObpObjectListLock, oldIrql);
    POBJECT_TYPE type = Header->Type;
    if (type->DeleteProcedure)
        type->DeleteProcedure(OBJECT_HEADER_TO_BODY(Header));
    __atomic_sub_fetch(&type->ObjectCount, 1, __ATOMIC_RELAXED);
    ExFreePoolWithTag(Header, type->PoolTag);
}

LONG_PTR ObDereferenceObject(PVOID Object)
{
    POBJECT_HEADER header = OBJECT_TO_OBJECT_HEADER(Object);
    LONG_PTR count = __atomic_sub_fetch(&header->PointerCount, 1, __ATOMIC_ACQ_REL);
    if (count < 0) /* more dereferences than references */
        KeBugCheckEx(REFERENCE_BY_POINTER, (ULONG_PTR)header->Type, (ULONG_PTR)Object, count, 0);
    if (count == 0)
        ObpDeleteObject(header);
    return count;
}

/* `objects`: every live object, grouped by type as it is listed. */
static VOID ObpShellObjects(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("%-18s %-14s %8s %8s  %s\n", "object", "type", "refs", "handles", "name");
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpObjectListLock, &oldIrql);
    for (PLIST_ENTRY e = ObpObjectList.Flink; e != &ObpObjectList; e = e->Flink) {
        POBJECT_HEADER h = CONTAINING_RECORD(e, OBJECT_HEADER, ObjectListEntry);
        DbgPrint("%p %-14s %8lld %8lld  %s\n", OBJECT_HEADER_TO_BODY(h), h->Type->Name,
                 (long long)h->PointerCount, (long long)h->HandleCount, h->Name ? h->Name : "");
    }
    KeReleaseSpinLock(&ObpObjectListLock, oldIrql);
}
KD_COMMAND(objects, "", "live kernel objects with their references and handles", ObpShellObjects);
