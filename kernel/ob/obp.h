/*
 * obp.h: what the object manager's own files share, and nobody else uses.
 */
#ifndef KELAB_OBP_H
#define KELAB_OBP_H

#include "ob.h"

/* handle.c: the kernel handle table, set up by ObInitSystem. */
VOID ObpInitializeHandleTable(VOID);

/* object.c: a copy of every live object, taken under the object list's
   lock, for `objects` (shell.c). Copies at most Capacity; returns how
   many there were. Names longer than the room are cut. */
typedef struct _OBP_OBJECT_SNAPSHOT {
    PVOID Object; /* where it was: it may be gone by the time it is shown */
    LONG_PTR PointerCount, HandleCount;
    CHAR Type[16];
    CHAR Name[48];
} OBP_OBJECT_SNAPSHOT;
ULONG ObpSnapshotObjects(OBP_OBJECT_SNAPSHOT *Objects, ULONG Capacity);

#endif
