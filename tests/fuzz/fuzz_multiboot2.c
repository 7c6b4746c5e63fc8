/*
 * fuzz_multiboot2.c: libFuzzer target for Mb2ParseBootInformation.
 * Whatever the bytes, the parser must return (success or an error with a
 * message), never read outside the buffer, and on success hand back a
 * sorted, disjoint memory map.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "multiboot2.h"

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    static MB2_INFO info;
    /* An exactly sized heap buffer (malloc aligns it to 16), so that
       AddressSanitizer sees any read past the end. */
    uint8_t *buffer = malloc(Size ? Size : 1);
    memcpy(buffer, Data, Size);
    if (Mb2ParseBootInformation(buffer, Size, &info) == STATUS_SUCCESS) {
        for (ULONG i = 1; i < info.RegionCount; i++) {
            const MB2_REGION *a = &info.Regions[i - 1], *b = &info.Regions[i];
            if (a->Base + a->Length > b->Base || a->Length == 0)
                abort();
        }
        if (strnlen(info.CommandLine, sizeof(info.CommandLine)) == sizeof(info.CommandLine))
            abort();
    } else if (info.Error[0] == 0) {
        abort(); /* every failure must say why */
    }
    free(buffer);
    return 0;
}
