/*
 * smp_bench.c: what IRQL, DPCs, IPIs and spin locks cost.
 *
 * Under QEMU's software emulation every figure is far above real hardware;
 * the ratios between them (a queued lock against an ordinary one, a local
 * DPC against a targeted one, one processor against four) are the point.
 */
#include "kbench.h"
#include "ke.h"

#define SAMPLES 2000
#define BATCH   200 /* operations per sample for very short operations */

static ULONG64 Samples[SAMPLES];

/* ---- IPI round trip: KeIpiGenericCall, every processor at once ---- */

static ULONG_PTR NothingWorker(ULONG_PTR Context)
{
    return Context;
}

/* From the call to the return of KeIpiGenericCall: the IPIs out, every
   processor through the barrier and the (empty) function, and back. */
KBENCH(ipi_generic_call)
{
    if (KeNumberProcessors < 2) {
        KbReportValue("ipi.generic_call", 0, "n/a-one-processor");
        return;
    }
    for (ULONG i = 0; i < SAMPLES; i++) {
        ULONG64 start = KbNow();
        KeIpiGenericCall(NothingWorker, 0);
        Samples[i] = KbNow() - start;
    }
    KbReport("ipi.generic_call", Samples, SAMPLES, 1);
}

/* ---- DPC latency: from KeInsertQueueDpc to the routine starting ---- */

static volatile ULONG64 DpcStarted;

static VOID StampDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    __atomic_store_n(&DpcStarted, KbNow(), __ATOMIC_RELEASE);
}

static VOID MeasureDpcLatency(PCSTR Metric, ULONG Target)
{
    KDPC dpc;
    KeInitializeDpc(&dpc, StampDpc, NULL);
    KeSetTargetProcessorDpc(&dpc, (CCHAR)Target);
    for (ULONG i = 0; i < SAMPLES; i++) {
        DpcStarted = 0;
        ULONG64 start = KbNow();
        KeInsertQueueDpc(&dpc, NULL, NULL);
        ULONG64 started;
        while ((started = __atomic_load_n(&DpcStarted, __ATOMIC_ACQUIRE)) == 0)
            YieldProcessor();
        Samples[i] = started - start;
    }
    KbReport(Metric, Samples, SAMPLES, 1);
}

KBENCH(dpc_latency)
{
    MeasureDpcLatency("dpc.latency_same_processor", KeGetCurrentProcessorNumber());
    if (KeNumberProcessors > 1)
        MeasureDpcLatency("dpc.latency_targeted", 1);
}

/* ---- spin locks, uncontended: one processor, BATCH pairs a sample ---- */

static KSPIN_LOCK BenchLock;

KBENCH(spinlock_uncontended)
{
    KeInitializeSpinLock(&BenchLock);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    for (ULONG i = 0; i < SAMPLES; i++) {
        ULONG64 start = KbNow();
        for (ULONG j = 0; j < BATCH; j++) {
            KeAcquireSpinLockAtDpcLevel(&BenchLock);
            KeReleaseSpinLockFromDpcLevel(&BenchLock);
        }
        Samples[i] = KbNow() - start;
    }
    KbReport("spinlock.ordinary_uncontended", Samples, SAMPLES, BATCH);
    for (ULONG i = 0; i < SAMPLES; i++) {
        ULONG64 start = KbNow();
        for (ULONG j = 0; j < BATCH; j++) {
            KLOCK_QUEUE_HANDLE handle;
            KeAcquireInStackQueuedSpinLockAtDpcLevel(&BenchLock, &handle);
            KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
        }
        Samples[i] = KbNow() - start;
    }
    KbReport("spinlock.queued_uncontended", Samples, SAMPLES, BATCH);
    KeLowerIrql(old);
}

/* ---- spin locks, contended: every processor on one lock at once ---- */

#define CONTENDED_SAMPLES 200
static ULONG64 PerProcessor[MAXIMUM_PROCESSORS][CONTENDED_SAMPLES];
static ULONG64 Merged[MAXIMUM_PROCESSORS * CONTENDED_SAMPLES];
static volatile ULONG64 SharedCounter; /* BenchLock */

static ULONG_PTR ContendOrdinary(ULONG_PTR Context)
{
    UNREFERENCED_PARAMETER(Context);
    ULONG me = KeGetCurrentProcessorNumber();
    for (ULONG i = 0; i < CONTENDED_SAMPLES; i++) {
        ULONG64 start = KbNow();
        for (ULONG j = 0; j < 20; j++) {
            KeAcquireSpinLockAtDpcLevel(&BenchLock);
            SharedCounter++;
            KeReleaseSpinLockFromDpcLevel(&BenchLock);
        }
        PerProcessor[me][i] = KbNow() - start;
    }
    return 0;
}

static ULONG_PTR ContendQueued(ULONG_PTR Context)
{
    UNREFERENCED_PARAMETER(Context);
    ULONG me = KeGetCurrentProcessorNumber();
    for (ULONG i = 0; i < CONTENDED_SAMPLES; i++) {
        ULONG64 start = KbNow();
        for (ULONG j = 0; j < 20; j++) {
            KLOCK_QUEUE_HANDLE handle;
            KeAcquireInStackQueuedSpinLockAtDpcLevel(&BenchLock, &handle);
            SharedCounter++;
            KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
        }
        PerProcessor[me][i] = KbNow() - start;
    }
    return 0;
}

static VOID MeasureContended(PCSTR Metric, PKIPI_BROADCAST_WORKER Worker)
{
    KeInitializeSpinLock(&BenchLock);
    KeIpiGenericCall(Worker, 0);
    ULONG n = 0;
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        for (ULONG i = 0; i < CONTENDED_SAMPLES; i++)
            Merged[n++] = PerProcessor[p][i];
    KbReport(Metric, Merged, n, 20);
}

KBENCH(spinlock_contended)
{
    MeasureContended("spinlock.ordinary_all_processors", ContendOrdinary);
    MeasureContended("spinlock.queued_all_processors", ContendQueued);
}
