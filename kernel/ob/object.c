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

ULONG ObpSnapshotObjects(OBP_OBJECT_SNAPSHOT *Objects, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&ObpObjectListLock, &oldIrql);
    for (PLIST_ENTRY e = ObpObjectList.Flink; e != &ObpObjectList; e = e->Flink, count++) {
        if (count >= Capacity)
            continue; /* counted, not copied */
        POBJECT_HEADER h = CONTAINING_RECORD(e, OBJECT_HEADER, ObjectListEntry);
        OBP_OBJECT_SNAPSHOT *copy = &Objects[count];
        copy->Object = OBJECT_HEADER_TO_BODY(h);
        copy->PointerCount = h->PointerCount;
        copy->HandleCount = h->HandleCount;
        RtlStringCbCopyA(copy->Type, sizeof(copy->Type), h->Type->Name);
        RtlStringCbCopyA(copy->Name, sizeof(copy->Name), h->Name ? h->Name : "");
    }
    KeReleaseSpinLock(&ObpObjectListLock, oldIrql);
    return count;
}
