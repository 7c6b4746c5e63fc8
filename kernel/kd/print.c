/*
 * print.c: DbgPrint, the kernel's printf to the serial console.
 *
 * Several processors may print at once, and a line must not be torn in
 * the middle: a test runner parses these lines. So each call formats
 * straight to the port while holding the print lock at HIGH_LEVEL, where
 * no interrupt can come in and try to print (and deadlock) on the same
 * processor. During a bug check the lock is skipped: the processor that
 * crashed may have held it, and the report must get out.
 */
#include "ke.h"
#include "hal.h"

static KSPIN_LOCK KdpPrintLock; /* serializes whole DbgPrint calls */

static VOID KdpSerialSink(PVOID Context, CHAR c)
{
    UNREFERENCED_PARAMETER(Context);
    if (c == '\n')
        HalSerialPutChar('\r'); /* terminals want CR LF */
    HalSerialPutChar(c);
}

ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, va_list Args)
{
    UNREFERENCED_PARAMETER(ComponentId);
    UNREFERENCED_PARAMETER(Level);
    if (KeIsBugCheckActive()) {
        RtlFormatV(KdpSerialSink, NULL, Format, Args);
        return STATUS_SUCCESS;
    }
    KIRQL oldIrql;
    KeRaiseIrql(HIGH_LEVEL, &oldIrql);
    KeAcquireSpinLockAtDpcLevel(&KdpPrintLock);
    RtlFormatV(KdpSerialSink, NULL, Format, Args);
    KeReleaseSpinLockFromDpcLevel(&KdpPrintLock);
    KeLowerIrql(oldIrql);
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
