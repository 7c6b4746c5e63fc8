/*
 * fuzz_lineedit.c: libFuzzer target for the shell's line editor, which
 * reads whatever the serial line brings (outside input). Every byte is a
 * key; Tab completes against a few names, NUL stands for other output
 * arriving (the line is erased and redrawn), and each Enter, refusal or
 * Ctrl-C starts a new line. After every byte the editor's invariants
 * must hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lineedit.h"

static void Discard(PVOID Context, CHAR c)
{
    (void)Context;
    (void)c;
}

static void CheckInvariants(const RTL_LINE_EDITOR *Editor)
{
    if (Editor->Cursor > Editor->Length || Editor->Length >= RTL_LINE_MAX)
        abort();
    for (ULONG i = 0; i < Editor->Length; i++) {
        if (Editor->Line[i] < 0x20 || Editor->Line[i] > 0x7E)
            abort(); /* only text gets into a line */
    }
    for (ULONG i = 0; i < Editor->HistoryCount; i++) {
        if (strnlen(
                Editor->History[(Editor->HistoryNewest + RTL_LINE_HISTORY - i) % RTL_LINE_HISTORY],
                RTL_LINE_MAX) == RTL_LINE_MAX)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    static const char *const names[] = {"threads", "timer", "help", "halt", "irql", "irps"};
    static RTL_LINE_EDITOR editor;
    RtlInitializeLineEditor(&editor, "kelab> ");
    RtlBeginLine(&editor, Discard, NULL);
    for (size_t i = 0; i < Size; i++) {
        if (Data[i] == 0) {
            RtlEraseLine(&editor, Discard, NULL);
            RtlRedrawLine(&editor, Discard, NULL);
            continue;
        }
        RTL_LINE_EVENT event = RtlLineInput(&editor, (CHAR)Data[i], Discard, NULL);
        if (event == RtlLineComplete)
            RtlCompleteLine(&editor, names, 6, Discard, NULL);
        CheckInvariants(&editor);
        if (event == RtlLineEntered && strlen(editor.Line) != editor.Length)
            abort();
        if (event == RtlLineEntered || event == RtlLineTooLong || event == RtlLineCancelled)
            RtlBeginLine(&editor, Discard, NULL);
    }
    return 0;
}
