/*
 * test_control.c: every HSI vendor request, answered and refused.
 *
 * Each request is sent once as it should be, and then broken in each way
 * the protocol document says earns a STALL: wrong direction or recipient,
 * wrong wLength, wrong wIndex, bad wValue, bad payload, wrong state.
 */
#include <string.h>

#include "ktap.h"
#include "tclient.h"

static struct tc *t;

static int out(uint8_t req, uint16_t value, const void *data, uint16_t len)
{
    return tc_vendor_out(t, req, value, 0, data, len);
}

static bool status(struct hsi_status *st)
{
    return tc_status(t, st) == HSI_STATUS_SIZE;
}

/* Field by field: the structs have padding memcmp would compare. */
static bool tx_equal(const struct hsi_tx_config *a, const struct hsi_tx_config *b)
{
    return a->mode == b->mode && a->channels == b->channels && a->arbitration == b->arbitration &&
           a->kbps == b->kbps;
}

static bool rx_equal(const struct hsi_rx_config *a, const struct hsi_rx_config *b)
{
    return a->mode == b->mode && a->flow == b->flow && a->channels == b->channels &&
           a->timeout_ms == b->timeout_ms;
}

static void get_info(void)
{
    uint8_t buf[64];
    struct hsi_info info;

    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, buf, HSI_INFO_SIZE) == HSI_INFO_SIZE,
               "GET_INFO answers 16 bytes");
    hsi_info_get(buf, &info);
    ktap_check(info.version == HSI_PROTO_VERSION, "protocol version 1.0");
    ktap_check(info.max_channels == 8 && info.max_kbps == 50000,
               "max channels and kbit/s follow --channels 8 --speed 50000");
    ktap_check(info.modes == 3, "stream and frame modes");
    ktap_check(info.max_msg_size == 8u << 20 && info.rx_buffer == 128u << 10,
               "max message 8 MiB, RX buffer 128 KiB per channel");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, buf, 64) == HSI_INFO_SIZE,
               "wLength 64: still 16 bytes");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, buf, 15) == -1, "wLength 15: STALL");
    ktap_check(tc_control(t, HSI_REQTYPE_IN, HSI_REQ_GET_INFO, 0, 1, buf, 16) == -1,
               "wIndex 1: STALL");
    ktap_check(tc_control(t, 0xC0, HSI_REQ_GET_INFO, 0, 0, buf, 16) == -1,
               "device recipient instead of interface: STALL");
    ktap_check(tc_control(t, HSI_REQTYPE_OUT, HSI_REQ_GET_INFO, 0, 0, NULL, 0) == -1,
               "OUT direction: STALL");
}

static void tx_config(void)
{
    struct hsi_tx_config good = {HSI_MODE_STREAM, 4, HSI_ARB_PRIORITY, 20000}, c;
    uint8_t buf[HSI_TX_CONFIG_SIZE + 4], cfg[HSI_CONFIG_SIZE];
    struct hsi_event ev;

    hsi_tx_config_put(buf, &good);
    tc_drop_events(t);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == 0, "a good TX config");
    ktap_check(tc_wait_event(t, HSI_EV_CONFIG_APPLIED, &ev, TC_TIMEOUT) && ev.arg == 1,
               "CONFIG_APPLIED(1) follows");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_CONFIG, 0, cfg, sizeof(cfg)) == HSI_CONFIG_SIZE &&
                   hsi_tx_config_get(cfg, &c) == HSI_OK && tx_equal(&c, &good),
               "GET_CONFIG gives it back");
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE - 1) == -1, "11 bytes: STALL");
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE + 4) == -1, "16 bytes: STALL");
    c = good;
    c.mode = 0;
    hsi_tx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1, "mode 0: STALL");
    c = good;
    c.channels = 9;
    hsi_tx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "9 channels on an 8-channel dongle: STALL");
    c = good;
    c.kbps = 50001;
    hsi_tx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "above --speed: STALL");
    c = good;
    c.arbitration = 7;
    hsi_tx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "arbitration 7: STALL");
    hsi_tx_config_put(buf, &good);
    buf[10] = 1;
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "a reserved byte set: STALL");
    hsi_tx_config_put(buf, &good);
    ktap_check(out(HSI_REQ_SET_WAKE, 1, NULL, 0) == 0 &&
                   out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "while ACWAKE is up: STALL");
    ktap_check(out(HSI_REQ_SET_WAKE, 0, NULL, 0) == 0 &&
                   out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == 0,
               "with ACWAKE down again: accepted");
    {
        uint8_t msg[12];
        struct hsi_msg_hdr h = {3, HSI_MSG_LAST, 0, 4};
        hsi_msg_hdr_put(msg, &h);
        memset(msg + 8, 0, 4);
        tc_done_free(tc_wait(t, tc_bulk_submit(t, HSI_EP_BULK_OUT, msg, 12), TC_TIMEOUT));
    }
    c = good;
    c.channels = 2;
    hsi_tx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == -1,
               "with data queued on ch 3, 2 channels: STALL");
    ktap_check(out(HSI_REQ_FLUSH, HSI_FLUSH_TX, NULL, 0) == 0 &&
                   out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == 0,
               "after FLUSH(TX): accepted");
    hsi_tx_config_put(buf, &good);
    ktap_check(out(HSI_REQ_SET_TX_CONFIG, 0, buf, HSI_TX_CONFIG_SIZE) == 0, "back to 4 channels");
}

static void rx_config(void)
{
    struct hsi_rx_config good = {HSI_MODE_STREAM, HSI_FLOW_PIPELINED, 4, 100}, c;
    uint8_t buf[HSI_RX_CONFIG_SIZE], cfg[HSI_CONFIG_SIZE];
    struct hsi_event ev;

    hsi_rx_config_put(buf, &good);
    tc_drop_events(t);
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == 0, "a good RX config");
    ktap_check(tc_wait_event(t, HSI_EV_CONFIG_APPLIED, &ev, TC_TIMEOUT) && ev.arg == 2,
               "CONFIG_APPLIED(2) follows");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_CONFIG, 0, cfg, sizeof(cfg)) == HSI_CONFIG_SIZE &&
                   hsi_rx_config_get(cfg + HSI_TX_CONFIG_SIZE, &c) == HSI_OK && rx_equal(&c, &good),
               "GET_CONFIG gives it back");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_CONFIG, 0, cfg, 23) == -1,
               "GET_CONFIG wLength 23: STALL");
    c = good;
    c.flow = 2;
    hsi_rx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == -1, "flow 2: STALL");
    c = good;
    c.mode = 3;
    hsi_rx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == -1, "mode 3: STALL");
    c = good;
    c.channels = 0;
    hsi_rx_config_put(buf, &c);
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == -1, "0 channels: STALL");
    hsi_rx_config_put(buf, &good);
    buf[3] = 0x80;
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == -1, "a reserved byte set: STALL");
    hsi_rx_config_put(buf, &good);
    ktap_check(out(HSI_REQ_SET_RX_CONFIG, 1, buf, sizeof(buf)) == 0,
               "wValue is not looked at by SET_RX_CONFIG");
    ktap_check(out(HSI_REQ_SET_RX_READY, 1, NULL, 0) == 0 &&
                   out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == -1,
               "while ACREADY is up: STALL");
    ktap_check(out(HSI_REQ_SET_RX_READY, 0, NULL, 0) == 0 &&
                   out(HSI_REQ_SET_RX_CONFIG, 0, buf, sizeof(buf)) == 0,
               "with ACREADY down again: accepted");
}

static void lines(void)
{
    struct hsi_status st;

    ktap_check(out(HSI_REQ_SET_WAKE, 1, NULL, 0) == 0 && status(&st) &&
                   (st.lines & HSI_LINE_ACWAKE),
               "SET_WAKE(1): GET_STATUS shows ACWAKE");
    ktap_check(out(HSI_REQ_SET_WAKE, 2, NULL, 0) == -1, "SET_WAKE(2): STALL");
    ktap_check(out(HSI_REQ_SET_WAKE, 0, NULL, 0) == 0 && status(&st) &&
                   !(st.lines & HSI_LINE_ACWAKE),
               "SET_WAKE(0): ACWAKE down");
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 2, NULL, 0) == -1, "SET_WAKE wIndex 2: STALL");
    ktap_check(out(HSI_REQ_SET_RX_READY, 0x0009, NULL, 0) == 0 && status(&st) &&
                   st.ac_ready == 0x0009,
               "SET_RX_READY(0x0009): GET_STATUS shows it");
    ktap_check(out(HSI_REQ_SET_RX_READY, 0x0010, NULL, 0) == -1,
               "SET_RX_READY for channel 4 of 4 configured: STALL");
    ktap_check(out(HSI_REQ_SET_RX_READY, 0, NULL, 0) == 0, "SET_RX_READY(0)");
    ktap_check(out(HSI_REQ_SET_WAKE, 1, "x", 1) == -1, "SET_WAKE with a data stage: STALL");
}

static void break_flush_status(void)
{
    struct hsi_status st;
    uint8_t buf[HSI_STATUS_SIZE];
    struct hsi_event ev;

    ktap_check(out(HSI_REQ_SEND_BREAK, 0, NULL, 0) == -1, "SEND_BREAK with ACWAKE down: STALL");
    ktap_check(out(HSI_REQ_SET_WAKE, 1, NULL, 0) == 0 && out(HSI_REQ_SEND_BREAK, 0, NULL, 0) == 0,
               "SEND_BREAK with ACWAKE up");
    ktap_check(out(HSI_REQ_SEND_BREAK, 1, NULL, 0) == -1, "SEND_BREAK wValue 1: STALL");
    tc_drop_events(t);
    ktap_check(out(HSI_REQ_FLUSH, 3, NULL, 0) == 0, "FLUSH(TX|RX)");
    ktap_check(tc_wait_event(t, HSI_EV_TX_FLUSHED, &ev, TC_TIMEOUT), "TX_FLUSHED follows");
    ktap_check(out(HSI_REQ_FLUSH, 2, NULL, 0) == 0, "FLUSH(RX)");
    ktap_check(out(HSI_REQ_FLUSH, 0, NULL, 0) == -1, "FLUSH(0): STALL");
    ktap_check(out(HSI_REQ_FLUSH, 4, NULL, 0) == -1, "FLUSH(4): STALL");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_STATUS, 0, buf, 15) == -1,
               "GET_STATUS wLength 15: STALL");
    ktap_check(status(&st) && (st.lines & HSI_LINE_LINK_UP) && (st.lines & HSI_LINE_CONFIGURED),
               "GET_STATUS: link up, configured");
    ktap_check(out(HSI_REQ_SET_LOOPBACK, 1, NULL, 0) == 0 && status(&st) &&
                   (st.lines & HSI_LINE_LOOPBACK),
               "SET_LOOPBACK(1): GET_STATUS shows it");
    ktap_check(out(HSI_REQ_SET_LOOPBACK, 2, NULL, 0) == -1, "SET_LOOPBACK(2): STALL");
    ktap_check(out(HSI_REQ_SET_LOOPBACK, 0, NULL, 0) == 0, "SET_LOOPBACK(0)");
}

static void reset_and_unknown(void)
{
    struct hsi_event ev;
    struct hsi_status st;
    uint8_t cfg[HSI_CONFIG_SIZE];
    struct hsi_tx_config tx;

    tc_drop_events(t);
    ktap_check(out(HSI_REQ_RESET, 1, NULL, 0) == -1, "RESET wValue 1: STALL");
    ktap_check(out(HSI_REQ_RESET, 0, NULL, 0) == 0, "RESET");
    ktap_check(tc_wait_event(t, HSI_EV_DONGLE_RESET, &ev, TC_TIMEOUT) &&
                   ev.arg == HSI_RESET_REQUEST && ev.seq > 0,
               "DONGLE_RESET(1) follows, numbering goes on (seq %u)", ev.seq);
    ktap_check(status(&st) && !(st.lines & (HSI_LINE_ACWAKE | HSI_LINE_CONFIGURED)) &&
                   st.ac_ready == 0,
               "after RESET: ACWAKE down, ACREADY 0, not configured");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_CONFIG, 0, cfg, sizeof(cfg)) == HSI_CONFIG_SIZE &&
                   hsi_tx_config_get(cfg, &tx) == HSI_OK && tx.channels == 8 && tx.kbps == 50000 &&
                   tx.mode == HSI_MODE_FRAME,
               "after RESET: the default TX configuration (frame, 8 channels, 50000)");
    ktap_check(tc_vendor_out(t, HSI_REQ_TEST_INJECT, HSI_FAULT_BREAK, 0, NULL, 0) == -1,
               "TEST_INJECT without --test: STALL");
    ktap_check(out(0x00, 0, NULL, 0) == -1 && out(0x0D, 0, NULL, 0) == -1 &&
                   out(0xFF, 0, NULL, 0) == -1,
               "vendor requests 0x00, 0x0D, 0xFF: STALL");
}

int main(void)
{
    const char *const args[] = {"--channels", "8", "--speed", "50000", NULL};

    t = tc_start("loopback", args);
    ktap_begin(7);
    ktap_group("setup");
    if (ktap_check(t != NULL, "the dongle starts"))
        ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                       tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
                   "configured, events on");
    ktap_group_end();
    ktap_group("get_info");
    if (ktap_check(t != NULL, "dongle running"))
        get_info();
    ktap_group_end();
    ktap_group("tx_config");
    if (ktap_check(t != NULL, "dongle running"))
        tx_config();
    ktap_group_end();
    ktap_group("rx_config");
    if (ktap_check(t != NULL, "dongle running"))
        rx_config();
    ktap_group_end();
    ktap_group("wake_and_ready");
    if (ktap_check(t != NULL, "dongle running"))
        lines();
    ktap_group_end();
    ktap_group("break_flush_status_loopback");
    if (ktap_check(t != NULL, "dongle running"))
        break_flush_status();
    ktap_group_end();
    ktap_group("reset_and_unknown");
    if (ktap_check(t != NULL, "dongle running")) {
        reset_and_unknown();
        ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
    }
    ktap_group_end();
    return ktap_end();
}
