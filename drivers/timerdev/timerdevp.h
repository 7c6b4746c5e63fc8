/*
 * timerdevp.h: the timer device driver's own declarations.
 */
#ifndef KELAB_TIMERDEVP_H
#define KELAB_TIMERDEVP_H

#include "ntddtimer.h"

/* The boost a requester gets when its request completes: a small one, as
   for a serial port, so that a thread that waited on the device runs soon. */
#define TIMER_COMPLETION_BOOST IO_SERIAL_INCREMENT

/* Everything the driver knows about one device, in its device extension:
   nonpaged, so the DPC and the cancel routine may touch it. */
typedef struct _TIMER_EXTENSION {
    PDEVICE_OBJECT DeviceObject;

    /* The queue of requests not yet started (queue.c). */
    IO_CSQ Csq;
    KSPIN_LOCK QueueLock;
    LIST_ENTRY Queue;     /* QueueLock: IRPs, by Tail.Overlay.ListEntry, oldest first */
    KEVENT RequestQueued; /* synchronization event: the queue got an IRP */

    /* The driver thread (thread.c). */
    PKTHREAD Thread;           /* referenced */
    volatile BOOLEAN Stopping; /* set by DriverUnload */

    /* The "hardware": a timer whose DPC plays DpcForIsr. */
    KTIMER Timer;
    KDPC TimerDpc;
    KEVENT InterruptEvent;  /* synchronization event: set by DpcForIsr */
    ULONGLONG FiredAt;      /* written by DpcForIsr before it sets InterruptEvent */
    BOOLEAN TimerCancelled; /* written before InterruptEvent is set by a cancel */

    /* Counts, for IOCTL_TIMER_GET_STATISTICS. */
    ULONG Sequence;          /* the driver thread: the last sequence number given */
    volatile LONG Cancelled; /* interlocked */
} TIMER_EXTENSION, *PTIMER_EXTENSION;

/* queue.c */
VOID TimerInitializeQueue(PTIMER_EXTENSION Extension);

/* thread.c */
NTSTATUS TimerStartThread(PTIMER_EXTENSION Extension);
VOID TimerStopThread(PTIMER_EXTENSION Extension);

#endif
