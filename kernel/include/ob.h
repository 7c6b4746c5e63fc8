/*
 * ob.h: the object manager's door for the rest of the kernel. What only
 * the object manager uses is in kernel/ob/obp.h.
 *
 * Every kernel object (a thread, a driver, a device...) is a pool block
 * with an OBJECT_HEADER in front of the body the caller sees. The header
 * holds the object's type and its two counts: pointer references (from
 * ObReferenceObject) and handles (from ObInsertObject). When the last
 * reference goes, the type's delete procedure runs and the block is freed.
 */
#ifndef KELAB_OB_H
#define KELAB_OB_H

#include "wdm.h"

typedef struct _OBJECT_TYPE {
    PCSTR Name;
    ULONG PoolTag;
    /* Called once, when the last reference is dropped, before the memory
       is freed (at IRQL <= DISPATCH_LEVEL). May be NULL. */
    VOID (*DeleteProcedure)(PVOID Object);
    volatile LONG ObjectCount; /* objects of this type alive */
} OBJECT_TYPE;

typedef struct _OBJECT_HEADER {
    LIST_ENTRY ObjectListEntry; /* ObpObjectListLock: every live object, for `objects` */
    POBJECT_TYPE Type;
    volatile LONG_PTR PointerCount;
    volatile LONG_PTR HandleCount;
    PCSTR Name; /* optional, for display */
} OBJECT_HEADER, *POBJECT_HEADER;

/* Pool blocks are 16-byte aligned (MEMORY_ALLOCATION_ALIGNMENT); so is
   the body behind the header, as drivers expect of a device extension. */
_Static_assert(sizeof(OBJECT_HEADER) % 16 == 0, "the object body is 16-byte aligned");

#define OBJECT_TO_OBJECT_HEADER(o) ((POBJECT_HEADER)(o)-1)
#define OBJECT_HEADER_TO_BODY(h)   ((PVOID)((POBJECT_HEADER)(h) + 1))

/* Allocates a zeroed object of Type with one pointer reference. */
NTSTATUS ObCreateObject(POBJECT_TYPE Type, ULONG BodySize, PCSTR Name, PVOID *Object);
/* Creates a kernel handle to Object (which keeps it alive until ZwClose). */
NTSTATUS ObInsertObject(PVOID Object, ACCESS_MASK Access, PHANDLE Handle);
POBJECT_TYPE ObGetObjectType(PVOID Object);
VOID ObInitSystem(VOID);

#endif
