/*
 * io_timer_test.c: the timer device's driver-thread flow, under load and
 * under cancellation, through its filter.
 *
 * Every request here is a thread IRP (IoBuildDeviceIoControlRequest) with
 * its own notification event. A requester cancels only its own requests,
 * and only at APC_LEVEL after checking that the event is not yet set:
 * the APC that sets it also frees the IRP, and cannot run meanwhile.
 */
#include "io_testlib.h"

#define BATCH 4 /* requests a thread has outstanding at once */

/* Cancels the request if it has not come back yet; TRUE if it tried. */
static BOOLEAN CancelIfOutstanding(IO_TEST_TIMER_REQUEST *Request)
{
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    BOOLEAN outstanding = KeReadStateEvent(&Request->Done) == 0;
    if (outstanding)
        IoCancelIrp(Request->Irp);
    KeLowerIrql(old);
    return outstanding;
}

/* A finished request, right either way: cancelled with nothing, or done
   with its data. Returns its sequence number (0 if cancelled). */
static ULONG CheckResult(IO_TEST_TIMER_REQUEST *Request)
{
    if (Request->Iosb.Status == STATUS_CANCELLED) {
        KT_EXPECT_EQ(Request->Iosb.Information, 0);
        KT_EXPECT_EQ(Request->Out.Sequence, 0); /* nothing copied back */
        return 0;
    }
    KT_EXPECT_EQ(Request->Iosb.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(Request->Iosb.Information, sizeof(TIMER_RESULT));
    KT_EXPECT_EQ(Request->Out.Tag, Request->In.Tag);
    KT_EXPECT_EQ(Request->Out.SeenByFilter, 1);
    KT_EXPECT_NE(Request->Out.Sequence, 0);
    return Request->Out.Sequence;
}

static TIMER_STATISTICS Statistics(PDEVICE_OBJECT Top)
{
    TIMER_STATISTICS statistics = {0};
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IO_STATUS_BLOCK iosb;
    PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_TIMER_GET_STATISTICS, Top, NULL, 0, &statistics,
                                             sizeof(statistics), FALSE, &event, &iosb);
    KT_EXPECT_EQ(IoCallDriver(Top, irp), STATUS_SUCCESS);
    return statistics;
}

/* ---- load ------------------------------------------------------------------- */

#define LOAD_REQUESTS 2048

typedef struct _LOAD {
    PDEVICE_OBJECT Top;
    ULONG Rounds;
    volatile LONG Submitted;
    ULONG FirstSequence;
    volatile UCHAR Seen[LOAD_REQUESTS]; /* by sequence number: how often it came back */
    volatile LONG OutOfOrder, OutOfRange;
} LOAD;

static LOAD Load;

static VOID LoadThread(PVOID Context)
{
    ULONG id = (ULONG)(ULONG_PTR)Context;
    IO_TEST_TIMER_REQUEST requests[BATCH];
    for (ULONG round = 0; round < Load.Rounds; round++) {
        ULONG submitted = 0;
        for (ULONG i = 0; i < BATCH; i++)
            submitted +=
                IoTestSubmitTimer(Load.Top, &requests[i], 0, (id << 16) | (round * BATCH + i));
        KT_EXPECT_EQ(submitted, BATCH);
        __atomic_add_fetch(&Load.Submitted, (LONG)submitted, __ATOMIC_RELAXED);
        ULONG previous = 0;
        for (ULONG i = 0; i < submitted; i++) {
            if (!IoTestWait(&requests[i].Done, 30000))
                return;
            ULONG sequence = CheckResult(&requests[i]);
            if (sequence <= previous) /* one queue, first in first out */
                __atomic_add_fetch(&Load.OutOfOrder, 1, __ATOMIC_RELAXED);
            previous = sequence;
            ULONG slot = sequence - Load.FirstSequence;
            if (slot < LOAD_REQUESTS)
                __atomic_add_fetch(&Load.Seen[slot], 1, __ATOMIC_RELAXED);
            else
                __atomic_add_fetch(&Load.OutOfRange, 1, __ATOMIC_RELAXED);
        }
    }
}

KTEST(io_timer, thousands_of_requests_from_every_processor)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    ULONG threads = 2 * KeNumberProcessors;
    RtlZeroMemory((PVOID)&Load, sizeof(Load));
    Load.Top = top;
    Load.Rounds = LOAD_REQUESTS / (threads * BATCH);
    TIMER_STATISTICS before = Statistics(top);
    Load.FirstSequence = before.Completed + 1;
    PKTHREAD thread[2 * MAXIMUM_PROCESSORS];
    for (ULONG t = 0; t < threads; t++)
        thread[t] = KtStartThread(LoadThread, (PVOID)(ULONG_PTR)t, 0,
                                  (KAFFINITY)1 << (t % KeNumberProcessors));
    for (ULONG t = 0; t < threads; t++)
        KtJoinThread(thread[t], 60000);
    TIMER_STATISTICS after = Statistics(top);
    ULONG total = threads * Load.Rounds * BATCH;
    KtLog("%u requests from %u threads", total, threads);
    KT_EXPECT_EQ(Load.Submitted, total);
    KT_EXPECT_EQ(after.Completed - before.Completed, total);
    KT_EXPECT_EQ(after.Cancelled, before.Cancelled);
    KT_EXPECT_EQ(Load.OutOfOrder, 0);
    KT_EXPECT_EQ(Load.OutOfRange, 0);
    ULONG once = 0;
    for (ULONG i = 0; i < total; i++)
        once += Load.Seen[i] == 1;
    KT_EXPECT_EQ(once, total); /* every sequence number exactly once */
    ObDereferenceObject(file);
}

/* ---- cancellation --------------------------------------------------------------- */

KTEST(io_timer, cancel_while_queued)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    static IO_TEST_TIMER_REQUEST busy, queued[3];
    TIMER_STATISTICS before = Statistics(top);
    KT_ASSERT_TRUE(IoTestSubmitTimer(top, &busy, 200000, 1)); /* keeps the device busy 200 ms */
    for (ULONG i = 0; i < 3; i++)
        KT_ASSERT_TRUE(IoTestSubmitTimer(top, &queued[i], 0, 2 + i));
    KT_EXPECT_TRUE(CancelIfOutstanding(&queued[1]));
    /* It comes back at once, cancelled, while the others wait their turn. */
    IoTestWait(&queued[1].Done, 100);
    KT_EXPECT_EQ(queued[1].Iosb.Status, STATUS_CANCELLED);
    KT_EXPECT_EQ(KeReadStateEvent(&busy.Done), 0);
    KT_EXPECT_EQ(KeReadStateEvent(&queued[0].Done), 0);
    IoTestWait(&busy.Done, 5000);
    IoTestWait(&queued[0].Done, 5000);
    IoTestWait(&queued[2].Done, 5000);
    KT_EXPECT_EQ(CheckResult(&queued[0]), CheckResult(&busy) + 1);
    KT_EXPECT_EQ(CheckResult(&queued[2]), CheckResult(&queued[0]) + 1);
    TIMER_STATISTICS after = Statistics(top);
    KT_EXPECT_EQ(after.Cancelled - before.Cancelled, 1);
    KT_EXPECT_EQ(after.Completed - before.Completed, 3);
    ObDereferenceObject(file);
}

KTEST(io_timer, cancel_in_progress_stops_the_device)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    static IO_TEST_TIMER_REQUEST slow;
    TIMER_STATISTICS before = Statistics(top);
    KT_ASSERT_TRUE(IoTestSubmitTimer(top, &slow, 60000000, 7)); /* a minute */
    /* The driver thread takes it at once (the queue was empty) and makes
       it cancelable with its in-progress routine. (The waits below end
       when what they wait for happens; only a hang takes 10 s.) */
    for (ULONG ms = 0; ms < 10000 && slow.Irp->CancelRoutine == NULL; ms++)
        KtSleep(1);
    KT_EXPECT_NOT_NULL(slow.Irp->CancelRoutine);
    ULONGLONG start = KeQueryInterruptTime();
    KT_EXPECT_TRUE(CancelIfOutstanding(&slow));
    IoTestWait(&slow.Done, 10000);
    KT_EXPECT_EQ(slow.Iosb.Status, STATUS_CANCELLED);
    KT_EXPECT_LT(KeQueryInterruptTime() - start, 30000 * 10000ull); /* not the full minute */
    TIMER_STATISTICS after = Statistics(top);
    KT_EXPECT_EQ(after.Cancelled - before.Cancelled, 1);
    KT_EXPECT_EQ(after.Completed, before.Completed);
    ObDereferenceObject(file);
}

/* Cancels land anywhere: in the queue, in progress, as the timer fires,
   after completion. Each request ends exactly once, either way. */
#define RACE_ROUNDS 24

typedef struct _RACE {
    PDEVICE_OBJECT Top;
    volatile LONG Cancelled, Completed, Requests;
} RACE;

static VOID RaceThread(PVOID Context)
{
    RACE *race = Context;
    ULONG id = KeGetCurrentProcessorNumber();
    IO_TEST_TIMER_REQUEST requests[BATCH];
    for (ULONG round = 0; round < RACE_ROUNDS; round++) {
        for (ULONG i = 0; i < BATCH; i++)
            IoTestSubmitTimer(race->Top, &requests[i], (round + i) % 3 * 2000, (id << 16) | round);
        __atomic_add_fetch(&race->Requests, BATCH, __ATOMIC_RELAXED);
        /* Vary the moment: at once, or a few milliseconds later. */
        KeStallExecutionProcessor((round % 4) * 1500);
        for (ULONG i = 0; i < BATCH; i++) {
            if ((round + i) % 2 == 0)
                CancelIfOutstanding(&requests[i]);
        }
        for (ULONG i = 0; i < BATCH; i++) {
            if (!IoTestWait(&requests[i].Done, 30000))
                return;
            volatile LONG *count = CheckResult(&requests[i]) ? &race->Completed : &race->Cancelled;
            __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
        }
    }
}

KTEST(io_timer, cancels_racing_completion_end_each_request_once)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    static RACE race;
    RtlZeroMemory(&race, sizeof(race));
    race.Top = top;
    TIMER_STATISTICS before = Statistics(top);
    PKTHREAD thread[MAXIMUM_PROCESSORS];
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        thread[p] = KtStartThread(RaceThread, &race, 0, (KAFFINITY)1 << p);
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        KtJoinThread(thread[p], 60000);
    TIMER_STATISTICS after = Statistics(top);
    KtLog("%d requests: %d completed, %d cancelled", race.Requests, race.Completed, race.Cancelled);
    KT_EXPECT_EQ(race.Completed + race.Cancelled, race.Requests);
    KT_EXPECT_GT(race.Cancelled, 0);
    KT_EXPECT_GT(race.Completed, 0);
    KT_EXPECT_EQ((LONG)(after.Completed - before.Completed), race.Completed);
    KT_EXPECT_EQ((LONG)(after.Cancelled - before.Cancelled), race.Cancelled);
    ObDereferenceObject(file);
}
