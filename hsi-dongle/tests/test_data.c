/*
 * test_data.c: data integrity through the dongle, loopback and echo.
 *
 * Messages from 1 byte to several MiB go out on bulk OUT and must come
 * back on bulk IN byte for byte, on their own channel, in order, with
 * LAST only at the end and every fragment's seq in sequence, however the
 * sender splits them and however small the receiver's transfers are.
 */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "tclient.h"

static const uint32_t sizes[] = {1, 4, 8, 100, 4096, 65528, 65532, 200000, 1u << 20, 4u << 20};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Sends one message and checks what comes back. */
static bool roundtrip(struct tc *t, uint8_t ch, uint32_t len, uint32_t seed)
{
    uint8_t *data = malloc(len), *want = calloc(1, hsi_pad4(len));
    struct tc_msg *m;
    bool ok;

    tc_fill(data, len, seed);
    memcpy(want, data, len);
    tc_queue_msg(t, ch, data, len, HSI_MSG_LAST);
    m = tc_recv(t, ch, 20000);
    ok = m && m->len == hsi_pad4(len) && memcmp(m->data, want, m->len) == 0 &&
         m->flags == HSI_MSG_LAST;
    if (!ok)
        ktap_diag("ch %u, %u bytes: got %s, %u bytes, flags 0x%x", ch, len,
                  m ? "a message" : "nothing", m ? m->len : 0, m ? m->flags : 0);
    tc_msg_free(m);
    free(data);
    free(want);
    return ok;
}

static void sizes_on_channels(const char *mode)
{
    struct tc *t = tc_start(mode, NULL);

    if (!ktap_check(t != NULL, "%s dongle starts", mode))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0xFFFF), "bring-up: ACREADY and CAREADY on all 16");
    for (unsigned i = 0; i < NSIZES; i++) {
        uint8_t ch = (uint8_t)(i % 16);
        ktap_check(roundtrip(t, ch, sizes[i], i), "%s: %u-byte message on ch %u comes back intact",
                   mode, sizes[i], ch);
    }
    ktap_check(tc_flush_out(t, TC_TIMEOUT), "every bulk OUT transfer was taken");
    ktap_check(t->rx_seq_errors == 0 && t->rx_bad_headers == 0 && t->out_stalls == 0,
               "no seq gaps, no bad headers, no stalls (%u, %u, %u)", t->rx_seq_errors,
               t->rx_bad_headers, t->out_stalls);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* All channels at once: per-channel order must hold while they interleave. */
static void interleaved(const char *mode)
{
    struct tc *t = tc_start(mode, NULL);
    bool ok = true;
    unsigned got = 0;
    uint32_t next[16] = {0};

    if (!ktap_check(t != NULL, "%s dongle starts", mode))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0xFFFF), "bring-up");
    for (uint32_t n = 0; n < 8; n++) {
        for (uint8_t ch = 0; ch < 16; ch++) {
            uint8_t buf[3000];
            uint32_t len = 40 + (n * 16 + ch) * 11 % 2900;
            tc_fill(buf, len, n * 16 + ch);
            tc_queue_msg(t, ch, buf, len, HSI_MSG_LAST);
        }
    }
    while (got < 128) {
        struct tc_msg *m = tc_recv(t, -1, 10000);
        uint8_t want[3000] = {0};
        uint32_t n, len;
        if (!m)
            break;
        n = next[m->ch]++;
        len = 40 + (n * 16 + m->ch) * 11 % 2900;
        tc_fill(want, len, n * 16 + m->ch);
        ok &= m->len == hsi_pad4(len) && memcmp(m->data, want, m->len) == 0;
        tc_msg_free(m);
        got++;
    }
    ktap_check(got == 128, "%s: all 128 messages on 16 channels arrive (%u)", mode, got);
    ktap_check(ok, "%s: each channel's messages arrive intact and in order", mode);
    ktap_check(t->rx_seq_errors == 0, "seq numbers continuous on every channel");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* Small fragments on the way out, small transfers on the way in. */
static void split_messages(void)
{
    struct tc *t = tc_start("loopback", NULL);
    uint8_t data[10000];
    struct tc_msg *m;
    unsigned transfers;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0xFFFF), "bring-up");
    tc_fill(data, sizeof(data), 7);
    t->frag_max = 64;
    tc_queue_msg(t, 3, data, sizeof(data), HSI_MSG_LAST);
    m = tc_recv(t, 3, TC_TIMEOUT);
    ktap_check(m && m->len == sizeof(data) && memcmp(m->data, data, sizeof(data)) == 0,
               "a message sent as 157 fragments of 64 bytes comes back whole");
    tc_msg_free(m);

    /* Cancel the 64 KiB requests, then read with 512-byte ones. */
    tc_reading(t, 0, 0);
    tc_reading(t, 2, 512);
    t->frag_max = HSI_MAX_FRAG_PAYLOAD;
    transfers = t->rx_transfers;
    tc_queue_msg(t, 5, data, sizeof(data), HSI_MSG_LAST);
    m = tc_recv(t, 5, TC_TIMEOUT);
    ktap_check(m && m->len == sizeof(data) && memcmp(m->data, data, sizeof(data)) == 0,
               "read with 512-byte transfers, a 10000-byte message comes back whole");
    ktap_check(t->rx_transfers - transfers >= 20, "... split over %u transfers",
               t->rx_transfers - transfers);
    tc_msg_free(m);

    /* Many small messages packed into one transfer. */
    tc_reading(t, 0, 0);
    tc_reading(t, 4, HSI_MAX_XFER);
    for (uint32_t i = 0; i < 100; i++) {
        uint8_t small[12];
        tc_fill(small, sizeof(small), 1000 + i);
        tc_queue_msg(t, 6, small, sizeof(small), HSI_MSG_LAST);
    }
    for (uint32_t i = 0; i < 100; i++) {
        uint8_t small[12];
        m = tc_recv(t, 6, TC_TIMEOUT);
        tc_fill(small, sizeof(small), 1000 + i);
        if (!m || m->len != 12 || memcmp(m->data, small, 12) != 0) {
            tc_msg_free(m);
            break;
        }
        tc_msg_free(m);
        if (i == 99)
            ktap_check(true, "100 messages packed in one transfer come back separately, in order");
    }
    ktap_check(t->rx_seq_errors == 0 && t->rx_bad_headers == 0, "framing clean throughout");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* Requests the endpoints refuse. */
static void bad_transfers(void)
{
    struct tc *t = tc_start("loopback", NULL);
    struct tc_done *d;
    uint8_t *big;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    d = tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_IN, NULL, 64), TC_TIMEOUT);
    ktap_check(d && d->status == usb_redir_stall, "bulk IN before SET_CONFIGURATION: STALL");
    tc_done_free(d);
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success, "configured");
    d = tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_IN, NULL, 11), TC_TIMEOUT);
    ktap_check(d && d->status == usb_redir_stall,
               "bulk IN of 11 bytes (no room for a frame): STALL");
    tc_done_free(d);
    big = calloc(1, HSI_MAX_XFER + 4);
    d = tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_OUT, big, HSI_MAX_XFER + 4), TC_TIMEOUT);
    ktap_check(d && d->status == usb_redir_stall, "bulk OUT of 64 KiB + 4: STALL");
    tc_done_free(d);
    free(big);
    d = tc_wait(t, tc_bulk_submit(t, 0x02, "abcd", 4), TC_TIMEOUT);
    ktap_check(d && d->status == usb_redir_stall, "bulk OUT to endpoint 0x02: STALL");
    tc_done_free(d);
    d = tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_OUT, NULL, 0), TC_TIMEOUT);
    ktap_check(d && d->status == usb_redir_success && d->len == 0,
               "a zero-length bulk OUT completes");
    tc_done_free(d);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

int main(void)
{
    ktap_begin(7);
    ktap_group("loopback_sizes");
    sizes_on_channels("loopback");
    ktap_group_end();
    ktap_group("echo_sizes");
    sizes_on_channels("echo");
    ktap_group_end();
    ktap_group("loopback_interleaved");
    interleaved("loopback");
    ktap_group_end();
    ktap_group("echo_interleaved");
    interleaved("echo");
    ktap_group_end();
    ktap_group("split_messages");
    split_messages();
    ktap_group_end();
    ktap_group("bad_transfers");
    bad_transfers();
    ktap_group_end();
    ktap_group("cancel");
    {
        struct tc *t = tc_start("loopback", NULL);
        if (ktap_check(t != NULL, "dongle starts")) {
            uint64_t id;
            struct tc_done *d;
            ktap_check(tc_set_configuration(t, 1) == usb_redir_success, "configured");
            id = tc_bulk_submit(t, HSI_EP_BULK_IN, NULL, 512);
            tc_pump(t, 50);
            ktap_check(t->done == NULL, "a bulk IN request with no data waiting is held");
            tc_cancel(t, id);
            d = tc_wait(t, id, TC_TIMEOUT);
            ktap_check(d && d->status == usb_redir_cancelled,
                       "cancel_data_packet answers it with status cancelled");
            tc_done_free(d);
            ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
        }
    }
    ktap_group_end();
    return ktap_end();
}
