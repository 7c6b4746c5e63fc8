/*
 * wait_test.c: KeWaitForSingleObject / KeWaitForMultipleObjects: WaitAny
 * and WaitAll, the four kinds of timeout, caller-supplied wait blocks,
 * alerts, and the bug checks for waiting where one may not.
 */
#include "ktest.h"
#include "ke.h"

static LARGE_INTEGER Ms(LONG Milliseconds)
{
    return (LARGE_INTEGER){.QuadPart = -(LONGLONG)Milliseconds * 10000};
}

KTEST(wait, wait_any_returns_the_index_of_the_signaled_object)
{
    KEVENT e[3];
    PVOID objects[3];
    for (ULONG i = 0; i < 3; i++) {
        KeInitializeEvent(&e[i], SynchronizationEvent, FALSE);
        objects[i] = &e[i];
    }
    KeSetEvent(&e[2], IO_NO_INCREMENT, FALSE);
    LARGE_INTEGER zero = {.QuadPart = 0};
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_WAIT_0 + 2);
    KT_EXPECT_EQ(KeReadStateEvent(&e[2]), 0); /* consumed */
    KeSetEvent(&e[0], IO_NO_INCREMENT, FALSE);
    KeSetEvent(&e[1], IO_NO_INCREMENT, FALSE);
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &zero, NULL),
        STATUS_WAIT_0);                       /* the lowest index wins */
    KT_EXPECT_EQ(KeReadStateEvent(&e[1]), 1); /* only the one that satisfied the wait */
}

typedef struct _ALL_CONTEXT {
    KEVENT A, B;
    volatile NTSTATUS Status;
    volatile LONG Done;
} ALL_CONTEXT;

static VOID WaitForBoth(PVOID Context)
{
    ALL_CONTEXT *c = Context;
    PVOID objects[2] = {&c->A, &c->B};
    LARGE_INTEGER timeout = Ms(5000);
    c->Status =
        KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &timeout, NULL);
    c->Done = 1;
}

KTEST(wait, wait_all_needs_every_object_at_once_and_consumes_them)
{
    ALL_CONTEXT c = {0};
    KeInitializeEvent(&c.A, SynchronizationEvent, FALSE);
    KeInitializeEvent(&c.B, SynchronizationEvent, FALSE);
    PKTHREAD t = KtStartThread(WaitForBoth, &c, 0, 0);
    KtSleep(20);
    KeSetEvent(&c.A, IO_NO_INCREMENT, FALSE);
    KtSleep(20);
    KT_EXPECT_EQ(c.Done, 0);                 /* one is not enough */
    KT_EXPECT_EQ(KeReadStateEvent(&c.A), 1); /* and it was not consumed */
    KeSetEvent(&c.B, IO_NO_INCREMENT, FALSE);
    KtJoinThread(t, 5000);
    KT_EXPECT_EQ(c.Status, STATUS_WAIT_0);
    KT_EXPECT_EQ(KeReadStateEvent(&c.A), 0); /* both consumed together */
    KT_EXPECT_EQ(KeReadStateEvent(&c.B), 0);
}

KTEST(wait, more_than_three_objects_use_the_callers_wait_blocks)
{
    KEVENT e[10];
    PVOID objects[10];
    KWAIT_BLOCK blocks[10];
    for (ULONG i = 0; i < 10; i++) {
        KeInitializeEvent(&e[i], NotificationEvent, TRUE);
        objects[i] = &e[i];
    }
    KT_EXPECT_EQ(
        KeWaitForMultipleObjects(10, objects, WaitAll, Executive, KernelMode, FALSE, NULL, blocks),
        STATUS_SUCCESS);
    KeResetEvent(&e[9]);
    LARGE_INTEGER timeout = Ms(20);
    KT_EXPECT_EQ(KeWaitForMultipleObjects(10, objects, WaitAll, Executive, KernelMode, FALSE,
                                          &timeout, blocks),
                 STATUS_TIMEOUT);
}

KTEST(wait, timeouts_relative_absolute_and_zero)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    LARGE_INTEGER zero = {.QuadPart = 0};
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);

    ULONG64 start = KeQueryInterruptTime();
    LARGE_INTEGER relative = Ms(40);
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &relative),
                 STATUS_TIMEOUT);
    KT_EXPECT_GE(KeQueryInterruptTime() - start, 40 * 10000); /* never early */

    LARGE_INTEGER absolute;
    KeQuerySystemTime(&absolute);
    absolute.QuadPart += 40 * 10000;
    start = KeQueryInterruptTime();
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &absolute),
                 STATUS_TIMEOUT);
    KT_EXPECT_GE(KeQueryInterruptTime() - start, 30 * 10000);

    /* An absolute time already past is a test, like zero. */
    absolute.QuadPart -= 10000000;
    KT_EXPECT_EQ(KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &absolute),
                 STATUS_TIMEOUT);
}

KTEST(wait, zero_timeout_is_allowed_at_dispatch_level)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    LARGE_INTEGER zero = {.QuadPart = 0};
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NTSTATUS a = KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero);
    KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
    NTSTATUS b = KeWaitForSingleObject(&e, Executive, KernelMode, FALSE, &zero);
    KeLowerIrql(old);
    KT_EXPECT_EQ(a, STATUS_TIMEOUT);
    KT_EXPECT_EQ(b, STATUS_SUCCESS);
}

KTEST(wait, delay_execution_sleeps_at_least_that_long)
{
    ULONG64 start = KeQueryInterruptTime();
    LARGE_INTEGER interval = Ms(30);
    KT_EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    KT_EXPECT_GE(KeQueryInterruptTime() - start, 30 * 10000);
}

typedef struct _ALERT_CONTEXT {
    KEVENT Never;
    BOOLEAN Alertable;
    volatile LONG Waiting;
    volatile NTSTATUS Status;
} ALERT_CONTEXT;

static VOID WaitToBeAlerted(PVOID Context)
{
    ALERT_CONTEXT *c = Context;
    LARGE_INTEGER timeout = Ms(300);
    c->Waiting = 1;
    c->Status = KeWaitForSingleObject(&c->Never, Executive, KernelMode, c->Alertable, &timeout);
    if (!c->Alertable) /* the alert was kept for later */
        KT_EXPECT_TRUE(KeTestAlertThread(KernelMode));
}

static NTSTATUS WaitAndAlert(BOOLEAN Alertable)
{
    ALERT_CONTEXT c = {.Alertable = Alertable};
    KeInitializeEvent(&c.Never, NotificationEvent, FALSE);
    PKTHREAD t = KtStartThread(WaitToBeAlerted, &c, 0, 0);
    while (!c.Waiting || t->State != Waiting)
        KtSleep(1);
    KT_EXPECT_FALSE(KeAlertThread(t, KernelMode));
    KtJoinThread(t, 5000);
    return c.Status;
}

KTEST(wait, alert_ends_an_alertable_wait)
{
    KT_EXPECT_EQ(WaitAndAlert(TRUE), STATUS_ALERTED);
}

KTEST(wait, alert_does_not_end_a_plain_wait)
{
    KT_EXPECT_EQ(WaitAndAlert(FALSE), STATUS_TIMEOUT);
}

/* ---- misuse ---- */

static KEVENT DeathEvent;
static KWAIT_BLOCK DeathBlocks[65];
static PVOID DeathObjects[65];

KTEST_DEATH(wait, more_than_64_objects, MAXIMUM_WAIT_OBJECTS_EXCEEDED, 65, KT_ANY, 0, 0)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, TRUE);
    for (ULONG i = 0; i < 65; i++)
        DeathObjects[i] = &DeathEvent;
    KeWaitForMultipleObjects(65, DeathObjects, WaitAny, Executive, KernelMode, FALSE, NULL,
                             DeathBlocks);
}

KTEST_DEATH(wait, four_objects_without_wait_blocks, MAXIMUM_WAIT_OBJECTS_EXCEEDED, 4, 0, 0, 0)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, TRUE);
    for (ULONG i = 0; i < 4; i++)
        DeathObjects[i] = &DeathEvent;
    KeWaitForMultipleObjects(4, DeathObjects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
}

KTEST_DEATH(wait, with_a_timeout_at_dispatch_level, IRQL_NOT_LESS_OR_EQUAL, (ULONG_PTR)&DeathEvent,
            DISPATCH_LEVEL, 0, KT_ANY)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, FALSE);
    LARGE_INTEGER timeout = {.QuadPart = -10000};
    KeRaiseIrqlToDpcLevel();
    KeWaitForSingleObject(&DeathEvent, Executive, KernelMode, FALSE, &timeout);
}

static VOID DpcThatWaits(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeWaitForSingleObject(&DeathEvent, Executive, KernelMode, FALSE, NULL);
}

static VOID DpcThatYields(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    ZwYieldExecution();
}

static KDPC DeathDpc;

KTEST_DEATH(wait, from_a_dpc, ATTEMPTED_SWITCH_FROM_DPC, KT_ANY, 0, KT_ANY, 0)
{
    KeInitializeEvent(&DeathEvent, NotificationEvent, FALSE);
    KeInitializeDpc(&DeathDpc, DpcThatWaits, NULL);
    KeInsertQueueDpc(&DeathDpc, NULL, NULL);
}

KTEST_DEATH(wait, yield_from_a_dpc, ATTEMPTED_SWITCH_FROM_DPC, KT_ANY, 0, KT_ANY, 0)
{
    KeInitializeDpc(&DeathDpc, DpcThatYields, NULL);
    KeInsertQueueDpc(&DeathDpc, NULL, NULL);
}
