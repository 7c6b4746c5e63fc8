/*
 * rtl.h: the run-time library (NT's "Rtl"): memory and string routines,
 * formatted printing, bitmaps, glob matching and boot-option parsing.
 *
 * Everything in lib/ is freestanding C with no kernel dependency, so the
 * same files are compiled into the kernel and into host unit tests
 * (tests/host/), where they run under AddressSanitizer.
 *
 * The C library names (memcpy, strlen...) are what GCC itself calls for
 * struct copies, so the kernel must provide them under those names. In a
 * host test build (KELAB_HOST) they would collide with the host's libc,
 * so there they get a kl_ prefix: same code, different symbol.
 */
#ifndef KELAB_RTL_H
#define KELAB_RTL_H

#include "ntdef.h"

#ifdef KELAB_HOST
#define KL_CRT(name) kl_##name
#else
#define KL_CRT(name) name
#endif

/* string.c: the C library subset a kernel needs. */
void *KL_CRT(memcpy)(void *dst, const void *src, size_t n);
void *KL_CRT(memmove)(void *dst, const void *src, size_t n);
void *KL_CRT(memset)(void *dst, int c, size_t n);
int KL_CRT(memcmp)(const void *a, const void *b, size_t n);
size_t KL_CRT(strlen)(const char *s);
size_t KL_CRT(strnlen)(const char *s, size_t max);
int KL_CRT(strcmp)(const char *a, const char *b);
int KL_CRT(strncmp)(const char *a, const char *b, size_t n);
char *KL_CRT(strchr)(const char *s, int c);

#define RtlCopyMemory(d, s, n)  KL_CRT(memcpy)((d), (s), (n))
#define RtlMoveMemory(d, s, n)  KL_CRT(memmove)((d), (s), (n))
#define RtlFillMemory(d, n, c)  KL_CRT(memset)((d), (c), (n))
#define RtlZeroMemory(d, n)     KL_CRT(memset)((d), 0, (n))
#define RtlEqualMemory(a, b, n) (KL_CRT(memcmp)((a), (b), (n)) == 0)
/* Returns how many leading bytes are equal (NT semantics, not memcmp's). */
SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length);

/* Copies at most cb-1 bytes and always terminates (when cb > 0); returns
   STATUS_BUFFER_OVERFLOW when the source did not fit, as ntstrsafe does. */
NTSTATUS RtlStringCbCopyA(PSTR Dest, SIZE_T cbDest, PCSTR Source);

/* Parses an unsigned integer in base 10 or, with a 0x prefix, 16. The
   whole string must be a number that fits in 64 bits. RtlParseUlong64
   says what is wrong: STATUS_INVALID_PARAMETER for what is not a number,
   STATUS_INTEGER_OVERFLOW for a number too large for 64 bits. *Value is
   written only on success. */
NTSTATUS RtlParseUlong64(PCSTR String, ULONG64 *Value);
BOOLEAN RtlStringToUlong64(PCSTR String, ULONG64 *Value);

/* format.c: printf-style formatting.
 * Conversions: %d %i %u %x %X %o %c %s %p %%, flags - 0 + space #,
 * width and precision (also *), length modifiers hh h l ll z t j.
 * %p prints 0x and 16 hex digits. A NULL %s prints "(null)". */
typedef void (*PRTL_FORMAT_SINK)(PVOID Context, CHAR Character);
SIZE_T RtlFormatV(PRTL_FORMAT_SINK Sink, PVOID Context, PCSTR Format, va_list Args);
NTSTATUS RtlStringCbVPrintfA(PSTR Dest, SIZE_T cbDest, PCSTR Format, va_list Args);
NTSTATUS RtlStringCbPrintfA(PSTR Dest, SIZE_T cbDest, PCSTR Format, ...)
    __attribute__((format(printf, 3, 4)));

/* bitmap.c: NT's RTL_BITMAP, a bit array over caller-provided ULONGs. */
typedef struct _RTL_BITMAP {
    ULONG SizeOfBitMap; /* bits */
    PULONG Buffer;
} RTL_BITMAP, *PRTL_BITMAP;

#define RTL_BITMAP_NOT_FOUND 0xFFFFFFFFu

VOID RtlInitializeBitMap(PRTL_BITMAP BitMapHeader, PULONG BitMapBuffer, ULONG SizeOfBitMap);
VOID RtlClearAllBits(PRTL_BITMAP BitMapHeader);
VOID RtlSetAllBits(PRTL_BITMAP BitMapHeader);
VOID RtlSetBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToSet);
VOID RtlClearBits(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG NumberToClear);
BOOLEAN RtlTestBit(PRTL_BITMAP BitMapHeader, ULONG BitNumber);
BOOLEAN RtlAreBitsClear(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length);
BOOLEAN RtlAreBitsSet(PRTL_BITMAP BitMapHeader, ULONG StartingIndex, ULONG Length);
ULONG RtlFindClearBits(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex);
ULONG RtlFindClearBitsAndSet(PRTL_BITMAP BitMapHeader, ULONG NumberToFind, ULONG HintIndex);
ULONG RtlNumberOfSetBits(PRTL_BITMAP BitMapHeader);
ULONG RtlNumberOfSetBitsUlongPtr(ULONG_PTR Target);
ULONG RtlNumberOfClearBits(PRTL_BITMAP BitMapHeader);

/* glob.c: shell-style wildcard match ('*' any run, '?' any one
   character); used for test filters (`make test T=pool.*`). */
BOOLEAN RtlGlobMatch(PCSTR Pattern, PCSTR Name);
/* TRUE if Name matches one of the comma-separated patterns ("a.*,b.c"). */
BOOLEAN RtlGlobListMatch(PCSTR Patterns, PCSTR Name);

/* cmdline.c: "key=value" options on a space-separated command line, as
   GRUB passes it. Finds the last occurrence of Key and copies its value
   (empty for a bare "key"). Returns STATUS_NOT_FOUND if absent and
   STATUS_BUFFER_OVERFLOW (value truncated) if it does not fit. */
NTSTATUS RtlGetCommandLineOption(PCSTR CommandLine, PCSTR Key, PSTR Value, SIZE_T cbValue);

#endif
