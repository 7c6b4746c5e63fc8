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

/* One processor's private state. */
typedef struct _KPRCB {
    ULONG Number;
    struct _KTHREAD *CurrentThread; /* NULL until threads exist */
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
} KI_BOOT_MODE;

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
