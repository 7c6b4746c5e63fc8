/*
 * nt_soak_test.c: the soak (suite nt_soak): every worker at once, for a
 * chosen time, on every processor, with its progress and a summary.
 *
 *   kelab.soak=SECONDS  how long the workers run, in real seconds (default
 *                       6: the slice every `make test` runs on 1, 2 and 4
 *                       processors)
 *   kelab.seed=N        the seed of the workers' choices (default 1)
 *
 * `make soak SECONDS= CPUS= SEED=` boots this test alone with those
 * options. Every SOAK_PROGRESS_SECONDS the counts so far are printed;
 * at the end, the counts, the failures, and whatever the run did not give
 * back (pool, IRPs, threads, handles) against a snapshot taken first.
 */
#include "nt_soak.h"

#define SOAK_DEFAULT_SECONDS     6
#define SOAK_DEFAULT_SEED        1
#define SOAK_PROGRESS_SECONDS    10
#define SOAK_MAX_LOGGED_FAILURES 20

static const PCSTR SoakKindNames[SoakKinds] = {
    [SoakHandoffs] = "hand-offs",
    [SoakCrossHandoffs] = "across processors",
    [SoakMutexHolds] = "mutex holds",
    [SoakSemaphoreHolds] = "semaphore holds",
    [SoakWaitAllHolds] = "mutex+semaphore WaitAll holds",
    [SoakTimerSets] = "timer sets",
    [SoakTimerExpiries] = "timer expiries waited for",
    [SoakTimerCancels] = "timer cancels",
    [SoakTimerDpcs] = "timer DPCs",
    [SoakDpcs] = "targeted DPCs",
    [SoakDpcRemoves] = "DPCs removed",
    [SoakIrps] = "timer-device IRPs",
    [SoakIrpCancels] = "IRPs cancelled",
    [SoakThreads] = "threads created and ended",
};

/* ---- what the workers share ------------------------------------------------------- */

static ULONG64 SoakSplitMix(ULONG64 *X)
{
    ULONG64 z = (*X += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

VOID SoakSeedRandom(SOAK *Soak, ULONG Worker, SOAK_RANDOM *Random)
{
    ULONG64 x = Soak->Seed * 1000003 + Worker;
    Random->State = SoakSplitMix(&x) | 1; /* xorshift must not start at 0 */
}

ULONG SoakRandom(SOAK_RANDOM *Random, ULONG Bound)
{
    ULONG64 x = Random->State;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    Random->State = x;
    return (ULONG)(((x * 0x2545F4914F6CDD1Dull) >> 32) * Bound >> 32);
}

VOID SoakFail(SOAK *Soak, PCSTR Format, ...)
{
    LONG n = __atomic_add_fetch(&Soak->Failures, 1, __ATOMIC_RELAXED);
    KtFail();
    if (n > SOAK_MAX_LOGGED_FAILURES)
        return;
    CHAR message[120];
    va_list ap;
    va_start(ap, Format);
    RtlStringCbVPrintfA(message, sizeof(message), Format, ap);
    va_end(ap);
    KtLog("soak failure %d: %s", n, message);
}

VOID SoakStartThread(SOAK *Soak, VOID (*Routine)(PVOID Context), PVOID Context, KAFFINITY Affinity)
{
    PKTHREAD thread =
        Soak->ThreadCount < SOAK_MAX_THREADS ? KtStartThread(Routine, Context, 0, Affinity) : NULL;
    if (thread == NULL) {
        SoakFail(Soak, "could not start worker %u", Soak->ThreadCount);
        return;
    }
    Soak->Threads[Soak->ThreadCount++] = thread;
}

BOOLEAN SoakWait(SOAK *Soak, PVOID Object, PCSTR What)
{
    LARGE_INTEGER timeout = {.QuadPart = CONF_MS(CONF_WAIT_MS)};
    NTSTATUS status = KeWaitForSingleObject(Object, Executive, KernelMode, FALSE, &timeout);
    if (status == STATUS_SUCCESS)
        return TRUE;
    SoakFail(Soak, "%s: no wake-up within %u ms (status 0x%x)", What, CONF_WAIT_MS, status);
    return FALSE;
}

/* ---- the run ------------------------------------------------------------------------ */

static ULONG64 SoakOption(PCSTR Key, ULONG64 Default)
{
    ULONG64 value;
    return KtGetOptionNumber(Key, &value) ? value : Default;
}

static VOID SoakPrintCounts(SOAK *Soak)
{
    for (ULONG k = 0; k < SoakKinds; k++)
        KtLog("soak:   %-30s %llu", SoakKindNames[k], (unsigned long long)Soak->Count[k]);
}

static VOID SoakPrintProgress(SOAK *Soak, ULONG64 Seconds, ULONG64 Total)
{
    KtLog("soak %llu/%llu s: hand-offs %llu (across %llu) mutex %llu sem %llu timer %llu "
          "dpc %llu irp %llu threads %llu failures %d",
          (unsigned long long)Seconds, (unsigned long long)Total,
          (unsigned long long)Soak->Count[SoakHandoffs],
          (unsigned long long)Soak->Count[SoakCrossHandoffs],
          (unsigned long long)(Soak->Count[SoakMutexHolds] + Soak->Count[SoakWaitAllHolds]),
          (unsigned long long)Soak->Count[SoakSemaphoreHolds],
          (unsigned long long)Soak->Count[SoakTimerSets], (unsigned long long)Soak->Count[SoakDpcs],
          (unsigned long long)Soak->Count[SoakIrps], (unsigned long long)Soak->Count[SoakThreads],
          Soak->Failures);
}

/* Seconds of real time since Start, by the platform's counter. (Not the
   interrupt time: it counts processor 0's clock ticks, and a virtual
   processor the host stalls takes one tick for many, so under a loaded
   host it falls behind, far behind.) */
static ULONG64 SoakSecondsSince(LARGE_INTEGER Start)
{
    LARGE_INTEGER frequency, now = KeQueryPerformanceCounter(&frequency);
    return (ULONG64)(now.QuadPart - Start.QuadPart) / (ULONG64)frequency.QuadPart;
}

static VOID SoakRunFor(SOAK *Soak, ULONG64 Seconds)
{
    LARGE_INTEGER start = KeQueryPerformanceCounter(NULL);
    ULONG64 reported = 0, elapsed;
    while ((elapsed = SoakSecondsSince(start)) < Seconds && Soak->Failures == 0) {
        if (elapsed >= reported + SOAK_PROGRESS_SECONDS) {
            reported = elapsed - elapsed % SOAK_PROGRESS_SECONDS;
            SoakPrintProgress(Soak, reported, Seconds);
        }
        KtSleep(100);
    }
    __atomic_store_n(&Soak->Stop, TRUE, __ATOMIC_RELEASE);
}

static VOID SoakJoin(SOAK *Soak)
{
    for (ULONG i = 0; i < Soak->ThreadCount; i++) {
        if (!KtJoinThread(Soak->Threads[i], 6 * CONF_WAIT_MS))
            SoakFail(Soak, "worker %u did not end", i);
    }
}

static SOAK Soak; /* large, and only one runs at a time */

KTEST(nt_soak, every_worker_at_once_loses_nothing)
{
    ULONG64 seconds = SoakOption("kelab.soak", SOAK_DEFAULT_SECONDS);
    RtlZeroMemory(&Soak, sizeof(Soak));
    Soak.Seed = SoakOption("kelab.seed", SOAK_DEFAULT_SEED);
    KtLog("soak: %llu s on %u processors, seed %llu (kelab.soak=%llu kelab.seed=%llu repeats it)",
          (unsigned long long)seconds, KeNumberProcessors, (unsigned long long)Soak.Seed,
          (unsigned long long)seconds, (unsigned long long)Soak.Seed);
    KT_RESOURCES before, after;
    KtQueryResources(&before);

    /* Above every worker, so that nothing they do can keep the run from
       ending on time. */
    KPRIORITY priority = KeSetPriorityThread(KeGetCurrentThread(), LOW_REALTIME_PRIORITY);
    SoakStartHandoffs(&Soak);
    SoakStartLocks(&Soak);
    SoakStartTimers(&Soak);
    SoakStartDpcs(&Soak);
    SoakStartIrps(&Soak);
    SoakStartThreads(&Soak);
    SoakRunFor(&Soak, seconds);
    SoakJoin(&Soak);
    KeSetPriorityThread(KeGetCurrentThread(), priority);
    SoakFinishTimers(&Soak);
    SoakFinishDpcs(&Soak);
    SoakFinishIrps(&Soak);

    KeFlushQueuedDpcs(); /* ended threads give their stacks back in a DPC */
    KtQueryResources(&after);
    KtLog("soak: done after %llu s, seed %llu:", (unsigned long long)seconds,
          (unsigned long long)Soak.Seed);
    SoakPrintCounts(&Soak);
    KtLog("soak:   failures %d", Soak.Failures);
    KtReportResources(&before, &after, "soak:  ");
    KT_EXPECT_EQ(Soak.Failures, 0);
}
