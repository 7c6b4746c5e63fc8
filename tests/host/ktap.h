/*
 * ktap.h: test output in KTAP version 1, as Linux KUnit prints it, for every
 * host test program: lib/'s (tests/host/) and the HSI dongle's
 * (hsi-dongle/tests/). One emitter, so that all of them print what the
 * runner (tools/ktest) and Linux's kunit_tool read.
 *
 * A program is a list of groups; each group is a subtest whose results are
 * indented four spaces:
 *
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: descriptors
 *       1..3
 *       ok 1 device descriptor is 18 bytes
 *       ...
 *   # descriptors: pass:3 fail:0 skip:0 total:3
 *   ok 1 descriptors
 *   ...
 *   # Totals: pass:5 fail:0 skip:0 total:5
 *
 * A group's lines are collected and printed when it ends, so its plan can
 * come first, unless the plan is given at the start (ktap_group_planned).
 * The program exits 0 only if every check passed.
 *
 * Two ways to use it. A program that checks as it goes, each check a result:
 *
 *     ktap_begin(1);
 *     ktap_group("descriptors");
 *     ktap_check(len == 18, "device descriptor is 18 bytes");
 *     ktap_group_end();
 *     return ktap_end();
 *
 * A program whose results are test cases, functions that CHECK many things
 * (a failed CHECK prints where and what as a diagnostic and fails its case):
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); }
 *     static const KTAP_CASE cases[] = { KTAP_CASE(test_something) };
 *     int main(void) { return KtapMain("lib.something", cases, ARRAYSIZE(cases)); }
 */
#ifndef KTAP_H
#define KTAP_H

#include <stdbool.h>
#include <string.h>

void ktap_begin(int groups);
void ktap_group(const char *name);
/* A group whose number of results is known: its lines are printed as they
   come, so a crash leaves them, and the '# start:' line of the case it
   happened in, for the runner to name. */
void ktap_group_planned(const char *name, int planned);
/* Records one result; returns `ok` so a test can stop early on failure. */
bool ktap_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktap_skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktap_group_end(void);
/* Prints the totals; the exit status for main(). */
int ktap_end(void);

/* ---- test cases ----------------------------------------------------------- */

typedef struct {
    const char *Name;
    void (*Function)(void);
} KTAP_CASE;

#define KTAP_CASE(fn)                                                                              \
    {                                                                                              \
#fn, fn                                                                                    \
    }

/* The failed CHECKs of the case that is running. */
extern int KtapFailures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            ktap_diag("EXPECTATION FAILED at %s:%d: %s", __FILE__, __LINE__, #cond);               \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            ktap_diag("EXPECTATION FAILED at %s:%d: %s == %s (%lld vs %lld)", __FILE__, __LINE__,  \
                      #a, #b, a_, b_);                                                             \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (strcmp(a_, b_) != 0) {                                                                 \
            ktap_diag("EXPECTATION FAILED at %s:%d: %s is \"%s\", expected \"%s\"", __FILE__,      \
                      __LINE__, #a, a_, b_);                                                       \
            KtapFailures++;                                                                        \
        }                                                                                          \
    } while (0)

/* Runs `Cases` as one group called `Suite`, each case one result; the exit
   status for main(). */
int KtapMain(const char *Suite, const KTAP_CASE *Cases, int Count);

#endif /* KTAP_H */
