/*
 * raise.c: ExRaiseStatus. NT raises an exception that a caller's
 * __try/__except may handle; KeLab has no structured exception handling,
 * so the exception is always unhandled: KMODE_EXCEPTION_NOT_HANDLED with
 * the status and the address of the raiser.
 */
#include "wdm.h"

VOID ExRaiseStatus(NTSTATUS Status)
{
    KeBugCheckEx(KMODE_EXCEPTION_NOT_HANDLED, (ULONG)Status, (ULONG_PTR)__builtin_return_address(0),
                 0, 0);
}
