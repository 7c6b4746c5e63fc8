/*
 * shell.c: the shell's `timer` and `cancel` commands, a client of the
 * timer device.
 *
 *     kelab> timer 5000000 2
 *     kelab> irps
 *     kelab> cancel 2
 *
 * `timer` sends requests that finish seconds later, so that `irps` can
 * show them on their way: queued at the device, their stack locations (the
 * filter's, with its completion routine, and the device's) and which one
 * is current. `cancel` calls IoCancelIrp on them, queued or in progress.
 * It uses only what ntddtimer.h offers any client.
 *
 * The requests are a driver's own IRPs, sent the way one driver sends a
 * request to another without waiting for it: IoAllocateIrp, the buffer
 * and parameters filled in by hand (there is no IoBuild... here), a
 * completion routine that reports the result and returns
 * STATUS_MORE_PROCESSING_REQUIRED, because the IRP is its own.
 *
 * Cancelling an IRP you sent yourself has one trap: the IRP may complete,
 * and its completion routine free it, while IoCancelIrp is being called
 * on it. So each request counts its references, the usual pattern for a
 * driver that cancels IRPs it allocated: one for the completion routine,
 * one more while `cancel` holds it; whoever drops the last frees the IRP.
 */
#include "ntddtimer.h"

#define TIMER_CLIENT_TAG       'ilCT'
#define TIMER_CLIENT_MAX       16       /* requests one command may send */
#define TIMER_CLIENT_MAX_DELAY 60000000 /* microseconds: a minute */
#define TIMER_CLIENT_BATCH     16       /* requests `cancel` holds at once */

/* What one request needs until it is done: its METHOD_BUFFERED buffer,
   which holds the TIMER_REQUEST going down and the TIMER_RESULT coming up. */
typedef struct _TIMER_CLIENT_REQUEST {
    LIST_ENTRY Entry; /* TimerClientLock: on TimerClientRequests until it completes */
    PIRP Irp;
    ULONG Number;             /* the one the shell shows: 1, 2, ... since boot */
    volatile LONG References; /* the completion routine's, and `cancel`'s while it holds it */
    BOOLEAN CancelRequested;  /* TimerClientLock: `cancel` has taken it once */
    PFILE_OBJECT File;        /* the reference that keeps the device's stack open */
    union {
        TIMER_REQUEST In;
        TIMER_RESULT Out;
    } Buffer;
} TIMER_CLIENT_REQUEST, *PTIMER_CLIENT_REQUEST;

static KSPIN_LOCK TimerClientLock; /* zero is an initialized spin lock, as in NT */
static LIST_ENTRY TimerClientRequests = {&TimerClientRequests, &TimerClientRequests};
static volatile LONG TimerClientLastNumber; /* interlocked */

static VOID TimerClientRelease(PTIMER_CLIENT_REQUEST Request)
{
    if (__atomic_sub_fetch(&Request->References, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    ObDereferenceObject(Request->File);
    IoFreeIrp(Request->Irp);
    ExFreePoolWithTag(Request, TIMER_CLIENT_TAG);
}

/* At the IRQL of whoever completed it: DISPATCH_LEVEL at most. */
static NTSTATUS TimerClientCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject); /* NULL: the IRP had no location of ours */
    PTIMER_CLIENT_REQUEST request = Context;
    NTSTATUS status = Irp->IoStatus.Status;
    if (NT_SUCCESS(status))
        DbgPrint("timer: request %u done: sequence %u, seen by the filter %u time(s)\n",
                 request->Number, request->Buffer.Out.Sequence, request->Buffer.Out.SeenByFilter);
    else if (status == STATUS_CANCELLED)
        DbgPrint("timer: request %u cancelled\n", request->Number);
    else
        DbgPrint("timer: request %u ended with status 0x%08X\n", request->Number, (ULONG)status);
    KIRQL oldIrql;
    KeAcquireSpinLock(&TimerClientLock, &oldIrql);
    RemoveEntryList(&request->Entry);
    KeReleaseSpinLock(&TimerClientLock, oldIrql);
    TimerClientRelease(request);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Sends one request; returns its number, or 0 if there was no memory. */
static ULONG TimerClientSend(PFILE_OBJECT File, PDEVICE_OBJECT Top, ULONG Microseconds)
{
    PTIMER_CLIENT_REQUEST request =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*request), TIMER_CLIENT_TAG);
    PIRP irp = IoAllocateIrp(Top->StackSize, FALSE);
    if (request == NULL || irp == NULL) {
        if (request != NULL)
            ExFreePoolWithTag(request, TIMER_CLIENT_TAG);
        if (irp != NULL)
            IoFreeIrp(irp);
        return 0;
    }
    ObReferenceObject(File);
    ULONG number = (ULONG)__atomic_add_fetch(&TimerClientLastNumber, 1, __ATOMIC_RELAXED);
    *request = (TIMER_CLIENT_REQUEST){.Irp = irp, .Number = number, .References = 1, .File = File};
    request->Buffer.In = (TIMER_REQUEST){.DelayMicroseconds = Microseconds, .Tag = number};
    irp->AssociatedIrp.SystemBuffer = &request->Buffer;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    next->FileObject = File;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_TIMER_WAIT;
    next->Parameters.DeviceIoControl.InputBufferLength = sizeof(TIMER_REQUEST);
    next->Parameters.DeviceIoControl.OutputBufferLength = sizeof(TIMER_RESULT);
    IoSetCompletionRoutine(irp, TimerClientCompletion, request, TRUE, TRUE, TRUE);
    KIRQL oldIrql;
    KeAcquireSpinLock(&TimerClientLock, &oldIrql);
    InsertTailList(&TimerClientRequests, &request->Entry);
    KeReleaseSpinLock(&TimerClientLock, oldIrql);
    IoCallDriver(Top, irp);
    return number;
}

/* `timer <microseconds> [count]` */
static VOID TimerClientCommand(ULONG Argc, PCSTR Argv[])
{
    ULONG64 microseconds, count = 1;
    if (Argc < 2 || Argc > 3) {
        DbgPrint("usage: timer <microseconds> [count]\n");
        return;
    }
    if (!KdParseNumber("timer", "microseconds", Argv[1], 0, TIMER_CLIENT_MAX_DELAY,
                       &microseconds) ||
        (Argc == 3 && !KdParseNumber("timer", "count", Argv[2], 1, TIMER_CLIENT_MAX, &count)))
        return;
    UNICODE_STRING name = RTL_CONSTANT_STRING(TIMER_DEVICE_NAME);
    PFILE_OBJECT file;
    PDEVICE_OBJECT top;
    NTSTATUS status = IoGetDeviceObjectPointer(&name, 0, &file, &top);
    if (!NT_SUCCESS(status)) {
        DbgPrint("timer: cannot open \\Device\\Timer0: status 0x%08X\n", (ULONG)status);
        return;
    }
    ULONG first = 0, last = 0;
    for (ULONG sent = 0; sent < count && (last = TimerClientSend(file, top, (ULONG)microseconds));
         sent++)
        first = first ? first : last;
    if (first == 0)
        DbgPrint("timer: no memory for a request\n");
    else if (first == last)
        DbgPrint("timer: request %u sent; `irps` shows it until it finishes\n", first);
    else
        DbgPrint("timer: requests %u to %u sent; `irps` shows them until they finish\n", first,
                 last);
    ObDereferenceObject(file);
}
KD_COMMAND(timer, "<us> [count]", "send requests to the timer device (see them with irps)",
           TimerClientCommand);

/* Takes up to TIMER_CLIENT_BATCH outstanding requests (Number's, or all
   if it is 0) that `cancel` has not taken before, each with a reference. */
static ULONG TimerClientTakeBatch(ULONG Number, PTIMER_CLIENT_REQUEST Batch[TIMER_CLIENT_BATCH])
{
    ULONG taken = 0;
    KIRQL oldIrql;
    KeAcquireSpinLock(&TimerClientLock, &oldIrql);
    for (PLIST_ENTRY e = TimerClientRequests.Flink;
         e != &TimerClientRequests && taken < TIMER_CLIENT_BATCH; e = e->Flink) {
        PTIMER_CLIENT_REQUEST request = CONTAINING_RECORD(e, TIMER_CLIENT_REQUEST, Entry);
        if (request->CancelRequested || (Number != 0 && request->Number != Number))
            continue;
        request->CancelRequested = TRUE;
        __atomic_add_fetch(&request->References, 1, __ATOMIC_RELAXED);
        Batch[taken++] = request;
    }
    KeReleaseSpinLock(&TimerClientLock, oldIrql);
    return taken;
}

/* `cancel [request]`: IoCancelIrp on one request, or on all of them. */
static VOID TimerClientCancelCommand(ULONG Argc, PCSTR Argv[])
{
    ULONG64 number = 0;
    if (Argc > 2) {
        DbgPrint("usage: cancel [request]\n");
        return;
    }
    if (Argc == 2 && !KdParseNumber("cancel", "request", Argv[1], 1, 0xFFFFFFFF, &number))
        return;
    PTIMER_CLIENT_REQUEST batch[TIMER_CLIENT_BATCH];
    ULONG asked = 0, taken;
    do {
        taken = TimerClientTakeBatch((ULONG)number, batch);
        for (ULONG i = 0; i < taken; i++) {
            IoCancelIrp(batch[i]->Irp); /* each reports how it ended, in its completion */
            TimerClientRelease(batch[i]);
        }
        asked += taken;
    } while (taken == TIMER_CLIENT_BATCH);
    if (asked == 0 && number != 0)
        DbgPrint("cancel: no request %llu outstanding (`irps` shows what is)\n",
                 (unsigned long long)number);
    else
        DbgPrint("cancel: %u request(s) asked to stop\n", asked);
}
KD_COMMAND(cancel, "[request]", "cancel the timer requests sent with timer (one, or all)",
           TimerClientCancelCommand);
