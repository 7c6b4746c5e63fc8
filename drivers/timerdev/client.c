/*
 * client.c: the shell's `timer` command, a client of the timer device.
 *
 *     kelab> timer 5000000 2
 *     kelab> irps
 *
 * sends requests that finish seconds later, so that `irps` can show them
 * on their way: queued at the device, their stack locations (the
 * filter's, with its completion routine, and the device's) and which one
 * is current. It uses only what ntddtimer.h offers any client.
 *
 * The requests are a driver's own IRPs, sent the way one driver sends a
 * request to another without waiting for it: IoAllocateIrp, the buffer
 * and parameters filled in by hand (there is no IoBuild... here), a
 * completion routine that reports the result, frees everything and
 * returns STATUS_MORE_PROCESSING_REQUIRED, because the IRP is its own.
 */
#include "ntddtimer.h"

#define TIMER_CLIENT_TAG 'ilCT'
#define TIMER_CLIENT_MAX 16 /* requests one command may send */

/* What one request needs until it is done: its METHOD_BUFFERED buffer,
   which holds the TIMER_REQUEST going down and the TIMER_RESULT coming up. */
typedef struct _TIMER_CLIENT_REQUEST {
    PFILE_OBJECT File; /* the reference that keeps the device's stack open */
    union {
        TIMER_REQUEST In;
        TIMER_RESULT Out;
    } Buffer;
} TIMER_CLIENT_REQUEST, *PTIMER_CLIENT_REQUEST;

/* At the IRQL of whoever completed it: DISPATCH_LEVEL at most. */
static NTSTATUS TimerClientCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject); /* NULL: the IRP had no location of ours */
    PTIMER_CLIENT_REQUEST request = Context;
    if (NT_SUCCESS(Irp->IoStatus.Status))
        DbgPrint("timer: request %u done: sequence %u, seen by the filter %u time(s)\n",
                 request->Buffer.Out.Tag, request->Buffer.Out.Sequence,
                 request->Buffer.Out.SeenByFilter);
    else
        DbgPrint("timer: request ended with status 0x%08X\n", (ULONG)Irp->IoStatus.Status);
    ObDereferenceObject(request->File);
    ExFreePoolWithTag(request, TIMER_CLIENT_TAG);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static BOOLEAN TimerClientSend(PFILE_OBJECT File, PDEVICE_OBJECT Top, ULONG Microseconds, ULONG Tag)
{
    PTIMER_CLIENT_REQUEST request =
        ExAllocatePoolWithTag(NonPagedPool, sizeof(*request), TIMER_CLIENT_TAG);
    PIRP irp = IoAllocateIrp(Top->StackSize, FALSE);
    if (request == NULL || irp == NULL) {
        if (request != NULL)
            ExFreePoolWithTag(request, TIMER_CLIENT_TAG);
        if (irp != NULL)
            IoFreeIrp(irp);
        return FALSE;
    }
    ObReferenceObject(File);
    request->File = File;
    request->Buffer.In = (TIMER_REQUEST){.DelayMicroseconds = Microseconds, .Tag = Tag};
    irp->AssociatedIrp.SystemBuffer = &request->Buffer;
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    next->FileObject = File;
    next->Parameters.DeviceIoControl.IoControlCode = IOCTL_TIMER_WAIT;
    next->Parameters.DeviceIoControl.InputBufferLength = sizeof(TIMER_REQUEST);
    next->Parameters.DeviceIoControl.OutputBufferLength = sizeof(TIMER_RESULT);
    IoSetCompletionRoutine(irp, TimerClientCompletion, request, TRUE, TRUE, TRUE);
    IoCallDriver(Top, irp);
    return TRUE;
}

/* `timer <microseconds> [count]` */
static VOID TimerClientCommand(ULONG Argc, PCSTR Argv[])
{
    ULONG64 microseconds, count = 1;
    if (Argc < 2 || Argc > 3) {
        DbgPrint("usage: timer <microseconds> [count]\n");
        return;
    }
    if (!KdParseNumber("timer", Argv[1], &microseconds) ||
        (Argc == 3 && !KdParseNumber("timer", Argv[2], &count)))
        return;
    if (microseconds > 60000000 || count < 1 || count > TIMER_CLIENT_MAX) {
        DbgPrint("timer: at most 60000000 microseconds and 1 to %u requests\n", TIMER_CLIENT_MAX);
        return;
    }
    UNICODE_STRING name = RTL_CONSTANT_STRING(TIMER_DEVICE_NAME);
    PFILE_OBJECT file;
    PDEVICE_OBJECT top;
    NTSTATUS status = IoGetDeviceObjectPointer(&name, 0, &file, &top);
    if (!NT_SUCCESS(status)) {
        DbgPrint("timer: cannot open \\Device\\Timer0: status 0x%08X\n", (ULONG)status);
        return;
    }
    ULONG sent = 0;
    while (sent < count && TimerClientSend(file, top, (ULONG)microseconds, sent + 1))
        sent++;
    DbgPrint("timer: %u request(s) sent; `irps` shows them until they finish\n", sent);
    ObDereferenceObject(file);
}
KD_COMMAND(timer, "<us> [count]", "send requests to the timer device (see them with irps)",
           TimerClientCommand);
