/*
 * ki.h: what the kernel's own files (kernel/ke/, and boot/, its entry
 * code) share, and nobody else uses: the processor control region, the
 * start-up steps, trap and interrupt dispatch, the scheduler and the
 * dispatcher lock, the object machinery of waits.
 */
#ifndef KELAB_KI_H
#define KELAB_KI_H

#include "ke.h"

/* Interrupt stack table slots in the TSS: these exceptions always get a
   fresh, known-good stack, because the one they interrupted may be the
   problem (a kernel stack overflow ends in a double fault). */
#define KI_IST_DOUBLE_FAULT  1
#define KI_IST_NMI           2
#define KI_IST_MACHINE_CHECK 3
#define KI_IST_COUNT         3
#define KI_IST_STACK_SIZE    (4 * PAGE_SIZE)

#pragma pack(push, 1)
/* The operand of lgdt and lidt. */
typedef struct _KDESCRIPTOR {
    USHORT Limit;
    ULONG64 Base;
} KDESCRIPTOR;

typedef struct _KTSS64 {
    ULONG Reserved0;
    ULONG64 Rsp0, Rsp1, Rsp2;
    ULONG64 Ist[8]; /* Ist[0] is reserved by the architecture */
    ULONG64 Reserved1;
    USHORT Reserved2;
    USHORT IoMapBase;
} KTSS64;
#pragma pack(pop)

/* The processor control region, reached through the GS base: GS:0 holds
   its own address, GS:8 its PRCB's (KeGetCurrentPrcb), so one
   instruction finds the current processor. */
typedef struct _KPCR {
    struct _KPCR *Self;
    PKPRCB CurrentPrcb;
    ULONG64 GdtBase[5] __attribute__((aligned(16))); /* null, code, data, TSS (2 slots) */
    KTSS64 Tss __attribute__((aligned(16)));
    KPRCB Prcb;
} KPCR, *PKPCR;

static inline PKPCR KeGetPcr(VOID)
{
    return (PKPCR)__readgsqword_ptr(0);
}

/* Inter-processor requests (ipi.c): bits in KPRCB.IpiRequests. */
#define KI_IPI_REQUEST_PACKET 0x1

#define KI_TIMER_WAIT_BLOCK THREAD_WAIT_OBJECTS /* WaitBlock[3]: the timeout */

/* Every started processor's PRCB, by number (smp.c). */
extern PKPRCB KiProcessorBlock[MAXIMUM_PROCESSORS];

/* ---- boot --------------------------------------------------------------- */

/* What the boot is for (kelab.mode on the kernel command line). */
typedef enum _KI_BOOT_MODE {
    KiBootInteractive, /* the shell */
    KiBootTest,        /* kelab.mode=test: run tests, exit QEMU */
    KiBootList,        /* kelab.mode=list: print the test registry, exit */
    KiBootDeath,       /* kelab.mode=death: run one death test */
    KiBootBench,       /* kelab.mode=bench: run the benchmarks */
} KI_BOOT_MODE;
extern KI_BOOT_MODE KiBootMode; /* bootinfo.c: written once at boot */

/* Startup steps, in the order KiSystemStartup calls them. */
VOID RtlInitializeStackCookie(VOID); /* kernel/rtl/stackguard.c */
VOID KiSystemStartup(ULONG_PTR BootInformation);
/* IstStackTops: the initial RSP of each IST stack (KI_IST_*). */
VOID KiInitializeProcessor(PKPCR Pcr, ULONG Number, PVOID IstStackTops[KI_IST_COUNT]);
VOID KiInitializeIdt(VOID);
VOID KiLoadIdt(VOID);
VOID KiReadBootInformation(ULONG_PTR BootInformationPhysical);
/* Every kelab.* option the kernel itself takes, read once: kelab.mode
   (KiBootMode) and kelab.dpctimeout (the DPC watchdog). */
VOID KiReadBootOptions(VOID);

/* Trap dispatch (trap.c), called by the assembly stubs. */
VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame);
/* Interrupts (interrupt.c): vectors 0x1F and 0x20-0xFF. */
VOID KiInitializeInterrupts(VOID);
VOID KiInterruptDispatch(PKTRAP_FRAME TrapFrame);
BOOLEAN KiIsInterruptVector(ULONG Vector);

/* The handlers of the fixed vectors, at their IRQL, interrupts enabled. */
VOID KiClockInterrupt(PKTRAP_FRAME TrapFrame, KIRQL InterruptedIrql); /* clock.c */
VOID KiIpiInterrupt(VOID);                                            /* ipi.c */
VOID KiDispatchInterrupt(VOID); /* dpc.c: DISPATCH_LEVEL software interrupt */
VOID KiApcInterrupt(VOID);      /* apc.c: APC_LEVEL software interrupt */

/* clock.c */
VOID KiInitializeClock(VOID);       /* boot processor: calibrate, system time */
VOID KiStartProcessorClock(VOID);   /* each processor: its periodic interrupt */
extern const ULONG KeTimeIncrement; /* 100 ns units per tick */

/* dpc.c */
VOID KiInitializeDpcData(PKPRCB Prcb);
/* The DPC watchdog's allotment in ticks, from kelab.dpctimeout, once the
   clock's tick length is known. */
VOID KiInitializeDpcWatchdog(VOID);
VOID KiCheckDpcWatchdog(PKPRCB Prcb, PKTRAP_FRAME TrapFrame);
extern ULONG KiDpcWatchdogMilliseconds; /* bootinfo.c: kelab.dpctimeout, set once at boot */
extern ULONG KiDpcWatchdogTicks;        /* the same in ticks: set once at boot */

/* ipi.c: run a function on other processors at IPI_LEVEL and wait. */
VOID KiInitializeIpi(VOID);
VOID KiFreezeOtherProcessors(VOID); /* bug check: stop everyone else (NMI) */
extern volatile LONG KiFrozenProcessors;

/* smp.c */
VOID KiStartProcessors(VOID);
VOID KiMarkProcessorActive(PKPRCB Prcb);

/* ---- the scheduler and the dispatcher lock (scheduler.c) -------------- */

/* One lock for every thread's scheduling state, every ready queue, every
   dispatcher object and the timer list, taken at SYNCH_LEVEL. It is a
   queued lock; each processor waits in its own KPRCB entry, so it may be
   held across a context switch: the thread that runs next on the same
   processor releases it. */
extern KSPIN_LOCK KiDispatcherLock;
KIRQL KiAcquireDispatcherLock(VOID);
VOID KiReleaseDispatcherLock(KIRQL OldIrql);
VOID KiAcquireDispatcherLockAtSynchLevel(VOID);
VOID KiReleaseDispatcherLockFromSynchLevel(VOID);

VOID KiInitializeSchedulerData(PKPRCB Prcb); /* each processor's ready queues */
__attribute__((noreturn)) VOID KiIdleLoop(VOID);
VOID KiReadyThread(PKTHREAD Thread); /* Ready or Standby it somewhere */
VOID KiSwapThread(VOID);             /* current thread has left Running: switch */
VOID KiDispatchSchedule(VOID);       /* at DISPATCH_LEVEL: act on NextThread / quantum end */
VOID KiClockTickThread(PKPRCB Prcb); /* clock interrupt: quantum accounting */
BOOLEAN KiInDpc(VOID);

/* thread.c */
VOID KiBoostThread(PKTHREAD Thread, KPRIORITY Increment);
VOID KiSwapContext(PVOID *OldStack, PVOID NewStack); /* swap.S */
VOID KiThreadStartupTrampoline(VOID);                /* swap.S: a new thread's first return */

/* wait.c: the dispatcher's object machinery, dispatcher lock held. */
VOID KiWaitTest(PVOID Object, KPRIORITY Increment); /* Object became signaled: release waiters */
VOID KiUnwaitThread(PKTHREAD Thread, NTSTATUS WaitStatus, KPRIORITY Increment);
BOOLEAN KiIsObjectSignaled(PVOID Object, PKTHREAD Thread);
VOID KiConsumeObject(PVOID Object, PKTHREAD Thread);
/* The lock around KeSetEvent, KePulseEvent, KeReleaseMutex and
   KeReleaseSemaphore: the IRQL rule for Wait, and the Wait = TRUE hand-over. */
KIRQL KiLockForSignal(PCSTR Routine, BOOLEAN Wait);
VOID KiUnlockForSignal(KIRQL OldIrql, BOOLEAN Wait);

/* timer.c */
VOID KiInitializeTimers(VOID);
ULONG64 KiDueTime(PLARGE_INTEGER DueTime); /* NT due time -> absolute interrupt time */
VOID KiInsertTimer(PKTIMER Timer, ULONG64 DueInterruptTime, LONG Period); /* lock held */
VOID KiRemoveTimer(PKTIMER Timer);                                        /* lock held */
VOID KiCheckTimers(VOID); /* processor 0's clock tick */

/* apc.c */
BOOLEAN KiRequestApcIfPending(PKTHREAD Thread); /* when Thread starts running; TRUE if one is due */

/* spinlock.c: queued acquisition on behalf of an explicit owner (the
   dispatcher lock is owned by its processor, not a thread). */
VOID KiAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKSPIN_LOCK_QUEUE Queue, PVOID Owner);
VOID KiReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE Queue, PVOID Owner);

/* The address every IDT stub starts at, indexed by vector (trap.S). */
extern const ULONG64 KiTrapStubTable[256];

/* Backtraces (backtrace.c). Prints Rip (unless 0), then the return
   addresses found by following the frame pointer chain from Rbp. */
VOID KiPrintBacktrace(ULONG64 Rip, ULONG64 Rbp);
VOID KiPrintRegisters(PKTRAP_FRAME TrapFrame);

/* The identity of the caller for lock ownership: its thread, or its
   processor's PRCB before threads exist. Never NULL. */
PVOID KiCurrentOwner(VOID);

/* ---- snapshots for the shell (kernel/ke/shell.c) ------------------------ */

/* Each copies what a command shows under the lock that protects it, so
   that the shell prints with no lock held and at PASSIVE_LEVEL. Each is
   bounded: it copies at most what the caller has room for and returns
   how many there were. */

typedef struct _KI_WAIT_OBJECT_SNAPSHOT {
    PVOID Object;
    UCHAR Type; /* its DISPATCHER_HEADER.Type */
} KI_WAIT_OBJECT_SNAPSHOT;

typedef struct _KI_THREAD_SNAPSHOT {
    PKTHREAD Thread; /* where it was: it may have ended since */
    CHAR Name[sizeof(((KTHREAD *)0)->Name)];
    UCHAR State; /* KTHREAD_STATE */
    BOOLEAN IsIdle;
    SCHAR Priority, BasePriority;
    ULONG Processor;
    ULONG64 ContextSwitches;
    /* Waiting: for how long, on what (the first few), and with a timeout */
    ULONG64 WaitTicks;
    ULONG WaitObjectCount;
    KI_WAIT_OBJECT_SNAPSHOT WaitObjects[THREAD_WAIT_OBJECTS];
    BOOLEAN WaitTimeout;
} KI_THREAD_SNAPSHOT;
/* thread.c: every thread, under the thread list's lock and the dispatcher lock. */
ULONG KiSnapshotThreads(KI_THREAD_SNAPSHOT *Threads, ULONG Capacity);

typedef struct _KI_READY_ENTRY {
    CHAR Name[sizeof(((KTHREAD *)0)->Name)];
    SCHAR Priority;
} KI_READY_ENTRY;
typedef struct _KI_READY_SNAPSHOT {
    KI_READY_ENTRY Running;
    BOOLEAN HasStandby;
    KI_READY_ENTRY Standby;
    ULONG Count;              /* threads in its ready queues */
    KI_READY_ENTRY Ready[32]; /* the first of them, highest priority first */
} KI_READY_SNAPSHOT;
/* scheduler.c: one entry per processor (KeNumberProcessors), all taken
   in one hold of the dispatcher lock. */
VOID KiSnapshotReadyQueues(KI_READY_SNAPSHOT *Processors);

typedef struct _KI_ISR_SNAPSHOT {
    PKSERVICE_ROUTINE ServiceRoutine;
    ULONG64 ServiceCount;
} KI_ISR_SNAPSHOT;
/* interrupt.c: the interrupt objects connected to a device vector, under
   its chain's lock; and how many of its interrupts no ISR claimed. */
ULONG KiSnapshotInterruptVector(ULONG Vector, KI_ISR_SNAPSHOT *Isrs, ULONG Capacity);
ULONG64 KiQueryUnclaimedInterrupts(ULONG Vector);

/* spinlock.c: the named locks' statistics. */
ULONG KiSnapshotLockStatistics(KLOCK_STATISTICS *Copies, ULONG Capacity);

/* Runs Function on a fresh stack (never returns to the caller's). */
__attribute__((noreturn)) VOID KiSwitchStackAndCall(PVOID StackTop, VOID (*Function)(VOID));

#endif
