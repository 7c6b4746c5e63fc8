/*
 * ke.h: kernel-internal declarations of the Ke/Ki layer: the processor
 * control region, trap frames, boot options and the startup sequence.
 */
#ifndef KELAB_KE_H
#define KELAB_KE_H

#include "wdm.h"
#include "arch/x86.h"
#include "multiboot2.h"

/* Interrupt stack table slots in the TSS: these exceptions always get a
   fresh, known-good stack, because the one they interrupted may be the
   problem (a kernel stack overflow ends in a double fault). */
#define KI_IST_DOUBLE_FAULT  1
#define KI_IST_NMI           2
#define KI_IST_MACHINE_CHECK 3
#define KI_IST_COUNT         3
#define KI_IST_STACK_SIZE    (4 * PAGE_SIZE)

/* The register state saved on every trap and interrupt, in the order
   kernel/ke/trap.S pushes it (the field names are NT's KTRAP_FRAME's; the
   layout is KeLab's own). */
typedef struct _KTRAP_FRAME {
    ULONG64 Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rbp;
    ULONG64 R8, R9, R10, R11, R12, R13, R14, R15;
    ULONG64 Vector;
    ULONG64 ErrorCode;
    /* pushed by the processor */
    ULONG64 Rip, SegCs, EFlags, Rsp, SegSs;
} KTRAP_FRAME, *PKTRAP_FRAME;

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

/* Interrupt vectors with a fixed meaning. A vector's upper four bits are
   the IRQL it runs at (0x2F -> DISPATCH_LEVEL, 0xD1 -> CLOCK_LEVEL). */
#define APC_VECTOR          0x1F
#define DISPATCH_VECTOR     0x2F
#define FIRST_DEVICE_VECTOR 0x30 /* DIRQL 3 .. */
#define LAST_DEVICE_VECTOR  0xBF /* .. DIRQL 11 */
#define CLOCK_VECTOR        0xD1
#define IPI_VECTOR          0xE1
#define SPURIOUS_VECTOR     0xFF

/* A processor's DPC queue (kernel/ke/dpc.c). */
typedef struct _KDPC_DATA {
    LIST_ENTRY DpcListHead;    /* DpcLock: high importance at the head */
    KSPIN_LOCK DpcLock;        /* taken at HIGH_LEVEL: DPCs are queued from ISRs */
    ULONG DpcQueueDepth;       /* DpcLock */
    volatile ULONG64 DpcCount; /* DPCs run; only this processor writes it */
    CHAR LockName[12];         /* "DpcQueue<n>", for `locks` */
} KDPC_DATA;

/* Inter-processor requests (kernel/ke/ipi.c): bits in KPRCB.IpiRequests. */
#define KI_IPI_REQUEST_PACKET 0x1

/* ---- threads ---------------------------------------------------------- */

typedef enum _KTHREAD_STATE {
    Initialized,
    Ready, /* in a ready queue */
    Running,
    Standby, /* chosen to run next on a processor (KPRCB.NextThread) */
    Terminated,
    Waiting,
} KTHREAD_STATE;

#define KI_TIMER_WAIT_BLOCK     THREAD_WAIT_OBJECTS /* WaitBlock[3]: the timeout */
#define KI_QUANTUM_TICKS        3                   /* 12 ms at 250 Hz */
#define KI_SYSTEM_BASE_PRIORITY 8                   /* system threads start here */

/* The kernel's thread. Unless a comment says otherwise, fields are
   protected by the dispatcher lock (KiDispatcherLock). */
typedef struct _KTHREAD {
    DISPATCHER_HEADER Header; /* signaled when the thread terminates */
    volatile UCHAR State;     /* KTHREAD_STATE */
    SCHAR Priority;           /* current: base plus any boost */
    SCHAR BasePriority;
    SCHAR PriorityDecrement; /* how much of Priority is a boost that decays */
    volatile LONG Quantum;   /* clock ticks left: its processor, while it runs */
    ULONG NextProcessor;     /* where it runs, or whose ready queue it is on */
    KAFFINITY Affinity;
    KAFFINITY UserAffinity;   /* saved by KeSetSystemAffinityThreadEx */
    LIST_ENTRY WaitListEntry; /* its link in a ready queue */
    BOOLEAN IsIdle;           /* a processor's idle thread: never queued */

    /* Waiting */
    PKWAIT_BLOCK WaitBlockList;
    KWAIT_BLOCK WaitBlock[THREAD_WAIT_OBJECTS + 1];
    NTSTATUS WaitStatus;
    KIRQL WaitIrql;   /* the IRQL to return to when the wait ends */
    BOOLEAN WaitNext; /* KeSetEvent(.., TRUE): the next wait has the lock */
    UCHAR WaitReason;
    BOOLEAN Alertable;
    BOOLEAN Alerted;
    ULONG64 WaitStartTick; /* when the current wait began (for `threads`) */
    KTIMER Timer;          /* the timeout of its waits */

    /* APCs and critical regions */
    LIST_ENTRY ApcListHead; /* kernel APCs: special ones first */
    BOOLEAN KernelApcPending;
    BOOLEAN KernelApcInProgress;     /* the thread itself */
    volatile SHORT KernelApcDisable; /* the thread itself: below 0 in a critical region */
    LIST_ENTRY MutantListHead;       /* the mutexes it owns */

    /* Its stack: set at creation */
    PVOID StackBase; /* top: the first push goes below it */
    PVOID StackLimit;
    PVOID KernelStack; /* saved RSP while it is not running */

    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    KDPC ReaperDpc;             /* drops the thread's own reference once it is off its stack */
    LIST_ENTRY ThreadListEntry; /* KiThreadListLock: every thread, for `threads` */
    CHAR Name[20];
    volatile ULONG64 ContextSwitches;
} KTHREAD;

/* One processor's private state. Fields are written only by their own
   processor unless a comment says otherwise. */
typedef struct _KPRCB {
    ULONG Number;
    ULONG ApicId;
    struct _KTHREAD *volatile CurrentThread; /* NULL until threads exist */
    /* Scheduling: the dispatcher lock */
    struct _KTHREAD *NextThread; /* Standby: runs here at the next dispatch */
    struct _KTHREAD *IdleThread;
    LIST_ENTRY ReadyQueue[MAXIMUM_PRIORITY];
    ULONG ReadySummary;                   /* bit p: ReadyQueue[p] is not empty */
    volatile BOOLEAN QuantumEnd;          /* set by the clock interrupt */
    KSPIN_LOCK_QUEUE DispatcherLockQueue; /* this processor's place in the lock's queue */
    PVOID InitialStack;                   /* top of the stack its start-up code runs on */
    KDPC_DATA DpcData;
    /* The DPC watchdog: what is running now and since when (in clock ticks). */
    PKDEFERRED_ROUTINE volatile DpcRoutineActive;
    ULONG64 DpcStartTick;
    volatile ULONG64 TickCount;           /* clock interrupts taken */
    volatile KIRQL TickInterruptedIrql;   /* the IRQL the last clock tick interrupted */
    volatile LONG IpiRequests;            /* KI_IPI_*: set by other processors */
    volatile ULONG64 InterruptCount[256]; /* per vector */
} KPRCB, *PKPRCB;

/* The processor control region, reached through the GS base: GS:0 holds
   its own address, so one instruction finds the current processor. */
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

static inline PKPRCB KeGetCurrentPrcb(VOID)
{
    return (PKPRCB)__readgsqword_ptr(8);
}

/* Boot options (the kernel command line, kelab.* keys). */
typedef enum _KI_BOOT_MODE {
    KiBootInteractive, /* the shell */
    KiBootTest,        /* kelab.mode=test: run tests, exit QEMU */
    KiBootList,        /* kelab.mode=list: print the test registry, exit */
    KiBootDeath,       /* kelab.mode=death: run one death test */
    KiBootBench,       /* kelab.mode=bench: run the benchmarks */
} KI_BOOT_MODE;

/* Every started processor's PRCB, by number (kernel/ke/smp.c). */
extern PKPRCB KiProcessorBlock[MAXIMUM_PROCESSORS];
extern volatile KAFFINITY KeActiveProcessors;

extern MB2_INFO KeBootInformation;
extern KI_BOOT_MODE KeBootMode;

/* Copies the value of Key (e.g. "kelab.mode") from the kernel command
   line (see RtlGetCommandLineOption); returns FALSE if absent. */
BOOLEAN KeGetBootOption(PCSTR Key, PSTR Value, SIZE_T cbValue);

/* Startup steps, in the order KiSystemStartup calls them. */
VOID RtlInitializeStackCookie(VOID);
VOID KiSystemStartup(ULONG_PTR BootInformation);
/* IstStackTops: the initial RSP of each IST stack (KI_IST_*). */
VOID KiInitializeProcessor(PKPCR Pcr, ULONG Number, PVOID IstStackTops[KI_IST_COUNT]);
VOID KiInitializeIdt(VOID);
VOID KiLoadIdt(VOID);
VOID KiReadBootInformation(ULONG_PTR BootInformationPhysical);
VOID KiReadBootOptions(VOID);

/* Trap dispatch (kernel/ke/trap.c), called by the assembly stubs. */
VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame);
/* Interrupts (kernel/ke/interrupt.c): vectors 0x1F and 0x20-0xFF. */
VOID KiInitializeInterrupts(VOID);
VOID KiInterruptDispatch(PKTRAP_FRAME TrapFrame);
BOOLEAN KiIsInterruptVector(ULONG Vector);

/* The handlers of the fixed vectors, at their IRQL, interrupts enabled. */
VOID KiClockInterrupt(PKTRAP_FRAME TrapFrame, KIRQL InterruptedIrql); /* clock.c */
VOID KiIpiInterrupt(VOID);                                            /* ipi.c */
VOID KiDispatchInterrupt(VOID); /* dpc.c: DISPATCH_LEVEL software interrupt */
VOID KiApcInterrupt(VOID);      /* APC_LEVEL software interrupt */

/* clock.c */
VOID KiInitializeClock(VOID);     /* boot processor: calibrate, system time */
VOID KiStartProcessorClock(VOID); /* each processor: its periodic interrupt */
extern ULONG KeTimeIncrement;     /* 100 ns units per tick; set once at boot */

/* dpc.c */
VOID KiInitializeDpcData(PKPRCB Prcb);
VOID KiCheckDpcWatchdog(PKPRCB Prcb, PKTRAP_FRAME TrapFrame);
extern ULONG KiDpcWatchdogTicks; /* a single DPC may run this many ticks */

/* ipi.c: run a function on other processors at IPI_LEVEL and wait. */
VOID KiInitializeIpi(VOID);
typedef ULONG_PTR (*PKIPI_WORKER)(ULONG_PTR Context);
VOID KiIpiSendPacket(KAFFINITY Targets, PKIPI_WORKER Worker, ULONG_PTR Context);
VOID KiFreezeOtherProcessors(VOID); /* bug check: stop everyone else (NMI) */
extern volatile LONG KiFrozenProcessors;
VOID KiFlushTlbEverywhere(PVOID Va); /* TLB shootdown of one page */

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
VOID KiInitializeThread(PKTHREAD Thread, PVOID StackTop, PKSTART_ROUTINE StartRoutine,
                        PVOID StartContext, PCSTR Name);
VOID KiAdoptCurrentContext(PKTHREAD Thread, PVOID StackTop, PCSTR Name);
__attribute__((noreturn)) VOID KiTerminateThread(NTSTATUS ExitStatus);
VOID KiBoostThread(PKTHREAD Thread, KPRIORITY Increment);
VOID KiThreadListInsert(PKTHREAD Thread);
VOID KiThreadListRemove(PKTHREAD Thread);
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
VOID KiDeliverApcs(VOID);                       /* APC_LEVEL software interrupt */
BOOLEAN KiRequestApcIfPending(PKTHREAD Thread); /* when Thread starts running; TRUE if one is due */

/* spinlock.c: queued acquisition on behalf of an explicit owner (the
   dispatcher lock is owned by its processor, not a thread). */
VOID KiAcquireQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKSPIN_LOCK_QUEUE Queue, PVOID Owner);
VOID KiReleaseQueuedSpinLockFromDpcLevel(PKSPIN_LOCK_QUEUE Queue, PVOID Owner);

/* spinlock.c: the lock statistics behind `locks`. */
struct _KLOCK_STATISTICS {
    PCSTR Name;
    ULONG64 Acquisitions;   /* the lock: only its holder updates these */
    ULONG64 Contentions;    /* acquisitions that had to wait */
    ULONG64 SpinIterations; /* pause loops spent waiting, in total */
    ULONG64 LongestHold;    /* TSC cycles */
    ULONG64 HoldStart;      /* TSC at the current acquisition */
};
/* The address every IDT stub starts at, indexed by vector. */
extern const ULONG64 KiTrapStubTable[256];

/* Backtraces and symbols (kernel/ke/backtrace.c, kernel/ke/symbols.c). */
/* Prints Rip (unless 0), then the return addresses found by following
   the frame pointer chain from Rbp. */
VOID KiPrintBacktrace(ULONG64 Rip, ULONG64 Rbp);
BOOLEAN KiLookupSymbol(ULONG64 Address, PCSTR *Name, ULONG64 *Offset);
/* The function at Address, for the shell's listings: "-" for NULL, "?"
   for an address outside the kernel's text. */
PCSTR KiSymbolName(PVOID Address);
VOID KiPrintRegisters(PKTRAP_FRAME TrapFrame);

/* Bug check with the trap frame of the fault that caused it, so the
   report shows the faulting registers and the stack at the fault. */
__attribute__((noreturn)) VOID KiBugCheckWithTrapFrame(ULONG Code, ULONG_PTR P1, ULONG_PTR P2,
                                                       ULONG_PTR P3, ULONG_PTR P4,
                                                       PKTRAP_FRAME TrapFrame);
/* TRUE once a bug check has started: printers skip their locks. */
extern volatile BOOLEAN KiBugCheckActive;

/* The identity of the caller for lock ownership: its thread, or its
   processor's PRCB before threads exist. Never NULL. */
PVOID KiCurrentOwner(VOID);

/* Runs Function on a fresh stack (never returns to the caller's). */
__attribute__((noreturn)) VOID KiSwitchStackAndCall(PVOID StackTop, VOID (*Function)(VOID));

#endif
