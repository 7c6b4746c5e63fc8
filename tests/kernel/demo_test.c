/*
 * demo_test.c: tests that fail on purpose.
 *
 * They are invisible unless the kernel is booted with kelab.demo, so they
 * never count in `make test`'s totals. tests/e2e/runner_reports_failures
 * boots them to check, against the real kernel, that the runner names a
 * failed expectation, reports a crash with its stop code and carries on,
 * and catches a death test that dies the wrong way.
 */
#include "ktest.h"

KTEST_DEMO(demo, passes)
{
    KT_EXPECT_EQ(1 + 1, 2);
}

KTEST_DEMO(demo, expectation_fails)
{
    volatile int two = 2;
    KT_EXPECT_EQ(1 + 1, two + 1);
}

KTEST_DEMO(demo, crashes)
{
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 0xDE0, 0, 0, 0);
}

KTEST_DEMO(demo, runs_after_the_crash)
{
    KT_EXPECT_TRUE(TRUE);
}

KTEST_DEMO_DEATH(demo, dies_the_wrong_way, MANUALLY_INITIATED_CRASH, 1, 0, 0, 0)
{
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 2, 0, 0, 0);
}
