/*
 * shell.c: the kernel's shell commands.
 *
 *   threads     every thread: state, priority, processor, what it waits on
 *   ready       each processor's running, standby and ready threads
 *   interrupts  counts per vector and processor, and who handles each vector
 *   irql        the levels, and where each processor was at its last tick
 *   cpus        processors: APIC IDs, ticks, DPCs, IPIs
 *   dpcs        DPC queues and the watchdog
 *   locks       the named spin locks, most contended first
 *   bugcheck    stop the system on purpose
 *
 * A command that shows state a lock protects first takes a snapshot of it
 * (the Ki...Snapshot routines, in the files that own the locks), then
 * prints the copy with no lock held, at PASSIVE_LEVEL. Printing a table
 * to a serial port takes milliseconds; holding the dispatcher lock that
 * long would stop every processor's scheduling while a student reads
 * `threads`. Counters that one processor updates without a lock (ticks,
 * interrupts, DPCs run) are read as they are: a moving target anyway.
 */
#include "ki.h"
#include "hal.h"
#include "kd.h"

#define KI_SHELL_MAX_THREADS 256 /* the snapshot's room; beyond it, a count */

/* ---- `threads` ------------------------------------------------------------------- */

/* An idle thread that is not running is in no ready queue, whatever its
   State says (Ready once it has run, Initialized before): it runs when
   its processor has nothing else to do. */
static PCSTR KiStateName(const KI_THREAD_SNAPSHOT *Thread)
{
    static const char *const names[] = {"init", "ready", "running", "standby", "dead", "waiting"};
    if (Thread->IsIdle && Thread->State != Running)
        return "idle";
    return Thread->State < ARRAYSIZE(names) ? names[Thread->State] : "?";
}

static PCSTR KiObjectKind(UCHAR Type)
{
    switch (Type) {
    case EventNotificationObject:
        return "event(N)";
    case EventSynchronizationObject:
        return "event(S)";
    case MutantObject:
        return "mutex";
    case SemaphoreObject:
        return "semaphore";
    case ThreadObject:
        return "thread";
    case TimerNotificationObject:
    case TimerSynchronizationObject:
        return "timer";
    }
    return "object";
}

static VOID KiPrintWait(const KI_THREAD_SNAPSHOT *Thread)
{
    ULONG shown = KdShown(Thread->WaitObjectCount, ARRAYSIZE(Thread->WaitObjects));
    DbgPrint("  waits %llu ms on",
             (unsigned long long)(Thread->WaitTicks * (KeTimeIncrement / 10000)));
    for (ULONG i = 0; i < shown; i++)
        DbgPrint(" %s %p", KiObjectKind(Thread->WaitObjects[i].Type),
                 Thread->WaitObjects[i].Object);
    if (Thread->WaitObjectCount > shown)
        DbgPrint(" and %u more", Thread->WaitObjectCount - shown);
    if (Thread->WaitTimeout)
        DbgPrint("%s timeout", Thread->WaitObjectCount ? " or" : "");
}

static VOID KiShellThreads(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    KI_THREAD_SNAPSHOT *threads =
        KdAllocateSnapshot(Argv[0], KI_SHELL_MAX_THREADS, sizeof(KI_THREAD_SNAPSHOT));
    if (threads == NULL)
        return;
    ULONG count = KiSnapshotThreads(threads, KI_SHELL_MAX_THREADS);
    ULONG shown = KdShown(count, KI_SHELL_MAX_THREADS);
    DbgPrint("%-18s %-19s %-8s %4s %4s %3s %9s\n", "thread", "name", "state", "prio", "base", "cpu",
             "switches");
    for (ULONG i = 0; i < shown; i++) {
        const KI_THREAD_SNAPSHOT *t = &threads[i];
        DbgPrint("%p %-19s %-8s %4d %4d %3u %9llu", t->Thread, t->Name, KiStateName(t), t->Priority,
                 t->BasePriority, t->Processor, (unsigned long long)t->ContextSwitches);
        if (t->State == Waiting)
            KiPrintWait(t);
        DbgPrint("\n");
    }
    KdPrintNotShown(count, shown, "threads");
    KdFreeSnapshot(threads);
}
KD_COMMAND(threads, "", "every thread: state, priority, processor, what it waits on",
           KiShellThreads);

/* ---- `ready` --------------------------------------------------------------------- */

static VOID KiPrintReadyQueues(const KI_READY_SNAPSHOT *Processor)
{
    ULONG shown = KdShown(Processor->Count, ARRAYSIZE(Processor->Ready));
    for (ULONG i = 0; i < shown; i++) {
        const KI_READY_ENTRY *e = &Processor->Ready[i];
        if (i == 0 || e->Priority != Processor->Ready[i - 1].Priority)
            DbgPrint("%s  %2d:", i == 0 ? "" : "\n", e->Priority);
        DbgPrint(" %s", e->Name);
    }
    if (shown > 0)
        DbgPrint("\n");
    KdPrintNotShown(Processor->Count, shown, "ready threads");
}

static VOID KiShellReady(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    ULONG processors = KeNumberProcessors;
    KI_READY_SNAPSHOT *snapshot = KdAllocateSnapshot(Argv[0], processors, sizeof(*snapshot));
    if (snapshot == NULL)
        return;
    KiSnapshotReadyQueues(snapshot);
    for (ULONG p = 0; p < processors; p++) {
        const KI_READY_SNAPSHOT *s = &snapshot[p];
        DbgPrint("CPU%u: running %s (priority %d)", p, s->Running.Name, s->Running.Priority);
        if (s->HasStandby)
            DbgPrint(", standby %s (priority %d)", s->Standby.Name, s->Standby.Priority);
        DbgPrint("\n");
        KiPrintReadyQueues(s);
    }
    KdFreeSnapshot(snapshot);
}
KD_COMMAND(ready, "", "ready queues per processor, highest priority first", KiShellReady);

/* ---- `interrupts` ---------------------------------------------------------------- */

#define KI_SHELL_ISRS 4 /* ISRs named per vector; a shared vector rarely has more */

/* The vectors with a fixed job, and the kernel routine that does it. */
static BOOLEAN KiPrintFixedVector(ULONG Vector)
{
    switch (Vector) {
    case APC_VECTOR:
        DbgPrint("APC software interrupt: %s", KeSymbolName(KiApcInterrupt));
        return TRUE;
    case DISPATCH_VECTOR:
        DbgPrint("DISPATCH software interrupt: %s (DPCs)", KeSymbolName(KiDispatchInterrupt));
        return TRUE;
    case CLOCK_VECTOR:
        DbgPrint("clock: %s", KeSymbolName(KiClockInterrupt));
        return TRUE;
    case IPI_VECTOR:
        DbgPrint("inter-processor interrupt: %s", KeSymbolName(KiIpiInterrupt));
        return TRUE;
    case SPURIOUS_VECTOR:
        DbgPrint("spurious (the APIC withdrew an interrupt; no handler, no EOI)");
        return TRUE;
    }
    return FALSE;
}

/* A device vector's owners: each connected ISR, "driver!routine" for a
   driver's, with how many interrupts it claimed. */
static VOID KiPrintDeviceVector(const KI_ISR_SNAPSHOT *Isrs, ULONG Count)
{
    if (Count == 0) {
        DbgPrint("device, no ISR connected");
        return;
    }
    DbgPrint("device:");
    for (ULONG i = 0; i < KdShown(Count, KI_SHELL_ISRS); i++) {
        PCSTR module = KeSymbolModule(Isrs[i].ServiceRoutine);
        DbgPrint(" %s%s%s (claimed %llu)", module ? module : "", module ? "!" : "",
                 KeSymbolName(Isrs[i].ServiceRoutine), (unsigned long long)Isrs[i].ServiceCount);
    }
    if (Count > KI_SHELL_ISRS)
        DbgPrint(" and %u more", Count - KI_SHELL_ISRS);
}

/* One line per vector that has been used or has an owner; returns the
   vector's unclaimed interrupts. */
static ULONG64 KiPrintVector(ULONG Vector)
{
    KI_ISR_SNAPSHOT isrs[KI_SHELL_ISRS];
    BOOLEAN device = Vector >= FIRST_DEVICE_VECTOR && Vector <= LAST_DEVICE_VECTOR;
    ULONG connected = device ? KiSnapshotInterruptVector(Vector, isrs, KI_SHELL_ISRS) : 0;
    ULONG64 unclaimed = device ? KiQueryUnclaimedInterrupts(Vector) : 0;
    ULONG64 total = 0;
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        total += KiProcessorBlock[p]->InterruptCount[Vector];
    if (Vector != APC_VECTOR && total == 0 && connected == 0)
        return 0;
    DbgPrint("  0x%02X   %2u", Vector, Vector >> 4);
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        DbgPrint(" %10llu", (unsigned long long)KiProcessorBlock[p]->InterruptCount[Vector]);
    DbgPrint(" %9llu  ", (unsigned long long)unclaimed);
    if (!KiPrintFixedVector(Vector))
        KiPrintDeviceVector(isrs, connected);
    DbgPrint("\n");
    return unclaimed;
}

static VOID KiShellInterrupts(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("vector IRQL");
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        DbgPrint("      CPU%-2u", p);
    DbgPrint(" unclaimed  owner\n");
    ULONG64 unclaimed = 0;
    for (ULONG v = APC_VECTOR; v < 256; v++)
        unclaimed += KiPrintVector(v);
    DbgPrint("Unclaimed device interrupts: %llu\n", (unsigned long long)unclaimed);
    if (unclaimed == 0)
        return;
    DbgPrint("  (An interrupt is unclaimed when no ISR on its vector returns TRUE for it. The\n"
             "  serial port's line is edge-triggered: a character that arrives while its ISR\n"
             "  is emptying the UART raises one more interrupt, and the ISR, which took that\n"
             "  character too, finds nothing left. On a shared line it is another device's.)\n");
}
KD_COMMAND(interrupts, "", "interrupt counts per vector and processor, and each vector's owner",
           KiShellInterrupts);

/* ---- `irql` ---------------------------------------------------------------------- */

/* The levels, and where each processor was when its clock last ticked (an
   idle processor shows PASSIVE_LEVEL, a busy DPC DISPATCH_LEVEL). */
static VOID KiShellIrql(ULONG Argc, PCSTR Argv[])
{
    static const struct {
        KIRQL Level;
        PCSTR Name, Meaning;
    } levels[] = {
        {PASSIVE_LEVEL, "PASSIVE_LEVEL", "threads; nothing masked"},
        {APC_LEVEL, "APC_LEVEL", "kernel APCs masked (vector 0x1F)"},
        {DISPATCH_LEVEL, "DISPATCH_LEVEL", "DPCs and thread switches masked (vector 0x2F)"},
        {3, "device IRQLs", "3-11: vector V runs at V >> 4"},
        {SYNCH_LEVEL, "SYNCH_LEVEL", "the dispatcher lock"},
        {CLOCK_LEVEL, "CLOCK_LEVEL", "clock interrupt masked (vector 0xD1)"},
        {IPI_LEVEL, "IPI_LEVEL", "inter-processor interrupts masked (vector 0xE1)"},
        {HIGH_LEVEL, "HIGH_LEVEL", "everything masked"},
    };
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    for (ULONG i = 0; i < ARRAYSIZE(levels); i++)
        DbgPrint("  %2u  %-15s %s\n", levels[i].Level, levels[i].Name, levels[i].Meaning);
    DbgPrint("This processor (%u) runs the shell at IRQL %u (CR8 = %llu).\n",
             KeGetCurrentProcessorNumber(), KeGetCurrentIrql(), (unsigned long long)__readcr8());
    for (ULONG p = 0; p < KeNumberProcessors; p++)
        DbgPrint("  CPU%u: last clock tick interrupted IRQL %u\n", p,
                 KiProcessorBlock[p]->TickInterruptedIrql);
}
KD_COMMAND(irql, "", "the IRQL levels, and each processor's at its last tick", KiShellIrql);

/* ---- `cpus` ---------------------------------------------------------------------- */

static VOID KiShellCpus(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("%u processor(s), local APICs in %s mode, clock source %s\n", KeNumberProcessors,
             HalIsX2ApicEnabled() ? "x2APIC" : "xAPIC", HalClockSourceName());
    DbgPrint("CPU  APIC  ticks       DPCs run    IPIs\n");
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        PKPRCB prcb = KiProcessorBlock[p];
        DbgPrint("%-4u %-5u %-11llu %-11llu %llu\n", p, prcb->ApicId,
                 (unsigned long long)prcb->TickCount, (unsigned long long)prcb->DpcData.DpcCount,
                 (unsigned long long)prcb->InterruptCount[IPI_VECTOR]);
    }
}
KD_COMMAND(cpus, "", "processors: APIC IDs, clock ticks, DPCs and IPIs", KiShellCpus);

/* ---- `dpcs` ---------------------------------------------------------------------- */

static VOID KiShellDpcs(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    UNREFERENCED_PARAMETER(Argv);
    DbgPrint("CPU  queued  run           now running\n");
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        PKPRCB prcb = KiProcessorBlock[p];
        DbgPrint("%-4u %-7u %-13llu %s\n", p, prcb->DpcData.DpcQueueDepth,
                 (unsigned long long)prcb->DpcData.DpcCount, KeSymbolName(prcb->DpcRoutineActive));
    }
    DbgPrint("Watchdog: a single DPC may run %u ticks (%u ms)\n", KiDpcWatchdogTicks,
             KiDpcWatchdogTicks * (KeTimeIncrement / 10000));
}
KD_COMMAND(dpcs, "", "DPC queues and counts per processor", KiShellDpcs);

/* ---- `locks` --------------------------------------------------------------------- */

#define KI_SHELL_MAX_LOCKS 64

/* The dispatcher lock first, then the most contended. */
static BOOLEAN KiLockComesFirst(const KLOCK_STATISTICS *A, const KLOCK_STATISTICS *B)
{
    PCSTR dispatcher = KiDispatcherLock.Statistics ? KiDispatcherLock.Statistics->Name : NULL;
    if (A->Name == dispatcher || B->Name == dispatcher)
        return A->Name == dispatcher;
    return A->Contentions > B->Contentions;
}

static VOID KiShellLocks(ULONG Argc, PCSTR Argv[])
{
    UNREFERENCED_PARAMETER(Argc);
    KLOCK_STATISTICS *locks = KdAllocateSnapshot(Argv[0], KI_SHELL_MAX_LOCKS, sizeof(*locks));
    if (locks == NULL)
        return;
    ULONG n = KdShown(KiSnapshotLockStatistics(locks, KI_SHELL_MAX_LOCKS), KI_SHELL_MAX_LOCKS);
    for (ULONG i = 1; i < n; i++) { /* insertion sort */
        KLOCK_STATISTICS s = locks[i];
        ULONG j = i;
        for (; j > 0 && KiLockComesFirst(&s, &locks[j - 1]); j--)
            locks[j] = locks[j - 1];
        locks[j] = s;
    }
    ULONG64 cyclesPerUs = HalQueryTscFrequency() / 1000000;
    DbgPrint("%-22s %12s %12s %6s %14s %12s\n", "lock", "acquired", "contended", "%", "spins",
             "longest (us)");
    for (ULONG k = 0; k < n; k++) {
        const KLOCK_STATISTICS *s = &locks[k];
        DbgPrint("%-22s %12llu %12llu %5llu%% %14llu %12llu\n", s->Name,
                 (unsigned long long)s->Acquisitions, (unsigned long long)s->Contentions,
                 (unsigned long long)(s->Acquisitions ? s->Contentions * 100 / s->Acquisitions : 0),
                 (unsigned long long)s->SpinIterations,
                 (unsigned long long)(cyclesPerUs ? s->LongestHold / cyclesPerUs : 0));
    }
    KdFreeSnapshot(locks);
}
KD_COMMAND(locks, "", "named spin locks, most contended first", KiShellLocks);

/* ---- `bugcheck` ------------------------------------------------------------------ */

/* `bugcheck [code [p1 [p2 [p3 [p4]]]]]`: crash on purpose, to see a report. */
static VOID KiShellBugCheck(ULONG Argc, PCSTR Argv[])
{
    static const char *const names[] = {"code", "p1", "p2", "p3", "p4"};
    ULONG64 values[5] = {MANUALLY_INITIATED_CRASH, 0, 0, 0, 0};
    if (Argc > 6) {
        DbgPrint("usage: bugcheck [code [p1 [p2 [p3 [p4]]]]]\n");
        return;
    }
    for (ULONG i = 1; i < Argc; i++) {
        if (!KdParseNumber(Argv[0], names[i - 1], Argv[i], 0, i == 1 ? 0xFFFFFFFF : ~0ull,
                           &values[i - 1]))
            return;
    }
    KeBugCheckEx((ULONG)values[0], values[1], values[2], values[3], values[4]);
}
KD_COMMAND(bugcheck, "[code [p1..p4]]", "stop the system with a bug check (default 0xE2)",
           KiShellBugCheck);
