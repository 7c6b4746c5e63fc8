/*
 * dispatcher_bench.c: what the dispatcher costs: an event ping-pong
 * between two threads (one processor, and two), a thread switch,
 * KeSetEvent with nobody waiting, and event throughput with every
 * processor busy, with the dispatcher lock's contention beside it.
 */
#include "kbench.h"
#include "ke.h"
#include "ktest.h"

#define ROUND_TRIPS 2000

typedef struct _PING {
    KEVENT Ping, Pong;
    LONG Rounds;
} PING;

static VOID PongThread(PVOID Context)
{
    PING *p = Context;
    for (LONG i = 0; i < p->Rounds; i++) {
        KeWaitForSingleObject(&p->Ping, Executive, KernelMode, FALSE, NULL);
        KeSetEvent(&p->Pong, IO_NO_INCREMENT, FALSE);
    }
}

static ULONG64 Samples[ROUND_TRIPS];

/* One round trip: set Ping, wait for Pong. Wait = TRUE saves a lock trip. */
static VOID MeasurePingPong(PCSTR Metric, KAFFINITY Ours, KAFFINITY Theirs, BOOLEAN WaitTrue)
{
    PING p = {.Rounds = ROUND_TRIPS};
    KeInitializeEvent(&p.Ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&p.Pong, SynchronizationEvent, FALSE);
    KAFFINITY old = KeSetSystemAffinityThreadEx(Ours);
    PKTHREAD pong = KtStartThread(PongThread, &p, 0, Theirs);
    for (LONG i = 0; i < ROUND_TRIPS; i++) {
        ULONG64 start = KbNow();
        KeSetEvent(&p.Ping, IO_NO_INCREMENT, WaitTrue);
        KeWaitForSingleObject(&p.Pong, Executive, KernelMode, FALSE, NULL);
        Samples[i] = KbNow() - start;
    }
    KtJoinThread(pong, 60000);
    KeRevertToUserAffinityThreadEx(old);
    KbReport(Metric, Samples, ROUND_TRIPS, 1);
}

KBENCH(event_ping_pong)
{
    MeasurePingPong("event.ping_pong_one_processor", 1, 1, FALSE);
    MeasurePingPong("event.ping_pong_one_processor_wait_true", 1, 1, TRUE);
    if (KeNumberProcessors > 1) {
        MeasurePingPong("event.ping_pong_two_processors", 1, 2, FALSE);
        MeasurePingPong("event.ping_pong_two_processors_wait_true", 1, 2, TRUE);
    }
}

static volatile LONG YieldStop;

static VOID Yielder(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    while (!YieldStop)
        ZwYieldExecution();
}

/* A thread switch: two threads on one processor yielding to each other;
   each yield is one switch. */
KBENCH(thread_switch)
{
    KAFFINITY old = KeSetSystemAffinityThreadEx(1);
    YieldStop = 0;
    PKTHREAD other = KtStartThread(Yielder, NULL, 0, 1);
    ZwYieldExecution(); /* let it start */
    for (ULONG i = 0; i < ROUND_TRIPS; i++) {
        ULONG64 start = KbNow();
        ZwYieldExecution(); /* two switches: to it and back */
        Samples[i] = KbNow() - start;
    }
    YieldStop = 1;
    KeRevertToUserAffinityThreadEx(old);
    KtJoinThread(other, 60000);
    KbReport("thread.switch", Samples, ROUND_TRIPS, 2);
}

KBENCH(set_event_no_waiter)
{
    KEVENT e;
    KeInitializeEvent(&e, NotificationEvent, FALSE);
    for (ULONG i = 0; i < ROUND_TRIPS; i++) {
        ULONG64 start = KbNow();
        for (ULONG j = 0; j < 20; j++) {
            KeSetEvent(&e, IO_NO_INCREMENT, FALSE);
            KeClearEvent(&e);
        }
        Samples[i] = KbNow() - start;
    }
    KbReport("event.set_no_waiter", Samples, ROUND_TRIPS, 20);
}

/* Throughput: one ping-pong pair per processor, all at once, for a fixed
   time; events per second in total, and how often the one dispatcher lock
   made someone wait. */
#define THROUGHPUT_MS 500

typedef struct _PAIR {
    PING Ping;
    volatile LONG Stop;
    volatile LONG64 Count;
} PAIR;

static VOID ThroughputPong(PVOID Context)
{
    PAIR *p = Context;
    while (!p->Stop) {
        LARGE_INTEGER t = {.QuadPart = -1000000};
        if (KeWaitForSingleObject(&p->Ping.Ping, Executive, KernelMode, FALSE, &t) ==
            STATUS_SUCCESS)
            KeSetEvent(&p->Ping.Pong, IO_NO_INCREMENT, FALSE);
    }
}

static VOID ThroughputPing(PVOID Context)
{
    PAIR *p = Context;
    while (!p->Stop) {
        KeSetEvent(&p->Ping.Ping, IO_NO_INCREMENT, FALSE);
        LARGE_INTEGER t = {.QuadPart = -1000000};
        if (KeWaitForSingleObject(&p->Ping.Pong, Executive, KernelMode, FALSE, &t) ==
            STATUS_SUCCESS)
            p->Count += 2;
    }
}

KBENCH(event_throughput)
{
    static PAIR pairs[MAXIMUM_PROCESSORS];
    PKTHREAD threads[2 * MAXIMUM_PROCESSORS];
    ULONG n = KeNumberProcessors;
    KLOCK_STATISTICS lockBefore, lockAfter;
    /* Above the pairs, or they (always one of them ready) would starve us. */
    KPRIORITY oldPriority = KeSetPriorityThread(KeGetCurrentThread(), 20);
    KeQueryDispatcherLockStatistics(&lockBefore);
    for (ULONG i = 0; i < n; i++) {
        RtlZeroMemory(&pairs[i], sizeof(pairs[i]));
        KeInitializeEvent(&pairs[i].Ping.Ping, SynchronizationEvent, FALSE);
        KeInitializeEvent(&pairs[i].Ping.Pong, SynchronizationEvent, FALSE);
        threads[2 * i] = KtStartThread(ThroughputPing, &pairs[i], 9, (KAFFINITY)1 << i);
        threads[2 * i + 1] = KtStartThread(ThroughputPong, &pairs[i], 9, (KAFFINITY)1 << i);
    }
    KtSleep(THROUGHPUT_MS);
    LONG64 events = 0;
    for (ULONG i = 0; i < n; i++) {
        events += pairs[i].Count;
        pairs[i].Stop = 1;
    }
    KeQueryDispatcherLockStatistics(&lockAfter);
    ULONG64 acquired = lockAfter.Acquisitions - lockBefore.Acquisitions;
    ULONG64 contended = lockAfter.Contentions - lockBefore.Contentions;
    for (ULONG i = 0; i < 2 * n; i++)
        KtJoinThread(threads[i], 60000);
    KeSetPriorityThread(KeGetCurrentThread(), oldPriority);
    KbReportValue("event.throughput", (ULONG64)events * 1000 / THROUGHPUT_MS, "events/s");
    KbReportValue("dispatcher_lock.contended", acquired ? contended * 100 / acquired : 0,
                  "%-of-acquisitions");
}
