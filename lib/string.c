/*
 * string.c: memory and string routines.
 *
 * Plain byte loops: clear and obviously correct. They are not the hot path
 * of anything this kernel measures; `rep movsb` would be faster on real
 * hardware and is left as an exercise (docs/boot-and-memory.md).
 */
#include "rtl.h"

void *KL_CRT(memcpy)(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *KL_CRT(memmove)(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s || d >= s + n)
        return KL_CRT(memcpy)(dst, src, n);
    while (n--) /* overlapping with dst above src: copy backwards */
        d[n] = s[n];
    return dst;
}

void *KL_CRT(memset)(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int KL_CRT(memcmp)(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
    }
    return 0;
}

size_t KL_CRT(strlen)(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t KL_CRT(strnlen)(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int KL_CRT(strcmp)(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int KL_CRT(strncmp)(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || *a == 0)
            return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}

char *KL_CRT(strchr)(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == 0)
            return NULL;
    }
}

SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    const UCHAR *a = Source1, *b = Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i])
        i++;
    return i;
}

NTSTATUS RtlStringCbCopyA(PSTR Dest, SIZE_T cbDest, PCSTR Source)
{
    if (cbDest == 0)
        return STATUS_INVALID_PARAMETER;
    SIZE_T i = 0;
    for (; i + 1 < cbDest && Source[i]; i++)
        Dest[i] = Source[i];
    Dest[i] = 0;
    return Source[i] ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static int RtlpDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

NTSTATUS RtlParseUlong64(PCSTR String, ULONG64 *Value)
{
    ULONG base = 10;
    if (String[0] == '0' && (String[1] == 'x' || String[1] == 'X')) {
        base = 16;
        String += 2;
    }
    if (*String == 0)
        return STATUS_INVALID_PARAMETER;
    ULONG64 v = 0;
    BOOLEAN overflow = FALSE; /* keep reading: a stray letter makes it no number at all */
    for (; *String; String++) {
        int d = RtlpDigitValue(*String);
        if (d >= (int)base)
            return STATUS_INVALID_PARAMETER;
        if (v > (UINT64_MAX - (ULONG64)d) / base)
            overflow = TRUE;
        v = v * base + (ULONG64)d;
    }
    if (overflow)
        return STATUS_INTEGER_OVERFLOW;
    *Value = v;
    return STATUS_SUCCESS;
}

BOOLEAN RtlStringToUlong64(PCSTR String, ULONG64 *Value)
{
    return NT_SUCCESS(RtlParseUlong64(String, Value));
}
