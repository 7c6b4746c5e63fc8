/*
 * kd.h: the interactive shell on the serial console.
 *
 * A command is registered where it belongs, with one line:
 *
 *     KD_COMMAND(pool, "", "per-tag nonpaged pool usage", ExpShellPool);
 *
 * and its handler receives the words typed after the command name.
 */
#ifndef KELAB_KD_H
#define KELAB_KD_H

#include "wdm.h"

#define KD_MAX_ARGS 8

typedef VOID (*PKD_COMMAND_HANDLER)(ULONG Argc, PCSTR Argv[]);

typedef struct _KD_COMMAND_ENTRY {
    PCSTR Name;
    PCSTR Usage; /* the arguments, e.g. "[code]"; "" for none */
    PCSTR Help;
    PKD_COMMAND_HANDLER Handler;
} KD_COMMAND_ENTRY;

#define KD_COMMAND(name, usage, help, handler)                                                     \
    static const KD_COMMAND_ENTRY KdCommand_##name                                                 \
        __attribute__((section(".kshell"), used, aligned(8))) = {#name, usage, help, handler}

/* Runs the shell forever. */
__attribute__((noreturn)) VOID KdRunShell(VOID);
/* Parses a decimal or 0x-prefixed number argument; on failure prints
   "<command>: '<text>' is not a number" and returns FALSE. */
BOOLEAN KdParseNumber(PCSTR Command, PCSTR Text, ULONG64 *Value);

#endif
