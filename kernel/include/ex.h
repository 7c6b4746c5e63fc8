/*
 * ex.h: executive support internals: pool accounting for the shell and
 * the test framework's leak check.
 */
#ifndef KELAB_EX_H
#define KELAB_EX_H

#include "wdm.h"

/* Usage of one pool tag (NT's poolmon shows the same columns). */
typedef struct _EX_POOL_TAG_USAGE {
    ULONG Tag;
    ULONG64 Allocations; /* ever made */
    ULONG64 Frees;       /* ever made */
    ULONG64 Bytes;       /* outstanding, as requested by callers */
} EX_POOL_TAG_USAGE;

#define EX_POOL_MAX_TAGS 256

VOID ExInitializePool(VOID);
/* Outstanding bytes and allocations, all tags together. */
VOID ExQueryPoolUsage(ULONG64 *Bytes, ULONG64 *Allocations);
/* Copies the per-tag table; returns how many entries it filled. */
ULONG ExQueryPoolTags(EX_POOL_TAG_USAGE *Buffer, ULONG Count);
/* Prints (each line starting with Prefix) every tag whose outstanding
   allocations grew since Before, a snapshot from ExQueryPoolTags;
   returns the number of leaked bytes. */
ULONG64 ExReportPoolLeaks(const EX_POOL_TAG_USAGE *Before, ULONG Count, PCSTR Prefix);
/* Formats a tag as its four characters, '.' for unprintable ones. */
VOID ExFormatPoolTag(ULONG Tag, CHAR Text[5]);
/* One line: bytes and allocations outstanding (banner, `pool`). */
VOID ExPrintPoolSummary(VOID);

#endif
