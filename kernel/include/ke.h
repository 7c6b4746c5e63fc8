/*
 * ke.h: kernel-internal declarations of the Ke/Ki layer: the processor
 * control region, trap frames, boot options and the startup sequence.
 */
#ifndef KELAB_KE_H
#define KELAB_KE_H

#include "wdm.h"
#include "arch/x86.h"
#include "../../lib/multiboot2.h"

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
    LIST_ENTRY DpcListHead;  /* DpcLock: high importance at the head */
    KSPIN_LOCK DpcLock;      /* taken at HIGH_LEVEL: DPCs are queued from ISRs */
    ULONG DpcQueueDepth;     /* DpcLock */
    volatile ULONG64 DpcCount; /* DPCs run; only this processor writes it */
    CHAR LockName[12];       /* "DpcQueue<n>", for `locks` */
} KDPC_DATA;

/* Inter-processor requests (kernel/ke/ipi.c): bits in KPRCB.IpiRequests. */
#define KI_IPI_REQUEST_PACKET 0x1

/* One processor's private state. Fields are written only by their own
   processor unless a comment says otherwise. */
typedef struct _KPRCB {
    ULONG Number;
    ULONG ApicId;
    struct _KTHREAD *CurrentThread; /* NULL until threads exist */
    KDPC_DATA DpcData;
    /* The DPC watchdog: what is running now and since when (in clock ticks). */
    PKDEFERRED_ROUTINE volatile DpcRoutineActive;
    ULONG64 DpcStartTick;
    volatile ULONG64 TickCount;              /* clock interrupts taken */
    volatile KIRQL TickInterruptedIrql;      /* the IRQL the last clock tick interrupted */
    volatile LONG IpiRequests;               /* KI_IPI_*: set by other processors */
    volatile ULONG64 InterruptCount[256];    /* per vector */
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
VOID KiIpiInterrupt(VOID);                     /* ipi.c */
VOID KiDispatchInterrupt(VOID);                /* dpc.c: DISPATCH_LEVEL software interrupt */
VOID KiApcInterrupt(VOID);                     /* APC_LEVEL software interrupt */

/* clock.c */
VOID KiInitializeClock(VOID);        /* boot processor: calibrate, system time */
VOID KiStartProcessorClock(VOID);    /* each processor: its periodic interrupt */
extern ULONG KeTimeIncrement;        /* 100 ns units per tick; set once at boot */

/* dpc.c */
VOID KiInitializeDpcData(PKPRCB Prcb);
VOID KiCheckDpcWatchdog(PKPRCB Prcb, PKTRAP_FRAME TrapFrame);
extern ULONG KiDpcWatchdogTicks;     /* a single DPC may run this many ticks */

/* ipi.c: run a function on other processors at IPI_LEVEL and wait. */
VOID KiInitializeIpi(VOID);
typedef ULONG_PTR (*PKIPI_WORKER)(ULONG_PTR Context);
VOID KiIpiSendPacket(KAFFINITY Targets, PKIPI_WORKER Worker, ULONG_PTR Context);
VOID KiFreezeOtherProcessors(VOID);  /* bug check: stop everyone else (NMI) */
extern volatile LONG KiFrozenProcessors;
VOID KiFlushTlbEverywhere(PVOID Va); /* TLB shootdown of one page */

/* smp.c */
VOID KiStartProcessors(VOID);
VOID KiMarkProcessorActive(PKPRCB Prcb);

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
