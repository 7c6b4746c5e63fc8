/*
 * thread.c: a kernel thread's life: its first instructions, its end, and
 * the list of every thread (and a copy of it for the shell).
 *
 * A new thread's stack is built to look as if the thread had called
 * KiSwapContext itself: the first switch to it "returns" into
 * KiThreadStartupTrampoline, which calls KiThreadStartup. Like every
 * thread resuming from a switch, it holds the dispatcher lock at
 * SYNCH_LEVEL; it releases the lock, drops to PASSIVE_LEVEL and runs its
 * start routine.
 *
 * A thread ends by signaling its thread object (waiters on it wake),
 * becoming Terminated, and switching away for good. It is still running on
 * its stack at that moment, so it cannot free it: a DPC queued on its
 * processor drops the thread's reference to itself after the switch, and
 * the object's delete procedure frees the stack.
 */
#include "ki.h"
#include "mm.h"
#include "ob.h"

static KSPIN_LOCK KiThreadListLock;
LIST_ENTRY KiThreadList = {&KiThreadList, &KiThreadList}; /* KiThreadListLock; read by tools/gdb */

PKTHREAD KeGetCurrentThread(VOID)
{
    return KeGetCurrentPrcb()->CurrentThread;
}

static VOID KiThreadListInsert(PKTHREAD Thread)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&KiThreadListLock, &oldIrql);
    InsertTailList(&KiThreadList, &Thread->ThreadListEntry);
    KeReleaseSpinLock(&KiThreadListLock, oldIrql);
}

VOID KeDeleteThread(PKTHREAD Thread)
{
    KIRQL oldIrql;
    KeAcquireSpinLock(&KiThreadListLock, &oldIrql);
    RemoveEntryList(&Thread->ThreadListEntry); /* an entry on no list points to itself */
    KeReleaseSpinLock(&KiThreadListLock, oldIrql);
}

static VOID KiReapThread(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    ObDereferenceObject(Context); /* the thread's own reference: it is off its stack now */
}

static VOID KiInitializeThreadState(PKTHREAD Thread, PVOID StackTop, PCSTR Name)
{
    Thread->Header.Type = ThreadObject;
    InitializeListHead(&Thread->Header.WaitListHead);
    Thread->State = Initialized;
    Thread->Priority = Thread->BasePriority = KE_SYSTEM_BASE_PRIORITY;
    Thread->Quantum = KE_QUANTUM_TICKS;
    Thread->Affinity = Thread->UserAffinity = ~(KAFFINITY)0;
    Thread->NextProcessor = KeGetCurrentProcessorNumber();
    InitializeListHead(&Thread->ApcListHead);
    InitializeListHead(&Thread->MutantListHead);
    InitializeListHead(&Thread->ThreadListEntry); /* on no list until it starts */
    KeInitializeTimerEx(&Thread->Timer, NotificationTimer);
    KeInitializeDpc(&Thread->ReaperDpc, KiReapThread, Thread);
    Thread->StackBase = StackTop;
    Thread->StackLimit = MmGetKernelStackLimit(StackTop);
    RtlStringCbCopyA(Thread->Name, sizeof(Thread->Name), Name);
}

/* The frame KiSwapContext pops: r15 r14 r13 r12 rbx rbp rflags, then its
   return address. RFLAGS has IF set, as every switching thread's has. */
VOID KeInitializeThread(PKTHREAD Thread, PVOID StackTop, PKSTART_ROUTINE StartRoutine,
                        PVOID StartContext, PCSTR Name)
{
    KiInitializeThreadState(Thread, StackTop, Name);
    Thread->StartRoutine = StartRoutine;
    Thread->StartContext = StartContext;
    PULONG64 frame = (PULONG64)StackTop - 8;
    RtlZeroMemory(frame, 8 * sizeof(ULONG64));
    frame[6] = RFLAGS_IF | 0x2; /* bit 1 is always set */
    frame[7] = (ULONG64)KiThreadStartupTrampoline;
    Thread->KernelStack = frame;
}

/* The code already running on this processor becomes a thread: the boot
   processor's start-up code, and each processor's idle loop. */
VOID KeAdoptCurrentContext(PKTHREAD Thread, PVOID StackTop, PCSTR Name)
{
    KiInitializeThreadState(Thread, StackTop, Name);
    Thread->State = Running;
    KiThreadListInsert(Thread);
    KeGetCurrentPrcb()->CurrentThread = Thread;
}

static VOID KiIdleThreadStart(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KiIdleLoop();
}

VOID KeInitializeIdleThread(PKTHREAD Thread, PKPRCB Prcb, PVOID StackTop)
{
    if (StackTop == NULL) {
        KeAdoptCurrentContext(Thread, Prcb->InitialStack, "idle");
    } else {
        KeInitializeThread(Thread, StackTop, KiIdleThreadStart, NULL, "idle");
        KiThreadListInsert(Thread);
    }
    RtlStringCbPrintfA(Thread->Name, sizeof(Thread->Name), "idle%u", Prcb->Number);
    Thread->IsIdle = TRUE;
    Thread->Priority = Thread->BasePriority = LOW_PRIORITY;
    Thread->Affinity = (KAFFINITY)1 << Prcb->Number;
    Thread->NextProcessor = Prcb->Number;
    Prcb->IdleThread = Thread;
}

VOID KeStartThread(PKTHREAD Thread)
{
    KiThreadListInsert(Thread);
}

VOID KeReadyThread(PKTHREAD Thread)
{
    KIRQL oldIrql = KiAcquireDispatcherLock();
    KiReadyThread(Thread);
    KiReleaseDispatcherLock(oldIrql);
}

VOID KiThreadStartup(VOID)
{
    KiReleaseDispatcherLockFromSynchLevel();
    KeLowerIrql(PASSIVE_LEVEL);
    PKTHREAD thread = KeGetCurrentThread();
    thread->StartRoutine(thread->StartContext);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* The rules for leaving: no mutex still owned (THREAD_TERMINATE_HELD_MUTEX),
   not inside a critical region and not at raised IRQL
   (KERNEL_APC_PENDING_DURING_EXIT): either would leave the system with a
   lock nobody can release, or APCs nobody can deliver. */
static VOID KiCheckThreadMayExit(PKTHREAD Thread)
{
    if (!IsListEmpty(&Thread->MutantListHead))
        KeBugCheckEx(
            THREAD_TERMINATE_HELD_MUTEX, (ULONG_PTR)Thread,
            (ULONG_PTR)CONTAINING_RECORD(Thread->MutantListHead.Flink, KMUTANT, MutantListEntry), 0,
            0);
    KIRQL irql = KeGetCurrentIrql();
    if (Thread->KernelApcDisable != 0 || irql != PASSIVE_LEVEL) {
        PLIST_ENTRY first = Thread->ApcListHead.Flink;
        ULONG_PTR apc = first != &Thread->ApcListHead
                            ? (ULONG_PTR)CONTAINING_RECORD(first, KAPC, ApcListEntry)
                            : 0;
        KeBugCheckEx(KERNEL_APC_PENDING_DURING_EXIT, apc, (ULONG_PTR)(LONG)Thread->KernelApcDisable,
                     irql, 0);
    }
}

VOID KeTerminateThread(NTSTATUS ExitStatus)
{
    UNREFERENCED_PARAMETER(ExitStatus);
    PKTHREAD thread = KeGetCurrentThread();
    KiCheckThreadMayExit(thread);
    KiAcquireDispatcherLock();
    /* A kernel APC queued since the check (a request of this thread being
       completed on another processor, say) would never run once the thread
       is Terminated: let it run first. Once the thread is Terminated under
       this lock, KeInsertQueueApc refuses new ones. */
    while (KiRequestApcIfPending(thread)) {
        KiReleaseDispatcherLock(PASSIVE_LEVEL);
        KiAcquireDispatcherLock();
    }
    thread->Header.SignalState = 1;
    KiWaitTest(thread, 0);
    thread->State = Terminated;
    KeInsertQueueDpc(&thread->ReaperDpc, NULL, NULL);
    KiSwapThread();
    KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, 7, (ULONG_PTR)thread, 0, 0); /* not reached */
}

/* ---- a snapshot for `threads` ------------------------------------------------------ */

static VOID KiSnapshotWait(PKTHREAD Thread, KI_THREAD_SNAPSHOT *Copy)
{
    PKWAIT_BLOCK first = Thread->WaitBlockList, wb = first;
    Copy->WaitTicks = KeGetCurrentPrcb()->TickCount - Thread->WaitStartTick;
    do {
        if (wb->Object == &Thread->Timer) {
            Copy->WaitTimeout = TRUE;
        } else {
            if (Copy->WaitObjectCount < ARRAYSIZE(Copy->WaitObjects))
                Copy->WaitObjects[Copy->WaitObjectCount] =
                    (KI_WAIT_OBJECT_SNAPSHOT){wb->Object, ((DISPATCHER_HEADER *)wb->Object)->Type};
            Copy->WaitObjectCount++;
        }
        wb = wb->NextWaitBlock;
    } while (wb != first);
}

ULONG KiSnapshotThreads(KI_THREAD_SNAPSHOT *Threads, ULONG Capacity)
{
    ULONG count = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&KiThreadListLock, &oldIrql);
    KIRQL listIrql = KiAcquireDispatcherLock(); /* a consistent picture: nobody moves */
    for (PLIST_ENTRY e = KiThreadList.Flink; e != &KiThreadList; e = e->Flink, count++) {
        if (count >= Capacity)
            continue; /* counted, not copied */
        PKTHREAD t = CONTAINING_RECORD(e, KTHREAD, ThreadListEntry);
        KI_THREAD_SNAPSHOT *copy = &Threads[count];
        *copy = (KI_THREAD_SNAPSHOT){.Thread = t,
                                     .State = t->State,
                                     .IsIdle = t->IsIdle,
                                     .Priority = t->Priority,
                                     .BasePriority = t->BasePriority,
                                     .Processor = t->NextProcessor,
                                     .ContextSwitches = t->ContextSwitches};
        RtlCopyMemory(copy->Name, t->Name, sizeof(copy->Name));
        if (t->State == Waiting)
            KiSnapshotWait(t, copy);
    }
    KiReleaseDispatcherLock(listIrql);
    KeReleaseSpinLock(&KiThreadListLock, oldIrql);
    return count;
}
