/*
 * handoff_test.c: the two seeds about KeSetEvent's Wait argument.
 *
 * Seed 000: a server and a client pass control back and forth with
 * KeSetEvent(their event, 0, TRUE) followed at once by KeWaitForSingleObject
 * on the other's: the dispatcher lock is not released between the set and
 * the wait, so neither can miss the other. Thousands of round trips across
 * processors, with no lost wake-up and no deadlock (each wait has a
 * generous timeout, and a timeout is a failure).
 *
 * Seed 001: KeSetEvent(.., TRUE) with no wait after it leaves the thread
 * at SYNCH_LEVEL holding the dispatcher lock; the next thing that needs a
 * lower IRQL crashes with IRQL_NOT_LESS_OR_EQUAL.
 */
#include "ktest.h"
#include "ke.h"
#include "mm.h"

#define ROUND_TRIPS 3000

typedef struct _PING_PONG {
    KEVENT Ping, Pong;
    volatile LONG Rounds;
    volatile LONG Timeouts;
} PING_PONG;

static VOID Server(PVOID Context)
{
    PING_PONG *p = Context;
    LARGE_INTEGER timeout = {.QuadPart = -100000000}; /* 10 s */
    if (KeWaitForSingleObject(&p->Ping, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS) {
        p->Timeouts++;
        return;
    }
    for (LONG i = 0; i < ROUND_TRIPS; i++) {
        KeSetEvent(&p->Pong, IO_NO_INCREMENT, TRUE); /* ...and, without letting go: */
        NTSTATUS s = KeWaitForSingleObject(&p->Ping, Executive, KernelMode, FALSE,
                                           i == ROUND_TRIPS - 1 ? &(LARGE_INTEGER){.QuadPart = 0}
                                                                : &timeout);
        if (s != STATUS_SUCCESS && i != ROUND_TRIPS - 1) {
            p->Timeouts++;
            return;
        }
    }
}

KTEST(seed000, set_with_wait_true_hands_over_without_losing_a_wakeup)
{
    PING_PONG p = {0};
    KeInitializeEvent(&p.Ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&p.Pong, SynchronizationEvent, FALSE);
    /* On two processors when there are two: the hand-over crosses them. */
    KAFFINITY serverSet = KeNumberProcessors > 1 ? 2 : 1;
    KAFFINITY old = KeSetSystemAffinityThreadEx(1);
    PKTHREAD server = KtStartThread(Server, &p, 0, serverSet);
    LARGE_INTEGER timeout = {.QuadPart = -100000000};
    for (LONG i = 0; i < ROUND_TRIPS; i++) {
        KeSetEvent(&p.Ping, IO_NO_INCREMENT, TRUE);
        if (KeWaitForSingleObject(&p.Pong, Executive, KernelMode, FALSE, &timeout) !=
            STATUS_SUCCESS) {
            p.Timeouts++;
            break;
        }
        p.Rounds++;
    }
    KeSetEvent(&p.Ping, IO_NO_INCREMENT, FALSE); /* the server's last wait */
    KeRevertToUserAffinityThreadEx(old);
    KtJoinThread(server, 20000);
    KT_EXPECT_EQ(p.Timeouts, 0);
    KT_EXPECT_EQ(p.Rounds, ROUND_TRIPS);
}

static KEVENT SeedEvent;

/* PsCreateSystemThread is pageable (PASSIVE_LEVEL only); with force IRQL
   checking on, raising to SYNCH_LEVEL paged it out, so the call faults in
   kernel code at SYNCH_LEVEL: P1 its address, P2 12, P3 8 (execute). */
KTEST_DEATH(seed001, set_with_wait_true_and_no_wait_after_it, IRQL_NOT_LESS_OR_EQUAL,
            (ULONG_PTR)PsCreateSystemThread, SYNCH_LEVEL, 8, (ULONG_PTR)PsCreateSystemThread)
{
    HANDLE handle;
    MmVerifierForceIrqlChecking = TRUE;
    KeInitializeEvent(&SeedEvent, NotificationEvent, FALSE);
    KeSetEvent(&SeedEvent, IO_NO_INCREMENT, TRUE); /* and then, no wait: */
    PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, NULL, NULL);
}
