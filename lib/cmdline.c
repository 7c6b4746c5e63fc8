/*
 * cmdline.c: reading "key=value" options from the kernel command line.
 *
 * GRUB passes whatever follows the kernel path on its multiboot2 line, e.g.
 *   kelab.mode=test kelab.filter=pool.*,ke.* kelab.cpus=4
 * Options are separated by spaces; a value runs to the next space. When a
 * key appears twice the last one wins, so a runner can append overrides.
 */
#include "rtl.h"

static BOOLEAN RtlpIsSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

NTSTATUS RtlGetCommandLineOption(PCSTR CommandLine, PCSTR Key, PSTR Value, SIZE_T cbValue)
{
    SIZE_T keylen = KL_CRT(strlen)(Key);
    PCSTR found = NULL;
    SIZE_T foundlen = 0;

    for (PCSTR p = CommandLine; *p;) {
        while (RtlpIsSpace(*p))
            p++;
        PCSTR word = p;
        while (*p && !RtlpIsSpace(*p))
            p++;
        SIZE_T wordlen = (SIZE_T)(p - word);
        if (wordlen < keylen || KL_CRT(strncmp)(word, Key, keylen) != 0)
            continue;
        if (wordlen == keylen) { /* bare key */
            found = word + wordlen;
            foundlen = 0;
        } else if (word[keylen] == '=') {
            found = word + keylen + 1;
            foundlen = wordlen - keylen - 1;
        }
    }
    if (found == NULL)
        return STATUS_NOT_FOUND;
    if (cbValue == 0)
        return STATUS_BUFFER_OVERFLOW;
    SIZE_T n = foundlen < cbValue - 1 ? foundlen : cbValue - 1;
    RtlCopyMemory(Value, found, n);
    Value[n] = 0;
    return n == foundlen ? STATUS_SUCCESS : STATUS_BUFFER_OVERFLOW;
}
