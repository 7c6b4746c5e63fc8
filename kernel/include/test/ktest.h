/*
 * ktest.h: KeLab's in-kernel test framework.
 *
 * A test is a function registered with one macro; the framework finds it
 * through a linker section, runs it, checks afterwards that it left IRQL
 * and pool usage as it found them, and reports in KTAP version 1, the
 * format of Linux's KUnit (so `kunit.py parse` reads KeLab's logs).
 *
 *     KTEST(pool, alloc_and_free)
 *     {
 *         PVOID p = ExAllocatePoolWithTag(NonPagedPool, 64, 'tseT');
 *         KT_ASSERT_NOT_NULL(p);
 *         ExFreePoolWithTag(p, 'tseT');
 *     }
 *
 * A death test declares the bug check it must end in; the host runner
 * boots it alone and compares the STOP line with the declaration.
 * KT_ANY marks a parameter whose value does not matter (an address):
 *
 *     KTEST_DEATH(pool, double_free, BAD_POOL_CALLER, 0x7, 0, KT_ANY, KT_ANY)
 *     { ... }
 *
 * A test that needs the HSI dongle attached says how the dongle must be
 * started ("key=value,flag", for hsi-dongle --key value --flag); the
 * runner boots such tests with that dongle, and a boot runs only the
 * tests whose dongle is the one kelab.dongle says it has:
 *
 *     KTEST_DONGLE(usb, bulk_loopback, "mode=loopback,test")
 *     { ... }
 *
 * KT_EXPECT_* record a failure and continue; KT_ASSERT_* also end the test
 * (they return from the test function, so use them only in its body).
 */
#ifndef KELAB_KTEST_H
#define KELAB_KTEST_H

#include "wdm.h"

#define KT_ANY ((ULONG_PTR)0xA11A11A11A11A11Aull)

typedef struct _KTEST_CASE {
    PCSTR Suite;
    PCSTR Name;
    VOID (*Function)(VOID);
    PCSTR File;
    ULONG Line;
    BOOLEAN Death;
    BOOLEAN Demo; /* fails on purpose: only visible with kelab.demo (demo_test.c) */
    ULONG DeathCode;
    ULONG_PTR DeathParameters[4]; /* KT_ANY where any value is fine */
    PCSTR Dongle;                 /* the dongle it needs, or NULL */
} KTEST_CASE;

#define KTEST_REGISTER(suite, name, death, demo, code, p1, p2, p3, p4, dongle)                     \
    static VOID KtTest_##suite##_##name(VOID);                                                     \
    static const KTEST_CASE KtCase_##suite##_##name                                                \
        __attribute__((section(".ktest"), used, aligned(8))) = {                                   \
            #suite, #name, KtTest_##suite##_##name, __FILE__, __LINE__, death,                     \
            demo,   code,  {p1, p2, p3, p4},        dongle};                                       \
    static VOID KtTest_##suite##_##name(VOID)

#define KTEST(suite, name) KTEST_REGISTER(suite, name, FALSE, FALSE, 0, 0, 0, 0, 0, NULL)
#define KTEST_DEATH(suite, name, code, p1, p2, p3, p4)                                             \
    KTEST_REGISTER(suite, name, TRUE, FALSE, code, p1, p2, p3, p4, NULL)
#define KTEST_DONGLE(suite, name, dongle)                                                          \
    KTEST_REGISTER(suite, name, FALSE, FALSE, 0, 0, 0, 0, 0, dongle)
#define KTEST_DEATH_DONGLE(suite, name, dongle, code, p1, p2, p3, p4)                              \
    KTEST_REGISTER(suite, name, TRUE, FALSE, code, p1, p2, p3, p4, dongle)
/* Tests that fail on purpose, to check that failures are reported. */
#define KTEST_DEMO(suite, name) KTEST_REGISTER(suite, name, FALSE, TRUE, 0, 0, 0, 0, 0, NULL)
#define KTEST_DEMO_DEATH(suite, name, code, p1, p2, p3, p4)                                        \
    KTEST_REGISTER(suite, name, TRUE, TRUE, code, p1, p2, p3, p4, NULL)

/* Comparison operators understood by KtCheck. */
typedef enum _KT_OP { KtEq, KtNe, KtLt, KtLe, KtGt, KtGe } KT_OP;

/* Records a failure (with both values) unless "Left Op Right" holds.
   Integers and pointers are compared as signed 64-bit values. */
BOOLEAN KtCheck(KT_OP Op, LONG64 Left, LONG64 Right, PCSTR LeftText, PCSTR RightText, PCSTR File,
                ULONG Line);
BOOLEAN KtCheckTrue(BOOLEAN Condition, PCSTR Text, PCSTR File, ULONG Line);
BOOLEAN KtCheckStrEq(PCSTR Left, PCSTR Right, PCSTR LeftText, PCSTR RightText, PCSTR File,
                     ULONG Line);
/* Marks the running test skipped, with a reason (KTAP "# SKIP"). */
VOID KtSkip(PCSTR Reason);
/* Prints a KTAP diagnostic line ("# ...") inside the current test. */
VOID KtLog(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));

#define KT_CMP_(op, a, b) KtCheck(op, (LONG64)(a), (LONG64)(b), #a, #b, __FILE__, __LINE__)

#define KT_EXPECT_EQ(a, b)    ((void)KT_CMP_(KtEq, a, b))
#define KT_EXPECT_NE(a, b)    ((void)KT_CMP_(KtNe, a, b))
#define KT_EXPECT_LT(a, b)    ((void)KT_CMP_(KtLt, a, b))
#define KT_EXPECT_LE(a, b)    ((void)KT_CMP_(KtLe, a, b))
#define KT_EXPECT_GT(a, b)    ((void)KT_CMP_(KtGt, a, b))
#define KT_EXPECT_GE(a, b)    ((void)KT_CMP_(KtGe, a, b))
#define KT_EXPECT_TRUE(c)     ((void)KtCheckTrue(!!(c), #c, __FILE__, __LINE__))
#define KT_EXPECT_FALSE(c)    ((void)KtCheckTrue(!(c), "!(" #c ")", __FILE__, __LINE__))
#define KT_EXPECT_NULL(p)     KT_EXPECT_EQ(p, NULL)
#define KT_EXPECT_NOT_NULL(p) KT_EXPECT_NE(p, NULL)
#define KT_EXPECT_STREQ(a, b) ((void)KtCheckStrEq((a), (b), #a, #b, __FILE__, __LINE__))

#define KT_ASSERT_(check)                                                                          \
    do {                                                                                           \
        if (!(check))                                                                              \
            return;                                                                                \
    } while (0)
#define KT_ASSERT_EQ(a, b)    KT_ASSERT_(KT_CMP_(KtEq, a, b))
#define KT_ASSERT_NE(a, b)    KT_ASSERT_(KT_CMP_(KtNe, a, b))
#define KT_ASSERT_TRUE(c)     KT_ASSERT_(KtCheckTrue(!!(c), #c, __FILE__, __LINE__))
#define KT_ASSERT_NOT_NULL(p) KT_ASSERT_NE(p, NULL)

/* Marks the running test failed (after a KtLog saying why). */
VOID KtFail(VOID);

/* Threads for tests (kernel/ktest/threads.c). KtStartThread returns a
   referenced thread running Routine at Priority (0: the default) on the
   processors in Affinity (0: any); KtJoinThread waits for it to end,
   failing the test if it has not within TimeoutMs, and drops the
   reference. */
PKTHREAD KtStartThread(VOID (*Routine)(PVOID Context), PVOID Context, KPRIORITY Priority,
                       KAFFINITY Affinity);
BOOLEAN KtJoinThread(PKTHREAD Thread, ULONG TimeoutMs);
VOID KtSleep(ULONG Milliseconds);
/* Waits until Thread is in a wait (any wait: first make sure, with a flag
   the thread sets just before, that it reached the one you mean), failing
   the test if it is not within TimeoutMs. */
BOOLEAN KtWaitUntilThreadWaits(PKTHREAD Thread, ULONG TimeoutMs);

/* Runs Routine(Context) on processor Number at DISPATCH_LEVEL (as a DPC
   aimed at it) and waits for it to finish. For tests that must put code
   on a particular processor. Call below DISPATCH_LEVEL. */
VOID KtRunOnProcessor(ULONG Number, VOID (*Routine)(PVOID Context), PVOID Context);

/* A number given on the kernel command line (kelab.soak=600): FALSE if
   the option is absent, or (failing the test, with a message) if it is not
   a number. */
BOOLEAN KtGetOptionNumber(PCSTR Key, ULONG64 *Value);

/* What the system holds that a test could fail to give back. */
typedef struct _KT_RESOURCES {
    ULONG64 PoolBytes, PoolAllocations;
    ULONG64 Irps;  /* allocated and not yet freed */
    LONG Threads;  /* thread objects alive */
    ULONG Handles; /* kernel handles open */
} KT_RESOURCES;

VOID KtQueryResources(KT_RESOURCES *Resources);
/* Prints Before and After, one resource a line (each line starting with
   Prefix), and fails the test for each one that grew; TRUE if none did. */
BOOLEAN KtReportResources(const KT_RESOURCES *Before, const KT_RESOURCES *After, PCSTR Prefix);

/* Entry points for the boot modes (kernel/ktest/runner.c). */
__attribute__((noreturn)) VOID KtRunTests(VOID);
__attribute__((noreturn)) VOID KtListTests(VOID);
__attribute__((noreturn)) VOID KtRunDeathTest(VOID);

#endif
