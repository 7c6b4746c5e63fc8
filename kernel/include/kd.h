/*
 * kd.h: the debugger's door: the interactive shell on the serial console,
 * and what its commands share.
 *
 * Commands register themselves with KD_COMMAND, a KeLab addition to the
 * driver kit (wdm.h), so that drivers can add commands too. Each
 * component keeps its commands in its own shell.c (kernel/ke/shell.c,
 * kernel/io/shell.c...); a driver's are in its folder.
 */
#ifndef KELAB_KD_H
#define KELAB_KD_H

#include "wdm.h"

#define KD_MAX_ARGS 8 /* words in a command line, its name included */

/* Runs the shell forever. */
__attribute__((noreturn)) VOID KdRunShell(VOID);

/* For commands that list what a lock protects: copy it under the lock
   into a snapshot, release, then print. KdAllocateSnapshot gives room for
   Count entries of Size bytes from nonpaged pool, or says that it cannot
   ("<command>: no memory for a snapshot") and returns NULL. */
PVOID KdAllocateSnapshot(PCSTR Command, ULONG Count, SIZE_T Size);
VOID KdFreeSnapshot(PVOID Snapshot);
/* How many of Total entries a snapshot with room for Room holds. */
static inline ULONG KdShown(ULONG Total, ULONG Room)
{
    return Total < Room ? Total : Room;
}
/* "  ... and 12 more threads, not shown" when Shown < Total. */
VOID KdPrintNotShown(ULONG Total, ULONG Shown, PCSTR What);

/* Runs one command line as the shell would, at the caller's IRQL (which
   must be PASSIVE_LEVEL), everything the calling thread prints meanwhile
   going to Sink instead of the console: a test reads a command's output
   as it is written. STATUS_DEVICE_BUSY if another thread is doing the
   same; STATUS_BUFFER_OVERFLOW if the line is longer than the shell's. */
NTSTATUS KdExecuteCommand(PCSTR Line, PRTL_FORMAT_SINK Sink, PVOID Context);

#endif
