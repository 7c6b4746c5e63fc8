/*
 * test_format.c: RtlFormatV against the host C library's snprintf, which
 * serves as the reference for every conversion both support.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "rtl.h"
#include "ktap.h"

/* Formats with both and checks they agree byte for byte. */
#define SAME(fmt, ...)                                                                             \
    do {                                                                                           \
        char ours[256], theirs[256];                                                               \
        RtlStringCbPrintfA(ours, sizeof(ours), fmt, __VA_ARGS__);                                  \
        snprintf(theirs, sizeof(theirs), fmt, __VA_ARGS__);                                        \
        CHECK_STR(ours, theirs);                                                                   \
    } while (0)

static void test_integers(void)
{
    static const long long values[] = {
        0, 1, -1, 42, -42, 9, 10, 255, 65535, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 1000000007LL};
    for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        long long v = values[i];
        SAME("%d|%i|%u|%x|%X|%o", (int)v, (int)v, (unsigned)v, (unsigned)v, (unsigned)v,
             (unsigned)v);
        SAME("%lld|%llu|%llx|%llX|%llo", v, (unsigned long long)v, (unsigned long long)v,
             (unsigned long long)v, (unsigned long long)v);
        SAME("%ld|%lu|%zu|%zx", (long)v, (unsigned long)v, (size_t)v, (size_t)v);
        SAME("%hhd|%hhu|%hd|%hu", (int)v, (unsigned)v, (int)v, (unsigned)v);
    }
}

static void test_flags_width_precision(void)
{
    SAME("[%5d][%-5d][%05d][%+d][% d][%+5d]", 42, 42, 42, 42, 42, -42);
    SAME("[%.3d][%8.3d][%-8.3d][%.0d][%.0x]", 7, 7, 7, 0, 0u);
    SAME("[%#x][%#X][%#o][%#x][%#o][%#10x]", 255u, 255u, 8u, 0u, 0u, 255u);
    SAME("[%*d][%-*d][%.*d][%*.*d]", 6, 1, 6, 1, 4, 3, 8, 5, 9);
    SAME("[%016llx][%-16llx][%x]", 0xDEADBEEFULL, 0xABCULL, 0u);
    SAME("[%*d]", -6, 1); /* a negative width means left-aligned */
}

static void test_strings_and_chars(void)
{
    SAME("[%s][%10s][%-10s][%.2s][%5.1s]", "abc", "abc", "abc", "abc", "abc");
    SAME("[%c][%3c][%-3c]", 'x', 'y', 'z');
    SAME("[%%]%s", "");
}

static void test_pointer_is_full_width(void)
{
    char buf[64];
    RtlStringCbPrintfA(buf, sizeof(buf), "%p", (void *)0x1234);
    CHECK_STR(buf, "0x0000000000001234");
    RtlStringCbPrintfA(buf, sizeof(buf), "%p", (void *)0xffffffff80001000ull);
    CHECK_STR(buf, "0xffffffff80001000");
}

static void test_truncation(void)
{
    char buf[8];
    CHECK_EQ(RtlStringCbPrintfA(buf, sizeof(buf), "%s", "1234567"), STATUS_SUCCESS);
    CHECK_STR(buf, "1234567");
    CHECK_EQ(RtlStringCbPrintfA(buf, sizeof(buf), "%s", "12345678"), STATUS_BUFFER_OVERFLOW);
    CHECK_STR(buf, "1234567");
    CHECK_EQ(RtlStringCbPrintfA(buf, 1, "abc"), STATUS_BUFFER_OVERFLOW);
    CHECK_STR(buf, "");
    CHECK_EQ(RtlStringCbPrintfA(buf, 0, "abc"), STATUS_INVALID_PARAMETER);
}

static void Count(PVOID Context, CHAR c)
{
    (void)c;
    (*(int *)Context)++;
}

static SIZE_T FormatCount(int *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    SIZE_T r = RtlFormatV(Count, n, fmt, ap);
    va_end(ap);
    return r;
}

static void test_sink_sees_every_character(void)
{
    int n = 0;
    CHECK_EQ(FormatCount(&n, "%d-%s", 12345, "abc"), 9);
    CHECK_EQ(n, 9);
}

/* These break printf's rules on purpose; the compiler's format check
   would reject them, so it is off for this one function. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"
static void test_rules_printf_leaves_open(void)
{
    char buf[16];
    char *volatile null = NULL;
    RtlStringCbPrintfA(buf, sizeof(buf), "%s", null);
    CHECK_STR(buf, "(null)");
    /* C says '0' is ignored when a precision is given. */
    RtlStringCbPrintfA(buf, sizeof(buf), "%08.3d", 7);
    CHECK_STR(buf, "     007");
}

static void test_unknown_conversion_is_shown(void)
{
    char buf[16];
    RtlStringCbPrintfA(buf, sizeof(buf), "a%qb");
    CHECK_STR(buf, "a%qb");
    RtlStringCbPrintfA(buf, sizeof(buf), "end%");
    CHECK_STR(buf, "end");
}
#pragma GCC diagnostic pop

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_integers),
    KTAP_CASE(test_flags_width_precision),
    KTAP_CASE(test_strings_and_chars),
    KTAP_CASE(test_pointer_is_full_width),
    KTAP_CASE(test_truncation),
    KTAP_CASE(test_sink_sees_every_character),
    KTAP_CASE(test_rules_printf_leaves_open),
    KTAP_CASE(test_unknown_conversion_is_shown),
};

int main(void)
{
    return KtapMain("lib.format", cases, sizeof(cases) / sizeof(cases[0]));
}
