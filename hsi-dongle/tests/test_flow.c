/*
 * test_flow.c: wake and ready sequencing, flow control, pacing, and what
 * the receiver does when the rules are broken (overrun, frame errors,
 * data timeouts).
 *
 * Timing is only ever checked from below: pacing promises a transfer can
 * not be faster than its bit rate, never how much slower a loaded machine
 * makes it.
 */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "tclient.h"

static bool set_wake(struct tc *t, int up)
{
    return tc_vendor_out(t, HSI_REQ_SET_WAKE, (uint16_t)up, 0, NULL, 0) == 0;
}

static bool set_ready(struct tc *t, uint16_t mask)
{
    return tc_vendor_out(t, HSI_REQ_SET_RX_READY, mask, 0, NULL, 0) == 0;
}

/* Configured and events on, lines still down. */
static struct tc *start(const char *mode)
{
    struct tc *t = tc_start(mode, NULL);

    if (!ktap_check(t != NULL, "%s dongle starts", mode))
        return NULL;
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                   tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
               "configured, events on");
    return t;
}

static void wait_credit(struct tc *t, uint16_t mask)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    while ((t->credit & mask) != mask && tc_now_ms() < end)
        tc_pump(t, 10);
}

static bool msg_is(struct tc_msg *m, uint32_t len, uint32_t seed)
{
    uint8_t *want = calloc(1, len + 4);
    bool ok;

    tc_fill(want, len, seed);
    ok = m && m->len == hsi_pad4(len) && (m->flags & HSI_MSG_ERROR) == 0 &&
         memcmp(m->data, want, len) == 0;
    free(want);
    return ok;
}

static void send(struct tc *t, uint8_t ch, uint32_t len, uint32_t seed, uint8_t flags)
{
    uint8_t *buf = malloc(len);

    tc_fill(buf, len, seed);
    tc_queue_msg(t, ch, buf, len, flags);
    free(buf);
}

static void wake_sequencing(void)
{
    struct tc *t = start("loopback");
    struct hsi_status st;
    struct tc_msg *m;

    if (!t)
        return;
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x0001), "ACREADY on ch 0, ACWAKE still down");
    wait_credit(t, 0x0001);
    send(t, 0, 100, 1, HSI_MSG_LAST);
    ktap_check(tc_flush_out(t, TC_TIMEOUT), "the dongle takes the message into its TX queue");
    m = tc_recv(t, 0, 300);
    ktap_check(m == NULL, "nothing is transmitted while ACWAKE is down");
    tc_msg_free(m);
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.tx_queued == 100,
               "GET_STATUS: 100 bytes queued for transmission (%u)", st.tx_queued);
    tc_drop_events(t);
    ktap_check(set_wake(t, 1), "ACWAKE up");
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(msg_is(m, 100, 1), "... and the message goes, comes back intact");
    tc_msg_free(m);
    ktap_check(tc_wait_event(t, HSI_EV_CAWAKE_HIGH, NULL, 0),
               "in loopback CAWAKE follows ACWAKE: CAWAKE_HIGH was posted");
    ktap_check(set_wake(t, 0) && tc_wait_event(t, HSI_EV_CAWAKE_LOW, NULL, TC_TIMEOUT),
               "ACWAKE down: CAWAKE_LOW");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void ready_sequencing(void)
{
    struct tc *t = start("loopback");
    struct hsi_event ev;
    struct tc_msg *m;

    if (!t)
        return;
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_wake(t, 1), "ACWAKE up, ACREADY 0");
    t->respect_credit = false; /* send although CAREADY says no */
    send(t, 2, 64, 2, HSI_MSG_LAST);
    ktap_check(tc_flush_out(t, TC_TIMEOUT), "the message is taken into the TX queue");
    m = tc_recv(t, 2, 300);
    ktap_check(m == NULL, "in loopback CAREADY mirrors ACREADY: ch 2 does not transmit");
    tc_msg_free(m);
    tc_drop_events(t);
    ktap_check(set_ready(t, 0x0004), "ACREADY on ch 2");
    ktap_check(tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && ev.arg == 0x0004,
               "CAREADY(0x0004) is posted");
    m = tc_recv(t, 2, TC_TIMEOUT);
    ktap_check(msg_is(m, 64, 2), "the message goes and comes back");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* Echo: the AP will not take ch 1, so the modem's answers pile up there,
 * the modem drops CAREADY on ch 1, the AP holds its ch 1 messages; the
 * other channels must carry on regardless. */
static void blocked_channel(void)
{
    struct tc *t = start("echo");
    bool saw_drop = false, others = true, ok = true;
    struct hsi_event ev;
    unsigned n1 = 0;

    if (!t)
        return;
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0xFFFD) && set_wake(t, 1), "ACREADY on every channel but 1");
    wait_credit(t, 0x0007);
    for (uint32_t i = 0; i < 12; i++)
        send(t, 1, 60000, 100 + i, HSI_MSG_LAST);
    while (!saw_drop && tc_next_event(t, &ev, TC_TIMEOUT))
        saw_drop = ev.type == HSI_EV_CAREADY && !(ev.arg & 0x0002);
    ktap_check(saw_drop, "the echo modem drops CAREADY on ch 1 (0x%04x)", ev.arg);
    for (uint32_t i = 0; i < 6; i++) {
        send(t, 0, 3000, 200 + i, HSI_MSG_LAST);
        send(t, 2, 3000, 300 + i, HSI_MSG_LAST);
    }
    for (uint32_t i = 0; i < 6; i++) {
        struct tc_msg *a = tc_recv(t, 0, TC_TIMEOUT), *b = tc_recv(t, 2, TC_TIMEOUT);
        others &= msg_is(a, 3000, 200 + i) && msg_is(b, 3000, 300 + i);
        tc_msg_free(a);
        tc_msg_free(b);
    }
    ktap_check(others, "meanwhile ch 0 and ch 2 messages come back, all 12");
    ktap_check(tc_msgs_waiting(t) == 0 && !(t->credit & 0x0002),
               "nothing arrived on ch 1, whose credit is still withheld");
    ktap_check(set_ready(t, 0xFFFF), "ACREADY on ch 1 too");
    for (uint32_t i = 0; i < 12; i++) {
        struct tc_msg *m = tc_recv(t, 1, TC_TIMEOUT);
        ok &= msg_is(m, 60000, 100 + i);
        n1 += m != NULL;
        tc_msg_free(m);
    }
    ktap_check(ok && n1 == 12, "then all 12 ch 1 messages come back intact, in order (%u)", n1);
    ktap_check(tc_flush_out(t, TC_TIMEOUT) && t->rx_seq_errors == 0, "all sent, seq clean");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* An AP that ignores CAREADY: the dongle's TX queue fills (1 MiB and some)
 * and the next bulk OUT transfer is held (a NAK on a real wire) until
 * there is room. */
static void held_transfer(void)
{
    struct tc *t = start("loopback");
    struct tc_msg *m;

    if (!t)
        return;
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_wake(t, 1), "ACWAKE up, ACREADY 0 (so no CAREADY)");
    t->respect_credit = false;
    send(t, 0, 1300000, 5, HSI_MSG_LAST);
    tc_flush_out(t, 500);
    ktap_check(t->out_inflight > 0, "with the TX queue full, a bulk OUT transfer is held (%u)",
               t->out_inflight);
    ktap_check(set_ready(t, 0x0001), "ACREADY on ch 0");
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(msg_is(m, 1300000, 5), "the 1300000-byte message then goes through intact");
    tc_msg_free(m);
    ktap_check(tc_out_idle(t) && t->out_stalls == 0, "every held transfer completed");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* 8 messages of 16 KiB at 2000 kbit/s: the last can not arrive before the
 * first seven have been on the wire. */
static void pacing(uint8_t mode, uint8_t channels, unsigned bits_per_frame)
{
    struct tc *t = start("loopback");
    struct hsi_tx_config tx = {mode, channels, HSI_ARB_ROUND_ROBIN, 2000};
    struct hsi_rx_config rx = {mode, HSI_FLOW_SYNC, channels, 0};
    uint64_t t0, elapsed, floor_ms = 7ull * 4096 * bits_per_frame / 2000;
    unsigned got = 0;

    if (!t)
        return;
    ktap_check(tc_config(t, &tx, &rx), "%s mode, %u channels, 2000 kbit/s",
               mode == HSI_MODE_FRAME ? "frame" : "stream", channels);
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x0001) && set_wake(t, 1), "lines up");
    wait_credit(t, 0x0001);
    t0 = tc_now_ms();
    for (uint32_t i = 0; i < 8; i++)
        send(t, 0, 16384, i, HSI_MSG_LAST);
    for (uint32_t i = 0; i < 8; i++) {
        struct tc_msg *m = tc_recv(t, 0, 10000);
        got += msg_is(m, 16384, i);
        tc_msg_free(m);
    }
    elapsed = tc_now_ms() - t0;
    ktap_check(got == 8, "all 8 messages arrive intact");
    ktap_check(elapsed * 10 >= floor_ms * 9, "took %llu ms, not less than %llu ms of wire time",
               (unsigned long long)elapsed, (unsigned long long)floor_ms);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* Nobody reads; three 64 KiB messages arrive for a 128 KiB buffer. */
static void overrun(uint8_t flow)
{
    struct tc *t = start("loopback");
    struct hsi_rx_config rx = {HSI_MODE_FRAME, flow, 16, 0};
    bool pipelined = flow == HSI_FLOW_PIPELINED;
    struct hsi_event ev;
    struct hsi_status st;
    struct tc_msg *m[3];

    if (!t)
        return;
    ktap_check(tc_config(t, NULL, &rx), "%s flow", pipelined ? "pipelined" : "synchronized");
    ktap_check(set_ready(t, 0x0001) && set_wake(t, 1), "lines up, not reading");
    wait_credit(t, 0x0001);
    t->respect_credit = false;
    for (uint32_t i = 0; i < 3; i++)
        send(t, 0, HSI_MAX_FRAG_PAYLOAD, 40 + i, HSI_MSG_LAST);
    tc_flush_out(t, 300);
    if (pipelined)
        ktap_check(tc_wait_event(t, HSI_EV_RX_OVERRUN, &ev, TC_TIMEOUT) && ev.channel == 0 &&
                       ev.arg == HSI_MAX_FRAG_PAYLOAD,
                   "RX_OVERRUN on ch 0, 65528 bytes lost");
    else
        ktap_check(!tc_wait_event(t, HSI_EV_RX_OVERRUN, &ev, 300),
                   "no overrun: the third message waits for room");
    tc_reading(t, 4, HSI_MAX_XFER);
    for (int i = 0; i < 3; i++)
        m[i] = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(msg_is(m[0], HSI_MAX_FRAG_PAYLOAD, 40) && msg_is(m[1], HSI_MAX_FRAG_PAYLOAD, 41),
               "the first two messages arrive intact");
    if (pipelined)
        ktap_check(m[2] && m[2]->len == 0 && m[2]->flags == (HSI_MSG_ERROR | HSI_MSG_LAST),
                   "the third is an empty fragment flagged ERROR|LAST, in its place");
    else
        ktap_check(msg_is(m[2], HSI_MAX_FRAG_PAYLOAD, 42), "the third arrives intact too");
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.rx_overruns == (pipelined ? 1 : 0),
               "GET_STATUS counts %u overrun(s)", st.rx_overruns);
    for (int i = 0; i < 3; i++)
        tc_msg_free(m[i]);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void data_timeout(void)
{
    struct tc *t = start("loopback");
    struct hsi_rx_config rx = {HSI_MODE_FRAME, HSI_FLOW_SYNC, 16, 50};
    struct hsi_event ev;
    struct tc_msg *m;
    uint64_t t0;

    if (!t)
        return;
    ktap_check(tc_config(t, NULL, &rx), "RX data timeout 50 ms");
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x0001) && set_wake(t, 1), "lines up");
    wait_credit(t, 0x0001);
    tc_drop_events(t);
    t0 = tc_now_ms();
    send(t, 0, 100, 9, 0); /* a first fragment, and then nothing */
    ktap_check(tc_wait_event(t, HSI_EV_DATA_TIMEOUT, &ev, TC_TIMEOUT) && ev.channel == 0,
               "DATA_TIMEOUT on ch 0");
    ktap_check(tc_now_ms() - t0 >= 45, "... not before the 50 ms (%llu ms)",
               (unsigned long long)(tc_now_ms() - t0));
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->len == 100 && m->flags == (HSI_MSG_ERROR | HSI_MSG_LAST),
               "the half message is closed with ERROR|LAST, its 100 bytes kept");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void mode_mismatch(void)
{
    struct tc *t = start("loopback");
    struct hsi_tx_config tx = {HSI_MODE_STREAM, 16, HSI_ARB_ROUND_ROBIN, 200000};
    struct hsi_rx_config rx = {HSI_MODE_FRAME, HSI_FLOW_SYNC, 16, 0};
    struct hsi_event ev;
    struct hsi_status st;
    struct tc_msg *m;

    if (!t)
        return;
    ktap_check(tc_config(t, &tx, &rx), "TX in stream mode, RX in frame mode");
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x0001) && set_wake(t, 1), "lines up");
    wait_credit(t, 0x0001);
    send(t, 0, 200, 3, HSI_MSG_LAST);
    ktap_check(tc_wait_event(t, HSI_EV_FRAME_ERROR, &ev, TC_TIMEOUT) && ev.channel == 0 &&
                   ev.arg == 200,
               "FRAME_ERROR on ch 0, 200 bytes lost");
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->len == 0 && m->flags == (HSI_MSG_ERROR | HSI_MSG_LAST),
               "the AP gets an empty ERROR|LAST fragment where the message was");
    tc_msg_free(m);
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.frame_errors == 1,
               "GET_STATUS counts the frame error");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* TX arbitration, seen at a rate slow enough that each fragment reaches
 * the receiver before the next one leaves. */
static void arbitration(uint8_t arb, const char *want)
{
    struct tc *t = start("loopback");
    struct hsi_tx_config tx = {HSI_MODE_FRAME, 16, arb, 1000};
    char got[8] = "";

    if (!t)
        return;
    ktap_check(tc_config(t, &tx, NULL), "%s arbitration, 1000 kbit/s",
               arb == HSI_ARB_PRIORITY ? "priority" : "round-robin");
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x000A), "ACREADY on ch 1 and 3, ACWAKE down");
    wait_credit(t, 0x000A);
    send(t, 3, 1024, 1, HSI_MSG_LAST);
    send(t, 3, 1024, 2, HSI_MSG_LAST);
    send(t, 1, 1024, 3, HSI_MSG_LAST);
    send(t, 1, 1024, 4, HSI_MSG_LAST);
    ktap_check(tc_flush_out(t, TC_TIMEOUT), "two messages each on ch 3 and ch 1 queued");
    ktap_check(set_wake(t, 1), "ACWAKE up");
    for (int i = 0; i < 4; i++) {
        struct tc_msg *m = tc_recv(t, -1, TC_TIMEOUT);
        got[i] = m ? (char)('0' + m->ch) : '-';
        tc_msg_free(m);
    }
    ktap_check(strcmp(got, want) == 0, "channels arrive in the order %s (%s)", want, got);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void echo_cawake(void)
{
    struct tc *t = start("echo");
    struct tc_msg *m;

    if (!t)
        return;
    tc_reading(t, 4, HSI_MAX_XFER);
    ktap_check(set_ready(t, 0x0001) && set_wake(t, 1), "lines up");
    wait_credit(t, 0x0001);
    tc_drop_events(t);
    send(t, 0, 40, 8, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(msg_is(m, 40, 8), "the echo answers");
    tc_msg_free(m);
    ktap_check(tc_wait_event(t, HSI_EV_CAWAKE_HIGH, NULL, 0),
               "CAWAKE_HIGH was posted before the answer arrived");
    ktap_check(tc_wait_event(t, HSI_EV_CAWAKE_LOW, NULL, TC_TIMEOUT),
               "CAWAKE_LOW once the modem has nothing more to send");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

int main(void)
{
    ktap_begin(13);
    ktap_group("wake_sequencing");
    wake_sequencing();
    ktap_group_end();
    ktap_group("ready_sequencing");
    ready_sequencing();
    ktap_group_end();
    ktap_group("blocked_channel_does_not_block_others");
    blocked_channel();
    ktap_group_end();
    ktap_group("held_bulk_out");
    held_transfer();
    ktap_group_end();
    ktap_group("pacing_stream");
    pacing(HSI_MODE_STREAM, 1, 32);
    ktap_group_end();
    ktap_group("pacing_frame");
    pacing(HSI_MODE_FRAME, 16, 37);
    ktap_group_end();
    ktap_group("overrun_pipelined");
    overrun(HSI_FLOW_PIPELINED);
    ktap_group_end();
    ktap_group("no_overrun_synchronized");
    overrun(HSI_FLOW_SYNC);
    ktap_group_end();
    ktap_group("data_timeout");
    data_timeout();
    ktap_group_end();
    ktap_group("mode_mismatch");
    mode_mismatch();
    ktap_group_end();
    ktap_group("arbitration_priority");
    arbitration(HSI_ARB_PRIORITY, "1133");
    ktap_group_end();
    ktap_group("arbitration_round_robin");
    arbitration(HSI_ARB_ROUND_ROBIN, "1313");
    ktap_group_end();
    ktap_group("echo_cawake");
    echo_cawake();
    ktap_group_end();
    return ktap_end();
}
