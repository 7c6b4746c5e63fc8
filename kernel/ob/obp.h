/*
 * obp.h: what the object manager's own files share, and nobody else uses.
 */
#ifndef KELAB_OBP_H
#define KELAB_OBP_H

#include "ob.h"

/* handle.c: the kernel handle table, set up by ObInitSystem. */
VOID ObpInitializeHandleTable(VOID);

#endif
