/*
 * test_options.c: boot options (RtlGetCommandLineOption) and the glob
 * matcher used by test filters.
 */
#include "rtl.h"
#include "ktap.h"

static void test_option_values(void)
{
    char v[32];
    const char *cmd = "  kelab.mode=test kelab.filter=pool.*,mm.* quiet kelab.modex=no ";
    CHECK_EQ(RtlGetCommandLineOption(cmd, "kelab.mode", v, sizeof(v)), STATUS_SUCCESS);
    CHECK_STR(v, "test");
    CHECK_EQ(RtlGetCommandLineOption(cmd, "kelab.filter", v, sizeof(v)), STATUS_SUCCESS);
    CHECK_STR(v, "pool.*,mm.*");
    CHECK_EQ(RtlGetCommandLineOption(cmd, "quiet", v, sizeof(v)), STATUS_SUCCESS);
    CHECK_STR(v, "");
    CHECK_EQ(RtlGetCommandLineOption(cmd, "kelab", v, sizeof(v)), STATUS_NOT_FOUND);
    CHECK_EQ(RtlGetCommandLineOption(cmd, "kelab.mod", v, sizeof(v)), STATUS_NOT_FOUND);
    CHECK_EQ(RtlGetCommandLineOption("", "kelab.mode", v, sizeof(v)), STATUS_NOT_FOUND);
}

static void test_last_occurrence_wins(void)
{
    char v[32];
    CHECK_EQ(RtlGetCommandLineOption("a=1 a=2\ta=3", "a", v, sizeof(v)), STATUS_SUCCESS);
    CHECK_STR(v, "3");
}

static void test_long_values_are_truncated(void)
{
    char v[4];
    CHECK_EQ(RtlGetCommandLineOption("k=abcdef", "k", v, sizeof(v)), STATUS_BUFFER_OVERFLOW);
    CHECK_STR(v, "abc");
    CHECK_EQ(RtlGetCommandLineOption("k=abcdef", "k", v, 0), STATUS_BUFFER_OVERFLOW);
}

static void test_glob(void)
{
    CHECK(RtlGlobMatch("*", ""));
    CHECK(RtlGlobMatch("*", "anything"));
    CHECK(RtlGlobMatch("pool.*", "pool.double_free"));
    CHECK(!RtlGlobMatch("pool.*", "mm.pool"));
    CHECK(RtlGlobMatch("*.double_*", "pool.double_free"));
    CHECK(RtlGlobMatch("p?ol.*", "pool.x"));
    CHECK(!RtlGlobMatch("p?ol", "pol"));
    CHECK(RtlGlobMatch("a*b*c", "aXXbYYbZZc"));
    CHECK(!RtlGlobMatch("a*b*c", "aXXbYYbZZ"));
    CHECK(RtlGlobMatch("**", "x"));
    CHECK(!RtlGlobMatch("", "x"));
    CHECK(RtlGlobMatch("exact", "exact"));
}

static void test_glob_list(void)
{
    CHECK(RtlGlobListMatch("pool.*,io_*", "io_irp.x"));
    CHECK(RtlGlobListMatch("pool.*,io_*", "pool.double_free"));
    CHECK(!RtlGlobListMatch("pool.*,io_*", "mm.pool"));
    CHECK(RtlGlobListMatch("exact", "exact"));
    CHECK(!RtlGlobListMatch("exact", "exact,"));
    CHECK(!RtlGlobListMatch("ex", "exact")); /* each pattern matches whole names */
    CHECK(!RtlGlobListMatch("a,", "b"));
    CHECK(RtlGlobListMatch("a,", "")); /* an empty pattern matches the empty name */
    CHECK(RtlGlobListMatch("x*,,y", "y"));
}

static void test_glob_is_linear_on_hostile_patterns(void)
{
    /* Classic exponential case for naive recursive matchers. */
    char name[201];
    memset(name, 'a', 200);
    name[200] = 0;
    CHECK(!RtlGlobMatch("*a*a*a*a*a*a*a*a*a*a*b", name));
}

static const KTAP_CASE cases[] = {
    KTAP_CASE(test_option_values),
    KTAP_CASE(test_last_occurrence_wins),
    KTAP_CASE(test_long_values_are_truncated),
    KTAP_CASE(test_glob),
    KTAP_CASE(test_glob_list),
    KTAP_CASE(test_glob_is_linear_on_hostile_patterns),
};

int main(void)
{
    return KtapMain("lib.options", cases, sizeof(cases) / sizeof(cases[0]));
}
