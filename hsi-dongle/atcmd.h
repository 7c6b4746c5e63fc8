/*
 * atcmd.h: the modem's AT command interpreter (V.250 style, a small set).
 *
 * Input is a byte stream (the AT channel's payload, NUL padding ignored);
 * a command line ends with CR. Output goes through `emit`, so this file
 * allocates nothing and the modem decides how replies travel:
 *
 *   AT ATI ATZ ATE0 ATE1 AT+CGMI AT+CGMM AT+CGMR AT+CGSN AT+CSQ
 *   AT+CREG? AT+CREG=? AT+CREG=<0..2>
 *   AT+KDATA=<n>  "download": n bytes (rounded up to whole frames) of a
 *                 known pattern on the data channel
 *   anything else starting with AT: ERROR; lines without AT are ignored
 *
 * With echo on (the default, as on real modems) every character is sent
 * back as it arrives; replies are "\r\n<text>\r\n" then "\r\nOK\r\n".
 */
#ifndef ATCMD_H
#define ATCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AT_LINE_MAX     256
#define AT_DOWNLOAD_MAX (16u * 1024 * 1024)

typedef void (*at_emit_fn)(void *ctx, const char *text, size_t len);

struct at_state {
    bool echo;         /* ATE */
    uint8_t creg;      /* +CREG: 0 quiet, 1 or 2 unsolicited reports */
    uint32_t download; /* bytes asked for by AT+KDATA, for the modem to take */
    char line[AT_LINE_MAX];
    size_t len;
    bool overflow;
    at_emit_fn emit;
    void *ctx;
};

void at_init(struct at_state *s, at_emit_fn emit, void *ctx);
/* Power-on defaults (also ATZ): echo on, registration reports on. */
void at_reset(struct at_state *s);
void at_input(struct at_state *s, const uint8_t *in, size_t n);
/* Forgets a half-typed line (a break). */
void at_discard_line(struct at_state *s);
/* The periodic registration report, if enabled. */
void at_unsolicited(struct at_state *s);

/* The AT+KDATA pattern: byte i of a download. */
static inline uint8_t at_download_byte(uint32_t i)
{
    return (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
}

#endif /* ATCMD_H */
