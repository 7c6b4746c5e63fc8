/*
 * ktap.h: a minimal KTAP version 1 harness for host unit tests.
 *
 * Each test program lists its cases in a table and calls KtapMain; the
 * output is one KTAP suite the project's runner reads like the kernel's:
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); }
 *     static const KTAP_CASE cases[] = { KTAP_CASE(test_something) };
 *     int main(void) { return KtapMain("lib.something", cases, ARRAYSIZE(cases)); }
 */
#ifndef KELAB_HOST_KTAP_H
#define KELAB_HOST_KTAP_H

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *Name;
    void (*Function)(void);
} KTAP_CASE;

#define KTAP_CASE(fn)                                                                              \
    {                                                                                              \
#fn, fn                                                                                    \
    }

static int KtapFailures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("    # EXPECTATION FAILED at %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            printf("    # EXPECTATION FAILED at %s:%d: %s == %s (%lld vs %lld)\n", __FILE__,       \
                   __LINE__, #a, #b, a_, b_);                                                      \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_) != 0) {                                                                 \
            printf("    # EXPECTATION FAILED at %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, \
                   __LINE__, #a, a_, b_);                                                          \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

static int KtapMain(const char *Suite, const KTAP_CASE *Cases, int Count)
{
    int failed = 0;
    printf("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%d\n", Suite,
           Count);
    for (int i = 0; i < Count; i++) {
        KtapFailures = 0;
        Cases[i].Function();
        printf("    %s %d %s\n", KtapFailures ? "not ok" : "ok", i + 1, Cases[i].Name);
        failed += KtapFailures != 0;
    }
    printf("%s 1 %s\n", failed ? "not ok" : "ok", Suite);
    return failed != 0;
}

#endif
