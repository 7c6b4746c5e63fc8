/*
 * shell.c: the interactive shell on the serial console.
 *
 * It reads a line, splits it into words and runs the command whose name is
 * the first word. Commands register themselves with KD_COMMAND (kd.h) in
 * the file of the subsystem they report on; this file only knows how to
 * find them in the .kshell linker section.
 */
#include "kd.h"
#include "hal.h"

#define KD_LINE_MAX 128
#define KD_PROMPT   "kelab> "

extern const KD_COMMAND_ENTRY __kshell_start[], __kshell_end[];

static const KD_COMMAND_ENTRY *KdFindCommand(PCSTR Name)
{
    for (const KD_COMMAND_ENTRY *c = __kshell_start; c < __kshell_end; c++) {
        if (strcmp(c->Name, Name) == 0)
            return c;
    }
    return NULL;
}

/* Reads a line with echo; Backspace/Delete erase, Ctrl-U clears the line,
   Ctrl-C abandons it. Characters beyond the buffer are refused with a bell
   rather than silently dropped. */
static VOID KdReadLine(PSTR Line, SIZE_T Size)
{
    SIZE_T n = 0;
    for (;;) {
        CHAR c = HalSerialWaitChar();
        if (c == '\r' || c == '\n') {
            DbgPrint("\n");
            break;
        } else if (c == 0x08 || c == 0x7F) {
            if (n > 0) {
                n--;
                DbgPrint("\b \b");
            }
        } else if (c == 0x15) { /* Ctrl-U */
            for (; n > 0; n--)
                DbgPrint("\b \b");
        } else if (c == 0x03) { /* Ctrl-C */
            DbgPrint("^C\n");
            n = 0;
            break;
        } else if (c >= 0x20 && c < 0x7F && n + 1 < Size) {
            Line[n++] = c;
            DbgPrint("%c", c);
        } else if (c >= 0x20) {
            DbgPrint("\a");
        }
    }
    Line[n] = 0;
}

/* Splits Line in place at spaces; returns the number of words, or
   KD_MAX_ARGS + 1 if there were too many. */
static ULONG KdSplit(PSTR Line, PCSTR Argv[KD_MAX_ARGS])
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

static VOID KdExecute(PSTR Line)
{
    PCSTR argv[KD_MAX_ARGS];
    ULONG argc = KdSplit(Line, argv);
    if (argc == 0)
        return;
    if (argc > KD_MAX_ARGS) {
        DbgPrint("too many words: a command takes at most %u arguments after its name\n",
                 KD_MAX_ARGS - 1);
        return;
    }
    const KD_COMMAND_ENTRY *c = KdFindCommand(argv[0]);
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

VOID KdRunShell(VOID)
{
    CHAR line[KD_LINE_MAX];
    DbgPrint("Type 'help' for commands.\n");
    for (;;) {
        DbgPrint(KD_PROMPT);
        KdReadLine(line, sizeof(line));
        KdExecute(line);
    }
}

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

static VOID KdPrintCommand(const KD_COMMAND_ENTRY *c)
{
    DbgPrint("  %-10s %-18s %s\n", c->Name, c->Usage, c->Help);
}

static VOID KdHelp(ULONG Argc, PCSTR Argv[])
{
    if (Argc > 2) {
        DbgPrint("usage: help [command]\n");
        return;
    }
    if (Argc == 2) {
        const KD_COMMAND_ENTRY *c = KdFindCommand(Argv[1]);
        if (c == NULL)
            DbgPrint("help: no command '%s'\n", Argv[1]);
        else
            KdPrintCommand(c);
        return;
    }
    /* Alphabetically: each pass prints the first name after the last one
       printed (the linker section is in no useful order). */
    PCSTR last = "";
    for (;;) {
        const KD_COMMAND_ENTRY *next = NULL;
        for (const KD_COMMAND_ENTRY *c = __kshell_start; c < __kshell_end; c++) {
            if (strcmp(c->Name, last) > 0 && (next == NULL || strcmp(c->Name, next->Name) < 0))
                next = c;
        }
        if (next == NULL)
            break;
        KdPrintCommand(next);
        last = next->Name;
    }
}
KD_COMMAND(help, "[command]", "list the commands, or describe one", KdHelp);
