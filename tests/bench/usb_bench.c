/*
 * usb_bench.c: the USB stack measured through the core, with the HSI
 * dongle in loopback (`make bench` starts it with --speed 10000000, so
 * that the simulated wire is not what is measured).
 *
 * The rows are the ones Linux's figures for the same dongle were taken
 * with (issue 14: Linux 6.1's xHCI driver and usbfs in the same QEMU):
 *   usb.control_rtt          GET_INFO, a vendor control IN of 16 bytes
 *   usb.bulk8_rtt            an 8-byte message out and back in loopback
 *   usb.bulk_<size>_x<n>     messages of 4 KiB, 64 KiB or 1 MiB streamed
 *                            out and back with n transfers in flight each
 *                            way: MB/s, and interrupts and DPCs per transfer
 * Every transfer is a URB in an IRP sent down \Driver\UsbTest's stack, as
 * a function driver's would be.
 */
#include "kbench.h"
#include "ktest.h"
#include "usb_testlib.h"
#include "usbcore.h"
#include "hal.h"

#define RTT_SAMPLES 200
#define MAX_FLIGHT  8

static PUSB_TEST_DEVICE KbOpenDongle(VOID)
{
    PUSB_TEST_DEVICE d = UsbTestOpen(10000);
    if (d == NULL) {
        DbgPrint("# bench: usb: no HSI dongle (make bench attaches one)\n");
        return NULL;
    }
    if (!UsbTestHsiBringUp(d)) {
        DbgPrint("# bench: usb: the dongle's bring-up failed\n");
        UsbTestClose(d);
        return NULL;
    }
    return d;
}

KBENCH(usb_control_rtt)
{
    static ULONG64 samples[RTT_SAMPLES];
    UCHAR info[HSI_INFO_SIZE];
    PUSB_TEST_DEVICE d = KbOpenDongle();
    if (d == NULL)
        return;
    for (ULONG i = 0; i < RTT_SAMPLES; i++) {
        ULONG64 start = KbNow();
        UsbTestVendor(d, TRUE, HSI_REQ_GET_INFO, 0, 0, info, sizeof(info), NULL);
        samples[i] = KbNow() - start;
    }
    KbReport("usb.control_rtt", samples, RTT_SAMPLES, 1);
    UsbTestClose(d);
}

KBENCH(usb_bulk8_rtt)
{
    static ULONG64 samples[RTT_SAMPLES];
    static UCHAR in[HSI_MAX_XFER], out[HSI_MSG_HDR_SIZE + 8];
    USB_TEST_REQUEST r, w;
    PUSB_TEST_DEVICE d = KbOpenDongle();
    if (d == NULL)
        return;
    for (ULONG i = 0; i < RTT_SAMPLES; i++) {
        UsbTestBuildTransfer(&r, &d->BulkIn, in, sizeof(in));
        UsbTestStart(d, &r); /* waiting before the clock starts, as a reader would be */
        struct hsi_msg_hdr h = {
            .channel = 0, .flags = HSI_MSG_LAST, .seq = d->TxSeq++, .length = 8};
        hsi_msg_hdr_put(out, &h);
        ULONG64 start = KbNow();
        UsbTestBuildTransfer(&w, &d->BulkOut, out, sizeof(out));
        UsbTestSubmit(d, &w);
        UsbTestWait(&r, 10000);
        samples[i] = KbNow() - start;
        d->RxSeq++;
    }
    KbReport("usb.bulk8_rtt", samples, RTT_SAMPLES, 1);
    UsbTestClose(d);
}

/* One stream: Messages messages of Size bytes out, all of them back, with
   InFlight transfers queued each way. */
typedef struct _KB_STREAM {
    PUSB_TEST_DEVICE Device;
    ULONG Size, InFlight;
    ULONG64 Total, Received;
    ULONG64 Transfers;
    ULONG MessageOffset; /* how much of the current message is sent */
    USB_TEST_REQUEST Out[MAX_FLIGHT], In[MAX_FLIGHT];
    PUCHAR OutBuffer[MAX_FLIGHT], InBuffer[MAX_FLIGHT];
    ULONG OutHead, OutCount, InHead;
} KB_STREAM;

static KB_STREAM Stream;

/* The next fragment of the stream into OUT slot Slot, sent; returns its
   payload bytes. */
static ULONG KbSendNext(KB_STREAM *S, ULONG Slot)
{
    ULONG n = S->Size - S->MessageOffset;
    if (n > HSI_MAX_FRAG_PAYLOAD)
        n = HSI_MAX_FRAG_PAYLOAD;
    struct hsi_msg_hdr h = {.channel = 0,
                            .flags = S->MessageOffset + n == S->Size ? HSI_MSG_LAST : 0,
                            .seq = S->Device->TxSeq++,
                            .length = n};
    hsi_msg_hdr_put(S->OutBuffer[Slot], &h);
    S->MessageOffset = h.flags & HSI_MSG_LAST ? 0 : S->MessageOffset + n;
    UsbTestBuildTransfer(&S->Out[Slot], &S->Device->BulkOut, S->OutBuffer[Slot],
                         HSI_MSG_HDR_SIZE + n);
    UsbTestStart(S->Device, &S->Out[Slot]);
    return n;
}

/* Payload bytes in a completed bulk IN. */
static ULONG KbPayload(PUSB_TEST_REQUEST R, PUCHAR Buffer)
{
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *payload;
    ULONG bytes = 0;
    hsi_xfer_init(&it, Buffer, R->Urb.UrbBulkOrInterruptTransfer.TransferBufferLength, 1);
    while (hsi_xfer_next(&it, &h, &payload))
        bytes += h.length;
    return bytes;
}

static BOOLEAN KbRunStream(KB_STREAM *S)
{
    ULONG64 sent = 0;
    for (ULONG i = 0; i < S->InFlight; i++) {
        UsbTestBuildTransfer(&S->In[i], &S->Device->BulkIn, S->InBuffer[i], HSI_MAX_XFER);
        UsbTestStart(S->Device, &S->In[i]);
    }
    while (S->Received < S->Total) {
        /* Keep InFlight transfers going out while there is more to send. */
        while (S->OutCount < S->InFlight && sent < S->Total) {
            sent += KbSendNext(S, (S->OutHead + S->OutCount) % S->InFlight);
            S->OutCount++;
        }
        /* The oldest IN, then every OUT that is done. */
        PUSB_TEST_REQUEST in = &S->In[S->InHead];
        if (!UsbTestWait(in, 10000) || !NT_SUCCESS(in->Status))
            return FALSE;
        S->Received += KbPayload(in, S->InBuffer[S->InHead]);
        S->Transfers++;
        UsbTestBuildTransfer(in, &S->Device->BulkIn, S->InBuffer[S->InHead], HSI_MAX_XFER);
        UsbTestStart(S->Device, in);
        S->InHead = (S->InHead + 1) % S->InFlight;
        while (S->OutCount > 0 && KeReadStateEvent(&S->Out[S->OutHead].Done)) {
            UsbTestWait(&S->Out[S->OutHead], 0);
            S->Transfers++;
            S->OutHead = (S->OutHead + 1) % S->InFlight;
            S->OutCount--;
        }
    }
    return TRUE;
}

/* Ends what is still queued: the OUTs have finished (everything came
   back), the INs are waiting for data that will not come. */
static VOID KbEndStream(KB_STREAM *S)
{
    for (; S->OutCount > 0; S->OutCount--, S->OutHead = (S->OutHead + 1) % S->InFlight)
        UsbTestWait(&S->Out[S->OutHead], 10000);
    for (ULONG i = 0; i < S->InFlight; i++) {
        if (S->In[i].Irp != NULL) {
            IoCancelIrp(S->In[i].Irp);
            UsbTestWait(&S->In[i], 10000);
        }
    }
}

static VOID KbThroughput(PUSB_TEST_DEVICE Device, ULONG Size, ULONG InFlight, ULONG64 Total)
{
    KB_STREAM *S = &Stream;
    CHAR metric[48];
    USBHC_COUNTERS before, after;

    RtlZeroMemory(S, sizeof(*S));
    S->Device = Device;
    S->Size = Size;
    S->InFlight = InFlight;
    S->Total = Total;
    BOOLEAN ok = TRUE;
    for (ULONG i = 0; i < InFlight && ok; i++) {
        S->OutBuffer[i] = ExAllocatePoolWithTag(NonPagedPool, HSI_MAX_XFER, USB_TEST_TAG);
        S->InBuffer[i] = ExAllocatePoolWithTag(NonPagedPool, HSI_MAX_XFER, USB_TEST_TAG);
        ok = S->OutBuffer[i] != NULL && S->InBuffer[i] != NULL;
        if (ok)
            RtlFillMemory(S->OutBuffer[i], HSI_MAX_XFER, 0x5A);
    }
    UsbQueryControllerCounters(1, &before);
    ULONG64 start = KbNow();
    ok = ok && KbRunStream(S);
    ULONG64 cycles = KbNow() - start;
    UsbQueryControllerCounters(1, &after);
    KbEndStream(S);
    for (ULONG i = 0; i < InFlight; i++) {
        if (S->OutBuffer[i] != NULL)
            ExFreePoolWithTag(S->OutBuffer[i], USB_TEST_TAG);
        if (S->InBuffer[i] != NULL)
            ExFreePoolWithTag(S->InBuffer[i], USB_TEST_TAG);
    }
    if (!ok) {
        DbgPrint("# bench: usb: the %u-byte stream with %u in flight failed\n", Size, InFlight);
        return;
    }
    ULONG64 ns = cycles * 1000000000ull / HalQueryTscFrequency();
    RtlStringCbPrintfA(metric, sizeof(metric), "usb.bulk_%uK_x%u", Size / 1024, InFlight);
    KbReportValue(metric, S->Received * 1000 / (ns ? ns : 1), "MB/s");
    RtlStringCbPrintfA(metric, sizeof(metric), "usb.bulk_%uK_x%u.irq_per_xfer_x100", Size / 1024,
                       InFlight);
    KbReportValue(metric, (after.Interrupts - before.Interrupts) * 100 / S->Transfers, "count");
    RtlStringCbPrintfA(metric, sizeof(metric), "usb.bulk_%uK_x%u.dpc_per_xfer_x100", Size / 1024,
                       InFlight);
    KbReportValue(metric, (after.Dpcs - before.Dpcs) * 100 / S->Transfers, "count");
}

KBENCH(usb_bulk_throughput)
{
    static const ULONG sizes[] = {4 * 1024, 64 * 1024, 1024 * 1024};
    static const ULONG flights[] = {1, 8};
    PUSB_TEST_DEVICE d = KbOpenDongle();
    if (d == NULL)
        return;
    for (ULONG s = 0; s < ARRAYSIZE(sizes); s++) {
        for (ULONG f = 0; f < ARRAYSIZE(flights); f++)
            KbThroughput(d, sizes[s], flights[f], 16ull << 20);
    }
    UsbTestClose(d);
}
