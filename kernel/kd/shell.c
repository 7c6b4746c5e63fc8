/*
 * shell.c: the interactive shell on the serial console.
 *
 * It reads a line with the line editor (lib/lineedit.c: history, cursor
 * keys, Tab to complete a command's name), splits it into words and runs
 * the command whose name is the first word. Commands register themselves
 * with KD_COMMAND (wdm.h), each in the shell.c of the component whose
 * state it shows; this file only knows how to find them in the .kshell
 * linker section, and the helpers they share.
 */
#include "kdp.h"
#include "hal.h"

#define KD_PROMPT       "kelab> "
#define KD_SNAPSHOT_TAG 'pnSK'
#define KD_COMPLETE_TAG 'bTSK'

extern const KD_COMMAND_ENTRY __kshell_start[], __kshell_end[];

static const KD_COMMAND_ENTRY *KdpFindCommand(PCSTR Name)
{
    for (const KD_COMMAND_ENTRY *c = __kshell_start; c < __kshell_end; c++) {
        if (strcmp(c->Name, Name) == 0)
            return c;
    }
    return NULL;
}

/* The commands in alphabetical order: the first after Last ("" for the
   first), NULL after the last. The linker section is in no useful order. */
static const KD_COMMAND_ENTRY *KdpNextCommand(PCSTR Last)
{
    const KD_COMMAND_ENTRY *next = NULL;
    for (const KD_COMMAND_ENTRY *c = __kshell_start; c < __kshell_end; c++) {
        if (strcmp(c->Name, Last) > 0 && (next == NULL || strcmp(c->Name, next->Name) < 0))
            next = c;
    }
    return next;
}

/* ---- running a line -------------------------------------------------------------- */

/* Splits Line in place at spaces; returns the number of words, or
   KD_MAX_ARGS + 1 if there were too many. */
static ULONG KdpSplit(PSTR Line, PCSTR Argv[KD_MAX_ARGS])
{
    ULONG argc = 0;
    for (PSTR p = Line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (*p == 0)
            break;
        if (argc == KD_MAX_ARGS)
            return KD_MAX_ARGS + 1;
        Argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return argc;
}

static VOID KdpExecute(PSTR Line)
{
    PCSTR argv[KD_MAX_ARGS];
    ULONG argc = KdpSplit(Line, argv);
    if (argc == 0)
        return;
    if (argc > KD_MAX_ARGS) {
        DbgPrint("too many words: a command takes at most %u arguments after its name\n",
                 KD_MAX_ARGS - 1);
        return;
    }
    const KD_COMMAND_ENTRY *c = KdpFindCommand(argv[0]);
    if (c == NULL) {
        DbgPrint("unknown command '%s'; type 'help' for the list\n", argv[0]);
        return;
    }
    if (c->Usage[0] == 0 && argc > 1) { /* commands that declare no arguments */
        DbgPrint("%s takes no arguments\n", c->Name);
        return;
    }
    c->Handler(argc, argv);
}

NTSTATUS KdExecuteCommand(PCSTR Line, PRTL_FORMAT_SINK Sink, PVOID Context)
{
    CHAR line[RTL_LINE_MAX];
    if (!NT_SUCCESS(RtlStringCbCopyA(line, sizeof(line), Line)))
        return STATUS_BUFFER_OVERFLOW;
    if (!KdpBeginCapture(Sink, Context))
        return STATUS_DEVICE_BUSY;
    KdpExecute(line);
    KdpEndCapture();
    return STATUS_SUCCESS;
}

/* ---- reading a line --------------------------------------------------------------- */

/* The names that start with the word being completed, on one line. Only
   this thread changes the line, so it can be read without the console's
   lock. */
static VOID KdpListMatches(const RTL_LINE_EDITOR *Editor)
{
    ULONG length;
    PCSTR word = RtlLineCompletionWord(Editor, &length);
    for (const KD_COMMAND_ENTRY *c = KdpNextCommand(""); c != NULL && word != NULL;
         c = KdpNextCommand(c->Name)) {
        if (strncmp(c->Name, word, length) == 0)
            DbgPrint("%s  ", c->Name);
    }
    DbgPrint("\n");
}

/* Tab: complete the command's name; if several names fit and nothing
   more can be typed for them, list them. */
static VOID KdpComplete(const RTL_LINE_EDITOR *Editor)
{
    ULONG count = (ULONG)(__kshell_end - __kshell_start);
    PCSTR *names = ExAllocatePoolWithTag(NonPagedPool, count * sizeof(PCSTR), KD_COMPLETE_TAG);
    if (names == NULL)
        return; /* no completion this time */
    for (ULONG i = 0; i < count; i++)
        names[i] = __kshell_start[i].Name;
    if (KdpCompleteLine(names, count) > 1)
        KdpListMatches(Editor);
    ExFreePoolWithTag(names, KD_COMPLETE_TAG);
}

static RTL_LINE_EVENT KdpReadLine(RTL_LINE_EDITOR *Editor)
{
    KdpBeginEditing(Editor);
    RTL_LINE_EVENT event;
    do {
        event = KdpEditLine(HalSerialWaitChar());
        if (event == RtlLineComplete)
            KdpComplete(Editor);
    } while (event == RtlLineNone || event == RtlLineComplete);
    KdpEndEditing();
    return event;
}

VOID KdRunShell(VOID)
{
    static RTL_LINE_EDITOR editor; /* the shell's one line, and its history */
    RtlInitializeLineEditor(&editor, KD_PROMPT);
    DbgPrint("Type 'help' for commands; Tab completes a command's name, Up and Down recall "
             "lines.\n");
    for (;;) {
        RTL_LINE_EVENT event = KdpReadLine(&editor);
        if (event == RtlLineEntered)
            KdpExecute(editor.Line);
        else if (event == RtlLineTooLong)
            DbgPrint("line too long: at most %u characters; nothing was run\n", RTL_LINE_MAX - 1);
    }
}

/* ---- helpers for the commands ----------------------------------------------------- */

BOOLEAN KdParseNumber(PCSTR Command, PCSTR Argument, PCSTR Text, ULONG64 Minimum, ULONG64 Maximum,
                      ULONG64 *Value)
{
    ULONG64 value;
    NTSTATUS status = RtlParseUlong64(Text, &value);
    if (status == STATUS_INVALID_PARAMETER) {
        DbgPrint("%s: %s '%s' is not a number (decimal, or hex with 0x)\n", Command, Argument,
                 Text);
        return FALSE;
    }
    if (status == STATUS_INTEGER_OVERFLOW || value < Minimum || value > Maximum) {
        if (Text[0] == '0' && (Text[1] == 'x' || Text[1] == 'X'))
            DbgPrint("%s: %s %s is out of range: 0x%llX to 0x%llX\n", Command, Argument, Text,
                     (unsigned long long)Minimum, (unsigned long long)Maximum);
        else
            DbgPrint("%s: %s %s is out of range: %llu to %llu\n", Command, Argument, Text,
                     (unsigned long long)Minimum, (unsigned long long)Maximum);
        return FALSE;
    }
    *Value = value;
    return TRUE;
}

PVOID KdAllocateSnapshot(PCSTR Command, ULONG Count, SIZE_T Size)
{
    PVOID snapshot = ExAllocatePoolWithTag(NonPagedPool, Count * Size, KD_SNAPSHOT_TAG);
    if (snapshot == NULL)
        DbgPrint("%s: no memory for a snapshot\n", Command);
    return snapshot;
}

VOID KdFreeSnapshot(PVOID Snapshot)
{
    ExFreePoolWithTag(Snapshot, KD_SNAPSHOT_TAG);
}

VOID KdPrintNotShown(ULONG Total, ULONG Shown, PCSTR What)
{
    if (Shown < Total)
        DbgPrint("  ... and %u more %s, not shown\n", Total - Shown, What);
}

/* ---- `help` ------------------------------------------------------------------------ */

static VOID KdpPrintCommand(const KD_COMMAND_ENTRY *c)
{
    DbgPrint("  %-10s %-18s %s\n", c->Name, c->Usage, c->Help);
}

static VOID KdpHelp(ULONG Argc, PCSTR Argv[])
{
    if (Argc > 2) {
        DbgPrint("usage: help [command]\n");
        return;
    }
    if (Argc == 2) {
        const KD_COMMAND_ENTRY *c = KdpFindCommand(Argv[1]);
        if (c == NULL)
            DbgPrint("help: no command '%s'\n", Argv[1]);
        else
            KdpPrintCommand(c);
        return;
    }
    for (const KD_COMMAND_ENTRY *c = KdpNextCommand(""); c != NULL; c = KdpNextCommand(c->Name))
        KdpPrintCommand(c);
    DbgPrint("Keys: Up/Down recall lines, Left/Right/Home/End move, Tab completes a name, "
             "Ctrl-U erases the line, Ctrl-C abandons it.\n");
}
KD_COMMAND(help, "[command]", "list the commands, or describe one", KdpHelp);
