/*
 * nt_soak.h: what the soak's workers share (tests/ddk/nt_soak_*.c).
 *
 * The soak (suite nt_soak) runs every kind of worker at once, on every
 * processor, for kelab.soak seconds, and each worker checks its invariant
 * at every step: a wait that times out is a lost wake-up, a token of the
 * wrong parity a double one, two threads inside a mutex an overlap, and so
 * on. Counts go to one table (SOAK_KIND), failures to SoakFail, which logs
 * the first few and fails the test. Every worker draws its choices from
 * its own generator, seeded from kelab.seed and its number, so a run can
 * be repeated with the same choices (the interleaving, being SMP, is the
 * processors' own).
 */
#ifndef KELAB_NT_SOAK_H
#define KELAB_NT_SOAK_H

#include "ntconf.h"

/* What the soak counts. */
typedef enum _SOAK_KIND {
    SoakHandoffs,      /* a set event woke its waiter */
    SoakCrossHandoffs, /* ... on another processor */
    SoakMutexHolds,
    SoakSemaphoreHolds,
    SoakWaitAllHolds, /* mutex and semaphore in one WaitAll */
    SoakTimerSets,
    SoakTimerExpiries,
    SoakTimerCancels, /* KeCancelTimer that found it set */
    SoakTimerDpcs,
    SoakDpcs,
    SoakDpcRemoves,
    SoakIrps,
    SoakIrpCancels, /* IRPs that ended STATUS_CANCELLED */
    SoakThreads,    /* created and ended */
    SoakKinds
} SOAK_KIND;

#define SOAK_MAX_THREADS 32

/* Every worker but the hand-off pairs rests this long (to twice as long)
   between steps. Under QEMU, a virtual processor that is busy competes for
   the host's cores with the two that a hand-off needs running at the same
   moment; one that rests halts. Without rests, the other workers starve
   the hand-offs of host time (with 4 virtual processors on 2 cores, a
   hand-off rate falls from thousands to hundreds a second). */
#define SOAK_PAUSE_MS 10

typedef struct _SOAK {
    ULONG64 Seed;
    volatile BOOLEAN Stop; /* the workers finish their step and end */
    volatile LONG64 Count[SoakKinds];
    volatile LONG Failures;
    PKTHREAD Threads[SOAK_MAX_THREADS]; /* the workers, referenced */
    ULONG ThreadCount;
} SOAK;

/* A worker's own generator: xorshift64*, seeded from the soak's seed and
   the worker's number. */
typedef struct _SOAK_RANDOM {
    ULONG64 State;
} SOAK_RANDOM;

VOID SoakSeedRandom(SOAK *Soak, ULONG Worker, SOAK_RANDOM *Random);
/* A number in [0, Bound). */
ULONG SoakRandom(SOAK_RANDOM *Random, ULONG Bound);

static inline VOID SoakCount(SOAK *Soak, SOAK_KIND Kind, LONG64 N)
{
    __atomic_add_fetch(&Soak->Count[Kind], N, __ATOMIC_RELAXED);
}

/* Records a broken invariant: logs it (the first few) and fails the test. */
VOID SoakFail(SOAK *Soak, PCSTR Format, ...) __attribute__((format(printf, 2, 3)));

/* Starts a worker thread on the processors in Affinity (0: any). */
VOID SoakStartThread(SOAK *Soak, VOID (*Routine)(PVOID Context), PVOID Context, KAFFINITY Affinity);

/* A wait bounded by CONF_WAIT_MS, for workers: a timeout is reported as a
   lost wake-up (naming What) and returns FALSE. */
BOOLEAN SoakWait(SOAK *Soak, PVOID Object, PCSTR What);

/* The workers: Start launches one kind's threads; Finish runs once every
   thread has ended, for the checks that need everything still. */
VOID SoakStartHandoffs(SOAK *Soak);
VOID SoakStartLocks(SOAK *Soak);
VOID SoakStartTimers(SOAK *Soak);
VOID SoakFinishTimers(SOAK *Soak);
VOID SoakStartDpcs(SOAK *Soak);
VOID SoakFinishDpcs(SOAK *Soak);
VOID SoakStartIrps(SOAK *Soak);
VOID SoakFinishIrps(SOAK *Soak);
VOID SoakStartThreads(SOAK *Soak);

#endif
