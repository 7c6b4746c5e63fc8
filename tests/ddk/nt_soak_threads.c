/*
 * nt_soak_threads.c: threads created and ending all the time.
 *
 * One thread creates batches of short-lived system threads, as a driver
 * does (PsCreateSystemThread, a handle, ObReferenceObjectByHandle for the
 * thread object, ZwClose), and waits on each thread object for its end:
 * a thread that never ends, or whose object is never signaled, is a
 * timeout. Each short life moves to a processor the batch chose, raises
 * IRQL, sleeps or yields, and ends.
 */
#include "nt_soak.h"

#define SOAK_BATCH 3

typedef struct _SOAK_LIFE {
    SOAK *Soak;
    ULONG Processor;
    ULONG Pause; /* ms; 0 yields */
} SOAK_LIFE;

/* The batch's lives outlast the spawner's stack frame if a thread never
   ends (a failure already): they are the spawner's, and it is alone. */
static SOAK_LIFE SoakLives[SOAK_BATCH];

static VOID SoakShortLife(PVOID Context)
{
    SOAK_LIFE *life = Context;
    KeSetSystemAffinityThreadEx(CONF_AFFINITY(life->Processor));
    if (KeGetCurrentProcessorNumber() != life->Processor)
        SoakFail(life->Soak, "a thread asked for processor %u runs on %u", life->Processor,
                 KeGetCurrentProcessorNumber());
    KIRQL old = KeRaiseIrqlToDpcLevel();
    KeLowerIrql(old);
    KtSleep(life->Pause);
}

/* Creates a thread the driver's way; returns its object, referenced. */
static PVOID SoakCreate(SOAK *Soak, SOAK_LIFE *Life)
{
    HANDLE handle;
    PVOID thread = NULL;
    NTSTATUS status =
        PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, SoakShortLife, Life);
    if (!NT_SUCCESS(status)) {
        SoakFail(Soak, "PsCreateSystemThread: 0x%x", status);
        return NULL;
    }
    status =
        ObReferenceObjectByHandle(handle, SYNCHRONIZE, *PsThreadType, KernelMode, &thread, NULL);
    if (!NT_SUCCESS(status))
        SoakFail(Soak, "ObReferenceObjectByHandle on a new thread: 0x%x", status);
    ZwClose(handle);
    return NT_SUCCESS(status) ? thread : NULL;
}

static VOID SoakSpawner(PVOID Context)
{
    SOAK *soak = Context;
    SOAK_RANDOM random;
    SoakSeedRandom(soak, 500, &random);
    while (!__atomic_load_n(&soak->Stop, __ATOMIC_ACQUIRE) && soak->Failures == 0) {
        PVOID threads[SOAK_BATCH];
        ULONG count = 1 + SoakRandom(&random, SOAK_BATCH);
        for (ULONG i = 0; i < count; i++) {
            SoakLives[i] =
                (SOAK_LIFE){soak, SoakRandom(&random, KeNumberProcessors), SoakRandom(&random, 3)};
            threads[i] = SoakCreate(soak, &SoakLives[i]);
        }
        for (ULONG i = 0; i < count; i++) {
            if (threads[i] == NULL)
                continue;
            if (SoakWait(soak, threads[i], "a thread's end"))
                SoakCount(soak, SoakThreads, 1);
            ObDereferenceObject(threads[i]);
        }
        KtSleep(SOAK_PAUSE_MS + SoakRandom(&random, SOAK_PAUSE_MS));
    }
}

VOID SoakStartThreads(SOAK *Soak)
{
    SoakStartThread(Soak, SoakSpawner, Soak, 0);
}
