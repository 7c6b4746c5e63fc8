/*
 * lineedit.h: a line editor for a serial terminal, as a shell needs one.
 *
 * It takes the bytes a terminal sends, one at a time, and keeps the line
 * being typed, the cursor in it, and a history of the lines entered. It
 * understands the keys as VT100 and xterm send them: the arrows (ESC [ A
 * or, in application mode, ESC O A), Home and End in their four spellings
 * (ESC [ H, ESC O H, ESC [ 1 ~, ESC [ 7 ~; ESC [ F, ESC O F, ESC [ 4 ~,
 * ESC [ 8 ~), Delete (ESC [ 3 ~), Backspace (DEL or BS), and the Emacs
 * keys a shell user expects: Ctrl-A/E (home, end), Ctrl-B/F (left,
 * right), Ctrl-P/N (history), Ctrl-D (delete), Ctrl-K (erase to the end),
 * Ctrl-U (erase the line), Ctrl-C (abandon it). Sequences it does not
 * know are swallowed whole, never typed into the line.
 *
 * Everything it writes to the terminal goes through a sink (rtl.h's
 * PRTL_FORMAT_SINK): echo, and the cursor moves that keep the screen
 * showing the line. It moves the cursor with BS and by writing
 * characters, so it needs nothing from the terminal but those; a line
 * longer than the terminal is wide wraps, and editing in the middle of
 * such a line redraws imperfectly.
 *
 * The caller owns the screen around it: RtlEraseLine takes the line off
 * the screen before other output, RtlRedrawLine puts it back after, so
 * that a message that arrives while a line is being typed does not land
 * in the middle of it.
 *
 * A line that does not fit (RTL_LINE_MAX - 1 characters) is not cut: the
 * characters that did not fit are refused with a bell, and Enter reports
 * RtlLineTooLong, so the caller runs nothing rather than a part.
 */
#ifndef KELAB_LINEEDIT_H
#define KELAB_LINEEDIT_H

#include "rtl.h"

#define RTL_LINE_MAX          128 /* bytes of a line, its terminator included */
#define RTL_LINE_HISTORY      16  /* lines remembered */
#define RTL_LINE_SCREEN_WIDTH 80  /* a line shorter than this is erased in place */

typedef enum _RTL_LINE_EVENT {
    RtlLineNone,      /* a key was handled: keep feeding */
    RtlLineEntered,   /* Enter: Editor->Line holds the line */
    RtlLineTooLong,   /* Enter, but characters were refused: run nothing */
    RtlLineCancelled, /* Ctrl-C: the line is abandoned */
    RtlLineComplete,  /* Tab: the caller completes the word (RtlCompleteLine) */
} RTL_LINE_EVENT;

typedef struct _RTL_LINE_EDITOR {
    PCSTR Prompt;
    ULONG PromptLength;
    CHAR Line[RTL_LINE_MAX]; /* terminated once Enter is pressed */
    ULONG Length, Cursor;    /* Cursor <= Length < RTL_LINE_MAX */
    BOOLEAN Overflowed;      /* a character was refused since the line began */

    /* Decoding the terminal's escape sequences */
    UCHAR EscapeState;
    ULONG EscapeParameter; /* the first number of a CSI sequence */
    BOOLEAN LastWasCr;     /* a CR LF pair is one Enter */

    /* History: a ring of the lines entered, the newest at HistoryNewest */
    CHAR History[RTL_LINE_HISTORY][RTL_LINE_MAX];
    ULONG HistoryCount;
    ULONG HistoryNewest;
    ULONG Browsing;           /* 0: the line being typed; n: the n-th newest shown */
    CHAR Draft[RTL_LINE_MAX]; /* the line being typed, while browsing */

    /* Where the current call writes */
    PRTL_FORMAT_SINK Sink;
    PVOID SinkContext;
} RTL_LINE_EDITOR;

VOID RtlInitializeLineEditor(RTL_LINE_EDITOR *Editor, PCSTR Prompt);

/* A new, empty line: writes the prompt. */
VOID RtlBeginLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context);

/* One byte from the terminal. */
RTL_LINE_EVENT RtlLineInput(RTL_LINE_EDITOR *Editor, CHAR Character, PRTL_FORMAT_SINK Sink,
                            PVOID Context);

/* Takes the prompt and line off the screen, leaving the cursor at the
   start of an empty row; RtlRedrawLine writes them again, the cursor
   where it was in the line. */
VOID RtlEraseLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context);
VOID RtlRedrawLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context);

/* The first word, when the cursor is at its end (where Tab completes a
   command name): returns its start and sets *Length; NULL otherwise. */
PCSTR RtlLineCompletionWord(const RTL_LINE_EDITOR *Editor, ULONG *Length);

/* Tab: completes the first word from Names. One match: the rest of it
   and a space are typed in. Several: the part they all share is typed
   in. When nothing can be added it rings the bell and returns how many
   names match (2 or more: the caller may list them); otherwise 0. */
ULONG RtlCompleteLine(RTL_LINE_EDITOR *Editor, PCSTR const Names[], ULONG Count,
                      PRTL_FORMAT_SINK Sink, PVOID Context);

#endif
