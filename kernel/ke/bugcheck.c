/*
 * bugcheck.c: KeBugCheckEx, the kernel's controlled stop.
 *
 * When the kernel finds itself in a state it cannot trust, it stops the
 * machine and reports why: a code, four parameters whose meaning depends
 * on the code, and where it was. The report is printed in the format of
 * Windows' blue screen,
 *     *** STOP: 0x0000000A (0x...,0x...,0x...,0x...)
 *     IRQL_NOT_LESS_OR_EQUAL
 * followed by a sentence of explanation, the registers, and a backtrace.
 * In a test boot QEMU then exits with the "bug check" status, and the
 * test runner reads the code from the STOP line.
 */
#include "ki.h"
#include "hal.h"

typedef struct _KI_BUGCHECK_NAME {
    ULONG Code;
    PCSTR Name;
    PCSTR Meaning;
} KI_BUGCHECK_NAME;

static const KI_BUGCHECK_NAME KiBugCheckNames[] = {
    {INVALID_AFFINITY_SET, "INVALID_AFFINITY_SET",
     "A thread was restricted to processors none of which exist (P1 the set asked for)."},
    {MAXIMUM_WAIT_OBJECTS_EXCEEDED, "MAXIMUM_WAIT_OBJECTS_EXCEEDED",
     "A wait named more than 64 objects, or more than 3 without its own wait blocks (P1 count)."},
    {THREAD_NOT_MUTEX_OWNER, "THREAD_NOT_MUTEX_OWNER",
     "A thread released a mutex it does not own (P1 the thread, P2 the mutex)."},
    {KERNEL_APC_PENDING_DURING_EXIT, "KERNEL_APC_PENDING_DURING_EXIT",
     "A thread exited inside a critical region or at raised IRQL (P1 a pending APC, P2 its "
     "APC disable count, P3 its IRQL)."},
    {THREAD_TERMINATE_HELD_MUTEX, "THREAD_TERMINATE_HELD_MUTEX",
     "A thread exited while it still owned a mutex (P1 the thread, P2 the mutex)."},
    {ATTEMPTED_SWITCH_FROM_DPC, "ATTEMPTED_SWITCH_FROM_DPC",
     "A DPC routine tried to wait or yield: a DPC has no thread to put to sleep (P1 the "
     "interrupted thread, P3 the stack)."},
    {DRIVER_VERIFIER_DETECTED_VIOLATION, "DRIVER_VERIFIER_DETECTED_VIOLATION",
     "A documented rule was broken (P1 the rule: 0x20016 is IrqlKeSetEvent, a set or release "
     "with Wait at too high an IRQL; P2 points to its text, P3 the IRQL)."},
    {IRQL_NOT_GREATER_OR_EQUAL, "IRQL_NOT_GREATER_OR_EQUAL",
     "KeRaiseIrql was asked for a level below the current IRQL (P1 current, P2 requested)."},
    {IRQL_NOT_LESS_OR_EQUAL, "IRQL_NOT_LESS_OR_EQUAL",
     "Memory was touched at an IRQL where faults are fatal, or IRQL was 'lowered' upwards."},
    {SPIN_LOCK_ALREADY_OWNED, "SPIN_LOCK_ALREADY_OWNED",
     "A spin lock was acquired by the thread that already holds it (P1 the lock)."},
    {SPIN_LOCK_NOT_OWNED, "SPIN_LOCK_NOT_OWNED",
     "A spin lock was released by someone who does not hold it (P1 lock, P2 owner, P3 caller)."},
    {REFERENCE_BY_POINTER, "REFERENCE_BY_POINTER",
     "An object's reference count went wrong: referenced after its last dereference, or "
     "dereferenced once too often (P1 type, P2 object, P3 count)."},
    {INVALID_KERNEL_HANDLE, "INVALID_KERNEL_HANDLE",
     "A kernel handle that is not open was closed (P1 the handle)."},
    {BAD_POOL_HEADER, "BAD_POOL_HEADER",
     "A pool block's header or its neighbour is corrupt: usually an overrun of the block before."},
    {KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED",
     "Kernel code raised an exception nobody handled (P1 status, P2 address, P4 data address)."},
    {PFN_LIST_CORRUPT, "PFN_LIST_CORRUPT",
     "A physical page was freed that was not allocated (P2 the page frame number)."},
    {PAGE_FAULT_IN_NONPAGED_AREA, "PAGE_FAULT_IN_NONPAGED_AREA",
     "Invalid kernel memory was referenced (P1 address, P2 0 read/1 write/8 execute, P3 code)."},
    {TARGET_MDL_TOO_SMALL, "TARGET_MDL_TOO_SMALL",
     "IoBuildPartialMdl was given a target MDL with too few frames for the part asked for."},
    {INVALID_MDL_RANGE, "INVALID_MDL_RANGE",
     "IoBuildPartialMdl was asked for a part outside its source MDL (P1 source, P2 target, "
     "P3 address, P4 length)."},
    {UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP",
     "The processor raised a trap the kernel cannot take (P1 vector; 8 = double fault, "
     "typically a kernel stack overflow)."},
    {NMI_HARDWARE_FAILURE, "NMI_HARDWARE_FAILURE", "A non-maskable interrupt arrived."},
    {MACHINE_CHECK_EXCEPTION, "MACHINE_CHECK_EXCEPTION",
     "The processor reported a hardware error."},
    {ATTEMPTED_WRITE_TO_READONLY_MEMORY, "ATTEMPTED_WRITE_TO_READONLY_MEMORY",
     "Read-only memory (kernel code or constants) was written (P1 address, P2 PTE)."},
    {BAD_POOL_CALLER, "BAD_POOL_CALLER",
     "A pool routine was misused: freed twice, bad address, bad IRQL or tag (P1 says which)."},
    {TIMER_OR_DPC_INVALID, "TIMER_OR_DPC_INVALID",
     "A timer or DPC is invalid: P1 = 3 means a DPC targets a processor that does not exist "
     "(P2 the DPC, P3 its number, P4 the count)."},
    {IRQL_UNEXPECTED_VALUE, "IRQL_UNEXPECTED_VALUE",
     "A routine returned at another IRQL than it was called at (P1 = current<<16 | "
     "expected<<8 | kind: 3 ISR, 4 DPC; P2 the routine)."},
    {DRIVER_IRQL_NOT_LESS_OR_EQUAL, "DRIVER_IRQL_NOT_LESS_OR_EQUAL",
     "A driver touched pageable or invalid memory at DISPATCH_LEVEL or above (P1 address, "
     "P2 IRQL, P3 0 read/1 write/8 execute, P4 code)."},
    {DPC_WATCHDOG_VIOLATION, "DPC_WATCHDOG_VIOLATION",
     "A DPC ran longer than its allotment at DISPATCH_LEVEL (P2 ticks run, P3 limit)."},
    {MANUALLY_INITIATED_CRASH, "MANUALLY_INITIATED_CRASH", "Someone asked for this crash."},
    {ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY",
     "Code was executed from data memory, which is no-execute (P1 address, P2 PTE)."},
    {KERNEL_SECURITY_CHECK_FAILURE, "KERNEL_SECURITY_CHECK_FAILURE",
     "A stack buffer overrun overwrote the stack cookie of a function (P1 0 = /GS check)."},
    {PHASE0_INITIALIZATION_FAILED, "PHASE0_INITIALIZATION_FAILED",
     "The kernel could not start: a boot step failed (P1 which step)."},
    {INSTALL_MORE_MEMORY, "INSTALL_MORE_MEMORY",
     "There is not enough memory to start KeLab with this many processors (P1 physical pages "
     "found, P2 the lowest, P3 the highest)."},
    {INCONSISTENT_IRP, "INCONSISTENT_IRP",
     "An IRP with no thread to return to was completed past its top: a driver's own IRP "
     "(IoAllocateIrp) needs a completion routine that returns STATUS_MORE_PROCESSING_REQUIRED "
     "(P1 the IRP)."},
    {NO_MORE_IRP_STACK_LOCATIONS, "NO_MORE_IRP_STACK_LOCATIONS",
     "IoCallDriver found no stack location left: the IRP was allocated with fewer than the "
     "target device's StackSize (P1 the IRP)."},
    {MULTIPLE_IRP_COMPLETE_REQUESTS, "MULTIPLE_IRP_COMPLETE_REQUESTS",
     "An IRP that was already completed was completed again: two drivers each believed they "
     "owned it (P1 the IRP, P2 the second completer)."},
    {DRIVER_VERIFIER_IOMANAGER_VIOLATION, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
     "A driver broke an I/O rule (P1 which: 0x1 IoFreeIrp of a non-IRP, 0x5 a dispatch routine "
     "changed IRQL, 0x6 completed with STATUS_PENDING, 0x7 completed while cancelable, 0xE "
     "completed above DISPATCH_LEVEL, 0x10 IoCallDriver above DISPATCH_LEVEL)."},
    {PNP_DETECTED_FATAL_ERROR, "PNP_DETECTED_FATAL_ERROR",
     "The PnP manager found a driver breaking its rules (P1 which: 0x2 a routine that wants a "
     "PDO was given a device that is not one, P2 the device)."},
};

static volatile BOOLEAN KiBugCheckActive; /* set once, by the first processor to crash */
static volatile LONG KiBugCheckProcessor = -1;

static const KI_BUGCHECK_NAME *KiFindBugCheckName(ULONG Code)
{
    for (ULONG i = 0; i < ARRAYSIZE(KiBugCheckNames); i++) {
        if (KiBugCheckNames[i].Code == Code)
            return &KiBugCheckNames[i];
    }
    return NULL;
}

static const char *const KiIrqlNames[] = {
    "PASSIVE_LEVEL", "APC_LEVEL",   "DISPATCH_LEVEL", "DIRQL",      "DIRQL", "DIRQL",
    "DIRQL",         "DIRQL",       "DIRQL",          "DIRQL",      "DIRQL", "DIRQL",
    "SYNCH_LEVEL",   "CLOCK_LEVEL", "IPI_LEVEL",      "HIGH_LEVEL",
};

/* A second crash while reporting the first: say so in one line and stop,
   rather than recurse through the same broken state. */
static __attribute__((noreturn)) VOID KiNestedBugCheck(ULONG Code)
{
    DbgPrint("\n*** nested bug check 0x%08X while reporting the first\n", Code);
    HalExitEmulator(KiBootMode == KiBootInteractive ? HalExitFail : HalExitBugCheck);
}

static VOID KiPrintReport(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4,
                          KIRQL Irql, PKTRAP_FRAME TrapFrame)
{
    const KI_BUGCHECK_NAME *name = KiFindBugCheckName(Code);
    DbgPrint("\n*** STOP: 0x%08X (0x%016llX,0x%016llX,0x%016llX,0x%016llX)\n", Code,
             (unsigned long long)P1, (unsigned long long)P2, (unsigned long long)P3,
             (unsigned long long)P4);
    DbgPrint("%s\n", name ? name->Name : "UNKNOWN_BUGCHECK_CODE");
    if (name)
        DbgPrint("  %s\n", name->Meaning);
    DbgPrint("\nProcessor %u, IRQL %u (%s)\n", KeGetCurrentProcessorNumber(), Irql,
             KiIrqlNames[Irql & 15]);
    if (TrapFrame) {
        KiPrintRegisters(TrapFrame);
        KiPrintBacktrace(TrapFrame->Rip, TrapFrame->Rbp);
    } else {
        /* No fault: the stack itself says how we got here, starting with
           the bug check routines (as on Windows, where nt!KeBugCheckEx
           tops every stack). */
        KiPrintBacktrace(0, (ULONG64)__builtin_frame_address(0));
    }
}

VOID KeBugCheckWithTrapFrame(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4,
                             PKTRAP_FRAME TrapFrame)
{
    _disable();
    KIRQL irql = KeGetCurrentIrql();
    __writecr8(HIGH_LEVEL);
    LONG self = (LONG)KeGetCurrentProcessorNumber();
    LONG first = -1;
    if (!__atomic_compare_exchange_n(&KiBugCheckProcessor, &first, self, FALSE, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST)) {
        if (first == self)
            KiNestedBugCheck(Code);
        HalHaltSystem(); /* another processor is already reporting its crash */
    }
    KiBugCheckActive = TRUE;
    KiFreezeOtherProcessors();
    KiPrintReport(Code, P1, P2, P3, P4, irql, TrapFrame);
    if (KiBootMode != KiBootInteractive)
        HalExitEmulator(HalExitBugCheck);
    DbgPrint("\nThe system is stopped. Ctrl-A x leaves QEMU.\n");
    HalHaltSystem();
}

BOOLEAN KeIsBugCheckActive(VOID)
{
    return KiBugCheckActive;
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR BugCheckParameter1, ULONG_PTR BugCheckParameter2,
                  ULONG_PTR BugCheckParameter3, ULONG_PTR BugCheckParameter4)
{
    KeBugCheckWithTrapFrame(BugCheckCode, BugCheckParameter1, BugCheckParameter2,
                            BugCheckParameter3, BugCheckParameter4, NULL);
}

VOID KeBugCheck(ULONG BugCheckCode)
{
    KeBugCheckEx(BugCheckCode, 0, 0, 0, 0);
}
