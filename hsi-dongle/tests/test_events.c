/*
 * test_events.c: the interrupt endpoint, breaks, and the events that
 * report what the dongle refused.
 *
 * Every event carries the next number of one sequence; an event lost
 * anywhere shows as a gap. Every interrupt packet the client receives is
 * checked (at most 64 bytes, whole 8-byte records): bad_event_packets.
 */
#include <string.h>

#include "ktap.h"
#include "tclient.h"

static bool flush(struct tc *t, uint16_t what)
{
    return tc_vendor_out(t, HSI_REQ_FLUSH, what, 0, NULL, 0) == 0;
}

static void queued_before_start(void)
{
    struct tc *t = tc_start("loopback", NULL);
    struct hsi_event ev;
    bool in_order = true;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success, "configured, events not started");
    for (int i = 0; i < 5; i++)
        flush(t, HSI_FLUSH_TX);
    tc_pump(t, 50);
    ktap_check(t->event_packets == 0, "no interrupt packet before start_interrupt_receiving");
    ktap_check(tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success, "events started");
    for (uint32_t seq = 0; seq < 7; seq++)
        in_order &= tc_next_event(t, &ev, TC_TIMEOUT) && ev.seq == seq;
    ktap_check(in_order, "the 7 queued events arrive, seq 0 to 6");
    ktap_check(t->event_packets == 1, "... together, in one 56-byte packet (%u packets)",
               t->event_packets);
    ktap_check(ev.type == HSI_EV_TX_FLUSHED, "the last of them is TX_FLUSHED");
    ktap_check(t->bad_event_packets == 0, "every packet well formed");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void queue_overflow(void)
{
    struct tc *t = tc_start("loopback", NULL);
    struct hsi_event ev;
    uint32_t last = 0;
    bool in_order = true;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success, "configured, events not started");
    for (int i = 0; i < 300; i++)
        flush(t, HSI_FLUSH_TX);
    ktap_check(tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success, "events started");
    for (uint32_t seq = 0; seq < 256; seq++) {
        in_order &= tc_next_event(t, &ev, TC_TIMEOUT) && ev.seq == seq;
        last = ev.seq;
    }
    ktap_check(in_order && last == 255, "the 256 events the queue holds arrive, seq 0 to 255");
    ktap_check(t->event_packets == 32 && t->bad_event_packets == 0,
               "in 32 full 64-byte packets (%u)", t->event_packets);
    ktap_check(!tc_next_event(t, &ev, 100), "the other 46 were dropped");
    flush(t, HSI_FLUSH_TX);
    ktap_check(tc_next_event(t, &ev, TC_TIMEOUT) && ev.seq == 302,
               "the next event is seq 302: the gap shows the loss (%u)", ev.seq);
    ktap_check(tc_log_has(t, "event queue full"), "the dongle logged the drops");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void breaks(const char *mode)
{
    struct tc *t = tc_start(mode, NULL);
    struct hsi_event ev;
    struct tc_msg *m;

    if (!ktap_check(t != NULL, "%s dongle starts", mode))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0x0007), "bring-up");
    tc_drop_events(t);
    ktap_check(tc_vendor_out(t, HSI_REQ_SEND_BREAK, 0, 0, NULL, 0) == 0, "SEND_BREAK");
    ktap_check(tc_wait_event(t, HSI_EV_BREAK_RECEIVED, &ev, TC_TIMEOUT) && ev.channel == 0,
               "%s: a break comes back, BREAK_RECEIVED on ch 0", mode);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->flags == HSI_MSG_BREAK && m->len == 0,
               "the break is in the bulk IN stream too, on ch 0");
    tc_msg_free(m);
    tc_queue_msg(t, 2, NULL, 0, HSI_MSG_BREAK);
    ktap_check(tc_wait_event(t, HSI_EV_BREAK_RECEIVED, &ev, TC_TIMEOUT) && ev.channel == 2,
               "%s: an in-band break on ch 2 (bulk OUT, flags BREAK) comes back on ch 2", mode);
    m = tc_recv(t, 2, TC_TIMEOUT);
    ktap_check(m && m->flags == HSI_MSG_BREAK, "... in band as well");
    tc_msg_free(m);
    ktap_check(t->rx_seq_errors == 0 && t->bad_event_packets == 0, "seq and packets clean");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* A transfer with one good message on ch 0, then `bad` (header + extra). */
static void send_with_bad(struct tc *t, const uint8_t *bad, uint32_t bad_len)
{
    uint8_t buf[64];
    struct hsi_msg_hdr h = {0, HSI_MSG_LAST, t->tx_seq[0]++, 8};

    hsi_msg_hdr_put(buf, &h);
    memset(buf + 8, 0x5A, 8);
    memcpy(buf + 16, bad, bad_len);
    tc_done_free(tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_OUT, buf, 16 + bad_len), TC_TIMEOUT));
}

static void rejected_headers(void)
{
    static const struct {
        const char *what;
        uint8_t bytes[16];
        uint32_t len;
        enum hsi_err err;
    } cases[] = {
        {"channel 20", {20, HSI_MSG_LAST, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4}, 12, HSI_E_CHANNEL},
        {"unknown flag 0x10", {1, 0x10, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4}, 12, HSI_E_FLAGS},
        {"BREAK with a payload", {1, HSI_MSG_BREAK, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4}, 12, HSI_E_FLAGS},
        {"length 6", {1, HSI_MSG_LAST, 0, 0, 6, 0, 0, 0, 1, 2, 3, 4, 5, 6}, 14, HSI_E_ALIGN},
        {"length past the end",
         {1, HSI_MSG_LAST, 0, 0, 64, 0, 0, 0, 1, 2, 3, 4},
         12,
         HSI_E_OVERRUN},
        {"5 stray bytes", {1, 2, 3, 4, 5}, 5, HSI_E_TRUNCATED},
    };
    struct tc *t = tc_start("loopback", NULL);
    struct hsi_status st;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0x0001), "bring-up");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hsi_event ev;
        struct tc_msg *m;
        tc_drop_events(t);
        send_with_bad(t, cases[i].bytes, cases[i].len);
        ktap_check(tc_wait_event(t, HSI_EV_MSG_REJECTED, &ev, TC_TIMEOUT) && ev.arg == cases[i].err,
                   "%s: MSG_REJECTED(%s)", cases[i].what, hsi_err_name(cases[i].err));
        m = tc_recv(t, 0, TC_TIMEOUT);
        ktap_check(m && m->len == 8 && m->data[0] == 0x5A,
                   "%s: the good message before it still goes through", cases[i].what);
        tc_msg_free(m);
    }
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.rejected == 6,
               "GET_STATUS counts 6 rejected headers (%u)", st.rejected);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void seq_gap_and_flushed(void)
{
    struct tc *t = tc_start("loopback", NULL);
    uint8_t buf[12];
    struct hsi_msg_hdr h = {3, HSI_MSG_LAST, 5, 4};
    struct hsi_event ev;
    struct tc_msg *m;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0x0009), "bring-up");
    hsi_msg_hdr_put(buf, &h);
    memset(buf + 8, 1, 4);
    tc_drop_events(t);
    tc_done_free(tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_OUT, buf, 12), TC_TIMEOUT));
    ktap_check(tc_wait_event(t, HSI_EV_SEQ_GAP, &ev, TC_TIMEOUT) && ev.channel == 3 && ev.arg == 5,
               "the first fragment on ch 3 has seq 5, not 0: SEQ_GAP(ch 3, 5)");
    m = tc_recv(t, 3, TC_TIMEOUT);
    ktap_check(m && m->len == 4, "the message itself is delivered");
    tc_msg_free(m);

    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 0, 0, NULL, 0) == 0, "ACWAKE down");
    for (int i = 0; i < 3; i++)
        tc_queue_msg(t, 0, "abcd", 4, HSI_MSG_LAST);
    ktap_check(tc_flush_out(t, TC_TIMEOUT), "three messages wait in the TX queue");
    tc_drop_events(t);
    ktap_check(flush(t, HSI_FLUSH_TX) && tc_wait_event(t, HSI_EV_TX_FLUSHED, &ev, TC_TIMEOUT) &&
                   ev.arg == 3,
               "FLUSH(TX): TX_FLUSHED reports 3 fragments dropped (%u)", ev.arg);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void sequence_throughout(void)
{
    struct tc *t = tc_start("echo", NULL);
    struct hsi_event ev;
    uint32_t expect = 0;
    unsigned n = 0;
    bool ok = true;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0xFFFF), "bring-up");
    /* RESET posts DONGLE_RESET, LINK_UP and CAREADY; FLUSH posts TX_FLUSHED. */
    for (int i = 0; i < 20; i++) {
        tc_vendor_out(t, HSI_REQ_RESET, 0, 0, NULL, 0);
        flush(t, HSI_FLUSH_TX);
    }
    /* Wait for all 80 (a pause on a loaded machine is no end of the run),
       then take any that came on top, such as the bring-up's. */
    while ((n < 80 && tc_next_event(t, &ev, TC_TIMEOUT)) || tc_next_event(t, &ev, 0)) {
        ok &= ev.seq == expect;
        expect = ev.seq + 1;
        n++;
    }
    ktap_check(n >= 80, "a long run of mixed events (%u)", n);
    ktap_check(ok, "every event numbered one more than the one before");
    ktap_check(t->bad_event_packets == 0, "every packet well formed (%u packets)",
               t->event_packets);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

int main(void)
{
    ktap_begin(7);
    ktap_group("queued_before_start");
    queued_before_start();
    ktap_group_end();
    ktap_group("queue_overflow");
    queue_overflow();
    ktap_group_end();
    ktap_group("break_loopback");
    breaks("loopback");
    ktap_group_end();
    ktap_group("break_echo");
    breaks("echo");
    ktap_group_end();
    ktap_group("rejected_headers");
    rejected_headers();
    ktap_group_end();
    ktap_group("seq_gap_and_tx_flushed");
    seq_gap_and_flushed();
    ktap_group_end();
    ktap_group("sequence_throughout");
    sequence_throughout();
    ktap_group_end();
    return ktap_end();
}
