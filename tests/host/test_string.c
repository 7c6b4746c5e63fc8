/*
 * test_string.c: the C library subset and the Rtl string helpers.
 */
#include "rtl.h"
#include "ktap.h"

static void test_memory_routines(void)
{
    unsigned char a[32], b[32];
    for (int i = 0; i < 32; i++)
        a[i] = (unsigned char)i;
    CHECK(kl_memcpy(b, a, 32) == b);
    CHECK(memcmp(a, b, 32) == 0);
    CHECK(kl_memset(b, 0xEE, 10) == b);
    CHECK_EQ(b[9], 0xEE);
    CHECK_EQ(b[10], 10);
    CHECK(kl_memcmp(a, b, 32) < 0 || kl_memcmp(a, b, 32) > 0);
    CHECK_EQ(kl_memcmp(a, a, 32), 0);
    CHECK_EQ(kl_memcmp("\x01", "\xff", 1), -1); /* bytes compare unsigned */
    CHECK_EQ(RtlCompareMemory(a, b, 32), 0);
    CHECK_EQ(RtlCompareMemory(a + 10, b + 10, 22), 22);
}

static void test_memmove_overlaps(void)
{
    char s[16] = "0123456789";
    kl_memmove(s + 2, s, 8); /* forward overlap: must copy backwards */
    CHECK_STR(s, "0101234567");
    char t[16] = "0123456789";
    kl_memmove(t, t + 2, 8); /* backward overlap */
    CHECK(memcmp(t, "2345678989", 10) == 0);
}

static void test_string_routines(void)
{
    CHECK_EQ(kl_strlen(""), 0);
    CHECK_EQ(kl_strlen("abc"), 3);
    CHECK_EQ(kl_strnlen("abcdef", 4), 4);
    CHECK_EQ(kl_strnlen("ab", 4), 2);
    CHECK(kl_strcmp("abc", "abd") < 0);
    CHECK(kl_strcmp("abc", "ab") > 0);
    CHECK_EQ(kl_strcmp("same", "same"), 0);
    CHECK_EQ(kl_strncmp("abcX", "abcY", 3), 0);
    CHECK(kl_strncmp("abcX", "abcY", 4) < 0);
    const char *s = "hello";
    CHECK(kl_strchr(s, 'l') == s + 2);
    CHECK(kl_strchr(s, 0) == s + 5);
    CHECK(kl_strchr(s, 'z') == NULL);
}

static void test_string_copy(void)
{
    char buf[4];
    CHECK_EQ(RtlStringCbCopyA(buf, sizeof(buf), "abc"), STATUS_SUCCESS);
    CHECK_STR(buf, "abc");
    CHECK_EQ(RtlStringCbCopyA(buf, sizeof(buf), "abcd"), STATUS_BUFFER_OVERFLOW);
    CHECK_STR(buf, "abc");
    CHECK_EQ(RtlStringCbCopyA(buf, 0, "x"), STATUS_INVALID_PARAMETER);
}

static void test_string_to_number(void)
{
    ULONG64 v = 99;
    CHECK(RtlStringToUlong64("0", &v) && v == 0);
    CHECK(RtlStringToUlong64("12345", &v) && v == 12345);
    CHECK(RtlStringToUlong64("0x1F", &v) && v == 31);
    CHECK(RtlStringToUlong64("0xffffffffffffffff", &v) && v == 0xffffffffffffffffull);
    CHECK(RtlStringToUlong64("18446744073709551615", &v) && v == 18446744073709551615ull);
    v = 7;
    CHECK(!RtlStringToUlong64("18446744073709551616", &v)); /* overflow */
    CHECK(!RtlStringToUlong64("0x10000000000000000", &v));
    CHECK(!RtlStringToUlong64("", &v));
    CHECK(!RtlStringToUlong64("0x", &v));
    CHECK(!RtlStringToUlong64("12a", &v));
    CHECK(!RtlStringToUlong64("-1", &v));
    CHECK_EQ(v, 7); /* untouched on failure */
}

static void test_parse_says_why(void)
{
    ULONG64 v = 7;
    CHECK_EQ(RtlParseUlong64("42", &v), STATUS_SUCCESS);
    CHECK_EQ(v, 42);
    v = 7;
    CHECK_EQ(RtlParseUlong64("99999999999999999999999", &v), STATUS_INTEGER_OVERFLOW);
    CHECK_EQ(RtlParseUlong64("0x1ffffffffffffffff", &v), STATUS_INTEGER_OVERFLOW);
    CHECK_EQ(RtlParseUlong64("99999999999999999999999z", &v), STATUS_INVALID_PARAMETER);
    CHECK_EQ(RtlParseUlong64("0xZZ", &v), STATUS_INVALID_PARAMETER);
    CHECK_EQ(RtlParseUlong64("", &v), STATUS_INVALID_PARAMETER);
    CHECK_EQ(RtlParseUlong64(" 1", &v), STATUS_INVALID_PARAMETER);
    CHECK_EQ(v, 7);
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_memory_routines),  KTAP_CASE(test_memmove_overlaps),
    KTAP_CASE(test_string_routines),  KTAP_CASE(test_string_copy),
    KTAP_CASE(test_string_to_number), KTAP_CASE(test_parse_says_why),
};

int main(void)
{
    return KtapMain("lib.string", cases, sizeof(cases) / sizeof(cases[0]));
}
