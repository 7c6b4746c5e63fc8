/*
 * ktestp.h: state shared by the framework's own files (not by tests).
 */
#ifndef KELAB_KTESTP_H
#define KELAB_KTESTP_H

#include "ktest.h"

/* The running test. Tests may check from several threads or processors
   at once, so failures are counted atomically. */
extern volatile ULONG KtpCurrentFailures;
extern PCSTR volatile KtpCurrentSkipReason;
PCSTR KtpCurrentName(VOID);

#endif
