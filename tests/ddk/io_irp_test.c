/*
 * io_irp_test.c: IRPs, stack locations, IoCallDriver and IoCompleteRequest.
 *
 * A stack of three "layer" devices of one test driver: the bottom one
 * completes (at once, from a DPC on a chosen processor, or when the test
 * says), the others pass the IRP down with a completion routine (or
 * without one, or skipping their location). The IRP's owner (the test)
 * sets a routine of its own, as a driver that allocates an IRP does, and
 * frees the IRP there. Every routine records what it saw.
 */
#include "io_testlib.h"

typedef enum _BOTTOM_MODE { CompleteNow, PendFromDpc, PendAndHold } BOTTOM_MODE;
/* ForgetsLocation: the bug of calling the next driver without preparing
   its stack location (neither copy nor skip). */
typedef enum _PASS_MODE { WithRoutine, WithoutRoutine, SkipLocation, ForgetsLocation } PASS_MODE;

typedef struct _LAYER {
    ULONG Id; /* 1 bottom, 2 middle, 3 top */
    PDEVICE_OBJECT Self, Lower;
    /* bottom */
    BOTTOM_MODE Mode;
    NTSTATUS Status;
    ULONG TargetProcessor;
    KDPC Dpc;
    PIRP Held;
    /* the others */
    PASS_MODE Pass;
    BOOLEAN OnSuccess, OnError, OnCancel;
    BOOLEAN PropagatePending;
    BOOLEAN StopCompletion; /* return STATUS_MORE_PROCESSING_REQUIRED */
    PIRP Stopped;
} LAYER;

typedef struct _SEEN {
    ULONG Id; /* 0: the owner's routine */
    PDEVICE_OBJECT Device;
    BOOLEAN PendingReturned;
    KIRQL Irql;
    ULONG Processor;
} SEEN;

static SEEN Seen[8];
static volatile LONG SeenCount;
static KEVENT OwnerDone;
static ULONG DispatchOrder[8], DispatchCount;

static VOID Record(ULONG Id, PDEVICE_OBJECT Device, PIRP Irp)
{
    LONG i = __atomic_fetch_add(&SeenCount, 1, __ATOMIC_RELAXED);
    if (i < (LONG)ARRAYSIZE(Seen))
        Seen[i] = (SEEN){Id, Device, Irp->PendingReturned, KeGetCurrentIrql(),
                         KeGetCurrentProcessorNumber()};
}

static VOID BottomDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    LAYER *bottom = Context;
    PIRP irp = bottom->Held;
    bottom->Held = NULL;
    irp->IoStatus.Status = bottom->Status;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

static NTSTATUS LayerCompletion(PDEVICE_OBJECT Device, PIRP Irp, PVOID Context)
{
    LAYER *layer = Context;
    Record(layer->Id, Device, Irp);
    if (layer->PropagatePending && Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    if (layer->StopCompletion) {
        layer->Stopped = Irp;
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS LayerDispatch(PDEVICE_OBJECT Device, PIRP Irp)
{
    LAYER *layer = Device->DeviceExtension;
    if (DispatchCount < ARRAYSIZE(DispatchOrder))
        DispatchOrder[DispatchCount] = layer->Id;
    DispatchCount++;
    KT_EXPECT_EQ(IoGetCurrentIrpStackLocation(Irp)->DeviceObject, Device);
    if (layer->Lower == NULL) {
        if (layer->Mode == CompleteNow) {
            Irp->IoStatus.Status = layer->Status;
            IoCompleteRequest(Irp, IO_NO_INCREMENT);
            return layer->Status;
        }
        IoMarkIrpPending(Irp);
        layer->Held = Irp;
        if (layer->Mode == PendFromDpc)
            KeInsertQueueDpc(&layer->Dpc, NULL, NULL);
        return STATUS_PENDING;
    }
    if (layer->Pass == SkipLocation) {
        IoSkipCurrentIrpStackLocation(Irp);
    } else if (layer->Pass != ForgetsLocation) {
        IoCopyCurrentIrpStackLocationToNext(Irp);
        if (layer->Pass == WithRoutine)
            IoSetCompletionRoutine(Irp, LayerCompletion, layer, layer->OnSuccess, layer->OnError,
                                   layer->OnCancel);
    }
    return IoCallDriver(layer->Lower, Irp);
}

/* The owner's routine: the IRP is the owner's again; it frees it. */
static NTSTATUS OwnerCompletion(PDEVICE_OBJECT Device, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    Record(0, Device, Irp);
    IoFreeIrp(Irp);
    KeSetEvent(&OwnerDone, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

typedef struct _STACK {
    PDRIVER_OBJECT Driver;
    LAYER *Layer[4]; /* [1] bottom .. [3] top */
} STACK;

/* Three layers, every pass WithRoutine on success, error and cancel,
   propagating pending; the bottom completes at once with success. */
static BOOLEAN BuildStack(STACK *Stack)
{
    SeenCount = 0;
    DispatchCount = 0;
    RtlZeroMemory(Seen, sizeof(Seen));
    KeInitializeEvent(&OwnerDone, NotificationEvent, FALSE);
    Stack->Driver = IoTestLoadDriver(L"\\Driver\\IoTestLayers", LayerDispatch);
    if (Stack->Driver == NULL)
        return FALSE;
    PDEVICE_OBJECT below = NULL;
    for (ULONG id = 1; id <= 3; id++) {
        PDEVICE_OBJECT device = IoTestAddDevice(Stack->Driver, sizeof(LAYER), NULL, below);
        if (device == NULL)
            return FALSE;
        LAYER *layer = device->DeviceExtension;
        *layer = (LAYER){.Id = id,
                         .Self = device,
                         .Lower = below,
                         .Status = STATUS_SUCCESS,
                         .Pass = WithRoutine,
                         .OnSuccess = TRUE,
                         .OnError = TRUE,
                         .OnCancel = TRUE,
                         .PropagatePending = TRUE};
        KeInitializeDpc(&layer->Dpc, BottomDpc, layer);
        Stack->Layer[id] = layer;
        below = device;
    }
    return TRUE;
}

/* An IRP for the top, with the owner's routine, sent. */
static NTSTATUS Send(STACK *Stack, PIRP *Sent)
{
    PIRP irp = IoAllocateIrp(Stack->Layer[3]->Self->StackSize, FALSE);
    DispatchCount = 0;
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    IoSetCompletionRoutine(irp, OwnerCompletion, NULL, TRUE, TRUE, TRUE);
    if (Sent)
        *Sent = irp;
    return IoCallDriver(Stack->Layer[3]->Self, irp);
}

KTEST(io_irp, allocate_sets_up_the_stack_locations)
{
    PIRP irp = IoAllocateIrp(3, FALSE);
    KT_ASSERT_NOT_NULL(irp);
    KT_EXPECT_EQ(irp->Type, IO_TYPE_IRP);
    KT_EXPECT_EQ(irp->StackCount, 3);
    KT_EXPECT_EQ(irp->CurrentLocation, 4);
    PIO_STACK_LOCATION first = (PIO_STACK_LOCATION)(irp + 1);
    KT_EXPECT_EQ(IoGetNextIrpStackLocation(irp), first + 2); /* the top driver's */
    KT_EXPECT_EQ(irp->Size, sizeof(IRP) + 3 * sizeof(IO_STACK_LOCATION));
    KT_EXPECT_NULL(irp->Tail.Overlay.Thread);
    KT_EXPECT_NULL(IoAllocateIrp(0, FALSE));
    IoFreeIrp(irp);
}

KTEST(io_irp, call_driver_moves_down_one_location_per_driver)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    KT_EXPECT_EQ(s.Layer[1]->Self->StackSize, 1);
    KT_EXPECT_EQ(s.Layer[3]->Self->StackSize, 3);
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(DispatchCount, 3);
    KT_EXPECT_EQ(DispatchOrder[0], 3);
    KT_EXPECT_EQ(DispatchOrder[2], 1);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, completion_routines_run_bottom_up_with_their_devices)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_SUCCESS);
    KT_ASSERT_EQ(SeenCount, 3);
    KT_EXPECT_EQ(Seen[0].Id, 2); /* the middle's routine, stored in the bottom's location */
    KT_EXPECT_EQ(Seen[0].Device, s.Layer[2]->Self);
    KT_EXPECT_EQ(Seen[1].Id, 3);
    KT_EXPECT_EQ(Seen[1].Device, s.Layer[3]->Self);
    KT_EXPECT_EQ(Seen[2].Id, 0);
    KT_EXPECT_NULL(Seen[2].Device); /* the owner has no location, no device */
    for (ULONG i = 0; i < 3; i++) {
        KT_EXPECT_FALSE(Seen[i].PendingReturned); /* all synchronous */
        KT_EXPECT_EQ(Seen[i].Irql, PASSIVE_LEVEL);
    }
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, pending_returned_is_propagated_up)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[1]->Mode = PendAndHold;
    PIRP irp;
    KT_EXPECT_EQ(Send(&s, &irp), STATUS_PENDING);
    KT_EXPECT_EQ(SeenCount, 0);
    PIRP held = s.Layer[1]->Held;
    KT_ASSERT_EQ(held, irp);
    held->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(held, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 3);
    for (ULONG i = 0; i < 3; i++)
        KT_EXPECT_TRUE(Seen[i].PendingReturned);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, a_routine_that_forgets_to_propagate_pending_hides_it)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[1]->Mode = PendAndHold;
    s.Layer[2]->PropagatePending = FALSE; /* the classic bug */
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_PENDING);
    IoCompleteRequest(s.Layer[1]->Held, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 3);
    KT_EXPECT_TRUE(Seen[0].PendingReturned);  /* the middle saw it... */
    KT_EXPECT_FALSE(Seen[1].PendingReturned); /* ...and did not pass it on */
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, a_location_without_routine_propagates_pending_itself)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[1]->Mode = PendAndHold;
    s.Layer[2]->Pass = WithoutRoutine;
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_PENDING);
    IoCompleteRequest(s.Layer[1]->Held, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 2);
    KT_EXPECT_EQ(Seen[0].Id, 3);
    KT_EXPECT_TRUE(Seen[0].PendingReturned);
    KT_EXPECT_TRUE(Seen[1].PendingReturned);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, skip_gives_the_lower_driver_the_same_location)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[2]->Pass = SkipLocation;
    s.Layer[1]->Mode = PendAndHold;
    PIRP irp;
    KT_EXPECT_EQ(Send(&s, &irp), STATUS_PENDING);
    /* Top used location 3, the middle skipped: the bottom got location 2
       and the top's routine is in it. */
    KT_EXPECT_EQ(irp->CurrentLocation, 2);
    KT_EXPECT_EQ(IoGetCurrentIrpStackLocation(irp)->DeviceObject, s.Layer[1]->Self);
    KT_EXPECT_EQ(IoGetCurrentIrpStackLocation(irp)->CompletionRoutine, LayerCompletion);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 2);
    KT_EXPECT_EQ(Seen[0].Id, 3);
    KT_EXPECT_TRUE(Seen[0].PendingReturned);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, copy_to_next_copies_parameters_not_the_routine)
{
    PIRP irp = IoAllocateIrp(2, FALSE);
    KT_ASSERT_NOT_NULL(irp);
    /* Pretend the top driver has the IRP: step onto its location. */
    irp->CurrentLocation--;
    irp->Tail.Overlay.CurrentStackLocation--;
    PIO_STACK_LOCATION current = IoGetCurrentIrpStackLocation(irp);
    current->MajorFunction = IRP_MJ_READ;
    current->Parameters.Read.Length = 1234;
    current->CompletionRoutine = LayerCompletion;
    current->Control = SL_INVOKE_ON_SUCCESS | SL_PENDING_RETURNED;
    IoCopyCurrentIrpStackLocationToNext(irp);
    PIO_STACK_LOCATION next = IoGetNextIrpStackLocation(irp);
    KT_EXPECT_EQ(next->MajorFunction, IRP_MJ_READ);
    KT_EXPECT_EQ(next->Parameters.Read.Length, 1234);
    KT_EXPECT_NULL(next->CompletionRoutine);
    KT_EXPECT_EQ(next->Control, 0);
    IoSetCompletionRoutine(irp, LayerCompletion, irp, FALSE, TRUE, FALSE);
    KT_EXPECT_EQ(next->Control, SL_INVOKE_ON_ERROR);
    KT_EXPECT_EQ(next->Context, irp);
    IoFreeIrp(irp);
}

KTEST(io_irp, invoke_flags_choose_which_routines_run)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[1]->Status = STATUS_IO_DEVICE_ERROR;
    s.Layer[2]->OnError = FALSE; /* success and cancel only: skipped */
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_IO_DEVICE_ERROR);
    KT_ASSERT_EQ(SeenCount, 2);
    KT_EXPECT_EQ(Seen[0].Id, 3);

    /* A cancelled IRP runs InvokeOnCancel routines whatever its status. */
    SeenCount = 0;
    s.Layer[1]->Status = STATUS_SUCCESS;
    s.Layer[1]->Mode = PendAndHold;
    s.Layer[2]->OnSuccess = FALSE;
    s.Layer[2]->OnCancel = TRUE;
    s.Layer[3]->OnSuccess = FALSE;
    s.Layer[3]->OnCancel = FALSE;
    PIRP irp;
    KT_EXPECT_EQ(Send(&s, &irp), STATUS_PENDING);
    KT_EXPECT_FALSE(IoCancelIrp(irp)); /* no cancel routine: only the flag */
    KT_EXPECT_TRUE(irp->Cancel);
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 2);
    KT_EXPECT_EQ(Seen[0].Id, 2);
    KT_EXPECT_EQ(Seen[1].Id, 0);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, more_processing_required_stops_until_completed_again)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[2]->StopCompletion = TRUE;
    KT_EXPECT_EQ(Send(&s, NULL), STATUS_SUCCESS);
    KT_ASSERT_EQ(SeenCount, 1); /* the middle's routine took it back */
    PIRP irp = s.Layer[2]->Stopped;
    KT_ASSERT_NOT_NULL(irp);
    KT_EXPECT_EQ(KeReadStateEvent(&OwnerDone), 0);
    /* It is at the middle's location again, its driver's to finish. */
    KT_EXPECT_EQ(IoGetCurrentIrpStackLocation(irp)->DeviceObject, s.Layer[2]->Self);
    s.Layer[2]->StopCompletion = FALSE;
    irp->IoStatus.Status = STATUS_DATA_ERROR;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
    KT_ASSERT_EQ(SeenCount, 3);
    KT_EXPECT_EQ(Seen[1].Id, 3);
    KT_EXPECT_EQ(Seen[2].Id, 0);
    KT_EXPECT_NE(KeReadStateEvent(&OwnerDone), 0);
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, completion_from_a_dpc_runs_routines_there)
{
    STACK s;
    KT_ASSERT_TRUE(BuildStack(&s));
    s.Layer[1]->Mode = PendFromDpc;
    for (ULONG p = 0; p < KeNumberProcessors; p++) {
        SeenCount = 0;
        KeClearEvent(&OwnerDone);
        KeSetTargetProcessorDpc(&s.Layer[1]->Dpc, (CCHAR)p);
        KT_EXPECT_EQ(Send(&s, NULL), STATUS_PENDING);
        if (!IoTestWait(&OwnerDone, 5000))
            break;
        KT_ASSERT_EQ(SeenCount, 3);
        for (ULONG i = 0; i < 3; i++) {
            KT_EXPECT_EQ(Seen[i].Irql, DISPATCH_LEVEL);
            KT_EXPECT_EQ(Seen[i].Processor, p);
            KT_EXPECT_TRUE(Seen[i].PendingReturned);
        }
    }
    IoTestUnloadDriver(s.Driver);
}

KTEST(io_irp, a_request_the_driver_does_not_handle_fails)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestNothing", NULL);
    KT_ASSERT_NOT_NULL(driver);
    PDEVICE_OBJECT device = IoTestAddDevice(driver, 0, NULL, NULL);
    KeInitializeEvent(&OwnerDone, NotificationEvent, FALSE);
    SeenCount = 0;
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_WRITE;
    IoSetCompletionRoutine(irp, OwnerCompletion, NULL, TRUE, TRUE, TRUE);
    KT_EXPECT_EQ(IoCallDriver(device, irp), STATUS_INVALID_DEVICE_REQUEST);
    KT_EXPECT_EQ(SeenCount, 1);
    IoTestUnloadDriver(driver);
}

/* ---- the rules, broken ------------------------------------------------------ */

/* The classic: two paths each believe they own the IRP. At DISPATCH_LEVEL
   the thread's completion APC cannot run (and free it) in between, so the
   second completion finds an IRP already past its top. */
static NTSTATUS CompletesTwice(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    KeLowerIrql(old);
    return STATUS_SUCCESS;
}

KTEST_DEATH(io_irp, completing_twice_is_multiple_irp_complete_requests,
            MULTIPLE_IRP_COMPLETE_REQUESTS, KT_ANY, KT_ANY, 0, 0)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestTwice", CompletesTwice);
    PDEVICE_OBJECT device = IoTestAddDevice(driver, 0, NULL, NULL);
    KEVENT event;
    IO_STATUS_BLOCK iosb;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    IoCallDriver(device,
                 IoBuildDeviceIoControlRequest(0, device, NULL, 0, NULL, 0, FALSE, &event, &iosb));
}

KTEST_DEATH(io_irp, too_few_stack_locations_is_no_more_irp_stack_locations,
            NO_MORE_IRP_STACK_LOCATIONS, KT_ANY, 0, 0, 0)
{
    /* An IRP sized for the device below the top, and a middle driver that
       passes it on without a location for the next driver (had it copied
       its location, it would have written before the first one). */
    STACK s;
    BuildStack(&s);
    s.Layer[2]->Pass = ForgetsLocation;
    PIRP irp = IoAllocateIrp(s.Layer[2]->Self->StackSize, FALSE);
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    IoCallDriver(s.Layer[3]->Self, irp);
}

KTEST_DEATH(io_irp, completing_above_dispatch_level, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x0E,
            CLOCK_LEVEL, KT_ANY, 0)
{
    STACK s;
    BuildStack(&s);
    s.Layer[1]->Mode = PendAndHold;
    Send(&s, NULL);
    KIRQL old;
    KeRaiseIrql(CLOCK_LEVEL, &old);
    IoCompleteRequest(s.Layer[1]->Held, IO_NO_INCREMENT);
}

static VOID NeverCalled(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(Irp);
}

KTEST_DEATH(io_irp, completing_a_cancelable_irp, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x07,
            (ULONG_PTR)NeverCalled, KT_ANY, 0)
{
    STACK s;
    BuildStack(&s);
    s.Layer[1]->Mode = PendAndHold;
    Send(&s, NULL);
    IoSetCancelRoutine(s.Layer[1]->Held, NeverCalled);
    IoCompleteRequest(s.Layer[1]->Held, IO_NO_INCREMENT);
}

KTEST_DEATH(io_irp, completing_with_status_pending, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x06,
            STATUS_PENDING, KT_ANY, 0)
{
    STACK s;
    BuildStack(&s);
    s.Layer[1]->Status = STATUS_PENDING;
    Send(&s, NULL);
}

KTEST_DEATH(io_irp, calling_a_driver_above_dispatch_level, DRIVER_VERIFIER_IOMANAGER_VIOLATION,
            0x10, SYNCH_LEVEL, 0, 0)
{
    STACK s;
    BuildStack(&s);
    PIRP irp = IoAllocateIrp(s.Layer[3]->Self->StackSize, FALSE);
    KIRQL old;
    KeRaiseIrql(SYNCH_LEVEL, &old);
    IoCallDriver(s.Layer[3]->Self, irp);
}

static NTSTATUS RaisesAndReturns(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(Irp);
    KeRaiseIrqlToDpcLevel(); /* and forgets to lower it */
    return STATUS_PENDING;
}

KTEST_DEATH(io_irp, a_dispatch_routine_that_changes_irql, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x05,
            KT_ANY, PASSIVE_LEVEL, DISPATCH_LEVEL)
{
    PDRIVER_OBJECT driver = IoTestLoadDriver(L"\\Driver\\IoTestRaises", RaisesAndReturns);
    PDEVICE_OBJECT device = IoTestAddDevice(driver, 0, NULL, NULL);
    PIRP irp = IoAllocateIrp(device->StackSize, FALSE);
    IoCallDriver(device, irp);
}

KTEST_DEATH(io_irp, a_drivers_own_irp_completed_past_its_top, INCONSISTENT_IRP, KT_ANY, 0, 0, 0)
{
    STACK s;
    BuildStack(&s);
    PIRP irp = IoAllocateIrp(s.Layer[3]->Self->StackSize, FALSE); /* no owner's routine */
    IoGetNextIrpStackLocation(irp)->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    IoCallDriver(s.Layer[3]->Self, irp);
}

KTEST_DEATH(io_irp, freeing_an_irp_twice, DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0x01, KT_ANY, 0, 0)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    IoFreeIrp(irp);
    IoFreeIrp(irp);
}
