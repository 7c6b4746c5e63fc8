/*
 * lineedit.c: the line editor (lineedit.h).
 *
 * Two layers. RtlpDecodeKey turns bytes into keys: a small state machine
 * over the escape sequences (ESC [ params final, ESC O final). The editing
 * routines below it change the line and write what makes the screen
 * match: after each of them the terminal shows the prompt and the line,
 * with its cursor Cursor characters after the prompt.
 */
#include "lineedit.h"

#define ESC 0x1B

typedef enum _RTLP_KEY {
    KeyNone, /* nothing to do (part of a sequence, or a key we ignore) */
    KeyCharacter,
    KeyEnter,
    KeyBackspace,
    KeyDelete,
    KeyLeft,
    KeyRight,
    KeyHome,
    KeyEnd,
    KeyUp,
    KeyDown,
    KeyTab,
    KeyCancel,
    KeyEraseLine,
    KeyEraseToEnd,
    KeyRefused, /* a byte that has no place in a line: ring the bell */
} RTLP_KEY;

enum { EscapeNone, EscapeStart, EscapeCsi, EscapeCsiMore, EscapeSs3 };

/* ---- keys ------------------------------------------------------------------------ */

/* The final byte of ESC [ n X or ESC O X. */
static RTLP_KEY RtlpFinalKey(CHAR Final, ULONG Parameter)
{
    switch (Final) {
    case 'A':
        return KeyUp;
    case 'B':
        return KeyDown;
    case 'C':
        return KeyRight;
    case 'D':
        return KeyLeft;
    case 'H':
        return KeyHome;
    case 'F':
        return KeyEnd;
    case '~': /* the VT220 editing keypad: ESC [ n ~ */
        switch (Parameter) {
        case 1:
        case 7:
            return KeyHome;
        case 4:
        case 8:
            return KeyEnd;
        case 3:
            return KeyDelete;
        }
    }
    return KeyNone; /* F-keys, Insert, Page Up/Down...: not ours */
}

static RTLP_KEY RtlpPlainKey(RTL_LINE_EDITOR *Editor, UCHAR c)
{
    BOOLEAN afterCr = Editor->LastWasCr;
    Editor->LastWasCr = c == '\r';
    if (c >= 0x20 && c < 0x7F)
        return KeyCharacter;
    switch (c) {
    case '\r':
        return KeyEnter;
    case '\n':
        return afterCr ? KeyNone : KeyEnter; /* CR LF is one Enter */
    case 0x7F:
    case '\b':
        return KeyBackspace;
    case '\t':
        return KeyTab;
    case ESC:
        Editor->EscapeState = EscapeStart;
        return KeyNone;
    case 0x01: /* Ctrl-A */
        return KeyHome;
    case 0x05: /* Ctrl-E */
        return KeyEnd;
    case 0x02: /* Ctrl-B */
        return KeyLeft;
    case 0x06: /* Ctrl-F */
        return KeyRight;
    case 0x10: /* Ctrl-P */
        return KeyUp;
    case 0x0E: /* Ctrl-N */
        return KeyDown;
    case 0x04: /* Ctrl-D */
        return KeyDelete;
    case 0x0B: /* Ctrl-K */
        return KeyEraseToEnd;
    case 0x15: /* Ctrl-U */
        return KeyEraseLine;
    case 0x03: /* Ctrl-C */
        return KeyCancel;
    }
    return c >= 0x80 ? KeyRefused : KeyNone; /* other control characters: ignored */
}

/* A CSI sequence is ESC [, parameter bytes (0x30-0x3F), intermediate
   bytes (0x20-0x2F) and one final byte (0x40-0x7E). Only the first
   parameter matters here (ESC [ 1 ; 5 C, Ctrl-Right, is Right). */
static RTLP_KEY RtlpCsiByte(RTL_LINE_EDITOR *Editor, UCHAR c)
{
    if (c >= '0' && c <= '9' && Editor->EscapeState == EscapeCsi) {
        if (Editor->EscapeParameter < 1000) /* no key has a larger number */
            Editor->EscapeParameter = Editor->EscapeParameter * 10 + (c - '0');
        return KeyNone;
    }
    if (c >= 0x20 && c <= 0x3F) { /* ';', more parameters, intermediates */
        Editor->EscapeState = EscapeCsiMore;
        return KeyNone;
    }
    Editor->EscapeState = EscapeNone;
    if (c >= 0x40 && c <= 0x7E)
        return RtlpFinalKey((CHAR)c, Editor->EscapeParameter);
    return RtlpPlainKey(Editor, c); /* not a sequence after all: the byte is a key */
}

static RTLP_KEY RtlpDecodeKey(RTL_LINE_EDITOR *Editor, UCHAR c)
{
    switch (Editor->EscapeState) {
    case EscapeStart:
        Editor->EscapeParameter = 0;
        Editor->EscapeState = c == '[' ? EscapeCsi : c == 'O' ? EscapeSs3 : EscapeNone;
        if (Editor->EscapeState != EscapeNone)
            return KeyNone;
        return RtlpPlainKey(Editor, c); /* ESC alone (Alt-x): drop the ESC */
    case EscapeCsi:
    case EscapeCsiMore:
        return RtlpCsiByte(Editor, c);
    case EscapeSs3:
        Editor->EscapeState = EscapeNone;
        return RtlpFinalKey((CHAR)c, 0);
    }
    return RtlpPlainKey(Editor, c);
}

/* ---- the screen ------------------------------------------------------------------ */

static VOID RtlpPut(RTL_LINE_EDITOR *Editor, CHAR c)
{
    Editor->Sink(Editor->SinkContext, c);
}

static VOID RtlpPutString(RTL_LINE_EDITOR *Editor, PCSTR Text, ULONG Length)
{
    for (ULONG i = 0; i < Length; i++)
        RtlpPut(Editor, Text[i]);
}

static VOID RtlpRepeat(RTL_LINE_EDITOR *Editor, CHAR c, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        RtlpPut(Editor, c);
}

/* Writes the line from the cursor on, then Blanks spaces over what was
   there before, and brings the cursor back. */
static VOID RtlpRedrawTail(RTL_LINE_EDITOR *Editor, ULONG Blanks)
{
    ULONG tail = Editor->Length - Editor->Cursor;
    RtlpPutString(Editor, Editor->Line + Editor->Cursor, tail);
    RtlpRepeat(Editor, ' ', Blanks);
    RtlpRepeat(Editor, '\b', tail + Blanks);
}

static VOID RtlpSetSink(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context)
{
    Editor->Sink = Sink;
    Editor->SinkContext = Context;
}

/* ---- editing ----------------------------------------------------------------------- */

static VOID RtlpInsert(RTL_LINE_EDITOR *Editor, CHAR c)
{
    if (Editor->Length + 1 >= RTL_LINE_MAX) {
        Editor->Overflowed = TRUE; /* refused, and remembered: Enter will not run a part */
        RtlpPut(Editor, '\a');
        return;
    }
    RtlMoveMemory(Editor->Line + Editor->Cursor + 1, Editor->Line + Editor->Cursor,
                  Editor->Length - Editor->Cursor);
    Editor->Line[Editor->Cursor] = c;
    Editor->Length++;
    RtlpPut(Editor, c);
    Editor->Cursor++;
    RtlpRedrawTail(Editor, 0);
}

/* Removes the character at the cursor. Whoever deletes is editing what
   the screen shows, so a refused character no longer matters. */
static VOID RtlpDeleteAtCursor(RTL_LINE_EDITOR *Editor)
{
    RtlMoveMemory(Editor->Line + Editor->Cursor, Editor->Line + Editor->Cursor + 1,
                  Editor->Length - Editor->Cursor - 1);
    Editor->Length--;
    Editor->Overflowed = FALSE;
    RtlpRedrawTail(Editor, 1);
}

static VOID RtlpMoveTo(RTL_LINE_EDITOR *Editor, ULONG Position)
{
    if (Position < Editor->Cursor)
        RtlpRepeat(Editor, '\b', Editor->Cursor - Position);
    else
        RtlpPutString(Editor, Editor->Line + Editor->Cursor, Position - Editor->Cursor);
    Editor->Cursor = Position;
}

/* The line becomes Text (a history entry, or nothing), the cursor at its end. */
static VOID RtlpReplaceLine(RTL_LINE_EDITOR *Editor, PCSTR Text)
{
    ULONG old = Editor->Length, length = (ULONG)KL_CRT(strlen)(Text);
    RtlpMoveTo(Editor, 0);
    RtlCopyMemory(Editor->Line, Text, length);
    Editor->Length = length;
    Editor->Overflowed = FALSE;
    RtlpMoveTo(Editor, length);
    RtlpRedrawTail(Editor, old > length ? old - length : 0);
}

static VOID RtlpEraseToEnd(RTL_LINE_EDITOR *Editor)
{
    ULONG erased = Editor->Length - Editor->Cursor;
    Editor->Length = Editor->Cursor;
    Editor->Overflowed = FALSE;
    RtlpRedrawTail(Editor, erased);
}

/* ---- history ----------------------------------------------------------------------- */

/* The n-th newest line entered (n >= 1). */
static PCSTR RtlpHistoryEntry(const RTL_LINE_EDITOR *Editor, ULONG n)
{
    return Editor->History[(Editor->HistoryNewest + RTL_LINE_HISTORY - (n - 1)) % RTL_LINE_HISTORY];
}

static VOID RtlpRemember(RTL_LINE_EDITOR *Editor)
{
    if (Editor->Length == 0 || (Editor->HistoryCount > 0 &&
                                KL_CRT(strcmp)(RtlpHistoryEntry(Editor, 1), Editor->Line) == 0))
        return; /* nothing, or the same again */
    Editor->HistoryNewest = (Editor->HistoryNewest + 1) % RTL_LINE_HISTORY;
    RtlCopyMemory(Editor->History[Editor->HistoryNewest], Editor->Line, Editor->Length + 1);
    if (Editor->HistoryCount < RTL_LINE_HISTORY)
        Editor->HistoryCount++;
}

/* Up (Older) or Down through the history; below the newest is the line
   that was being typed, as it was left. */
static VOID RtlpBrowse(RTL_LINE_EDITOR *Editor, BOOLEAN Older)
{
    if (Older ? Editor->Browsing == Editor->HistoryCount : Editor->Browsing == 0) {
        RtlpPut(Editor, '\a');
        return;
    }
    if (Editor->Browsing == 0) {
        RtlCopyMemory(Editor->Draft, Editor->Line, Editor->Length);
        Editor->Draft[Editor->Length] = 0;
    }
    Editor->Browsing += Older ? 1 : -1;
    RtlpReplaceLine(Editor,
                    Editor->Browsing ? RtlpHistoryEntry(Editor, Editor->Browsing) : Editor->Draft);
}

/* ---- the public routines ------------------------------------------------------------- */

VOID RtlInitializeLineEditor(RTL_LINE_EDITOR *Editor, PCSTR Prompt)
{
    RtlZeroMemory(Editor, sizeof(*Editor));
    Editor->Prompt = Prompt;
    Editor->PromptLength = (ULONG)KL_CRT(strlen)(Prompt);
    Editor->HistoryNewest = RTL_LINE_HISTORY - 1;
}

VOID RtlBeginLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context)
{
    RtlpSetSink(Editor, Sink, Context);
    Editor->Length = Editor->Cursor = 0;
    Editor->Overflowed = FALSE;
    Editor->Browsing = 0;
    Editor->EscapeState = EscapeNone;
    RtlpPutString(Editor, Editor->Prompt, Editor->PromptLength);
}

static RTL_LINE_EVENT RtlpEnter(RTL_LINE_EDITOR *Editor)
{
    RtlpMoveTo(Editor, Editor->Length); /* below the whole line, even a wrapped one */
    RtlpPut(Editor, '\n');
    Editor->Line[Editor->Length] = 0;
    if (Editor->Overflowed)
        return RtlLineTooLong;
    RtlpRemember(Editor);
    return RtlLineEntered;
}

RTL_LINE_EVENT RtlLineInput(RTL_LINE_EDITOR *Editor, CHAR Character, PRTL_FORMAT_SINK Sink,
                            PVOID Context)
{
    RtlpSetSink(Editor, Sink, Context);
    switch (RtlpDecodeKey(Editor, (UCHAR)Character)) {
    case KeyCharacter:
        RtlpInsert(Editor, Character);
        break;
    case KeyEnter:
        return RtlpEnter(Editor);
    case KeyBackspace:
        if (Editor->Cursor > 0) {
            RtlpMoveTo(Editor, Editor->Cursor - 1);
            RtlpDeleteAtCursor(Editor);
        }
        break;
    case KeyDelete:
        if (Editor->Cursor < Editor->Length)
            RtlpDeleteAtCursor(Editor);
        break;
    case KeyLeft:
        if (Editor->Cursor > 0)
            RtlpMoveTo(Editor, Editor->Cursor - 1);
        break;
    case KeyRight:
        if (Editor->Cursor < Editor->Length)
            RtlpMoveTo(Editor, Editor->Cursor + 1);
        break;
    case KeyHome:
        RtlpMoveTo(Editor, 0);
        break;
    case KeyEnd:
        RtlpMoveTo(Editor, Editor->Length);
        break;
    case KeyUp:
        RtlpBrowse(Editor, TRUE);
        break;
    case KeyDown:
        RtlpBrowse(Editor, FALSE);
        break;
    case KeyEraseLine:
        RtlpReplaceLine(Editor, "");
        break;
    case KeyEraseToEnd:
        RtlpEraseToEnd(Editor);
        break;
    case KeyCancel:
        RtlpMoveTo(Editor, Editor->Length);
        RtlpPutString(Editor, "^C\n", 3);
        Editor->Length = Editor->Cursor = 0;
        return RtlLineCancelled;
    case KeyTab:
        return RtlLineComplete;
    case KeyRefused:
        RtlpPut(Editor, '\a');
        break;
    case KeyNone:
        break;
    }
    return RtlLineNone;
}

VOID RtlEraseLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context)
{
    RtlpSetSink(Editor, Sink, Context);
    if (Editor->PromptLength + Editor->Length < RTL_LINE_SCREEN_WIDTH) {
        RtlpPutString(Editor, "\r\x1b[K", 4); /* one row: clear it */
    } else {
        /* It may wrap, and BS does not climb back over a wrap: leave it on
           the screen and continue below it. */
        ULONG cursor = Editor->Cursor;
        RtlpMoveTo(Editor, Editor->Length);
        Editor->Cursor = cursor; /* where it will be when redrawn */
        RtlpPut(Editor, '\n');
    }
}

VOID RtlRedrawLine(RTL_LINE_EDITOR *Editor, PRTL_FORMAT_SINK Sink, PVOID Context)
{
    RtlpSetSink(Editor, Sink, Context);
    RtlpPutString(Editor, Editor->Prompt, Editor->PromptLength);
    RtlpPutString(Editor, Editor->Line, Editor->Length);
    RtlpRepeat(Editor, '\b', Editor->Length - Editor->Cursor);
}

PCSTR RtlLineCompletionWord(const RTL_LINE_EDITOR *Editor, ULONG *Length)
{
    ULONG start = 0;
    while (start < Editor->Cursor && Editor->Line[start] == ' ')
        start++;
    for (ULONG i = start; i < Editor->Cursor; i++) {
        if (Editor->Line[i] == ' ')
            return NULL; /* the cursor is past the first word */
    }
    if (Editor->Cursor < Editor->Length && Editor->Line[Editor->Cursor] != ' ')
        return NULL; /* in the middle of it */
    *Length = Editor->Cursor - start;
    return Editor->Line + start;
}

/* How many of Names start with Word[0..Length), and the longest prefix
   the first match shares with every other (*Shared characters). */
static ULONG RtlpMatchNames(PCSTR Word, ULONG Length, PCSTR const Names[], ULONG Count,
                            PCSTR *First, ULONG *Shared)
{
    ULONG matches = 0;
    for (ULONG i = 0; i < Count; i++) {
        if (KL_CRT(strncmp)(Names[i], Word, Length) != 0)
            continue;
        if (matches++ == 0) {
            *First = Names[i];
            *Shared = (ULONG)KL_CRT(strlen)(Names[i]);
            continue;
        }
        ULONG same = 0;
        while (same < *Shared && (*First)[same] == Names[i][same])
            same++;
        *Shared = same;
    }
    return matches;
}

ULONG RtlCompleteLine(RTL_LINE_EDITOR *Editor, PCSTR const Names[], ULONG Count,
                      PRTL_FORMAT_SINK Sink, PVOID Context)
{
    RtlpSetSink(Editor, Sink, Context);
    ULONG length, shared = 0;
    PCSTR first = NULL;
    PCSTR word = RtlLineCompletionWord(Editor, &length);
    ULONG matches = word ? RtlpMatchNames(word, length, Names, Count, &first, &shared) : 0;
    BOOLEAN addSpace = matches == 1 && Editor->Cursor == Editor->Length;
    if (matches == 0 || (shared == length && !addSpace)) {
        RtlpPut(Editor, '\a');
        return matches;
    }
    for (ULONG i = length; i < shared; i++)
        RtlpInsert(Editor, first[i]);
    if (addSpace)
        RtlpInsert(Editor, ' ');
    return 0;
}
