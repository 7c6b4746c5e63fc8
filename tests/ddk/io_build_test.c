/*
 * io_build_test.c: the IRPs the I/O manager builds for a thread
 * (IoBuildDeviceIoControlRequest, IoBuildSynchronousFsdRequest,
 * IoBuildAsynchronousFsdRequest), and how they come back: through a
 * kernel APC in the issuing thread, which copies buffered output back,
 * fills the IO_STATUS_BLOCK and sets the event, with the priority boost.
 *
 * The synchronous pattern of nt-semantics.md, against the timer device
 * (through its filter), pending and immediate; then a mock device whose
 * behaviour each test chooses, to look at every buffering method and at
 * when and where completion reaches the requester.
 */
#include "io_testlib.h"

#define TAG            'tBoI'
#define IOSB_UNTOUCHED ((NTSTATUS)0x1BADF00D)

/* ---- the synchronous pattern, against the timer device ---------------------- */

/* Build, call, and wait only if the driver said STATUS_PENDING. */
static NTSTATUS TimerControl(PDEVICE_OBJECT Top, ULONG Code, PVOID In, ULONG InLength, PVOID Out,
                             ULONG OutLength, PIO_STATUS_BLOCK Iosb, NTSTATUS *Returned)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    PIRP irp =
        IoBuildDeviceIoControlRequest(Code, Top, In, InLength, Out, OutLength, FALSE, &event, Iosb);
    if (irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS status = IoCallDriver(Top, irp);
    *Returned = status;
    if (status == STATUS_PENDING) {
        IoTestWait(&event, 5000);
        status = Iosb->Status;
    } else {
        KT_EXPECT_NE(KeReadStateEvent(&event), 0); /* set already: the APC ran at once */
    }
    return status;
}

KTEST(io_build, device_control_that_pends_then_completes)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    TIMER_REQUEST request = {.DelayMicroseconds = 1000, .Tag = 0xCAFE};
    TIMER_RESULT result = {0};
    IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
    NTSTATUS returned;
    ULONGLONG before = KeQueryInterruptTime();
    KT_EXPECT_EQ(TimerControl(top, IOCTL_TIMER_WAIT, &request, sizeof(request), &result,
                              sizeof(result), &iosb, &returned),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(returned, STATUS_PENDING);
    KT_EXPECT_EQ(iosb.Information, sizeof(TIMER_RESULT));
    KT_EXPECT_EQ(result.Tag, 0xCAFE);
    KT_EXPECT_GT(result.Sequence, 0);
    KT_EXPECT_EQ(result.SeenByFilter, 1);
    KT_EXPECT_GE(result.FiredAt, before + 1000 * 10);
    ObDereferenceObject(file);
}

KTEST(io_build, device_control_completed_at_once)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    TIMER_STATISTICS statistics = {.Completed = 0xFFFFFFFF};
    IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
    NTSTATUS returned;
    KT_EXPECT_EQ(TimerControl(top, IOCTL_TIMER_GET_STATISTICS, NULL, 0, &statistics,
                              sizeof(statistics), &iosb, &returned),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(returned, STATUS_SUCCESS);
    KT_EXPECT_EQ(iosb.Status, STATUS_SUCCESS); /* filled in before IoCallDriver returned */
    KT_EXPECT_EQ(iosb.Information, sizeof(statistics));
    KT_EXPECT_NE(statistics.Completed, 0xFFFFFFFF);

    /* Failures complete at once too, with the status in the IOSB. */
    TIMER_RESULT small;
    TIMER_REQUEST request = {0};
    KT_EXPECT_EQ(
        TimerControl(top, IOCTL_TIMER_WAIT, &request, sizeof(request), &small, 4, &iosb, &returned),
        STATUS_BUFFER_TOO_SMALL);
    KT_EXPECT_EQ(iosb.Status, STATUS_BUFFER_TOO_SMALL);
    KT_EXPECT_EQ(TimerControl(top, CTL_CODE(FILE_DEVICE_KELAB_TIMER, 0x9FF, METHOD_BUFFERED, 0),
                              NULL, 0, NULL, 0, &iosb, &returned),
                 STATUS_INVALID_DEVICE_REQUEST);
    ObDereferenceObject(file);
}

KTEST(io_build, synchronous_read_with_direct_io)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    KT_EXPECT_TRUE(top->Flags & DO_DIRECT_IO); /* the filter copied its device's flag */
    const ULONG length = 3 * PAGE_SIZE + 100;  /* several pages of system space */
    PUCHAR buffer = ExAllocatePoolWithTag(NonPagedPool, length, TAG);
    KT_ASSERT_NOT_NULL(buffer);
    RtlZeroMemory(buffer, length);
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
    PIRP irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, top, buffer, length, NULL, &event, &iosb);
    KT_ASSERT_NOT_NULL(irp);
    KT_EXPECT_NOT_NULL(irp->MdlAddress);
    KT_EXPECT_EQ(IoGetNextIrpStackLocation(irp)->Parameters.Read.Length, length);
    if (IoCallDriver(top, irp) == STATUS_PENDING)
        IoTestWait(&event, 5000);
    KT_EXPECT_EQ(iosb.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(iosb.Information, length);
    ULONG wrong = 0;
    for (ULONG i = 1; i < length; i++)
        wrong += buffer[i] != (UCHAR)(buffer[0] + i);
    KT_EXPECT_EQ(wrong, 0);
    ExFreePoolWithTag(buffer, TAG);
    ObDereferenceObject(file);
}

/* ---- a mock device -------------------------------------------------------------- */

typedef enum _MOCK_MODE { MockNow, MockFromDpc, MockHold } MOCK_MODE;

typedef struct _MOCK {
    MOCK_MODE Mode;
    NTSTATUS Status;
    ULONG Fill; /* bytes of output to write: Information */
    CCHAR Boost;
    ULONG DpcDelay; /* microseconds MockDpc stalls before completing */
    KDPC Dpc;
    PIRP Held;
    volatile BOOLEAN Completed; /* IoCompleteRequest has returned */
    /* what the dispatch routine saw */
    PVOID SystemBuffer, UserBuffer, Type3InputBuffer;
    PMDL Mdl;
    UCHAR FirstInputByte;
} MOCK;

static PUCHAR MockOutput(PIRP Irp)
{
    if (Irp->MdlAddress != NULL)
        return MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (Irp->Flags & IRP_BUFFERED_IO)
        return Irp->AssociatedIrp.SystemBuffer;
    return Irp->UserBuffer;
}

static VOID MockComplete(MOCK *Mock, PIRP Irp)
{
    PUCHAR out = MockOutput(Irp);
    for (ULONG i = 0; i < Mock->Fill; i++)
        out[i] = (UCHAR)(0xA0 + i);
    Irp->IoStatus.Status = Mock->Status;
    Irp->IoStatus.Information = Mock->Fill;
    IoCompleteRequest(Irp, Mock->Boost);
    Mock->Completed = TRUE;
}

static VOID MockDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    MOCK *mock = Context;
    KeStallExecutionProcessor(mock->DpcDelay);
    MockComplete(mock, mock->Held);
}

static NTSTATUS MockDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    MOCK *mock = Device->DeviceExtension;
    PIO_STACK_LOCATION stack = IoGetCurrentIrpStackLocation(Irp);
    mock->SystemBuffer = Irp->AssociatedIrp.SystemBuffer;
    mock->UserBuffer = Irp->UserBuffer;
    mock->Mdl = Irp->MdlAddress;
    mock->Type3InputBuffer = stack->Parameters.DeviceIoControl.Type3InputBuffer;
    if (stack->MajorFunction == IRP_MJ_DEVICE_CONTROL &&
        METHOD_FROM_CTL_CODE(stack->Parameters.DeviceIoControl.IoControlCode) != METHOD_NEITHER &&
        stack->Parameters.DeviceIoControl.InputBufferLength)
        mock->FirstInputByte = *(PUCHAR)Irp->AssociatedIrp.SystemBuffer;
    if (mock->Mode == MockNow) {
        NTSTATUS status = mock->Status;
        MockComplete(mock, Irp);
        return status;
    }
    IoMarkIrpPending(Irp);
    mock->Held = Irp;
    if (mock->Mode == MockFromDpc)
        KeInsertQueueDpc(&mock->Dpc, NULL, NULL);
    return STATUS_PENDING;
}

static PDEVICE_OBJECT LoadMock(PDRIVER_OBJECT *Driver, ULONG Flags)
{
    *Driver = IoTestLoadDriver(L"\\Driver\\IoTestMock", MockDispatch);
    if (*Driver == NULL)
        return NULL;
    PDEVICE_OBJECT device = IoTestAddDevice(*Driver, sizeof(MOCK), NULL, NULL);
    if (device == NULL)
        return NULL;
    device->Flags |= Flags;
    MOCK *mock = device->DeviceExtension;
    mock->Status = STATUS_SUCCESS;
    KeInitializeDpc(&mock->Dpc, MockDpc, mock);
    return device;
}

#define IOCTL_MOCK(method) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900 + (method), method, FILE_ANY_ACCESS)

KTEST(io_build, each_method_hands_over_the_buffers_its_way)
{
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, 0);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    UCHAR in[16], out[40];
    RtlFillMemory(in, sizeof(in), 0x11);
    IO_STATUS_BLOCK iosb;
    NTSTATUS returned;
    mock->Fill = 8;

    /* Buffered: one pool copy, big enough for either way. */
    RtlZeroMemory(out, sizeof(out));
    KT_EXPECT_EQ(TimerControl(device, IOCTL_MOCK(METHOD_BUFFERED), in, sizeof(in), out, sizeof(out),
                              &iosb, &returned),
                 STATUS_SUCCESS);
    KT_EXPECT_NE(mock->SystemBuffer, in);
    KT_EXPECT_NE(mock->SystemBuffer, out);
    KT_EXPECT_EQ(mock->FirstInputByte, 0x11);
    KT_EXPECT_EQ(out[0], 0xA0); /* copied back by the APC */
    KT_EXPECT_EQ(out[7], 0xA7);
    KT_EXPECT_EQ(out[8], 0); /* only Information bytes */

    /* Direct: the input copied, the output described by an MDL. */
    for (ULONG method = METHOD_IN_DIRECT; method <= METHOD_OUT_DIRECT; method++) {
        RtlZeroMemory(out, sizeof(out));
        KT_EXPECT_EQ(TimerControl(device, IOCTL_MOCK(method), in, sizeof(in), out, sizeof(out),
                                  &iosb, &returned),
                     STATUS_SUCCESS);
        KT_EXPECT_EQ(mock->FirstInputByte, 0x11);
        KT_ASSERT_NOT_NULL(mock->Mdl);
        KT_EXPECT_EQ(out[0], 0xA0); /* written straight into the caller's buffer */
    }

    /* Neither: the caller's own pointers. */
    KT_EXPECT_EQ(TimerControl(device, IOCTL_MOCK(METHOD_NEITHER), in, sizeof(in), out, sizeof(out),
                              &iosb, &returned),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(mock->Type3InputBuffer, in);
    KT_EXPECT_EQ(mock->UserBuffer, out);
    KT_EXPECT_NULL(mock->Mdl);
    IoTestUnloadDriver(driver);
}

KTEST(io_build, buffered_output_comes_back_on_success_and_warnings_only)
{
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, DO_BUFFERED_IO);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    mock->Fill = 4;
    static const NTSTATUS statuses[] = {STATUS_BUFFER_OVERFLOW, STATUS_DATA_ERROR};
    for (ULONG i = 0; i < ARRAYSIZE(statuses); i++) {
        mock->Status = statuses[i];
        UCHAR out[8] = {0};
        IO_STATUS_BLOCK iosb;
        NTSTATUS returned;
        KT_EXPECT_EQ(TimerControl(device, IOCTL_MOCK(METHOD_BUFFERED), NULL, 0, out, sizeof(out),
                                  &iosb, &returned),
                     statuses[i]);
        KT_EXPECT_EQ(out[0], NT_ERROR(statuses[i]) ? 0 : 0xA0);
    }
    IoTestUnloadDriver(driver);
}

/* The IRP completes on some processor (a DPC there) while the requester
   sits at APC_LEVEL: the result waits for the requester's own APC. */
KTEST(io_build, completion_reaches_the_requester_through_its_apc)
{
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, DO_BUFFERED_IO);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    mock->Mode = MockFromDpc;
    mock->Fill = 4;
    KeSetTargetProcessorDpc(&mock->Dpc, (CCHAR)(KeNumberProcessors - 1));
    UCHAR out[4] = {0};
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
    PIRP irp =
        IoBuildSynchronousFsdRequest(IRP_MJ_READ, device, out, sizeof(out), NULL, &event, &iosb);
    KT_ASSERT_NOT_NULL(irp);
    KIRQL old;
    KeRaiseIrql(APC_LEVEL, &old);
    KT_EXPECT_EQ(IoCallDriver(device, irp), STATUS_PENDING);
    for (ULONG waited = 0; !mock->Completed && waited < 5000000; waited += 100)
        KeStallExecutionProcessor(100);
    KT_EXPECT_TRUE(mock->Completed);
    KeStallExecutionProcessor(2000);
    KT_EXPECT_EQ(iosb.Status, IOSB_UNTOUCHED); /* completed, but not delivered */
    KT_EXPECT_EQ(KeReadStateEvent(&event), 0);
    KT_EXPECT_EQ(out[0], 0);
    KeLowerIrql(old); /* the APC runs here, in this thread */
    KT_EXPECT_EQ(iosb.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(iosb.Information, 4);
    KT_EXPECT_NE(KeReadStateEvent(&event), 0);
    KT_EXPECT_EQ(out[3], 0xA3);
    IoTestUnloadDriver(driver);
}

typedef struct _BOOST_TEST {
    PDEVICE_OBJECT Device;
    KPRIORITY After;
} BOOST_TEST;

static VOID WaitForMock(PVOID Context)
{
    BOOST_TEST *t = Context;
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IO_STATUS_BLOCK iosb;
    PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_MOCK(METHOD_NEITHER), t->Device, NULL, 0, NULL,
                                             0, FALSE, &event, &iosb);
    KeSetBasePriorityThread(KeGetCurrentThread(), 0); /* base 8, no boost left over */
    if (IoCallDriver(t->Device, irp) == STATUS_PENDING)
        IoTestWait(&event, 5000);
    t->After = KeQueryPriorityThread(KeGetCurrentThread());
}

/* The boost goes to a requester that waits for its request: the APC that
   completes it wakes the thread with PriorityBoost. (A requester that is
   still running when its request completes gets none, on Windows too.) */
KTEST(io_build, a_waiting_requester_gets_the_completion_boost)
{
    static const CCHAR boosts[] = {IO_NO_INCREMENT, IO_SERIAL_INCREMENT, IO_SOUND_INCREMENT};
    static const KPRIORITY expected[] = {8, 10, 15}; /* base 8, plus the boost, at most 15 */
    PDRIVER_OBJECT driver;
    BOOST_TEST t = {.Device = LoadMock(&driver, 0)};
    KT_ASSERT_NOT_NULL(t.Device);
    MOCK *mock = t.Device->DeviceExtension;
    mock->Mode = MockHold;
    for (ULONG i = 0; i < ARRAYSIZE(boosts); i++) {
        mock->Held = NULL;
        PKTHREAD waiter = KtStartThread(WaitForMock, &t, 0, 0);
        KT_ASSERT_NOT_NULL(waiter);
        for (ULONG ms = 0; ms < 5000 && mock->Held == NULL; ms++)
            KtSleep(1);
        KT_ASSERT_TRUE(KtWaitUntilThreadWaits(waiter, 5000));
        mock->Boost = boosts[i];
        MockComplete(mock, mock->Held);
        KT_ASSERT_TRUE(KtJoinThread(waiter, 5000));
        KT_EXPECT_EQ(t.After, expected[i]);
    }
    IoTestUnloadDriver(driver);
}

/* ---- asynchronous requests ------------------------------------------------------ */

static NTSTATUS FreeOwnIrp(PDEVICE_OBJECT Device, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Device);
    KT_EXPECT_EQ(Irp->IoStatus.Status, STATUS_SUCCESS);
    IoFreeMdl(Irp->MdlAddress); /* what the I/O manager attached, the owner frees */
    IoFreeIrp(Irp);
    KeSetEvent(Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

KTEST(io_build, asynchronous_request_freed_by_its_completion_routine)
{
    PDEVICE_OBJECT top;
    PFILE_OBJECT file = IoTestOpenTimer(&top);
    KT_ASSERT_NOT_NULL(file);
    UCHAR buffer[64] = {0};
    KEVENT done;
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    PIRP irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, top, buffer, sizeof(buffer), NULL, NULL);
    KT_ASSERT_NOT_NULL(irp);
    IoSetCompletionRoutine(irp, FreeOwnIrp, &done, TRUE, TRUE, TRUE);
    IoCallDriver(top, irp);
    IoTestWait(&done, 5000);
    KT_EXPECT_EQ(buffer[1], (UCHAR)(buffer[0] + 1));
    ObDereferenceObject(file);
}

KTEST(io_build, asynchronous_request_without_a_routine_comes_back_to_its_thread)
{
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, DO_BUFFERED_IO);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    mock->Mode = MockHold;
    mock->Fill = 2;
    UCHAR buffer[2] = {0};
    IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
    PIRP irp =
        IoBuildAsynchronousFsdRequest(IRP_MJ_READ, device, buffer, sizeof(buffer), NULL, &iosb);
    KT_ASSERT_NOT_NULL(irp);
    KT_EXPECT_EQ(IoCallDriver(device, irp), STATUS_PENDING);
    MockComplete(mock, mock->Held); /* at PASSIVE_LEVEL: the APC runs inside */
    KT_EXPECT_EQ(iosb.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(buffer[1], 0xA1);
    IoTestUnloadDriver(driver);
}

static VOID IssueAndLeave(PVOID Context)
{
    PDEVICE_OBJECT device = Context;
    static IO_STATUS_BLOCK iosb; /* outlives the thread */
    PIRP irp = IoBuildAsynchronousFsdRequest(IRP_MJ_WRITE, device, &iosb, 1, NULL, &iosb);
    IoCallDriver(device, irp);
}

/* Its thread has ended when the request completes: nobody takes the
   result, and the IRP and its buffer are freed all the same. */
KTEST(io_build, request_of_a_thread_that_ended_is_freed)
{
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, DO_BUFFERED_IO);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    mock->Mode = MockHold;
    KT_ASSERT_TRUE(KtJoinThread(KtStartThread(IssueAndLeave, device, 0, 0), 5000));
    KT_ASSERT_NOT_NULL(mock->Held);
    KT_EXPECT_NOT_NULL(mock->Held->AssociatedIrp.SystemBuffer);
    MockComplete(mock, mock->Held);
    IoTestUnloadDriver(driver);
}

/* Requests completed on another processor just as their threads end: the
   APC that brings each back either runs before its thread is gone or is
   refused because it is, and the IRP is freed either way (the pool check
   after the test finds one that is not). The DPC's delay sweeps the
   completion across the thread's way out. */
KTEST(io_build, requests_completing_as_their_threads_exit_are_freed)
{
    if (KeNumberProcessors < 2) {
        KtSkip("needs a second processor to complete on");
        return;
    }
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, DO_BUFFERED_IO);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    mock->Mode = MockFromDpc;
    KeSetTargetProcessorDpc(&mock->Dpc, 1);
    for (ULONG i = 0; i < 400; i++) {
        mock->Completed = FALSE;
        mock->DpcDelay = i % 40;
        KT_ASSERT_TRUE(KtJoinThread(KtStartThread(IssueAndLeave, device, 0, 1), 5000));
        for (ULONG ms = 0; ms < 5000 && !mock->Completed; ms++)
            KtSleep(1);
        KT_ASSERT_TRUE(mock->Completed);
    }
    KeFlushQueuedDpcs();
    IoTestUnloadDriver(driver);
}

/* Lengths without buffers (a caller's mistake NT tolerates): the driver
   sees the lengths and a zeroed system buffer; nothing is copied from or
   back to NULL, and direct output gets no MDL. */
KTEST(io_build, lengths_without_buffers_copy_nothing)
{
    static const ULONG methods[] = {METHOD_BUFFERED, METHOD_OUT_DIRECT};
    PDRIVER_OBJECT driver;
    PDEVICE_OBJECT device = LoadMock(&driver, 0);
    KT_ASSERT_NOT_NULL(device);
    MOCK *mock = device->DeviceExtension;
    for (ULONG i = 0; i < ARRAYSIZE(methods); i++) {
        KEVENT event;
        KeInitializeEvent(&event, NotificationEvent, FALSE);
        IO_STATUS_BLOCK iosb = {.Status = IOSB_UNTOUCHED};
        mock->Fill = methods[i] == METHOD_BUFFERED ? 8 : 0;
        PIRP irp = IoBuildDeviceIoControlRequest(IOCTL_MOCK(methods[i]), device, NULL, 8, NULL, 8,
                                                 FALSE, &event, &iosb);
        KT_ASSERT_NOT_NULL(irp);
        KT_EXPECT_EQ(irp->Flags & IRP_INPUT_OPERATION, 0);
        KT_EXPECT_EQ(IoCallDriver(device, irp), STATUS_SUCCESS);
        KT_EXPECT_EQ(iosb.Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(iosb.Information, mock->Fill);
        KT_EXPECT_NOT_NULL(mock->SystemBuffer);
        KT_EXPECT_EQ(mock->FirstInputByte, 0);
        KT_EXPECT_NULL(mock->Mdl);
    }
    IoTestUnloadDriver(driver);
}
