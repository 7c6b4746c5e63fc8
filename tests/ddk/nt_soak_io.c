/*
 * nt_soak_io.c: IRPs through the timer device, some of them cancelled.
 *
 * Two threads send batches of IOCTL_TIMER_WAIT requests down the timer
 * device's stack (its filter on top), as a client driver does: thread IRPs
 * from IoBuildDeviceIoControlRequest, each with a completion routine that
 * counts its completions. Some requests are cancelled, queued or in
 * progress. Each request must come back once, within the wait, either
 * STATUS_SUCCESS with its result or STATUS_CANCELLED with nothing; at the
 * end, the device's own statistics must count exactly the requests that
 * came back each way.
 */
#include "nt_soak.h"
#include "ntddtimer.h"

#define SOAK_IO_THREADS 2
#define SOAK_IO_BATCH   4

typedef struct _SOAK_REQUEST {
    KEVENT Done;
    IO_STATUS_BLOCK Iosb;
    TIMER_REQUEST In;
    TIMER_RESULT Out;
    PIRP Irp;
    volatile LONG Completions; /* counted by the completion routine */
} SOAK_REQUEST;

typedef struct _SOAK_IO {
    SOAK *Soak;
    PFILE_OBJECT File; /* keeps the device open */
    PDEVICE_OBJECT Top;
    TIMER_STATISTICS Before;
    volatile LONG64 Succeeded, Cancelled;
    ULONG Numbers[SOAK_IO_THREADS];
} SOAK_IO;

static SOAK_IO SoakIo;

static NTSTATUS SoakIrpCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    __atomic_add_fetch(&((SOAK_REQUEST *)Context)->Completions, 1, __ATOMIC_RELEASE);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

static BOOLEAN SoakSubmit(SOAK_IO *Io, SOAK_REQUEST *Request, ULONG DelayMicroseconds, ULONG Tag)
{
    KeInitializeEvent(&Request->Done, NotificationEvent, FALSE);
    Request->In = (TIMER_REQUEST){.DelayMicroseconds = DelayMicroseconds, .Tag = Tag};
    RtlZeroMemory(&Request->Out, sizeof(Request->Out));
    Request->Completions = 0;
    Request->Irp = IoBuildDeviceIoControlRequest(
        IOCTL_TIMER_WAIT, Io->Top, &Request->In, sizeof(Request->In), &Request->Out,
        sizeof(Request->Out), FALSE, &Request->Done, &Request->Iosb);
    if (Request->Irp == NULL) {
        SoakFail(Io->Soak, "IoBuildDeviceIoControlRequest failed");
        return FALSE;
    }
    IoSetCompletionRoutine(Request->Irp, SoakIrpCompleted, Request, TRUE, TRUE, TRUE);
    NTSTATUS status = IoCallDriver(Io->Top, Request->Irp);
    if (status != STATUS_PENDING) /* the device queues every wait */
        SoakFail(Io->Soak, "IoCallDriver returned 0x%x for a queued request", status);
    return TRUE;
}

/* Cancels a request that has not come back. At APC_LEVEL, the completion
   APC that would set Done and free the IRP cannot run on this thread: if
   Done is clear, the IRP is still there to cancel. */
static VOID SoakCancel(SOAK_REQUEST *Request)
{
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    if (KeReadStateEvent(&Request->Done) == 0)
        IoCancelIrp(Request->Irp);
    KeLowerIrql(old);
}

static VOID SoakCheckRequest(SOAK_IO *Io, SOAK_REQUEST *Request)
{
    if (!SoakWait(Io->Soak, &Request->Done, "a timer-device request"))
        return;
    if (Request->Completions != 1)
        SoakFail(Io->Soak, "request %x completed %d times", Request->In.Tag, Request->Completions);
    if (Request->Iosb.Status == STATUS_CANCELLED && Request->Iosb.Information == 0) {
        __atomic_add_fetch(&Io->Cancelled, 1, __ATOMIC_RELAXED);
        SoakCount(Io->Soak, SoakIrpCancels, 1);
    } else if (Request->Iosb.Status == STATUS_SUCCESS &&
               Request->Iosb.Information == sizeof(TIMER_RESULT) &&
               Request->Out.Tag == Request->In.Tag && Request->Out.Sequence != 0) {
        __atomic_add_fetch(&Io->Succeeded, 1, __ATOMIC_RELAXED);
    } else {
        SoakFail(Io->Soak, "request %x ended 0x%x with %llu bytes, tag %x", Request->In.Tag,
                 Request->Iosb.Status, (unsigned long long)Request->Iosb.Information,
                 Request->Out.Tag);
    }
    SoakCount(Io->Soak, SoakIrps, 1);
}

static VOID SoakIoWorker(PVOID Context)
{
    ULONG number = *(ULONG *)Context;
    SOAK_IO *io = &SoakIo;
    SOAK_REQUEST requests[SOAK_IO_BATCH];
    SOAK_RANDOM random;
    SoakSeedRandom(io->Soak, 600 + number, &random);
    for (ULONG round = 0; !__atomic_load_n(&io->Soak->Stop, __ATOMIC_ACQUIRE); round++) {
        ULONG count = 1 + SoakRandom(&random, SOAK_IO_BATCH), sent = 0;
        while (sent < count && SoakSubmit(io, &requests[sent], SoakRandom(&random, 3000),
                                          (number << 24) | (round << 4) | sent))
            sent++;
        for (ULONG i = 0; i < sent; i++) {
            if (SoakRandom(&random, 3) == 0) {
                KtSleep(SoakRandom(&random, 2));
                SoakCancel(&requests[i]);
            }
        }
        for (ULONG i = 0; i < sent; i++)
            SoakCheckRequest(io, &requests[i]);
        if (io->Soak->Failures != 0)
            return;
        KtSleep(SOAK_PAUSE_MS + SoakRandom(&random, SOAK_PAUSE_MS));
    }
}

static TIMER_STATISTICS SoakStatistics(SOAK_IO *Io)
{
    TIMER_STATISTICS statistics = {0};
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_TIMER_GET_STATISTICS, Io->Top, NULL, 0,
                                             &statistics, sizeof(statistics), FALSE, &done, &iosb);
    if (irp == NULL || IoCallDriver(Io->Top, irp) != STATUS_SUCCESS)
        SoakFail(Io->Soak, "the timer device gave no statistics");
    return statistics;
}

VOID SoakStartIrps(SOAK *Soak)
{
    SOAK_IO *io = &SoakIo;
    UNICODE_STRING name;
    RtlZeroMemory(io, sizeof(*io));
    io->Soak = Soak;
    RtlInitUnicodeString(&name, TIMER_DEVICE_NAME);
    NTSTATUS status = IoGetDeviceObjectPointer(&name, 0, &io->File, &io->Top);
    if (!NT_SUCCESS(status)) {
        SoakFail(Soak, "cannot open the timer device: 0x%x", status);
        return;
    }
    io->Before = SoakStatistics(io);
    for (ULONG i = 0; i < SOAK_IO_THREADS; i++) {
        io->Numbers[i] = i;
        SoakStartThread(Soak, SoakIoWorker, &io->Numbers[i], 0);
    }
}

/* Every request has come back: the device counts what the workers saw. */
VOID SoakFinishIrps(SOAK *Soak)
{
    SOAK_IO *io = &SoakIo;
    if (io->File == NULL)
        return;
    TIMER_STATISTICS after = SoakStatistics(io);
    if (after.Completed - io->Before.Completed != io->Succeeded ||
        after.Cancelled - io->Before.Cancelled != io->Cancelled)
        SoakFail(Soak, "the device completed %u and cancelled %u; the workers saw %lld and %lld",
                 after.Completed - io->Before.Completed, after.Cancelled - io->Before.Cancelled,
                 (long long)io->Succeeded, (long long)io->Cancelled);
    ObDereferenceObject(io->File);
}
