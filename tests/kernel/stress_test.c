/*
 * stress_test.c: many threads on every processor hammering events,
 * mutexes and semaphores, with a checker.
 *
 * Every wait has a generous timeout: a wait that times out is a lost
 * wake-up (or a deadlock), and fails the test. Every exchange is counted
 * on both sides, so a thread released twice for one signal (a double
 * wake-up) shows as a count that does not match; a thread that never
 * finishes fails its join.
 */
#include "ktest.h"
#include "ke.h"

#define PAIRS       4   /* event ping-pong pairs */
#define EXCHANGES   400 /* per pair */
#define MUTEX_USERS 6
#define SEM_USERS   6
#define ROUNDS      200
#define SLOTS       2 /* the semaphore's count: at most two inside */

typedef struct _STRESS {
    KEVENT Ping[PAIRS], Pong[PAIRS];
    volatile LONG Pinged[PAIRS], Ponged[PAIRS];
    KMUTEX Mutex;
    volatile LONG MutexInside, MutexOverlap;
    KSEMAPHORE Semaphore;
    volatile LONG SemInside, SemOverflow;
    volatile LONG Timeouts;
} STRESS;

typedef struct _PAIR_ARGUMENT {
    STRESS *Stress;
    ULONG Index;
} PAIR_ARGUMENT;

static BOOLEAN WaitOrCount(STRESS *s, PVOID Object)
{
    LARGE_INTEGER timeout = {.QuadPart = -200000000}; /* 20 s */
    if (KeWaitForSingleObject(Object, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS)
        return TRUE;
    __atomic_add_fetch(&s->Timeouts, 1, __ATOMIC_RELAXED);
    return FALSE;
}

static VOID Pinger(PVOID Context)
{
    PAIR_ARGUMENT *a = Context;
    STRESS *s = a->Stress;
    for (ULONG i = 0; i < EXCHANGES; i++) {
        __atomic_add_fetch(&s->Pinged[a->Index], 1, __ATOMIC_RELAXED);
        KeSetEvent(&s->Ping[a->Index], IO_NO_INCREMENT, i % 2 == 0); /* both kinds of set */
        if (!WaitOrCount(s, &s->Pong[a->Index]))
            return;
    }
}

static VOID Ponger(PVOID Context)
{
    PAIR_ARGUMENT *a = Context;
    STRESS *s = a->Stress;
    for (ULONG i = 0; i < EXCHANGES; i++) {
        if (!WaitOrCount(s, &s->Ping[a->Index]))
            return;
        /* Exactly one ping per pong: a double wake-up would run ahead. */
        if (__atomic_add_fetch(&s->Ponged[a->Index], 1, __ATOMIC_RELAXED) !=
            __atomic_load_n(&s->Pinged[a->Index], __ATOMIC_RELAXED))
            __atomic_add_fetch(&s->Timeouts, 1000, __ATOMIC_RELAXED);
        KeSetEvent(&s->Pong[a->Index], IO_NO_INCREMENT, FALSE);
    }
}

static VOID MutexUser(PVOID Context)
{
    STRESS *s = Context;
    for (ULONG i = 0; i < ROUNDS; i++) {
        if (!WaitOrCount(s, &s->Mutex))
            return;
        if (__atomic_add_fetch(&s->MutexInside, 1, __ATOMIC_ACQ_REL) != 1)
            __atomic_add_fetch(&s->MutexOverlap, 1, __ATOMIC_RELAXED);
        if (i % 8 == 0)
            ZwYieldExecution();
        __atomic_sub_fetch(&s->MutexInside, 1, __ATOMIC_ACQ_REL);
        KeReleaseMutex(&s->Mutex, FALSE);
    }
}

static VOID SemaphoreUser(PVOID Context)
{
    STRESS *s = Context;
    for (ULONG i = 0; i < ROUNDS; i++) {
        if (!WaitOrCount(s, &s->Semaphore))
            return;
        if (__atomic_add_fetch(&s->SemInside, 1, __ATOMIC_ACQ_REL) > SLOTS)
            __atomic_add_fetch(&s->SemOverflow, 1, __ATOMIC_RELAXED);
        if (i % 4 == 0)
            ZwYieldExecution();
        __atomic_sub_fetch(&s->SemInside, 1, __ATOMIC_ACQ_REL);
        KeReleaseSemaphore(&s->Semaphore, IO_NO_INCREMENT, 1, FALSE);
    }
}

KTEST(stress, events_mutexes_and_semaphores_on_every_processor)
{
    static STRESS s;
    static PAIR_ARGUMENT pairs[PAIRS];
    PKTHREAD threads[2 * PAIRS + MUTEX_USERS + SEM_USERS];
    ULONG n = 0;
    RtlZeroMemory(&s, sizeof(s));
    KeInitializeMutex(&s.Mutex, 0);
    KeInitializeSemaphore(&s.Semaphore, SLOTS, SLOTS);
    for (ULONG i = 0; i < PAIRS; i++) {
        KeInitializeEvent(&s.Ping[i], SynchronizationEvent, FALSE);
        KeInitializeEvent(&s.Pong[i], SynchronizationEvent, FALSE);
        pairs[i] = (PAIR_ARGUMENT){&s, i};
        /* The two ends of a pair on different processors when there are. */
        threads[n++] =
            KtStartThread(Pinger, &pairs[i], 0, (KAFFINITY)1 << (i % KeNumberProcessors));
        threads[n++] =
            KtStartThread(Ponger, &pairs[i], 0, (KAFFINITY)1 << ((i + 1) % KeNumberProcessors));
    }
    for (ULONG i = 0; i < MUTEX_USERS; i++)
        threads[n++] = KtStartThread(MutexUser, &s, 6 + i % 4, 0);
    for (ULONG i = 0; i < SEM_USERS; i++)
        threads[n++] = KtStartThread(SemaphoreUser, &s, 6 + i % 4, 0);
    for (ULONG i = 0; i < n; i++)
        KtJoinThread(threads[i], 120000);
    KT_EXPECT_EQ(s.Timeouts, 0); /* no lost (or, in thousands, double) wake-up */
    for (ULONG i = 0; i < PAIRS; i++)
        KT_EXPECT_EQ(s.Ponged[i], EXCHANGES);
    KT_EXPECT_EQ(s.MutexOverlap, 0);
    KT_EXPECT_EQ(s.SemOverflow, 0);
    KT_EXPECT_EQ(KeReadStateMutex(&s.Mutex), 1);
    KT_EXPECT_EQ(KeReadStateSemaphore(&s.Semaphore), SLOTS);
}

/* Many waiters on one notification event, set by several threads at once:
   each round releases every waiter exactly once. */
#define CROWD        12
#define CROWD_ROUNDS 60

typedef struct _CROWD {
    KEVENT Go[CROWD_ROUNDS];
    volatile LONG Released[CROWD_ROUNDS];
    volatile LONG Timeouts;
} CROWD_STATE;

static VOID CrowdMember(PVOID Context)
{
    CROWD_STATE *c = Context;
    LARGE_INTEGER timeout = {.QuadPart = -200000000};
    for (ULONG r = 0; r < CROWD_ROUNDS; r++) {
        if (KeWaitForSingleObject(&c->Go[r], Executive, KernelMode, FALSE, &timeout) !=
            STATUS_SUCCESS) {
            __atomic_add_fetch(&c->Timeouts, 1, __ATOMIC_RELAXED);
            return;
        }
        __atomic_add_fetch(&c->Released[r], 1, __ATOMIC_RELAXED);
    }
}

static VOID CrowdSetter(PVOID Context)
{
    CROWD_STATE *c = Context;
    for (ULONG r = 0; r < CROWD_ROUNDS; r++) {
        KeSetEvent(&c->Go[r], IO_NO_INCREMENT, FALSE); /* several setters race each round */
        KtSleep(1);
    }
}

KTEST(stress, notification_event_releases_a_crowd_every_round)
{
    static CROWD_STATE c;
    PKTHREAD members[CROWD], setters[3];
    RtlZeroMemory(&c, sizeof(c));
    for (ULONG r = 0; r < CROWD_ROUNDS; r++)
        KeInitializeEvent(&c.Go[r], NotificationEvent, FALSE);
    for (ULONG i = 0; i < CROWD; i++)
        members[i] = KtStartThread(CrowdMember, &c, 0, 0);
    for (ULONG i = 0; i < 3; i++)
        setters[i] = KtStartThread(CrowdSetter, &c, 0, 0);
    for (ULONG i = 0; i < 3; i++)
        KtJoinThread(setters[i], 60000);
    for (ULONG i = 0; i < CROWD; i++)
        KtJoinThread(members[i], 60000);
    KT_EXPECT_EQ(c.Timeouts, 0);
    for (ULONG r = 0; r < CROWD_ROUNDS; r++)
        KT_EXPECT_EQ(c.Released[r], CROWD);
}
