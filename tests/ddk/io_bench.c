/*
 * io_bench.c: what a request costs: a thread IRP's round trip through a
 * two-driver stack, finished on the requester's processor or on another
 * one, and how many requests per second the timer device gets through.
 *
 * The stack is two small drivers of this file, loaded and stacked with
 * the I/O tests' helpers (kernel/ktest/io_testlib.c): an upper one that
 * passes device controls down with a completion routine (as
 * drivers/timerfilt does), and a lower one that either completes at once
 * in its dispatch routine or hands the IRP to its thread on another
 * processor, which completes it from there. A round trip is the
 * synchronous pattern: IoBuildDeviceIoControlRequest, IoCallDriver, wait
 * for the event (set by the completion APC in the requester's thread).
 */
#include "kbench.h"
#include "io_testlib.h"

#define ROUND_TRIPS      2000
#define IOCTL_BENCH_ECHO CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

static ULONG64 Samples[ROUND_TRIPS];

/* ---- the lower driver ------------------------------------------------------- */

typedef struct _LOWER_EXTENSION {
    BOOLEAN Remote;     /* complete in the worker thread, not in dispatch */
    KEVENT WorkQueued;  /* synchronization: an IRP is in Work, or Stopping */
    PIRP volatile Work; /* the IRP the worker is to complete; one at a time */
    volatile BOOLEAN Stopping;
} LOWER_EXTENSION, *PLOWER_EXTENSION;

static NTSTATUS LowerDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLOWER_EXTENSION extension = DeviceObject->DeviceExtension;
    if (!extension->Remote) {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    IoMarkIrpPending(Irp);
    extension->Work = Irp;
    KeSetEvent(&extension->WorkQueued, IO_NO_INCREMENT, FALSE);
    return STATUS_PENDING;
}

static VOID LowerWorker(PVOID Context)
{
    PLOWER_EXTENSION extension = Context;
    for (;;) {
        KeWaitForSingleObject(&extension->WorkQueued, Executive, KernelMode, FALSE, NULL);
        if (extension->Stopping)
            return;
        PIRP irp = extension->Work;
        extension->Work = NULL;
        irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
}

/* ---- the upper driver: a filter, its extension the device below ---------- */

static NTSTATUS UpperCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS UpperDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_OBJECT *lower = DeviceObject->DeviceExtension;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, UpperCompletion, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(*lower, Irp);
}

/* ---- the stack --------------------------------------------------------------- */

typedef struct _BENCH_STACK {
    PDRIVER_OBJECT UpperDriver, LowerDriver;
    PDEVICE_OBJECT Top;
    PLOWER_EXTENSION Lower;
    PKTHREAD Worker;
} BENCH_STACK;

static BOOLEAN BuildStack(BENCH_STACK *Stack, KAFFINITY WorkerAffinity)
{
    Stack->LowerDriver = IoTestLoadDriver(L"\\Driver\\IoBenchLower", LowerDeviceControl);
    Stack->UpperDriver = IoTestLoadDriver(L"\\Driver\\IoBenchUpper", UpperDeviceControl);
    if (Stack->LowerDriver == NULL || Stack->UpperDriver == NULL)
        return FALSE;
    PDEVICE_OBJECT lower = IoTestAddDevice(Stack->LowerDriver, sizeof(LOWER_EXTENSION), NULL, NULL);
    PDEVICE_OBJECT upper =
        lower ? IoTestAddDevice(Stack->UpperDriver, sizeof(PDEVICE_OBJECT), NULL, lower) : NULL;
    if (upper == NULL)
        return FALSE;
    *(PDEVICE_OBJECT *)upper->DeviceExtension = lower;
    Stack->Top = upper;
    Stack->Lower = lower->DeviceExtension;
    Stack->Lower->Remote = WorkerAffinity != 0;
    KeInitializeEvent(&Stack->Lower->WorkQueued, SynchronizationEvent, FALSE);
    Stack->Worker =
        WorkerAffinity ? KtStartThread(LowerWorker, Stack->Lower, 0, WorkerAffinity) : NULL;
    return TRUE;
}

static VOID TearDownStack(BENCH_STACK *Stack)
{
    if (Stack->Worker != NULL) {
        Stack->Lower->Stopping = TRUE;
        KeSetEvent(&Stack->Lower->WorkQueued, IO_NO_INCREMENT, FALSE);
        KtJoinThread(Stack->Worker, 60000);
    }
    if (Stack->UpperDriver != NULL)
        IoTestUnloadDriver(Stack->UpperDriver);
    if (Stack->LowerDriver != NULL)
        IoTestUnloadDriver(Stack->LowerDriver);
}

/* One synchronous request, as a driver sends one to another. */
static NTSTATUS SendEcho(PDEVICE_OBJECT Top, ULONG *In, ULONG *Out)
{
    KEVENT done;
    IO_STATUS_BLOCK iosb;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_BENCH_ECHO, Top, In, sizeof(*In), Out,
                                             sizeof(*Out), FALSE, &done, &iosb);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS status = IoCallDriver(Top, irp);
    if (status == STATUS_PENDING) {
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
        status = iosb.Status;
    }
    return status;
}

/* Round trips from processor 0; the lower driver completes in dispatch
   (WorkerAffinity 0) or in its thread on the given processors. */
static VOID MeasureRoundTrip(PCSTR Metric, KAFFINITY WorkerAffinity)
{
    BENCH_STACK stack = {0};
    if (!BuildStack(&stack, WorkerAffinity)) {
        TearDownStack(&stack);
        KbReportValue(Metric, 0, "failed-to-build-the-stack");
        return;
    }
    KAFFINITY old = KeSetSystemAffinityThreadEx(1);
    ULONG in = 0, out = 0, failed = 0;
    for (ULONG i = 0; i < ROUND_TRIPS; i++) {
        ULONG64 start = KbNow();
        failed += !NT_SUCCESS(SendEcho(stack.Top, &in, &out));
        Samples[i] = KbNow() - start;
    }
    KeRevertToUserAffinityThreadEx(old);
    TearDownStack(&stack);
    if (failed)
        KbReportValue(Metric, failed, "failed-requests");
    else
        KbReport(Metric, Samples, ROUND_TRIPS, 1);
}

KBENCH(irp_round_trip)
{
    MeasureRoundTrip("irp.round_trip_completed_in_dispatch", 0);
    MeasureRoundTrip("irp.round_trip_completed_same_processor", 1);
    if (KeNumberProcessors > 1)
        MeasureRoundTrip("irp.round_trip_completed_other_processor", 2);
}

/* ---- the timer device ---------------------------------------------------------- */

/* Two requesters per processor keep BATCH requests each queued at the
   timer device for THROUGHPUT_MS, then collect what is still out. The
   device finishes one request per "interrupt", and its timer fires at a
   clock tick at the earliest: the clock rate is the ceiling, printed
   beside the result. */
#define THROUGHPUT_MS 1000
#define BATCH         4

typedef struct _TIMER_CLIENT {
    PDEVICE_OBJECT Top;
    volatile LONG *Stop;
    ULONG Completed, Failed;
} TIMER_CLIENT;

static VOID TimerClient(PVOID Context)
{
    TIMER_CLIENT *client = Context;
    IO_TEST_TIMER_REQUEST slot[BATCH];
    BOOLEAN busy[BATCH];
    ULONG outstanding = 0;
    for (ULONG i = 0; i < BATCH; i++)
        outstanding += busy[i] = IoTestSubmitTimer(client->Top, &slot[i], 0, i);
    /* Wait for each in turn (the device keeps queue order), resubmitting
       until told to stop; then let the rest come back. */
    for (ULONG i = 0; outstanding > 0; i = (i + 1) % BATCH) {
        if (!busy[i])
            continue;
        KeWaitForSingleObject(&slot[i].Done, Executive, KernelMode, FALSE, NULL);
        if (NT_SUCCESS(slot[i].Iosb.Status))
            client->Completed++;
        else
            client->Failed++;
        busy[i] = !*client->Stop && IoTestSubmitTimer(client->Top, &slot[i], 0, i);
        outstanding -= !busy[i];
    }
}

KBENCH(timer_device_throughput)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    if (file == NULL) {
        KbReportValue("timerdev.irps_per_second", 0, "no-timer-device");
        return;
    }
    static TIMER_CLIENT clients[2 * MAXIMUM_PROCESSORS];
    PKTHREAD threads[2 * MAXIMUM_PROCESSORS];
    ULONG n = 2 * KeNumberProcessors;
    volatile LONG stop = 0;
    ULONG64 start = KeQueryInterruptTime();
    for (ULONG i = 0; i < n; i++) {
        clients[i] = (TIMER_CLIENT){.Top = top, .Stop = &stop};
        threads[i] =
            KtStartThread(TimerClient, &clients[i], 0, (KAFFINITY)1 << (i % KeNumberProcessors));
    }
    KtSleep(THROUGHPUT_MS);
    stop = 1;
    ULONG completed = 0, failed = 0;
    for (ULONG i = 0; i < n; i++) {
        KtJoinThread(threads[i], 60000);
        completed += clients[i].Completed;
        failed += clients[i].Failed;
    }
    ULONG64 elapsed = KeQueryInterruptTime() - start; /* with the last requests' drain */
    ObDereferenceObject(file);
    KbReportValue("timerdev.irps_per_second", (ULONG64)completed * 10000000ull / elapsed, "IRP/s");
    KbReportValue("timerdev.clock_ceiling", 10000000ull / KeQueryTimeIncrement(), "IRP/s");
    if (failed)
        KbReportValue("timerdev.failed", failed, "IRPs");
}
