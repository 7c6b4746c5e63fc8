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

/* irp.c: the IRPs allocated and not yet freed (the test kit's leak check;
   `irps` lists them). */
ULONG IoQueryIrpCount(VOID);

/* pnp.c: Plug and Play work under way. The PnP manager's thread counts
   as busy while it has nodes to look at; a bus that discovers devices in
   a thread of its own (the USB core's hub) says when it is at work, so
   that IoWaitForPnpIdle, which the test runner calls before the tests,
   returns once the machine's devices have all been found and started.
   PASSIVE_LEVEL for the wait. */
VOID IoBeginPnpActivity(VOID);
VOID IoEndPnpActivity(VOID);
VOID IoWaitForPnpIdle(VOID);

/* pnp.c: an IRP_MN_QUERY_ID answer made of Count ASCII strings: each in
   UTF-16 ending with a 0, the list with an empty one, from nonpaged pool
   (the PnP manager frees it). NULL if out of memory. */
#define IO_MAX_ID 64 /* characters of one ID, its 0 included (Windows allows 200) */
PWSTR IoBuildIdList(const CHAR Ids[][IO_MAX_ID], ULONG Count);

#endif
