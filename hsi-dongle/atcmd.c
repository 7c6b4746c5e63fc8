/* atcmd.c: the modem's AT command interpreter (see atcmd.h). */
#include <string.h>

#include "atcmd.h"

#define CR 0x0D
#define LF 0x0A
#define BS 0x08

static void say(struct at_state *s, const char *text)
{
    s->emit(s->ctx, text, strlen(text));
}

/* An information response: "\r\n<text>\r\n". */
static void info(struct at_state *s, const char *text)
{
    say(s, "\r\n");
    say(s, text);
    say(s, "\r\n");
}

static void ok(struct at_state *s)
{
    say(s, "\r\nOK\r\n");
}

static void error(struct at_state *s)
{
    say(s, "\r\nERROR\r\n");
}

void at_reset(struct at_state *s)
{
    s->echo = true;
    s->creg = 1;
    s->download = 0;
    at_discard_line(s);
}

void at_init(struct at_state *s, at_emit_fn emit, void *ctx)
{
    s->emit = emit;
    s->ctx = ctx;
    at_reset(s);
}

void at_discard_line(struct at_state *s)
{
    s->len = 0;
    s->overflow = false;
}

/* A decimal number that is the whole of `text`, at most `max`. */
static bool parse_number(const char *text, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (*text == '\0')
        return false;
    for (; *text; text++) {
        if (*text < '0' || *text > '9')
            return false;
        v = v * 10 + (uint64_t)(*text - '0');
        if (v > max)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

static void creg_command(struct at_state *s, const char *arg)
{
    uint32_t n;

    if (strcmp(arg, "?") == 0) {
        char text[] = "+CREG: n,1";
        text[7] = (char)('0' + s->creg);
        info(s, text);
        ok(s);
    } else if (strcmp(arg, "=?") == 0) {
        info(s, "+CREG: (0-2)");
        ok(s);
    } else if (arg[0] == '=' && parse_number(arg + 1, 2, &n)) {
        s->creg = (uint8_t)n;
        ok(s);
    } else {
        error(s);
    }
}

static void kdata_command(struct at_state *s, const char *arg)
{
    uint32_t n;

    if (arg[0] == '=' && parse_number(arg + 1, AT_DOWNLOAD_MAX, &n) && n > 0) {
        ok(s);
        s->download = n; /* the modem starts sending after the OK */
    } else {
        error(s);
    }
}

/* `cmd` is the upper-cased line after "AT". */
static void execute(struct at_state *s, const char *cmd)
{
    if (strcmp(cmd, "") == 0) {
        ok(s);
    } else if (strcmp(cmd, "I") == 0 || strcmp(cmd, "I0") == 0) {
        info(s, "KeLab Virtual HSI Modem\r\nRevision: 1.0");
        ok(s);
    } else if (strcmp(cmd, "Z") == 0) {
        at_reset(s);
        ok(s);
    } else if (strcmp(cmd, "E") == 0 || strcmp(cmd, "E0") == 0) {
        s->echo = false;
        ok(s);
    } else if (strcmp(cmd, "E1") == 0) {
        s->echo = true;
        ok(s);
    } else if (strcmp(cmd, "+CGMI") == 0) {
        info(s, "KeLab");
        ok(s);
    } else if (strcmp(cmd, "+CGMM") == 0) {
        info(s, "HSI-1");
        ok(s);
    } else if (strcmp(cmd, "+CGMR") == 0) {
        info(s, "1.0");
        ok(s);
    } else if (strcmp(cmd, "+CGSN") == 0) {
        info(s, "358240051111110");
        ok(s);
    } else if (strcmp(cmd, "+CSQ") == 0) {
        info(s, "+CSQ: 23,99");
        ok(s);
    } else if (strncmp(cmd, "+CREG", 5) == 0) {
        creg_command(s, cmd + 5);
    } else if (strncmp(cmd, "+KDATA", 6) == 0) {
        kdata_command(s, cmd + 6);
    } else {
        error(s);
    }
}

static void end_of_line(struct at_state *s)
{
    char upper[AT_LINE_MAX];
    size_t n = s->len;

    while (n > 0 && s->line[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = s->line[i];
        upper[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    upper[n] = '\0';
    if (s->overflow)
        error(s);
    else if (n >= 2 && upper[0] == 'A' && upper[1] == 'T')
        execute(s, upper + 2);
    /* A line that is not a command is noise on the line: ignored, as a
     * real modem does. */
    at_discard_line(s);
}

void at_input(struct at_state *s, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)in[i];

        if (c == '\0')
            continue; /* padding to whole 32-bit frames */
        if (s->echo)
            s->emit(s->ctx, &c, 1);
        if (c == CR) {
            end_of_line(s);
        } else if (c == LF) {
            continue;
        } else if (c == BS) {
            if (s->len > 0)
                s->len--;
        } else if (s->len < AT_LINE_MAX - 1) {
            s->line[s->len++] = c;
        } else {
            s->overflow = true;
        }
    }
}

void at_unsolicited(struct at_state *s)
{
    if (s->creg == 1)
        info(s, "+CREG: 1");
    else if (s->creg == 2)
        info(s, "+CREG: 1,\"00A1\",\"0B2C\"");
}
