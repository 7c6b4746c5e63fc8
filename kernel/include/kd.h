/*
 * kd.h: the debugger's door: the interactive shell on the serial console.
 *
 * Commands register themselves with KD_COMMAND, a KeLab addition to the
 * driver kit (wdm.h), so that drivers can add commands too.
 */
#ifndef KELAB_KD_H
#define KELAB_KD_H

#include "wdm.h"

#define KD_MAX_ARGS 8 /* words in a command line, its name included */

/* Runs the shell forever. */
__attribute__((noreturn)) VOID KdRunShell(VOID);

/* Runs one command line as the shell would, at the caller's IRQL (which
   must be PASSIVE_LEVEL), everything the calling thread prints meanwhile
   going to Sink instead of the console: a test reads a command's output
   as it is written. STATUS_DEVICE_BUSY if another thread is doing the
   same; STATUS_BUFFER_OVERFLOW if the line is longer than the shell's. */
NTSTATUS KdExecuteCommand(PCSTR Line, PRTL_FORMAT_SINK Sink, PVOID Context);

#endif
