/*
 * print.c: DbgPrint, the kernel's printf to the serial console.
 *
 * Each call formats straight to the console (console.c), which keeps
 * lines whole across processors and the shell's prompt on the screen.
 * During a bug check the console's lock is skipped: the processor that
 * crashed may have held it, and the report must get out.
 */
#include "kdp.h"
#include "ke.h"

ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list Args)
{
    UNREFERENCED_PARAMETER(ComponentId);
    UNREFERENCED_PARAMETER(Level);
    if (KeIsBugCheckActive())
        KdpWriteConsoleDuringBugCheck(Format, Args);
    else
        KdpWriteConsole(Format, Args);
    return STATUS_SUCCESS;
}

ULONG DbgPrint(PCSTR Format, ...)
{
    va_list ap;
    va_start(ap, Format);
    ULONG status = vDbgPrintEx(0, 0, Format, ap);
    va_end(ap);
    return status;
}
