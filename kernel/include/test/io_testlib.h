/*
 * io_testlib.h: drivers and device stacks for tests that play drivers
 * (part of the test kit: the I/O tests, white-box and driver-level, and the
 * I/O benchmark use it).
 *
 * A test loads a driver of its own (every dispatch entry one routine of
 * the test's), builds a stack of that driver's devices, sends IRPs, and
 * unloads the driver at the end, which detaches and deletes its devices:
 * a test leaves no device behind, or the pool check fails it.
 */
#ifndef KELAB_IO_TESTLIB_H
#define KELAB_IO_TESTLIB_H

#include "ktest.h"
#include "wdm.h"
#include "ntddtimer.h"

/* A loaded driver whose every MajorFunction entry is Dispatch (NULL:
   the I/O manager's default, which fails every request). */
PDRIVER_OBJECT IoTestLoadDriver(PCWSTR Name, PDRIVER_DISPATCH Dispatch);
/* Detaches and deletes every device of the driver, then unloads it. */
VOID IoTestUnloadDriver(PDRIVER_OBJECT Driver);
/* A ready device of Driver (Name may be NULL) with ExtensionSize zeroed
   bytes of extension, attached on top of Below's stack unless Below is
   NULL. */
PDEVICE_OBJECT IoTestAddDevice(PDRIVER_OBJECT Driver, ULONG ExtensionSize, PCWSTR Name,
                               PDEVICE_OBJECT Below);

/* The named device's stack, opened (IoGetDeviceObjectPointer, which must
   succeed): *Top is where requests go; NULL if the open failed. */
PFILE_OBJECT IoTestOpen(PCWSTR Name, PDEVICE_OBJECT *Top);
/* The timer device's stack, opened. */
PFILE_OBJECT IoTestOpenTimer(PDEVICE_OBJECT *Top);

/* A thread IRP to the timer device and what it needs until it is done. */
typedef struct _IO_TEST_TIMER_REQUEST {
    KEVENT Done;
    IO_STATUS_BLOCK Iosb;
    TIMER_REQUEST In;
    TIMER_RESULT Out;
    PIRP Irp;
} IO_TEST_TIMER_REQUEST;

/* Sends IOCTL_TIMER_WAIT (which the device always queues) from Request,
   without waiting; FALSE if the IRP could not be built. */
BOOLEAN IoTestSubmitTimer(PDEVICE_OBJECT Top, IO_TEST_TIMER_REQUEST *Request,
                          ULONG DelayMicroseconds, ULONG Tag);

/* Waits (with a timeout that fails the test) for a request's event. */
BOOLEAN IoTestWait(PKEVENT Event, ULONG TimeoutMs);

#endif
