/*
 * pnp.c: the Plug and Play manager, the part of NT that finds devices and
 * hands them to drivers.
 *
 * The machine is a tree of devices. Each is a PDO (physical device
 * object) that its parent's bus driver reported, with a device node
 * saying what became of it. The PnP manager works in one thread of its
 * own, at PASSIVE_LEVEL, because everything it does waits: it sends PnP
 * IRPs down device stacks and waits for them, as NT's does.
 *
 * When a bus driver says its children changed (IoInvalidateDeviceRelations,
 * from any IRQL up to DISPATCH_LEVEL), its node is queued and the thread:
 *   1. asks the bus for its children (IRP_MN_QUERY_DEVICE_RELATIONS,
 *      BusRelations) and compares them with the nodes it has;
 *   2. removes the children that are gone: their own children first, then
 *      IRP_MN_SURPRISE_REMOVAL (if started) and IRP_MN_REMOVE_DEVICE;
 *   3. for each new child: asks its IDs (IRP_MN_QUERY_ID), finds the
 *      driver that declares one of them (KELAB_PNP_DRIVER, the INF's
 *      role), loads it if needed, calls its AddDevice with the PDO, asks
 *      what resources the device needs (IRP_MN_QUERY_RESOURCE_REQUIREMENTS),
 *      grants them (pnpres.c) and starts the stack (IRP_MN_START_DEVICE);
 *      then asks the new device for its own children.
 *
 * Every PnP IRP starts with STATUS_NOT_SUPPORTED in its status, so that a
 * driver that handles nothing passes it down untouched, as NT requires.
 */
#include "iop.h"
#include "ob.h"
#include "ps.h"

#define IOP_PNP_TAG ' PnP'

KSPIN_LOCK IopPnpLock;
PIOP_DEVICE_NODE IopRootNode;
static LIST_ENTRY IopPnpQueue = {&IopPnpQueue, &IopPnpQueue}; /* IopPnpLock */
static KEVENT IopPnpWork;                                     /* a node was queued */
static ULONG IopPnpActivity; /* IopPnpLock: nodes queued or being looked at, and other work */
static KEVENT IopPnpIdle;    /* signalled while IopPnpActivity is 0 */

VOID IoBeginPnpActivity(VOID)
{
    KIRQL irql;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    if (IopPnpActivity++ == 0)
        KeClearEvent(&IopPnpIdle);
    KeReleaseSpinLock(&IopPnpLock, irql);
}

VOID IoEndPnpActivity(VOID)
{
    KIRQL irql;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    if (--IopPnpActivity == 0)
        KeSetEvent(&IopPnpIdle, IO_NO_INCREMENT, FALSE);
    KeReleaseSpinLock(&IopPnpLock, irql);
}

VOID IoWaitForPnpIdle(VOID)
{
    KeWaitForSingleObject(&IopPnpIdle, Executive, KernelMode, FALSE, NULL);
}

PIOP_DEVICE_NODE IopDeviceNode(PDEVICE_OBJECT Pdo)
{
    return IopDeviceExtension(Pdo)->DeviceNode;
}

VOID IopIdToAscii(PCWSTR Id, PSTR Buffer, SIZE_T cbBuffer)
{
    SIZE_T n = 0;
    for (; Id != NULL && Id[n] != 0 && n + 1 < cbBuffer; n++)
        Buffer[n] = Id[n] < 0x80 ? (CHAR)Id[n] : '?';
    if (cbBuffer > 0)
        Buffer[n] = 0;
}

PWSTR IoBuildIdList(const CHAR Ids[][IO_MAX_ID], ULONG Count)
{
    SIZE_T chars = 1;
    for (ULONG i = 0; i < Count; i++)
        chars += strlen(Ids[i]) + 1;
    PWSTR list = ExAllocatePoolWithTag(NonPagedPool, chars * sizeof(WCHAR), IOP_PNP_TAG);
    if (list == NULL)
        return NULL;
    PWSTR p = list;
    for (ULONG i = 0; i < Count; i++) {
        for (PCSTR c = Ids[i]; *c != 0; c++)
            *p++ = (WCHAR)(UCHAR)*c;
        *p++ = 0;
    }
    *p = 0;
    return list;
}

static NTSTATUS IopPnpIrpDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the PnP manager frees it */
}

NTSTATUS IopSendPnpIrp(PDEVICE_OBJECT Pdo, UCHAR Minor, const IO_STACK_LOCATION *Parameters,
                       PULONG_PTR Information)
{
    PDEVICE_OBJECT top = IoGetAttachedDeviceReference(Pdo);
    PIRP irp = IoAllocateIrp(top->StackSize, FALSE);
    KEVENT done;

    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    if (irp == NULL) {
        ObDereferenceObject(top);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    irp->IoStatus.Information = 0;
    PIO_STACK_LOCATION stack = IoGetNextIrpStackLocation(irp);
    if (Parameters != NULL)
        stack->Parameters = Parameters->Parameters;
    stack->MajorFunction = IRP_MJ_PNP;
    stack->MinorFunction = Minor;
    IoSetCompletionRoutine(irp, IopPnpIrpDone, &done, TRUE, TRUE, TRUE);
    if (IoCallDriver(top, irp) == STATUS_PENDING)
        KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL);
    NTSTATUS status = irp->IoStatus.Status;
    if (Information != NULL)
        *Information = NT_SUCCESS(status) ? irp->IoStatus.Information : 0;
    IoFreeIrp(irp);
    ObDereferenceObject(top);
    return status;
}

/* An ID (or a list of them) the device gives, copied from its answer. */
static PWSTR IopQueryId(PDEVICE_OBJECT Pdo, BUS_QUERY_ID_TYPE Type)
{
    IO_STACK_LOCATION parameters = {.Parameters.QueryId.IdType = Type};
    ULONG_PTR answer;
    if (!NT_SUCCESS(IopSendPnpIrp(Pdo, IRP_MN_QUERY_ID, &parameters, &answer)))
        return NULL;
    return (PWSTR)answer; /* from pool: the node keeps it */
}

static SIZE_T IopIdLength(PCWSTR Id)
{
    SIZE_T n = 0;
    while (Id[n] != 0)
        n++;
    return n;
}

static VOID IopQueueNode(PIOP_DEVICE_NODE Node)
{
    KIRQL irql;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    if (!Node->Queued && Node->State != IopNodeRemoved) {
        Node->Queued = TRUE;
        InsertTailList(&IopPnpQueue, &Node->QueueEntry);
        if (IopPnpActivity++ == 0) /* until the thread has looked at it */
            KeClearEvent(&IopPnpIdle);
    }
    KeReleaseSpinLock(&IopPnpLock, irql);
    KeSetEvent(&IopPnpWork, IO_NO_INCREMENT, FALSE);
}

/* A device that is not a PDO the PnP manager knows has no relations to
   invalidate: NT stops with PNP_DETECTED_FATAL_ERROR 0x2 (an API that
   wants a PDO was given something else). */
VOID IoInvalidateDeviceRelations(PDEVICE_OBJECT DeviceObject, DEVICE_RELATION_TYPE Type)
{
    PIOP_DEVICE_NODE node = IopDeviceNode(DeviceObject);
    if (node == NULL)
        KeBugCheckEx(PNP_DETECTED_FATAL_ERROR, 0x2, (ULONG_PTR)DeviceObject, 0, 0);
    if (Type == BusRelations)
        IopQueueNode(node);
}

static VOID IopSetState(PIOP_DEVICE_NODE Node, IOP_NODE_STATE State, NTSTATUS Problem)
{
    KIRQL irql;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    Node->State = State;
    Node->Problem = Problem;
    KeReleaseSpinLock(&IopPnpLock, irql);
}

/* The driver for the node: the first of its hardware IDs, then of its
   compatible IDs, that a driver declares (Windows ranks them so). */
static PDRIVER_OBJECT IopFindDriver(PIOP_DEVICE_NODE Node, NTSTATUS *Status)
{
    PWSTR lists[2] = {Node->HardwareIds, Node->CompatibleIds};
    *Status = STATUS_NOT_FOUND;
    for (ULONG l = 0; l < 2; l++) {
        for (PWSTR id = lists[l]; id != NULL && *id != 0; id += IopIdLength(id) + 1) {
            PDRIVER_OBJECT driver = IopLoadPnpDriver(id, Status);
            if (driver != NULL || *Status != STATUS_NOT_FOUND)
                return driver;
        }
    }
    return NULL;
}

static VOID IopReport(PIOP_DEVICE_NODE Node, PCSTR What, NTSTATUS Status)
{
    CHAR id[80];
    IopIdToAscii(Node->DeviceId ? Node->DeviceId : L"(no ID)", id, sizeof(id));
    DbgPrint("PnP: %s %s (0x%08X)\n", id, What, (ULONG)Status);
}

/* A new device: IDs, driver, AddDevice, resources, start. */
static VOID IopStartNode(PIOP_DEVICE_NODE Node)
{
    NTSTATUS status;
    ULONG_PTR answer;

    Node->DeviceId = IopQueryId(Node->Pdo, BusQueryDeviceID);
    Node->InstanceId = IopQueryId(Node->Pdo, BusQueryInstanceID);
    Node->HardwareIds = IopQueryId(Node->Pdo, BusQueryHardwareIDs);
    Node->CompatibleIds = IopQueryId(Node->Pdo, BusQueryCompatibleIDs);

    Node->Driver = IopFindDriver(Node, &status);
    if (Node->Driver == NULL) {
        if (status == STATUS_NOT_FOUND) {
            IopSetState(Node, IopNodeNoDriver, status); /* listed as such, not an error */
        } else {
            IopReport(Node, "driver did not load", status);
            IopSetState(Node, IopNodeFailed, status);
        }
        return;
    }
    status = Node->Driver->DriverExtension->AddDevice != NULL
                 ? Node->Driver->DriverExtension->AddDevice(Node->Driver, Node->Pdo)
                 : STATUS_INVALID_DEVICE_REQUEST;
    if (!NT_SUCCESS(status)) {
        IopReport(Node, "AddDevice failed", status);
        IopSetState(Node, IopNodeFailed, status);
        return;
    }

    status = IopSendPnpIrp(Node->Pdo, IRP_MN_QUERY_RESOURCE_REQUIREMENTS, NULL, &answer);
    PIO_RESOURCE_REQUIREMENTS_LIST requirements =
        NT_SUCCESS(status) ? (PIO_RESOURCE_REQUIREMENTS_LIST)answer : NULL;
    status = IopAssignResources(Node, requirements);
    if (requirements != NULL)
        ExFreePool(requirements);
    if (NT_SUCCESS(status)) {
        IO_STACK_LOCATION start = {.Parameters.StartDevice = {Node->Raw, Node->Translated}};
        status = IopSendPnpIrp(Node->Pdo, IRP_MN_START_DEVICE, &start, NULL);
    }
    if (!NT_SUCCESS(status)) {
        /* The drivers undo what AddDevice did; the node stays, failed. */
        IopReport(Node, "did not start", status);
        IopSendPnpIrp(Node->Pdo, IRP_MN_REMOVE_DEVICE, NULL, NULL);
        IopReleaseResources(Node);
        IopSetState(Node, IopNodeFailed, status);
        return;
    }
    IopSetState(Node, IopNodeStarted, STATUS_SUCCESS);
    IopQueueNode(Node); /* its own children, if it is a bus */
}

static PIOP_DEVICE_NODE IopCreateNode(PIOP_DEVICE_NODE Parent, PDEVICE_OBJECT Pdo)
{
    PIOP_DEVICE_NODE node = ExAllocatePoolWithTag(NonPagedPool, sizeof(*node), IOP_PNP_TAG);
    KIRQL irql;
    if (node == NULL)
        return NULL;
    RtlZeroMemory(node, sizeof(*node));
    node->Pdo = Pdo; /* the reference the bus driver gave with it */
    node->Parent = Parent;
    node->State = IopNodeNew;
    node->Reported = TRUE;
    InitializeListHead(&node->Children);
    Pdo->Flags |= DO_BUS_ENUMERATED_DEVICE;
    IopDeviceExtension(Pdo)->DeviceNode = node;
    KeAcquireSpinLock(&IopPnpLock, &irql);
    if (Parent != NULL)
        InsertTailList(&Parent->Children, &node->SiblingEntry);
    KeReleaseSpinLock(&IopPnpLock, irql);
    return node;
}

/* Removes Node and its subtree: children first; SURPRISE_REMOVAL if the
   device is gone while started, then REMOVE_DEVICE; the node freed. */
static VOID IopRemoveNode(PIOP_DEVICE_NODE Node, BOOLEAN Surprise)
{
    KIRQL irql;
    while (!IsListEmpty(&Node->Children))
        IopRemoveNode(CONTAINING_RECORD(Node->Children.Flink, IOP_DEVICE_NODE, SiblingEntry),
                      Surprise);
    if (Surprise && Node->State == IopNodeStarted)
        IopSendPnpIrp(Node->Pdo, IRP_MN_SURPRISE_REMOVAL, NULL, NULL);
    IopSendPnpIrp(Node->Pdo, IRP_MN_REMOVE_DEVICE, NULL, NULL);
    IopReleaseResources(Node);

    KeAcquireSpinLock(&IopPnpLock, &irql);
    Node->State = IopNodeRemoved;
    if (Node->Parent != NULL)
        RemoveEntryList(&Node->SiblingEntry);
    BOOLEAN queued = Node->Queued;
    if (queued)
        RemoveEntryList(&Node->QueueEntry);
    Node->Queued = FALSE;
    KeReleaseSpinLock(&IopPnpLock, irql);
    if (queued)
        IoEndPnpActivity();

    IopDeviceExtension(Node->Pdo)->DeviceNode = NULL;
    ObDereferenceObject(Node->Pdo);
    if (Node->Driver != NULL)
        ObDereferenceObject(Node->Driver);
    PWSTR strings[] = {Node->DeviceId, Node->InstanceId, Node->HardwareIds, Node->CompatibleIds};
    for (ULONG i = 0; i < ARRAYSIZE(strings); i++) {
        if (strings[i] != NULL)
            ExFreePool(strings[i]);
    }
    ExFreePoolWithTag(Node, IOP_PNP_TAG);
}

static PIOP_DEVICE_NODE IopFindChild(PIOP_DEVICE_NODE Parent, PDEVICE_OBJECT Pdo)
{
    for (PLIST_ENTRY e = Parent->Children.Flink; e != &Parent->Children; e = e->Flink) {
        PIOP_DEVICE_NODE child = CONTAINING_RECORD(e, IOP_DEVICE_NODE, SiblingEntry);
        if (child->Pdo == Pdo)
            return child;
    }
    return NULL;
}

/* Steps 1 to 3 for one node. */
static VOID IopEnumerateNode(PIOP_DEVICE_NODE Node)
{
    IO_STACK_LOCATION query = {.Parameters.QueryDeviceRelations.Type = BusRelations};
    ULONG_PTR answer;
    NTSTATUS status = IopSendPnpIrp(Node->Pdo, IRP_MN_QUERY_DEVICE_RELATIONS, &query, &answer);
    PDEVICE_RELATIONS relations = NT_SUCCESS(status) ? (PDEVICE_RELATIONS)answer : NULL;

    if (!NT_SUCCESS(status) && status != STATUS_NOT_SUPPORTED)
        return; /* the bus failed to say: keep what we know */
    for (PLIST_ENTRY e = Node->Children.Flink; e != &Node->Children; e = e->Flink)
        CONTAINING_RECORD(e, IOP_DEVICE_NODE, SiblingEntry)->Reported = FALSE;
    for (ULONG i = 0; relations != NULL && i < relations->Count; i++) {
        PIOP_DEVICE_NODE child = IopFindChild(Node, relations->Objects[i]);
        if (child != NULL) {
            child->Reported = TRUE;
            ObDereferenceObject(relations->Objects[i]); /* we hold one already */
        } else if (IopCreateNode(Node, relations->Objects[i]) == NULL) {
            ObDereferenceObject(relations->Objects[i]);
        }
    }
    if (relations != NULL)
        ExFreePool(relations);

    PLIST_ENTRY e = Node->Children.Flink;
    while (e != &Node->Children) {
        PIOP_DEVICE_NODE child = CONTAINING_RECORD(e, IOP_DEVICE_NODE, SiblingEntry);
        e = e->Flink;
        if (!child->Reported)
            IopRemoveNode(child, TRUE);
    }
    for (e = Node->Children.Flink; e != &Node->Children; e = e->Flink) {
        PIOP_DEVICE_NODE child = CONTAINING_RECORD(e, IOP_DEVICE_NODE, SiblingEntry);
        if (child->State == IopNodeNew)
            IopStartNode(child);
    }
}

static VOID IopPnpThread(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (;;) {
        KeWaitForSingleObject(&IopPnpWork, Executive, KernelMode, FALSE, NULL);
        for (;;) {
            KIRQL irql;
            PIOP_DEVICE_NODE node = NULL;
            KeAcquireSpinLock(&IopPnpLock, &irql);
            if (!IsListEmpty(&IopPnpQueue)) {
                node = CONTAINING_RECORD(RemoveHeadList(&IopPnpQueue), IOP_DEVICE_NODE, QueueEntry);
                node->Queued = FALSE;
            }
            KeReleaseSpinLock(&IopPnpLock, irql);
            if (node == NULL)
                break;
            IopEnumerateNode(node);
            IoEndPnpActivity(); /* the one its queueing began */
        }
    }
}

/* The tree's root, its thread, and the first enumeration. */
VOID IopInitializePnp(VOID)
{
    PDEVICE_OBJECT root;
    HANDLE thread;

    KeLabNameSpinLock(&IopPnpLock, "IoPnp");
    KeInitializeEvent(&IopPnpWork, SynchronizationEvent, FALSE);
    KeInitializeEvent(&IopPnpIdle, NotificationEvent, TRUE);
    if (!NT_SUCCESS(IopCreateRootDevice(&root))) {
        DbgPrint("PnP: no root device; no Plug and Play\n");
        return;
    }
    IopRootNode = IopCreateNode(NULL, root);
    if (IopRootNode == NULL)
        return;
    IopRootNode->State = IopNodeStarted;
    if (!NT_SUCCESS(PsCreateSystemThread(&thread, 0, NULL, NULL, NULL, IopPnpThread, NULL))) {
        DbgPrint("PnP: no thread; no Plug and Play\n");
        return;
    }
    ZwClose(thread);
    IopQueueNode(IopRootNode);
}
