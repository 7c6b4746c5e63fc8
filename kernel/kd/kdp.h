/*
 * kdp.h: what the debugger's files (kernel/kd/) share: the console that
 * DbgPrint writes to and the shell edits its line on.
 */
#ifndef KELAB_KDP_H
#define KELAB_KDP_H

#include "kd.h"
#include "lineedit.h"

/* console.c: every write to the serial console. KdpWriteConsole takes
   the console's lock at HIGH_LEVEL (or, on a thread capturing its output,
   goes to the capture's sink); the bug check's version takes no lock. */
VOID KdpWriteConsole(PCSTR Format, va_list Args);
VOID KdpWriteConsoleDuringBugCheck(PCSTR Format, va_list Args);

/* console.c: the shell's line, kept on the screen around other output
   from KdpBeginEditing (which writes the prompt) to KdpEndEditing. */
VOID KdpBeginEditing(RTL_LINE_EDITOR *Editor);
RTL_LINE_EVENT KdpEditLine(CHAR Character);
/* Tab: RtlCompleteLine on the line being edited. When it returns 2 or
   more, the line is left on the screen and the caller prints the
   matches below it; the line is drawn again after them. */
ULONG KdpCompleteLine(PCSTR const Names[], ULONG Count);
VOID KdpEndEditing(VOID);

/* console.c: the current thread's output goes to Sink until
   KdpEndCapture; FALSE if another thread is capturing. */
BOOLEAN KdpBeginCapture(PRTL_FORMAT_SINK Sink, PVOID Context);
VOID KdpEndCapture(VOID);

#endif
