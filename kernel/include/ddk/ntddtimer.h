/*
 * ntddtimer.h: what a client of the timer device needs to know.
 *
 * The timer device is KeLab's sample function driver, and this is its
 * interface, part of the driver kit as the WDK's ntddser.h and ntddbeep.h
 * are the serial port's and the beep device's: its clients (the timer
 * filter, the shell's `timer` command, tests) include this, never the
 * driver's own headers. Its "hardware" is a
 * kernel timer that fires like an interrupt some time after the driver
 * starts it; a request is done when its interrupt has come. Open it with
 * IoGetDeviceObjectPointer(TIMER_DEVICE_NAME) and send it:
 *
 *   IOCTL_TIMER_WAIT            in: TIMER_REQUEST, out: TIMER_RESULT.
 *                               Queued; done DelayMicroseconds after the
 *                               device starts it (at the next clock tick at
 *                               the earliest).
 *   IOCTL_TIMER_GET_STATISTICS  out: TIMER_STATISTICS. Done at once.
 *   IRP_MJ_READ                 direct I/O: the buffer filled with bytes
 *                               (UCHAR)(Sequence + i), after one interrupt.
 *
 * Queued requests are started one at a time, in the order they arrived;
 * each gets the next sequence number. All can be cancelled, queued or in
 * progress. The driver is in drivers/timerdev/; the story is in
 * docs/io-manager.md.
 */
#ifndef KELAB_NTDDTIMER_H
#define KELAB_NTDDTIMER_H

#include "wdm.h"

#define TIMER_DEVICE_NAME L"\\Device\\Timer0"

#define FILE_DEVICE_KELAB_TIMER 0x8001 /* a vendor device type */

#define IOCTL_TIMER_WAIT CTL_CODE(FILE_DEVICE_KELAB_TIMER, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_TIMER_GET_STATISTICS                                                                 \
    CTL_CODE(FILE_DEVICE_KELAB_TIMER, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _TIMER_REQUEST {
    ULONG DelayMicroseconds;
    ULONG Tag; /* anything: returned in the result */
} TIMER_REQUEST, *PTIMER_REQUEST;

typedef struct _TIMER_RESULT {
    ULONG Tag;
    ULONG Sequence;     /* 1 for the first request the device finished, and so on */
    ULONGLONG FiredAt;  /* interrupt time of the device's interrupt (100 ns units) */
    ULONG SeenByFilter; /* how many times \Driver\TimerFilt's completion routine saw it */
} TIMER_RESULT, *PTIMER_RESULT;

typedef struct _TIMER_STATISTICS {
    ULONG Completed; /* requests finished with data: the last Sequence given */
    ULONG Cancelled; /* requests finished with STATUS_CANCELLED */
} TIMER_STATISTICS, *PTIMER_STATISTICS;

#endif
