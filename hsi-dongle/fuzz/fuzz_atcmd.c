/*
 * fuzz_atcmd.c: the modem's AT command interpreter under libFuzzer.
 *
 * Any byte stream goes in, a bounded reply must come out: the echo of
 * what was typed plus at most a fixed amount per completed line.
 */
#include <stdlib.h>

#include "atcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const char *text, size_t len)
{
    (void)text;
    *(size_t *)ctx += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct at_state at;
    size_t out = 0, lines = 1;

    at_init(&at, count, &out);
    at_input(&at, data, size);
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\r';
    if (out > size + lines * 128)
        abort(); /* replies are short: nothing may run away */
    if (at.download > AT_DOWNLOAD_MAX || at.len >= AT_LINE_MAX)
        abort();
    at_unsolicited(&at);
    return 0;
}
