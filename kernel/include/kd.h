/*
 * kd.h: the interactive shell on the serial console.
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

#endif
