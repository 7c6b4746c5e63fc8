/*
 * ps.h: process structure: the executive's thread object (ETHREAD), which
 * wraps the kernel's KTHREAD in an object with a handle and an id.
 */
#ifndef KELAB_PS_H
#define KELAB_PS_H

#include "ke.h"

typedef struct _ETHREAD {
    KTHREAD Tcb; /* first: a PETHREAD is a PKTHREAD */
    CLIENT_ID Cid;
    NTSTATUS ExitStatus;
} ETHREAD;

/* The boot processor's start-up context becomes the first thread, and
   each processor gets its idle thread. */
VOID PsInitSystem(VOID);
VOID PsCreateIdleThread(PKPRCB Prcb, BOOLEAN AdoptCurrentContext);

#endif
