/*
 * trap.c: what happens when the processor raises an exception.
 *
 * KeLab has no structured exception handling, so an exception in kernel
 * code is fatal; what matters is that the report names it the way Windows
 * would. Faults that Windows dispatches as exceptions (divide by zero,
 * invalid opcode, general protection, breakpoint...) end in
 * KMODE_EXCEPTION_NOT_HANDLED (0x1E) with the NT status of the exception.
 * Traps Windows never expects in kernel mode end in
 * UNEXPECTED_KERNEL_MODE_TRAP (0x7F) with the vector number: a double
 * fault (8) is how a kernel stack overflow shows itself.
 */
#include "ki.h"
#include "mm.h"
#include "hal.h"

#define VECTOR_NMI           2
#define VECTOR_PAGE_FAULT    14
#define VECTOR_MACHINE_CHECK 18
#define FIRST_INTERRUPT      32 /* vectors below are exceptions (but see APC_VECTOR) */

/* For each exception vector: the NT status it is raised as, or 0 when
   Windows treats it as an unexpected trap. */
static const NTSTATUS KiExceptionStatus[FIRST_INTERRUPT] = {
    [0] = STATUS_INTEGER_DIVIDE_BY_ZERO, [3] = STATUS_BREAKPOINT,
    [4] = STATUS_INTEGER_OVERFLOW,       [6] = STATUS_ILLEGAL_INSTRUCTION,
    [13] = STATUS_ACCESS_VIOLATION,      [17] = STATUS_DATATYPE_MISALIGNMENT,
};

static VOID KiUnhandledException(PKTRAP_FRAME TrapFrame)
{
    ULONG vector = (ULONG)TrapFrame->Vector;
    NTSTATUS status = KiExceptionStatus[vector];
    if (vector == VECTOR_MACHINE_CHECK)
        KeBugCheckWithTrapFrame(MACHINE_CHECK_EXCEPTION, 0, 0, 0, 0, TrapFrame);
    if (status == 0)
        KeBugCheckWithTrapFrame(UNEXPECTED_KERNEL_MODE_TRAP, vector, 0, 0, 0, TrapFrame);
    /* A general protection fault does not say which address it was about:
       Windows reports the address as -1 and the access as a read. */
    ULONG_PTR address = vector == 13 ? (ULONG_PTR)-1 : 0;
    KeBugCheckWithTrapFrame(KMODE_EXCEPTION_NOT_HANDLED, (ULONG)status, TrapFrame->Rip, 0, address,
                            TrapFrame);
}

/* An NMI while another processor reports a bug check is its request to
   stop: this processor freezes where it is (KiFreezeOtherProcessors). */
static VOID KiNmi(PKTRAP_FRAME TrapFrame)
{
    if (KeIsBugCheckActive()) {
        __atomic_add_fetch(&KiFrozenProcessors, 1, __ATOMIC_RELEASE);
        HalHaltSystem();
    }
    KeBugCheckWithTrapFrame(NMI_HARDWARE_FAILURE, 0, 0, 0, 0, TrapFrame);
}

VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame)
{
    ULONG vector = (ULONG)TrapFrame->Vector;
    if (KiIsInterruptVector(vector))
        KiInterruptDispatch(TrapFrame);
    else if (vector == VECTOR_PAGE_FAULT)
        MmAccessFault(TrapFrame);
    else if (vector == VECTOR_NMI)
        KiNmi(TrapFrame);
    else
        KiUnhandledException(TrapFrame);
}
