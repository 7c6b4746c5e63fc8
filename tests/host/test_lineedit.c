/*
 * test_lineedit.c: the shell's line editor (lib/lineedit.c), typed at
 * through a small terminal emulator.
 *
 * The emulator understands what the editor may write (printable
 * characters, BS, CR, LF, BEL and ESC [ K) and fails on anything else;
 * after each key the test compares the row the cursor is on, and the
 * cursor's column, with the line the editor says it holds. So every
 * check is on what a person at the terminal would see.
 */
#include <stdio.h>

#include "ktap.h"
#include "lineedit.h"

#define ROWS   8
#define WIDTH  200
#define PROMPT "kelab> "

typedef struct {
    char Screen[ROWS][WIDTH + 1];
    int Row, Column, Width;
    int Bells;
    int Escape; /* 0, or how many bytes of ESC [ K have come */
    int Bad;    /* bytes the editor should never write */
} TERMINAL;

static void TermScroll(TERMINAL *t)
{
    if (++t->Row < ROWS)
        return;
    memmove(t->Screen[0], t->Screen[1], sizeof(t->Screen[0]) * (ROWS - 1));
    memset(t->Screen[ROWS - 1], ' ', WIDTH);
    t->Row = ROWS - 1;
}

static void TermPut(PVOID Context, CHAR c)
{
    TERMINAL *t = Context;
    if (t->Escape) {
        static const char sequence[] = "\x1b[K";
        if (c != sequence[t->Escape])
            t->Bad++;
        else if (++t->Escape == 3) {
            memset(t->Screen[t->Row] + t->Column, ' ', t->Width - t->Column);
            t->Escape = 0;
        }
        return;
    }
    switch (c) {
    case 0x1B:
        t->Escape = 1;
        return;
    case '\a':
        t->Bells++;
        return;
    case '\b':
        if (t->Column > 0) /* a VT100 does not climb back over a wrap */
            t->Column--;
        return;
    case '\r':
        t->Column = 0;
        return;
    case '\n': /* the kernel's console turns LF into CR LF */
        t->Column = 0;
        TermScroll(t);
        return;
    }
    if (c < 0x20 || c > 0x7E) {
        t->Bad++;
        return;
    }
    if (t->Column == t->Width) { /* autowrap */
        t->Column = 0;
        TermScroll(t);
    }
    t->Screen[t->Row][t->Column++] = c;
}

static void TermInit(TERMINAL *t, int Width)
{
    memset(t, 0, sizeof(*t));
    for (int r = 0; r < ROWS; r++) {
        memset(t->Screen[r], ' ', WIDTH);
        t->Screen[r][WIDTH] = 0;
    }
    t->Width = Width;
}

/* The cursor's row without its trailing blanks. */
static const char *TermRow(const TERMINAL *t, int Row)
{
    static char row[WIDTH + 1];
    memcpy(row, t->Screen[Row], t->Width);
    int n = t->Width;
    while (n > 0 && row[n - 1] == ' ')
        n--;
    row[n] = 0;
    return row;
}

static RTL_LINE_EDITOR Editor;
static TERMINAL Term;

static void Begin(void)
{
    RtlBeginLine(&Editor, TermPut, &Term);
}

/* Types Keys; returns the last event. */
static RTL_LINE_EVENT Type(const char *Keys)
{
    RTL_LINE_EVENT event = RtlLineNone;
    for (; *Keys; Keys++)
        event = RtlLineInput(&Editor, *Keys, TermPut, &Term);
    return event;
}

static const char *Line(void)
{
    static char line[RTL_LINE_MAX];
    memcpy(line, Editor.Line, Editor.Length);
    line[Editor.Length] = 0;
    return line;
}

/* Text without its trailing blanks, as TermRow gives a row. */
static const char *Trimmed(const char *Text)
{
    static char trimmed[WIDTH + 1];
    snprintf(trimmed, sizeof(trimmed), "%s", Text);
    for (size_t n = strlen(trimmed); n > 0 && trimmed[n - 1] == ' '; n--)
        trimmed[n - 1] = 0;
    return trimmed;
}

/* What the screen shows is the prompt and the line, the cursor in place. */
#define CHECK_SCREEN(text, cursor)                                                                 \
    do {                                                                                           \
        CHECK_STR(TermRow(&Term, Term.Row), Trimmed(PROMPT text));                                 \
        CHECK_EQ(Term.Column, (int)strlen(PROMPT) + (cursor));                                     \
        CHECK_STR(Line(), text);                                                                   \
        CHECK_EQ(Editor.Cursor, (cursor));                                                         \
        CHECK_EQ(Term.Bad, 0);                                                                     \
    } while (0)

static void Fresh(int Width)
{
    TermInit(&Term, Width);
    RtlInitializeLineEditor(&Editor, PROMPT);
    Begin();
}

static void test_typing_and_enter(void)
{
    Fresh(WIDTH);
    CHECK_SCREEN("", 0);
    CHECK_EQ(Type("help"), RtlLineNone);
    CHECK_SCREEN("help", 4);
    CHECK_EQ(Type("\r"), RtlLineEntered);
    CHECK_STR(Editor.Line, "help");
    CHECK_STR(TermRow(&Term, 0), PROMPT "help");
    CHECK_EQ(Term.Row, 1);
    CHECK_EQ(Term.Column, 0);
}

static void test_cr_lf_is_one_enter(void)
{
    Fresh(WIDTH);
    CHECK_EQ(Type("ls\r"), RtlLineEntered);
    Begin();
    CHECK_EQ(Type("\n"), RtlLineNone);    /* the LF of CR LF */
    CHECK_EQ(Type("\n"), RtlLineEntered); /* a second LF is an Enter of its own */
}

static void test_left_right_and_insert_in_the_middle(void)
{
    Fresh(WIDTH);
    Type("hlp");
    Type("\x1b[D\x1b[D");
    CHECK_SCREEN("hlp", 1);
    Type("e");
    CHECK_SCREEN("help", 2);
    Type("\x1b[C");
    CHECK_SCREEN("help", 3);
    Type("\x1bOD\x1bOC\x1bOC"); /* application-mode arrows */
    CHECK_SCREEN("help", 4);
    Type("\x1b[C"); /* at the end: stays */
    CHECK_SCREEN("help", 4);
    Type("\x02\x02\x06"); /* Ctrl-B, Ctrl-B, Ctrl-F */
    CHECK_SCREEN("help", 3);
}

static void test_home_and_end_in_every_spelling(void)
{
    static const char *const homes[] = {"\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~", "\x01"};
    static const char *const ends[] = {"\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~", "\x05"};
    for (int i = 0; i < 5; i++) {
        Fresh(WIDTH);
        Type("abc");
        Type(homes[i]);
        CHECK_SCREEN("abc", 0);
        Type("X");
        CHECK_SCREEN("Xabc", 1);
        Type(ends[i]);
        CHECK_SCREEN("Xabc", 4);
    }
}

static void test_deleting(void)
{
    Fresh(WIDTH);
    Type("abcdef");
    Type("\x7f");
    CHECK_SCREEN("abcde", 5);
    Type("\b");
    CHECK_SCREEN("abcd", 4);
    Type("\x1b[D\x1b[D");
    Type("\x1b[3~");
    CHECK_SCREEN("abd", 2);
    Type("\x04"); /* Ctrl-D */
    CHECK_SCREEN("ab", 2);
    Type("\x1b[3~"); /* nothing under the cursor */
    CHECK_SCREEN("ab", 2);
    Type("\x01\x7f"); /* backspace at the start */
    CHECK_SCREEN("ab", 0);
    Type("\x1b[C\x0b"); /* Ctrl-K: to the end */
    CHECK_SCREEN("a", 1);
    Type("xyz\x1b[D\x15"); /* Ctrl-U: the whole line */
    CHECK_SCREEN("", 0);
}

static void test_history(void)
{
    Fresh(WIDTH);
    const char *lines[] = {"one\r", "two\r", "two\r", "three\r"};
    for (int i = 0; i < 4; i++) {
        Type(lines[i]);
        Begin();
    }
    Type("dra");
    Type("\x1b[A");
    CHECK_SCREEN("three", 5);
    Type("\x1b[A");
    CHECK_SCREEN("two", 3); /* the same line twice in a row is one entry */
    Type("\x1bOA");
    CHECK_SCREEN("one", 3);
    int bells = Term.Bells;
    Type("\x1b[A"); /* nothing older */
    CHECK_SCREEN("one", 3);
    CHECK_EQ(Term.Bells, bells + 1);
    Type("\x1b[B\x0e"); /* Down, Ctrl-N */
    CHECK_SCREEN("three", 5);
    Type("\x1b[B");
    CHECK_SCREEN("dra", 3); /* back to what was being typed */
    Type("\x10");           /* Ctrl-P, then edit the recalled line and enter it */
    Type("\x7f\x7f\x7f\x7f\x7fTHREE");
    CHECK_EQ(Type("\r"), RtlLineEntered);
    CHECK_STR(Editor.Line, "THREE");
    Begin();
    Type("\x1b[A");
    CHECK_SCREEN("THREE", 5);
    Type("\x1b[A");
    CHECK_SCREEN("three", 5); /* the entry recalled was not changed */
}

static void test_history_keeps_the_newest(void)
{
    Fresh(WIDTH);
    char line[16];
    for (int i = 0; i < RTL_LINE_HISTORY + 5; i++) {
        snprintf(line, sizeof(line), "c%d\r", i);
        Type(line);
        Begin();
    }
    for (int i = 0; i < RTL_LINE_HISTORY; i++)
        Type("\x1b[A");
    snprintf(line, sizeof(line), "c%d", 5);
    CHECK_STR(Line(), line);
    int bells = Term.Bells;
    Type("\x1b[A");
    CHECK_EQ(Term.Bells, bells + 1);
}

static void test_an_overlong_line_is_refused_whole(void)
{
    Fresh(WIDTH);
    for (int i = 0; i < 200; i++)
        Type("x");
    CHECK_EQ(Editor.Length, RTL_LINE_MAX - 1);
    CHECK_EQ(Term.Bells, 200 - (RTL_LINE_MAX - 1));
    CHECK_EQ(Type("\r"), RtlLineTooLong);
    Begin();
    CHECK_EQ(Type("\x1b[A"), RtlLineNone); /* not remembered either */
    CHECK_SCREEN("", 0);
    /* Refused, then edited: the person sees what will run. */
    for (int i = 0; i < RTL_LINE_MAX; i++)
        Type("y");
    Type("\x7f");
    CHECK_EQ(Type("\r"), RtlLineEntered);
}

static void test_unknown_sequences_are_swallowed(void)
{
    Fresh(WIDTH);
    Type("a\x1b[15~b\x1b[200~c\x1b[Zd\x1b[2~e\x1bOPf"); /* F5, paste start, Shift-Tab, Insert, F1 */
    CHECK_SCREEN("abcdef", 6);
    Type("\x1b[1;5D"); /* Ctrl-Left moves like Left */
    CHECK_SCREEN("abcdef", 5);
    Type("\x1bx"); /* Alt-x: the ESC is dropped */
    CHECK_SCREEN("abcdexf", 6);
    Type("\x1b[\x03"); /* a sequence cut short by Ctrl-C */
    CHECK_EQ(Editor.Length, 0);
}

static void test_bytes_that_are_not_text(void)
{
    Fresh(WIDTH);
    Type("a\x80\xff\x07\x12z");
    CHECK_SCREEN("az", 2);
    CHECK_EQ(Term.Bells, 2);
}

static void test_cancel(void)
{
    Fresh(WIDTH);
    Type("abc\x1b[D");
    CHECK_EQ(Type("\x03"), RtlLineCancelled);
    CHECK_STR(TermRow(&Term, 0), PROMPT "abc^C");
    CHECK_EQ(Term.Row, 1);
}

static const char *const Names[] = {"threads", "timer", "help", "halt", "irql", "irps", "ready"};

static ULONG Complete(void)
{
    CHECK_EQ(Type("\t"), RtlLineComplete);
    return RtlCompleteLine(&Editor, Names, ARRAYSIZE(Names), TermPut, &Term);
}

static void test_tab_completes_command_names(void)
{
    Fresh(WIDTH);
    Type("th");
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("threads ", 8);

    Fresh(WIDTH);
    Type("  he");
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("  help ", 7);

    Fresh(WIDTH);
    Type("ir");
    CHECK_EQ(Complete(), 2); /* irql, irps: nothing to add */
    CHECK_SCREEN("ir", 2);
    CHECK_EQ(Term.Bells, 1);

    Fresh(WIDTH);
    Type("t");
    CHECK_EQ(Complete(), 2);
    Type("i");
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("timer ", 6);

    Fresh(WIDTH);
    Type("h");
    CHECK_EQ(Complete(), 2); /* help, halt */

    Fresh(WIDTH);
    Type("zz");
    CHECK_EQ(Complete(), 0);
    CHECK_EQ(Term.Bells, 1);

    Fresh(WIDTH);
    Type("help th"); /* only the command name completes */
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("help th", 7);

    Fresh(WIDTH);
    Type("re 1\x1b[D\x1b[D"); /* at the end of the first word, with more after it */
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("ready 1", 5);

    Fresh(WIDTH);
    Type("thr\x1b[D"); /* in the middle of a word */
    CHECK_EQ(Complete(), 0);
    CHECK_SCREEN("thr", 2);
}

static void test_erase_and_redraw_around_other_output(void)
{
    Fresh(WIDTH);
    Type("irps\x1b[D");
    RtlEraseLine(&Editor, TermPut, &Term);
    CHECK_STR(TermRow(&Term, Term.Row), "");
    CHECK_EQ(Term.Column, 0);
    for (const char *m = "timer: request 1 done\n"; *m; m++)
        TermPut(&Term, *m);
    RtlRedrawLine(&Editor, TermPut, &Term);
    CHECK_STR(TermRow(&Term, 0), "timer: request 1 done");
    CHECK_SCREEN("irps", 3);
    Type("x");
    CHECK_SCREEN("irpxs", 4);
}

static void test_a_line_wider_than_the_terminal(void)
{
    Fresh(80);
    char text[101];
    memset(text, 'w', 100);
    text[100] = 0;
    Type(text);
    CHECK_EQ(Term.Row, 1); /* wrapped once */
    RtlEraseLine(&Editor, TermPut, &Term);
    CHECK_EQ(Term.Row, 2); /* left on the screen; the output goes below it */
    CHECK_EQ(Term.Column, 0);
    RtlRedrawLine(&Editor, TermPut, &Term);
    CHECK_EQ(Term.Row, 3);
    CHECK_EQ(Term.Column, (int)strlen(PROMPT) + 100 - 80);
    CHECK_EQ(Term.Bad, 0);
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_typing_and_enter),
    KTAP_CASE(test_cr_lf_is_one_enter),
    KTAP_CASE(test_left_right_and_insert_in_the_middle),
    KTAP_CASE(test_home_and_end_in_every_spelling),
    KTAP_CASE(test_deleting),
    KTAP_CASE(test_history),
    KTAP_CASE(test_history_keeps_the_newest),
    KTAP_CASE(test_an_overlong_line_is_refused_whole),
    KTAP_CASE(test_unknown_sequences_are_swallowed),
    KTAP_CASE(test_bytes_that_are_not_text),
    KTAP_CASE(test_cancel),
    KTAP_CASE(test_tab_completes_command_names),
    KTAP_CASE(test_erase_and_redraw_around_other_output),
    KTAP_CASE(test_a_line_wider_than_the_terminal),
};

int main(void)
{
    return KtapMain("lib.lineedit", cases, ARRAYSIZE(cases));
}
