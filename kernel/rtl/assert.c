/*
 * assert.c: what a failed ASSERT does.
 *
 * On Windows a failed assertion breaks into the kernel debugger; with no
 * debugger attached the breakpoint is an unhandled exception. KeLab has no
 * debugger connection, so it prints the assertion and stops the same way:
 * KMODE_EXCEPTION_NOT_HANDLED with STATUS_BREAKPOINT.
 */
#include "wdm.h"

VOID RtlAssert(PVOID FailedAssertion, PVOID FileName, ULONG LineNumber, PCHAR Message)
{
    DbgPrint("\n*** Assertion failed: %s%s%s\n***   Source file: %s, line %u\n",
             (PCSTR)FailedAssertion, Message ? " - " : "", Message ? Message : "", (PCSTR)FileName,
             LineNumber);
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG)STATUS_BREAKPOINT,
                 (ULONG_PTR)__builtin_return_address(0), 0, 0);
}
