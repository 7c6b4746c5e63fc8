/*
 * shell.c: the object manager's shell commands.
 *
 *   objects   every live object, with its references and handles
 *
 * The list is copied under its lock (ObpSnapshotObjects), then printed.
 */
#include "obp.h"
#include "kd.h"

#define OBP_SHELL_MAX_OBJECTS 512

/* `objects`: every live object, in the order they were created. */
static VOID ObpShellObjects(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    OBP_OBJECT_SNAPSHOT *objects =
        KdAllocateSnapshot(Argv[0], OBP_SHELL_MAX_OBJECTS, sizeof(OBP_OBJECT_SNAPSHOT));
    if (objects == NULL)
        return;
    ULONG count = ObpSnapshotObjects(objects, OBP_SHELL_MAX_OBJECTS);
    ULONG shown = KdShown(count, OBP_SHELL_MAX_OBJECTS);
    DbgPrint("%-18s %-14s %8s %8s  %s\n", "object", "type", "refs", "handles", "name");
    for (ULONG i = 0; i < shown; i++) {
        const OBP_OBJECT_SNAPSHOT *o = &objects[i];
        DbgPrint("%p %-14s %8lld %8lld  %s\n", o->Object, o->Type, (long long)o->PointerCount,
                 (long long)o->HandleCount, o->Name);
    }
    KdPrintNotShown(count, shown, "objects");
    KdFreeSnapshot(objects);
}
KD_COMMAND(objects, "", "live kernel objects with their references and handles", ObpShellObjects);
