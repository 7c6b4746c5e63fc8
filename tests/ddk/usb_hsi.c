/*
 * usb_hsi.c: just enough of the HSI dongle's protocol (docs/hsi-dongle.md)
 * to move data through the USB stack: the bring-up, and one message sent
 * on channel 0 and taken back in loopback, framed with lib/hsiproto.c.
 */
#include "usb_testlib.h"

#define USB_HSI_IN_MAX 16 /* bulk IN transfers a loopback keeps queued, at most */

BOOLEAN UsbTestHsiBringUp(PUSB_TEST_DEVICE Device)
{
    UCHAR info[HSI_INFO_SIZE], tx[HSI_TX_CONFIG_SIZE], rx[HSI_RX_CONFIG_SIZE];
    struct hsi_info i;

    if (Device->HsiUp)
        return TRUE;
    if (!NT_SUCCESS(UsbTestVendor(Device, TRUE, HSI_REQ_GET_INFO, 0, 0, info, sizeof(info), NULL)))
        return FALSE;
    hsi_info_get(info, &i);
    struct hsi_tx_config t = {.mode = HSI_MODE_FRAME,
                              .channels = 1,
                              .arbitration = HSI_ARB_ROUND_ROBIN,
                              .kbps = i.max_kbps};
    struct hsi_rx_config r = {
        .mode = HSI_MODE_FRAME, .flow = HSI_FLOW_SYNC, .channels = 1, .timeout_ms = 0};
    hsi_tx_config_put(tx, &t);
    hsi_rx_config_put(rx, &r);
    if (!NT_SUCCESS(
            UsbTestVendor(Device, FALSE, HSI_REQ_SET_TX_CONFIG, 0, 0, tx, sizeof(tx), NULL)) ||
        !NT_SUCCESS(
            UsbTestVendor(Device, FALSE, HSI_REQ_SET_RX_CONFIG, 0, 0, rx, sizeof(rx), NULL)) ||
        !NT_SUCCESS(UsbTestVendor(Device, FALSE, HSI_REQ_SET_RX_READY, 1, 0, NULL, 0, NULL)) ||
        !NT_SUCCESS(UsbTestVendor(Device, FALSE, HSI_REQ_SET_WAKE, 1, 0, NULL, 0, NULL)))
        return FALSE;
    Device->TxSeq = Device->RxSeq = 0;
    Device->HsiUp = TRUE;
    return TRUE;
}

static UCHAR UsbHsiPattern(ULONG Index, ULONG Length)
{
    return (UCHAR)(Index * 7 + Length + (Index >> 8));
}

/* The state of one loopback: what was sent and what came back. */
typedef struct _USB_HSI_LOOP {
    PUSB_TEST_DEVICE Device;
    ULONG Length; /* padded to whole frames */
    PUCHAR Received;
    ULONG Got;
    BOOLEAN Last, Bad;
    USB_TEST_REQUEST In[USB_HSI_IN_MAX];
    PUCHAR InBuffer[USB_HSI_IN_MAX];
    ULONG InFlight, NextIn; /* In[NextIn] completes first: one endpoint, in order */
} USB_HSI_LOOP;

/* Takes the fragments of one completed bulk IN transfer. */
static VOID UsbHsiTake(USB_HSI_LOOP *L, ULONG Slot)
{
    PUSB_TEST_REQUEST r = &L->In[Slot];
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *payload;

    if (!NT_SUCCESS(r->Status)) {
        KtLog("bulk IN failed: 0x%08X, USBD 0x%08X", (ULONG)r->Status,
              (ULONG)r->Urb.UrbHeader.Status);
        L->Bad = TRUE;
        return;
    }
    hsi_xfer_init(&it, L->InBuffer[Slot], r->Urb.UrbBulkOrInterruptTransfer.TransferBufferLength,
                  1);
    while (hsi_xfer_next(&it, &h, &payload)) {
        if (h.channel != 0 || h.seq != L->Device->RxSeq || (h.flags & ~HSI_MSG_LAST) != 0 ||
            L->Got + h.length > L->Length || L->Last) {
            KtLog("unexpected fragment: channel %u flags 0x%x seq %u (wanted %u) length %u at %u",
                  h.channel, h.flags, h.seq, L->Device->RxSeq, h.length, L->Got);
            L->Bad = TRUE;
            return;
        }
        L->Device->RxSeq++;
        RtlCopyMemory(L->Received + L->Got, payload, h.length);
        L->Got += h.length;
        L->Last = (h.flags & HSI_MSG_LAST) != 0;
    }
    if (it.err != HSI_OK) {
        KtLog("bulk IN refused by hsi_xfer_next: %s", hsi_err_name(it.err));
        L->Bad = TRUE;
    }
}

static VOID UsbHsiQueueIn(USB_HSI_LOOP *L, ULONG Slot)
{
    UsbTestBuildTransfer(&L->In[Slot], &L->Device->BulkIn, L->InBuffer[Slot], HSI_MAX_XFER);
    UsbTestStart(L->Device, &L->In[Slot]);
}

/* Takes every bulk IN that has completed (Wait: at least the oldest), and
   queues each again while the message is not all back. */
static VOID UsbHsiReap(USB_HSI_LOOP *L, BOOLEAN Wait)
{
    for (;;) {
        ULONG slot = L->NextIn;
        if (!Wait && KeReadStateEvent(&L->In[slot].Done) == 0)
            return;
        if (!UsbTestWait(&L->In[slot], 10000)) {
            L->Bad = TRUE;
            return;
        }
        Wait = FALSE;
        UsbHsiTake(L, slot);
        L->NextIn = (slot + 1) % L->InFlight;
        if (L->Bad || L->Last)
            return;
        UsbHsiQueueIn(L, slot);
    }
}

/* Sends the message: fragments of at most HSI_MAX_FRAG_PAYLOAD bytes, one
   per bulk OUT transfer, taking back what arrives meanwhile. */
static VOID UsbHsiSend(USB_HSI_LOOP *L, PUCHAR Out)
{
    USB_TEST_REQUEST r;
    for (ULONG sent = 0; sent < L->Length && !L->Bad;) {
        ULONG n = L->Length - sent;
        if (n > HSI_MAX_FRAG_PAYLOAD)
            n = HSI_MAX_FRAG_PAYLOAD;
        struct hsi_msg_hdr h = {.channel = 0,
                                .flags = sent + n == L->Length ? HSI_MSG_LAST : 0,
                                .seq = L->Device->TxSeq++,
                                .length = n};
        hsi_msg_hdr_put(Out, &h);
        for (ULONG i = 0; i < n; i++)
            Out[HSI_MSG_HDR_SIZE + i] = UsbHsiPattern(sent + i, L->Length);
        UsbTestBuildTransfer(&r, &L->Device->BulkOut, Out, HSI_MSG_HDR_SIZE + n);
        if (!NT_SUCCESS(UsbTestSubmit(L->Device, &r))) {
            KtLog("bulk OUT of %u bytes failed: 0x%08X, USBD 0x%08X", HSI_MSG_HDR_SIZE + n,
                  (ULONG)r.Status, (ULONG)r.Urb.UrbHeader.Status);
            L->Bad = TRUE;
        } else if (r.Urb.UrbBulkOrInterruptTransfer.TransferBufferLength != HSI_MSG_HDR_SIZE + n) {
            KtLog("bulk OUT moved %u of %u bytes",
                  r.Urb.UrbBulkOrInterruptTransfer.TransferBufferLength, HSI_MSG_HDR_SIZE + n);
            L->Bad = TRUE;
        }
        sent += n;
        UsbHsiReap(L, FALSE);
    }
}

BOOLEAN UsbTestHsiLoopback(PUSB_TEST_DEVICE Device, ULONG Length, ULONG InFlight)
{
    static USB_HSI_LOOP loop; /* big; tests run one at a time */
    USB_HSI_LOOP *L = &loop;

    RtlZeroMemory(L, sizeof(*L));
    L->Device = Device;
    L->Length = hsi_pad4(Length);
    L->InFlight = InFlight < 1 ? 1 : InFlight > USB_HSI_IN_MAX ? USB_HSI_IN_MAX : InFlight;
    PUCHAR out = ExAllocatePoolWithTag(NonPagedPool, HSI_MAX_XFER, USB_TEST_TAG);
    L->Received = ExAllocatePoolWithTag(NonPagedPool, L->Length + 4, USB_TEST_TAG);
    BOOLEAN ok = out != NULL && L->Received != NULL;
    for (ULONG i = 0; i < L->InFlight && ok; i++) {
        L->InBuffer[i] = ExAllocatePoolWithTag(NonPagedPool, HSI_MAX_XFER, USB_TEST_TAG);
        ok = L->InBuffer[i] != NULL;
    }
    if (ok && UsbTestHsiBringUp(Device)) {
        for (ULONG i = 0; i < L->InFlight; i++)
            UsbHsiQueueIn(L, i);
        UsbHsiSend(L, out);
        while (!L->Bad && !L->Last)
            UsbHsiReap(L, TRUE);
        /* The transfers still queued are cancelled: a loopback leaves
           nothing behind. */
        for (ULONG i = 0; i < L->InFlight; i++) {
            if (L->In[i].Irp != NULL) {
                IoCancelIrp(L->In[i].Irp);
                UsbTestWait(&L->In[i], 10000);
                if (NT_SUCCESS(L->In[i].Status))
                    UsbHsiTake(L, i); /* it had data after all: a fragment too many */
            }
        }
        ok = !L->Bad && L->Got == L->Length;
        for (ULONG i = 0; ok && i < L->Length; i++) {
            if (L->Received[i] != UsbHsiPattern(i, L->Length)) {
                KtLog("byte %u of %u came back as 0x%02x, not 0x%02x", i, L->Length, L->Received[i],
                      UsbHsiPattern(i, L->Length));
                ok = FALSE;
            }
        }
    } else {
        ok = FALSE;
    }
    for (ULONG i = 0; i < L->InFlight; i++) {
        if (L->InBuffer[i] != NULL)
            ExFreePoolWithTag(L->InBuffer[i], USB_TEST_TAG);
    }
    if (L->Received != NULL)
        ExFreePoolWithTag(L->Received, USB_TEST_TAG);
    if (out != NULL)
        ExFreePoolWithTag(out, USB_TEST_TAG);
    return ok;
}
