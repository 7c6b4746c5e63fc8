/*
 * ke.h: the kernel's door for the rest of the kernel: the types every
 * component shares (threads, processors, trap frames) and the Ke routines
 * other components call. What only kernel/ke/ uses is in kernel/ke/ki.h.
 */
#ifndef KELAB_KE_H
#define KELAB_KE_H

#include "wdm.h"
#include "arch/x86.h"
#include "multiboot2.h"

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

/* ---- threads ---------------------------------------------------------- */

typedef enum _KTHREAD_STATE {
    Initialized,
    Ready, /* in a ready queue */
    Running,
    Standby, /* chosen to run next on a processor (KPRCB.NextThread) */
    Terminated,
    Waiting,
} KTHREAD_STATE;

#define KE_QUANTUM_TICKS        3 /* a thread's turn: 12 ms at 250 Hz */
#define KE_SYSTEM_BASE_PRIORITY 8 /* system threads start here (KeSetBasePriorityThread's 0) */

/* The kernel's thread. Unless a comment says otherwise, fields are
   protected by the dispatcher lock. */
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
    KWAIT_BLOCK WaitBlock[THREAD_WAIT_OBJECTS + 1]; /* the last: the timeout */
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
    LIST_ENTRY ThreadListEntry; /* the thread list's lock: every started thread, for `threads` */
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

/* The current processor's PRCB, through the GS base (kernel/ke/ki.h). */
static inline PKPRCB KeGetCurrentPrcb(VOID)
{
    return (PKPRCB)__readgsqword_ptr(8);
}

/* Processors that have started (kernel/ke/smp.c); KeQueryActiveProcessors
   reads it for drivers. */
extern volatile KAFFINITY KeActiveProcessors;

/* ---- boot ------------------------------------------------------------- */

/* The boot loader's information, copied and checked: written once at
   boot, read-only after. */
extern MB2_INFO KeBootInformation;

/* Copies the value of Key (e.g. "kelab.verifier") from the kernel command
   line (see RtlGetCommandLineOption); returns FALSE if absent. */
BOOLEAN KeGetBootOption(PCSTR Key, PSTR Value, SIZE_T cbValue);

/* ---- threads, for the process structure (kernel/ps/) -------------------- */

/* A thread that will start on StackTop in StartRoutine(StartContext), not
   yet known to the scheduler: the first step of creating one (NT's
   KeInitializeThread). */
VOID KeInitializeThread(PKTHREAD Thread, PVOID StackTop, PKSTART_ROUTINE StartRoutine,
                        PVOID StartContext, PCSTR Name);
/* The code running now on this processor, on StackTop, becomes Thread:
   the boot processor's start-up code becomes the System thread. */
VOID KeAdoptCurrentContext(PKTHREAD Thread, PVOID StackTop, PCSTR Name);
/* Thread becomes Prcb's idle thread: priority 0, bound to that processor,
   never queued. StackTop NULL: the start-up code running now on Prcb's
   initial stack becomes it; otherwise it starts on StackTop in the idle
   loop. */
VOID KeInitializeIdleThread(PKTHREAD Thread, PKPRCB Prcb, PVOID StackTop);
/* An initialized thread joins the list of threads (`threads`), and then
   becomes ready to run (NT's KeStartThread and KeReadyThread). */
VOID KeStartThread(PKTHREAD Thread);
VOID KeReadyThread(PKTHREAD Thread);
/* The current thread ends: its object is signaled, it never runs again. */
__attribute__((noreturn)) VOID KeTerminateThread(NTSTATUS ExitStatus);
/* Ke's part of deleting a thread object: the thread leaves the list of
   threads (harmless for one never started). */
VOID KeDeleteThread(PKTHREAD Thread);

/* ---- interrupt objects, for IoConnectInterrupt (kernel/io/) ------------- */

/* NT's: fills in an interrupt object (NT's also takes a processor number
   and FloatingSave: KeLab's vectors are routed by the HAL, and it saves no
   FPU state); KeConnectInterrupt puts it on its vector's chain and enables
   the vector (FALSE for a vector no device may have, or one taken by an
   object that will not share it); KeDisconnectInterrupt takes it off
   (FALSE if it was not connected). */
VOID KeInitializeInterrupt(PKINTERRUPT Interrupt, PKSERVICE_ROUTINE ServiceRoutine,
                           PVOID ServiceContext, PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql,
                           KIRQL SynchronizeIrql, KINTERRUPT_MODE InterruptMode,
                           BOOLEAN ShareVector);
BOOLEAN KeConnectInterrupt(PKINTERRUPT Interrupt);
BOOLEAN KeDisconnectInterrupt(PKINTERRUPT Interrupt);
/* Interrupts taken on Vector since boot, on all processors. */
ULONG64 KeQueryInterruptCount(ULONG Vector);

/* ---- for the memory manager ------------------------------------------------ */

/* A page table entry every processor may have cached has changed: each
   forgets it before this returns (a TLB shootdown of one page). */
VOID KeFlushSingleTb(PVOID VirtualAddress);
/* Bug check with the trap frame of the fault that caused it, so the
   report shows the faulting registers and the stack at the fault. */
__attribute__((noreturn)) VOID KeBugCheckWithTrapFrame(ULONG Code, ULONG_PTR P1, ULONG_PTR P2,
                                                       ULONG_PTR P3, ULONG_PTR P4,
                                                       PKTRAP_FRAME TrapFrame);

/* ---- for the debugger and reports --------------------------------------- */

/* TRUE once a bug check has started: printers skip their locks. */
BOOLEAN KeIsBugCheckActive(VOID);
/* The function Address is in, from the kernel's symbol table: its name
   and Address's offset in it; FALSE outside the kernel's text. */
BOOLEAN KeLookupSymbol(ULONG64 Address, PCSTR *Name, ULONG64 *Offset);
/* The same for listings: "-" for NULL, "?" outside the kernel's text. */
PCSTR KeSymbolName(PVOID Address);
/* The driver the code at Address belongs to ("timerdev" for
   drivers/timerdev/), or NULL for the kernel's own code. */
PCSTR KeSymbolModule(PVOID Address);

/* The lock statistics `locks` shows (kernel/ke/spinlock.c). */
struct _KLOCK_STATISTICS {
    PCSTR Name;
    ULONG64 Acquisitions;   /* the lock: only its holder updates these */
    ULONG64 Contentions;    /* acquisitions that had to wait */
    ULONG64 SpinIterations; /* pause loops spent waiting, in total */
    ULONG64 LongestHold;    /* TSC cycles */
    ULONG64 HoldStart;      /* TSC at the current acquisition */
};
/* The dispatcher lock (kernel/ke/scheduler.c) seen from outside: does
   this processor hold it (for checks), and a copy of its statistics (for
   benchmarks of its contention). */
BOOLEAN KeIsDispatcherLockHeld(VOID);
VOID KeQueryDispatcherLockStatistics(KLOCK_STATISTICS *Statistics);

#endif
