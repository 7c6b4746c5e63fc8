/*
 * usbmon.c: the capture of every transfer, as Linux's usbmon records
 * them, brought out of the machine as a pcap file.
 *
 * Each transfer gives two records: 'S' when it is started (with the setup
 * packet of a control transfer, and the data of an OUT one) and 'C' when
 * it finishes (its status, the length moved, the data of an IN one), each
 * data part cut at USBP_MONITOR_SNAP bytes. lib/usbmon.c encodes them;
 * this file keeps them in a ring and a thread of its own writes the ring
 * out through the capture port: an I/O port where QEMU's isa-debugcon
 * device writes whatever it receives to a file (`make run PCAP=1` adds
 * it, and the file is build/usb.pcap). Capture starts at boot when the
 * port is there, so that the first enumeration is in the file; `usbmon
 * stop` and `usbmon start` pause and resume it. The records are made where the
 * transfers are, at up to DISPATCH_LEVEL; the slow part, one port write
 * per byte, waits for the thread.
 *
 * Nothing is lost silently: a record that does not fit in the ring is
 * counted as dropped (`usbmon status`), and never half-written, so the
 * file always parses.
 */
#include "usbp.h"
#include "usbmon.h"
#include "usbcore.h"

#define USBP_MONITOR_TAG      'nmsU'
#define USBP_MONITOR_PORT     ((PUCHAR)0x4A0)
#define USBP_MONITOR_READBACK 0xE9 /* what isa-debugcon answers a read with */
#define USBP_MONITOR_SNAP     4096 /* data bytes kept per record */
#define USBP_MONITOR_RING     (1024 * 1024)
#define USBP_MONITOR_CHUNK    (64 * 1024)

static KSPIN_LOCK UsbpMonitorLock;
static PUCHAR UsbpMonitorRing;              /* UsbpMonitorLock; from pool at the first start */
static ULONG UsbpMonitorHead;               /* UsbpMonitorLock: where the next record goes */
static ULONG UsbpMonitorUsed;               /* UsbpMonitorLock: bytes waiting for the thread */
static volatile BOOLEAN UsbpMonitorOn;      /* UsbpMonitorLock to change */
static ULONG64 UsbpMonitorRecords;          /* UsbpMonitorLock */
static ULONG64 UsbpMonitorDropped;          /* UsbpMonitorLock */
static ULONG64 UsbpMonitorAppended;         /* UsbpMonitorLock: bytes ever put in the ring */
static volatile ULONG64 UsbpMonitorWritten; /* the thread's: bytes out of the port */
static KEVENT UsbpMonitorProgress;          /* the thread wrote a chunk */
static KEVENT UsbpMonitorWork;              /* the ring has bytes */

/* Copies Length bytes in at the head. Lock held, room checked. */
static VOID UsbpMonitorPut(const VOID *Data, ULONG Length)
{
    const UCHAR *p = Data;
    while (Length > 0) {
        ULONG n = USBP_MONITOR_RING - UsbpMonitorHead;
        if (n > Length)
            n = Length;
        RtlCopyMemory(UsbpMonitorRing + UsbpMonitorHead, p, n);
        UsbpMonitorHead = (UsbpMonitorHead + n) % USBP_MONITOR_RING;
        UsbpMonitorUsed += n;
        UsbpMonitorAppended += n;
        p += n;
        Length -= n;
    }
}

/* One record (its header and Captured bytes of Data) whole, or dropped. */
static VOID UsbpMonitorAppend(const UCHAR Header[USBMON_RECORD_LENGTH], const VOID *Data,
                              ULONG Captured)
{
    KIRQL irql;
    KeAcquireSpinLock(&UsbpMonitorLock, &irql);
    BOOLEAN wake = FALSE;
    if (!UsbpMonitorOn) {
        /* stopped since the caller looked */
    } else if (USBP_MONITOR_RING - UsbpMonitorUsed < USBMON_RECORD_LENGTH + Captured) {
        UsbpMonitorDropped++;
    } else {
        wake = UsbpMonitorUsed == 0;
        UsbpMonitorPut(Header, USBMON_RECORD_LENGTH);
        UsbpMonitorPut(Data, Captured);
        UsbpMonitorRecords++;
    }
    KeReleaseSpinLock(&UsbpMonitorLock, irql);
    if (wake)
        KeSetEvent(&UsbpMonitorWork, IO_NO_INCREMENT, FALSE);
}

static UCHAR UsbpMonitorType(UCHAR EndpointType)
{
    switch (EndpointType) {
    case USB_ENDPOINT_TYPE_CONTROL:
        return USBMON_CONTROL;
    case USB_ENDPOINT_TYPE_INTERRUPT:
        return USBMON_INTERRUPT;
    case USB_ENDPOINT_TYPE_ISOCHRONOUS:
        return USBMON_ISOCHRONOUS;
    default:
        return USBMON_BULK;
    }
}

/* A USBD status as the errno Linux would have given the URB. */
static LONG UsbpMonitorStatus(USBD_STATUS Status)
{
    switch (Status) {
    case USBD_STATUS_SUCCESS:
        return 0;
    case USBD_STATUS_STALL_PID:
        return USBMON_STALL;
    case USBD_STATUS_CANCELED:
        return USBMON_CANCELLED;
    case USBD_STATUS_TIMEOUT:
        return USBMON_TIMEOUT;
    case USBD_STATUS_DEVICE_GONE:
        return USBMON_GONE;
    case USBD_STATUS_BABBLE_DETECTED:
    case USBD_STATUS_DATA_OVERRUN:
        return USBMON_OVERFLOW;
    case USBD_STATUS_ERROR_SHORT_TRANSFER:
        return USBMON_SHORT;
    default:
        return USBMON_PROTOCOL;
    }
}

static VOID UsbpMonitorRecord(PUSBP_TRANSFER Transfer, BOOLEAN Completion)
{
    const USBHC_TRANSFER *hc = &Transfer->Hc;
    LARGE_INTEGER frequency, ticks = KeQueryPerformanceCounter(&frequency);
    ULONG64 now = (ULONG64)ticks.QuadPart / ((ULONG64)frequency.QuadPart / 1000000); /* us */
    UCHAR header[USBMON_RECORD_LENGTH];

    if (!UsbpMonitorOn)
        return;
    USBMON_PACKET packet = {
        .Id = (ULONG64)(ULONG_PTR)Transfer,
        .Type = Completion ? 'C' : 'S',
        .TransferType = UsbpMonitorType(hc->EndpointType),
        .Endpoint = (UCHAR)((hc->EndpointAddress & 0x0F) | (hc->In ? 0x80 : 0)),
        .Device = Transfer->Device->Address,
        .Bus = (USHORT)(Transfer->Device->Controller->Number + 1),
        .HasSetup = !Completion && hc->EndpointType == USB_ENDPOINT_TYPE_CONTROL,
        .Status = Completion ? UsbpMonitorStatus(Transfer->Status) : USBMON_IN_PROGRESS,
        .Length = Completion ? Transfer->Actual : hc->Length,
        .Interval = hc->EndpointType == USB_ENDPOINT_TYPE_INTERRUPT ? Transfer->Pipe->Interval : 0,
        .Seconds = now / 1000000,
        .Microseconds = (ULONG)(now % 1000000),
    };
    if (packet.HasSetup)
        RtlCopyMemory(packet.Setup, hc->Setup, sizeof(packet.Setup));
    /* The data where it is meaningful: an OUT's on submission, an IN's
       on completion. */
    BOOLEAN data = hc->Buffer != NULL && (Completion ? hc->In : !hc->In);
    packet.CapturedLength = data ? packet.Length : 0;
    if (packet.CapturedLength > USBP_MONITOR_SNAP)
        packet.CapturedLength = USBP_MONITOR_SNAP;
    UsbmonEncodeRecord(header, &packet);
    UsbpMonitorAppend(header, hc->Buffer, packet.CapturedLength);
}

VOID UsbpMonitorSubmit(PUSBP_TRANSFER Transfer)
{
    UsbpMonitorRecord(Transfer, FALSE);
}

VOID UsbpMonitorComplete(PUSBP_TRANSFER Transfer)
{
    UsbpMonitorRecord(Transfer, TRUE);
}

/* Writes the ring out, in chunks copied under the lock and written
   without it. */
static VOID UsbpMonitorThread(PVOID Context)
{
    PUCHAR chunk = Context;
    for (;;) {
        KIRQL irql;
        KeWaitForSingleObject(&UsbpMonitorWork, Executive, KernelMode, FALSE, NULL);
        for (;;) {
            KeAcquireSpinLock(&UsbpMonitorLock, &irql);
            ULONG tail =
                (UsbpMonitorHead + USBP_MONITOR_RING - UsbpMonitorUsed) % USBP_MONITOR_RING;
            ULONG n = UsbpMonitorUsed;
            if (n > USBP_MONITOR_RING - tail)
                n = USBP_MONITOR_RING - tail;
            if (n > USBP_MONITOR_CHUNK)
                n = USBP_MONITOR_CHUNK;
            RtlCopyMemory(chunk, UsbpMonitorRing + tail, n);
            UsbpMonitorUsed -= n;
            KeReleaseSpinLock(&UsbpMonitorLock, irql);
            if (n == 0)
                break;
            WRITE_PORT_BUFFER_UCHAR(USBP_MONITOR_PORT, chunk, n);
            UsbpMonitorWritten += n;
            KeSetEvent(&UsbpMonitorProgress, IO_NO_INCREMENT, FALSE);
        }
    }
}

/* Is QEMU's isa-debugcon at the capture port? It answers reads with its
   readback value; a port nobody decodes reads as 0xFF. */
static BOOLEAN UsbpMonitorPortPresent(VOID)
{
    return READ_PORT_UCHAR(USBP_MONITOR_PORT) == USBP_MONITOR_READBACK;
}

/* The first start: the ring, the thread, the pcap file header. */
static NTSTATUS UsbpMonitorPrepare(VOID)
{
    HANDLE thread;
    KIRQL irql;
    UCHAR header[USBMON_FILE_HEADER_LENGTH];

    if (UsbpMonitorRing != NULL)
        return STATUS_SUCCESS;
    PUCHAR ring = ExAllocatePoolWithTag(NonPagedPool, USBP_MONITOR_RING, USBP_MONITOR_TAG);
    PUCHAR chunk = ExAllocatePoolWithTag(NonPagedPool, USBP_MONITOR_CHUNK, USBP_MONITOR_TAG);
    if (ring == NULL || chunk == NULL ||
        !NT_SUCCESS(PsCreateSystemThread(&thread, 0, NULL, NULL, NULL, UsbpMonitorThread, chunk))) {
        if (ring != NULL)
            ExFreePoolWithTag(ring, USBP_MONITOR_TAG);
        if (chunk != NULL)
            ExFreePoolWithTag(chunk, USBP_MONITOR_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    ZwClose(thread);
    UsbmonEncodeFileHeader(header, USBMON_RECORD_LENGTH + USBP_MONITOR_SNAP);
    KeAcquireSpinLock(&UsbpMonitorLock, &irql);
    UsbpMonitorRing = ring;
    UsbpMonitorPut(header, sizeof(header));
    KeReleaseSpinLock(&UsbpMonitorLock, irql);
    KeSetEvent(&UsbpMonitorWork, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static NTSTATUS UsbpMonitorStart(VOID)
{
    KIRQL irql;
    if (!UsbpMonitorPortPresent())
        return STATUS_NO_SUCH_DEVICE;
    NTSTATUS status = UsbpMonitorPrepare();
    if (!NT_SUCCESS(status))
        return status;
    KeAcquireSpinLock(&UsbpMonitorLock, &irql);
    UsbpMonitorOn = TRUE;
    KeReleaseSpinLock(&UsbpMonitorLock, irql);
    return STATUS_SUCCESS;
}

VOID UsbpMonitorInitialize(VOID)
{
    KeInitializeSpinLock(&UsbpMonitorLock);
    KeInitializeEvent(&UsbpMonitorWork, SynchronizationEvent, FALSE);
    KeInitializeEvent(&UsbpMonitorProgress, SynchronizationEvent, FALSE);
    if (UsbpMonitorPortPresent() && NT_SUCCESS(UsbpMonitorStart()))
        DbgPrint("usbmon: capturing USB transfers to the capture port (0x4a0)\n");
}

VOID UsbFlushCapture(VOID)
{
    KIRQL irql;
    ASSERT(KeGetCurrentIrql() == PASSIVE_LEVEL);
    KeAcquireSpinLock(&UsbpMonitorLock, &irql);
    ULONG64 target = UsbpMonitorAppended;
    KeReleaseSpinLock(&UsbpMonitorLock, irql);
    while (UsbpMonitorWritten < target) {
        LARGE_INTEGER poll = {.QuadPart = -10 * 10000}; /* a chunk may have gone meanwhile */
        KeWaitForSingleObject(&UsbpMonitorProgress, Executive, KernelMode, FALSE, &poll);
    }
}

static VOID UsbpMonitorCommand(ULONG Argc, PCSTR Argv[])
{
    KIRQL irql;
    if (Argc == 2 && strcmp(Argv[1], "start") == 0) {
        NTSTATUS status = UsbpMonitorStart();
        if (status == STATUS_NO_SUCH_DEVICE)
            DbgPrint("usbmon: no capture port at 0x4a0 (make run PCAP=1 adds QEMU's "
                     "isa-debugcon there)\n");
        else if (!NT_SUCCESS(status))
            DbgPrint("usbmon: cannot start: 0x%08X\n", (ULONG)status);
        else
            DbgPrint("usbmon: capturing\n");
        return;
    }
    if (Argc == 2 && strcmp(Argv[1], "stop") == 0) {
        KeAcquireSpinLock(&UsbpMonitorLock, &irql);
        UsbpMonitorOn = FALSE;
        KeReleaseSpinLock(&UsbpMonitorLock, irql);
        DbgPrint("usbmon: stopped\n");
        return;
    }
    if (Argc == 1 || (Argc == 2 && strcmp(Argv[1], "status") == 0)) {
        KeAcquireSpinLock(&UsbpMonitorLock, &irql);
        BOOLEAN on = UsbpMonitorOn;
        ULONG64 records = UsbpMonitorRecords, dropped = UsbpMonitorDropped;
        ULONG waiting = UsbpMonitorUsed;
        KeReleaseSpinLock(&UsbpMonitorLock, irql);
        DbgPrint("usbmon: %s, %llu records, %llu dropped, %u bytes waiting, %llu written\n",
                 on ? "capturing" : "stopped", (unsigned long long)records,
                 (unsigned long long)dropped, waiting, (unsigned long long)UsbpMonitorWritten);
        return;
    }
    DbgPrint("usage: usbmon [start|stop|status]\n");
}

KD_COMMAND(usbmon, "[start|stop|status]", "capture USB transfers (usbmon pcap, port 0x4a0)",
           UsbpMonitorCommand);
