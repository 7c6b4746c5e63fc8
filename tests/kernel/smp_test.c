/*
 * smp_test.c: every processor starts and takes part; inter-processor
 * calls, TLB shootdowns and spin locks hold up when all of them run at
 * once.
 */
#include "ktest.h"
#include "ke.h"
#include "mm.h"
#include "hal.h"

/* What processor Number says about itself, asked on it. */
typedef struct _SELF_REPORT {
    ULONG Number;
    ULONG ApicId;
    ULONG HalApicId;
    ULONG64 TickCount;
} SELF_REPORT;

static VOID ReportSelf(PVOID Context)
{
    SELF_REPORT *report = Context;
    PKPRCB prcb = KeGetCurrentPrcb();
    *report = (SELF_REPORT){prcb->Number, prcb->ApicId, HalGetApicId(), prcb->TickCount};
}

KTEST(smp, every_listed_processor_started)
{
    KT_EXPECT_EQ(KeNumberProcessors, HalPlatform.ProcessorCount);
    KT_EXPECT_EQ(KeQueryActiveProcessors(), ((KAFFINITY)1 << KeNumberProcessors) - 1);
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        SELF_REPORT report;
        KtRunOnProcessor(p, ReportSelf, &report);
        KT_EXPECT_EQ(report.Number, p);
        KT_EXPECT_EQ(report.ApicId, HalPlatform.ApicIds[p]);
        KT_EXPECT_EQ(report.HalApicId, HalPlatform.ApicIds[p]); /* its own APIC says so too */
        KT_EXPECT_GT(report.TickCount, 0);                      /* its clock runs */
    }
}

static volatile KAFFINITY SeenBy;
static volatile LONG WrongIrql;

static ULONG_PTR RecordProcessor(ULONG_PTR Context)
{
    __atomic_or_fetch(&SeenBy, (KAFFINITY)1 << KeGetCurrentProcessorNumber(), __ATOMIC_RELAXED);
    if (KeGetCurrentIrql() != IPI_LEVEL)
        __atomic_add_fetch(&WrongIrql, 1, __ATOMIC_RELAXED);
    return Context + KeGetCurrentProcessorNumber();
}

KTEST(smp, ipi_broadcast_runs_on_every_processor_at_ipi_level)
{
    SeenBy = 0;
    WrongIrql = 0;
    ULONG_PTR result = KeIpiGenericCall(RecordProcessor, 1000);
    KT_EXPECT_EQ(SeenBy, KeQueryActiveProcessors());
    KT_EXPECT_EQ(WrongIrql, 0);
    KT_EXPECT_EQ(result, 1000 + KeGetCurrentProcessorNumber()); /* the caller's own result */
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* ---- spin locks under fire ---- */

/* Acquisitions per processor: a fixed total shared out, so the stress
   takes about as long with 16 processors as with 2. A queued lock hands
   over in strict FIFO order, so when QEMU runs more virtual processors
   than the host has cores, each hand-over can wait for the host to
   schedule the next waiter: fair locks pay for fairness under
   oversubscription (docs/irql-interrupts-dpcs-smp.md). */
#define ORDINARY_TOTAL 80000
#define QUEUED_TOTAL   16000

static ULONG RoundsEach(ULONG Total)
{
    ULONG rounds = Total / KeNumberProcessors;
    return rounds < 500 ? 500 : rounds;
}

static KSPIN_LOCK StressLock;
static volatile ULONG64 StressCounter; /* StressLock */

/* The increment is a plain read-modify-write: only the lock makes it safe. */
static VOID Increment(VOID)
{
    ULONG64 v = StressCounter;
    YieldProcessor(); /* widen the window a lost update would need */
    StressCounter = v + 1;
}

static ULONG_PTR OrdinaryLockWorker(ULONG_PTR Rounds)
{
    for (ULONG i = 0; i < Rounds; i++) {
        KeAcquireSpinLockAtDpcLevel(&StressLock);
        Increment();
        KeReleaseSpinLockFromDpcLevel(&StressLock);
    }
    return 0;
}

static ULONG_PTR QueuedLockWorker(ULONG_PTR Rounds)
{
    for (ULONG i = 0; i < Rounds; i++) {
        KLOCK_QUEUE_HANDLE handle;
        KeAcquireInStackQueuedSpinLockAtDpcLevel(&StressLock, &handle);
        Increment();
        KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
    }
    return 0;
}

KTEST(smp, ordinary_spin_lock_excludes_every_processor)
{
    KeInitializeSpinLock(&StressLock);
    StressCounter = 0;
    ULONG rounds = RoundsEach(ORDINARY_TOTAL);
    KeIpiGenericCall(OrdinaryLockWorker, rounds);
    KT_EXPECT_EQ(StressCounter, (ULONG64)rounds * KeNumberProcessors);
}

KTEST(smp, queued_spin_lock_excludes_every_processor)
{
    KeInitializeSpinLock(&StressLock);
    StressCounter = 0;
    ULONG rounds = RoundsEach(QUEUED_TOTAL);
    KeIpiGenericCall(QueuedLockWorker, rounds);
    KT_EXPECT_EQ(StressCounter, (ULONG64)rounds * KeNumberProcessors);
    KT_EXPECT_EQ(StressLock.Lock, 0); /* the queue is empty again */
}

/* Processor 0 holds the lock; the others line up one after another (each
   waits until the previous one is the queue's tail before joining); the
   lock must then go to them in exactly that order. */
static KLOCK_QUEUE_HANDLE *volatile Handles[MAXIMUM_PROCESSORS];
static volatile LONG HandOrder[MAXIMUM_PROCESSORS];
static volatile LONG HandNext;

static ULONG_PTR FifoWorker(ULONG_PTR Context)
{
    UNREFERENCED_PARAMETER(Context);
    ULONG me = KeGetCurrentProcessorNumber();
    ULONG last = KeNumberProcessors - 1;
    KLOCK_QUEUE_HANDLE handle;
    Handles[me] = &handle;
    if (me != 0) /* wait for our turn to join the queue */
        while (Handles[me - 1] == NULL || StressLock.Lock != (ULONG_PTR)&Handles[me - 1]->LockQueue)
            YieldProcessor();
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&StressLock, &handle);
    if (me == 0) /* hold it until everyone is queued behind us */
        while (StressLock.Lock != (ULONG_PTR)&Handles[last]->LockQueue && last != 0)
            YieldProcessor();
    HandOrder[HandNext++] = (LONG)me;
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&handle);
    return 0;
}

KTEST(smp, queued_spin_lock_hands_over_in_fifo_order)
{
    KeInitializeSpinLock(&StressLock);
    HandNext = 0;
    for (ULONG p = 0; p < MAXIMUM_PROCESSORS; p++)
        Handles[p] = NULL;
    KeIpiGenericCall(FifoWorker, 0);
    KT_ASSERT_EQ(HandNext, (LONG)KeNumberProcessors);
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        KT_EXPECT_EQ(HandOrder[p], (LONG)p);
}

/* ---- TLB shootdown ---- */

static PUCHAR volatile ShootdownVa;

static ULONG_PTR ReadThroughTlb(ULONG_PTR Context)
{
    volatile LONG *mismatches = (volatile LONG *)Context;
    if (*ShootdownVa != 0xBB)
        __atomic_add_fetch(mismatches, 1, __ATOMIC_RELAXED);
    return 0;
}

static ULONG_PTR WarmTlb(ULONG_PTR Context)
{
    UNREFERENCED_PARAMETER(Context);
    return *ShootdownVa; /* caches the translation on every processor */
}

/* An address nothing else uses: the user half, which the kernel leaves
   unmapped. */
#define SHOOTDOWN_ADDRESS ((PUCHAR)0x40000000)

KTEST(smp, unmapping_a_page_flushes_every_processor)
{
    PUCHAR a = MmAllocateDirectMapPage(), b = MmAllocateDirectMapPage();
    KT_ASSERT_TRUE(a && b);
    *a = 0xAA;
    *b = 0xBB;
    PFN_NUMBER pfnA = MmGetPhysicalAddress(a).QuadPart >> PAGE_SHIFT;
    PFN_NUMBER pfnB = MmGetPhysicalAddress(b).QuadPart >> PAGE_SHIFT;
    PUCHAR va = SHOOTDOWN_ADDRESS;
    ShootdownVa = va;
    KT_EXPECT_EQ(MmMapPage(va, pfnA, MM_READONLY), STATUS_SUCCESS);
    KeIpiGenericCall(WarmTlb, 0);
    /* Move the mapping to page b: every processor must now see 0xBB. */
    KT_EXPECT_EQ(MmUnmapPage(va), pfnA);
    KT_EXPECT_EQ(MmMapPage(va, pfnB, MM_READONLY), STATUS_SUCCESS);
    volatile LONG mismatches = 0;
    KeIpiGenericCall(ReadThroughTlb, (ULONG_PTR)&mismatches);
    KT_EXPECT_EQ(mismatches, 0);
    MmUnmapPage(va);
    MmFreeDirectMapPage(a);
    MmFreeDirectMapPage(b);
}
