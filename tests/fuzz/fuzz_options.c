/*
 * fuzz_options.c: libFuzzer target for the boot option parser and the
 * glob matcher, which read the kernel command line (outside input).
 * Input: a key, a NUL, a command line, a NUL, a glob pattern.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rtl.h"

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    char *text = malloc(Size + 3);
    memcpy(text, Data, Size);
    text[Size] = text[Size + 1] = text[Size + 2] = 0;
    const char *key = text;
    const char *cmdline = key + strlen(key) + 1;
    const char *pattern = cmdline + strlen(cmdline) + 1;
    if (pattern > text + Size + 2)
        pattern = text + Size + 2;

    char value[16];
    NTSTATUS status = RtlGetCommandLineOption(cmdline, key, value, sizeof(value));
    if (status != STATUS_NOT_FOUND && strnlen(value, sizeof(value)) == sizeof(value))
        abort(); /* the value must always be terminated */
    RtlGlobMatch(pattern, cmdline);
    RtlGlobListMatch(pattern, cmdline);
    free(text);
    return 0;
}
