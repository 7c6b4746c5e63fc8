/*
 * io.h: the I/O manager's door for the rest of the kernel. Drivers see the
 * I/O manager through the driver kit (wdm.h); the kernel needs only to
 * start it. What only the I/O manager uses is in kernel/io/iop.h.
 */
#ifndef KELAB_IO_H
#define KELAB_IO_H

#include "wdm.h"

/* builtin.c: the I/O manager's start: its locks, the cancel lock, and
   every built-in driver (KELAB_BUILTIN_DRIVER), in their load order. */
VOID IoInitSystem(VOID);

#endif
