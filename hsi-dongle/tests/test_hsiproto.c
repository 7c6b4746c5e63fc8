/*
 * test_hsiproto.c: unit tests of lib/hsiproto.c, the shared wire format.
 *
 * Byte layouts are checked against hand-written bytes (so an encoder and
 * a decoder cannot agree on a wrong layout), and every validator against
 * each error it is supposed to name.
 */
#include <string.h>

#include "hsiproto.h"
#include "ktap.h"

static const struct hsi_info info = {
    .version = HSI_PROTO_VERSION,
    .max_channels = 8,
    .modes = HSI_INFO_MODE_BIT(HSI_MODE_STREAM) | HSI_INFO_MODE_BIT(HSI_MODE_FRAME),
    .max_kbps = 200000,
    .max_msg_size = 1 << 20,
    .rx_buffer = 1 << 17,
};

static void message_headers(void)
{
    const uint8_t bytes[8] = {0x05, 0x04, 0x34, 0x12, 0x10, 0x00, 0x01, 0x00};
    struct hsi_msg_hdr h = {.channel = 5, .flags = HSI_MSG_LAST, .seq = 0x1234, .length = 0x10010};
    struct hsi_msg_hdr g;
    uint8_t out[8];

    hsi_msg_hdr_put(out, &h);
    ktap_check(memcmp(out, bytes, 8) == 0, "header encodes as ch, flags, seq LE16, length LE32");
    hsi_msg_hdr_get(bytes, &g);
    ktap_check(g.channel == 5 && g.flags == HSI_MSG_LAST && g.seq == 0x1234 && g.length == 0x10010,
               "header decodes field by field");
    h.length = 16;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_OK, "a good header passes");
    ktap_check(hsi_msg_hdr_check(&h, 5, 16) == HSI_E_CHANNEL, "channel 5 of 5 channels: CHANNEL");
    h.channel = 16;
    ktap_check(hsi_msg_hdr_check(&h, 200, 16) == HSI_E_CHANNEL,
               "channel 16 is out of range whatever the count says");
    h.channel = 0;
    h.flags = 0x08;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_E_FLAGS, "unknown flag bit: FLAGS");
    h.flags = HSI_MSG_BREAK;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_E_FLAGS, "BREAK with a payload: FLAGS");
    h.length = 0;
    ktap_check(hsi_msg_hdr_check(&h, 16, 0) == HSI_OK, "BREAK without a payload passes");
    h.flags = HSI_MSG_LAST;
    h.length = 6;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_E_ALIGN, "length 6: ALIGN");
    h.length = 20;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_E_OVERRUN, "length past the transfer: OVERRUN");
    h.length = 0xFFFFFFFC;
    ktap_check(hsi_msg_hdr_check(&h, 16, 16) == HSI_E_OVERRUN, "length near 4 GiB: OVERRUN");
    ktap_check(hsi_pad4(0) == 0 && hsi_pad4(1) == 4 && hsi_pad4(4) == 4 && hsi_pad4(5) == 8,
               "hsi_pad4 rounds up to whole frames");
}

static size_t put(uint8_t *buf, uint8_t ch, uint8_t flags, uint16_t seq, uint32_t len)
{
    struct hsi_msg_hdr h = {ch, flags, seq, len};

    hsi_msg_hdr_put(buf, &h);
    memset(buf + 8, 0xA0 + ch, len);
    return 8 + len;
}

static void transfers(void)
{
    uint8_t buf[256];
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *p;
    size_t n = 0;
    int count = 0;

    n += put(buf + n, 1, 0, 7, 8);
    n += put(buf + n, 2, HSI_MSG_LAST, 0, 4);
    n += put(buf + n, 1, HSI_MSG_LAST, 8, 0);
    hsi_xfer_init(&it, buf, n, 16);
    while (hsi_xfer_next(&it, &h, &p)) {
        count++;
        if (count == 2)
            ktap_check(h.channel == 2 && h.length == 4 && p == buf + 16 + 8 && p[0] == 0xA2,
                       "second message: channel, length and payload pointer");
    }
    ktap_check(count == 3 && it.err == HSI_OK, "three messages back to back, clean end");

    hsi_xfer_init(&it, buf, 0, 16);
    ktap_check(!hsi_xfer_next(&it, &h, &p) && it.err == HSI_OK, "an empty transfer: clean end");

    hsi_xfer_init(&it, buf, n + 5, 16);
    count = 0;
    while (hsi_xfer_next(&it, &h, &p))
        count++;
    ktap_check(count == 3 && it.err == HSI_E_TRUNCATED, "5 stray bytes at the end: TRUNCATED");

    n = put(buf, 0, HSI_MSG_LAST, 0, 4);
    n += put(buf + n, 9, HSI_MSG_LAST, 0, 4);
    n += put(buf + n, 0, HSI_MSG_LAST, 1, 4);
    hsi_xfer_init(&it, buf, n, 4);
    count = 0;
    while (hsi_xfer_next(&it, &h, &p))
        count++;
    ktap_check(count == 1 && it.err == HSI_E_CHANNEL && it.off == n,
               "a bad header stops the walk; nothing after it is trusted");
    ktap_check(!hsi_xfer_next(&it, &h, &p), "... and the walk stays stopped");

    n = put(buf, 0, HSI_MSG_LAST, 0, 4);
    buf[4] = 0xFF; /* length 0xFF: past the end */
    hsi_xfer_init(&it, buf, n, 16);
    ktap_check(!hsi_xfer_next(&it, &h, &p) && it.err == HSI_E_ALIGN, "length 255: ALIGN first");
    buf[4] = 0xFC;
    hsi_xfer_init(&it, buf, n, 16);
    ktap_check(!hsi_xfer_next(&it, &h, &p) && it.err == HSI_E_OVERRUN, "length 252: OVERRUN");
}

static void events(void)
{
    const uint8_t bytes[8] = {HSI_EV_CAREADY, 0xFF, 0x03, 0x00, 0x78, 0x56, 0x34, 0x12};
    struct hsi_event ev = {HSI_EV_CAREADY, HSI_EV_CHANNEL_NONE, 3, 0x12345678}, got;
    uint8_t out[8];

    hsi_event_put(out, &ev);
    ktap_check(memcmp(out, bytes, 8) == 0, "event encodes as type, channel, arg LE16, seq LE32");
    hsi_event_get(bytes, &got);
    ktap_check(got.type == ev.type && got.channel == ev.channel && got.arg == 3 &&
                   got.seq == 0x12345678,
               "event decodes");
    ktap_check(hsi_event_count(8) == 1 && hsi_event_count(64) == 8,
               "8 and 64 bytes: 1 and 8 events");
    ktap_check(hsi_event_count(0) == -1 && hsi_event_count(12) == -1 && hsi_event_count(72) == -1,
               "0, 12 and 72 bytes are not event packets");
}

static void control_payloads(void)
{
    const uint8_t info_bytes[16] = {0x00, 0x01, 8,    3,    0x40, 0x0d, 0x03, 0x00,
                                    0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x00};
    struct hsi_tx_config tx = {HSI_MODE_FRAME, 4, HSI_ARB_PRIORITY, 100000}, tx2;
    struct hsi_rx_config rx = {HSI_MODE_STREAM, HSI_FLOW_PIPELINED, 8, 50}, rx2;
    struct hsi_status st = {0x1F, 1, 2, 3, 0x00F0, 0x000F, 1000, 2000}, st2;
    struct hsi_info i2;
    uint8_t buf[HSI_STATUS_SIZE];

    hsi_info_put(buf, &info);
    ktap_check(memcmp(buf, info_bytes, 16) == 0, "GET_INFO layout");
    hsi_info_get(info_bytes, &i2);
    ktap_check(i2.version == info.version && i2.max_channels == info.max_channels &&
                   i2.modes == info.modes && i2.max_kbps == info.max_kbps &&
                   i2.max_msg_size == info.max_msg_size && i2.rx_buffer == info.rx_buffer,
               "GET_INFO decodes");

    hsi_tx_config_put(buf, &tx);
    ktap_check(buf[0] == 2 && buf[1] == 4 && buf[2] == 1 && buf[3] == 0 && buf[4] == 0xA0 &&
                   buf[5] == 0x86 && buf[6] == 0x01 && buf[8] == 0,
               "SET_TX_CONFIG layout: mode, channels, arbitration, 0, kbps LE32, 0");
    ktap_check(hsi_tx_config_get(buf, &tx2) == HSI_OK && tx2.kbps == 100000 && tx2.channels == 4,
               "SET_TX_CONFIG decodes");
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_OK, "a good TX config passes");
    buf[3] = 1;
    ktap_check(hsi_tx_config_get(buf, &tx2) == HSI_E_RESERVED, "reserved byte 3 set: RESERVED");
    buf[3] = 0;
    buf[11] = 1;
    ktap_check(hsi_tx_config_get(buf, &tx2) == HSI_E_RESERVED, "reserved byte 11 set: RESERVED");
    tx2 = tx;
    tx2.mode = 3;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_MODE, "mode 3: MODE");
    tx2 = tx;
    tx2.channels = 0;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_CHANNELS, "0 channels: CHANNELS");
    tx2.channels = 9;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_CHANNELS, "9 of 8 channels: CHANNELS");
    tx2 = tx;
    tx2.arbitration = 2;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_ARBITRATION, "arbitration 2: ARBITRATION");
    tx2 = tx;
    tx2.kbps = 0;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_RATE, "0 kbit/s: RATE");
    tx2.kbps = 200001;
    ktap_check(hsi_tx_config_check(&tx2, &info) == HSI_E_RATE, "above max_kbps: RATE");

    hsi_rx_config_put(buf, &rx);
    ktap_check(buf[0] == 1 && buf[1] == 1 && buf[2] == 8 && buf[4] == 50 && buf[8] == 0,
               "SET_RX_CONFIG layout: mode, flow, channels, 0, timeout LE32, 0");
    ktap_check(hsi_rx_config_get(buf, &rx2) == HSI_OK && rx2.timeout_ms == 50 &&
                   hsi_rx_config_check(&rx2, &info) == HSI_OK,
               "SET_RX_CONFIG decodes and passes");
    rx2.flow = 2;
    ktap_check(hsi_rx_config_check(&rx2, &info) == HSI_E_FLOWCONTROL, "flow 2: FLOWCONTROL");
    rx2 = rx;
    rx2.mode = 0;
    ktap_check(hsi_rx_config_check(&rx2, &info) == HSI_E_MODE, "mode 0: MODE");
    rx2 = rx;
    rx2.channels = 17;
    ktap_check(hsi_rx_config_check(&rx2, &info) == HSI_E_CHANNELS, "17 channels: CHANNELS");
    buf[9] = 1;
    ktap_check(hsi_rx_config_get(buf, &rx2) == HSI_E_RESERVED, "reserved byte 9 set: RESERVED");

    hsi_status_put(buf, &st);
    ktap_check(buf[0] == 0x1F && buf[3] == 3 && buf[4] == 0xF0 && buf[6] == 0x0F &&
                   buf[8] == 0xE8 && buf[9] == 0x03 && buf[12] == 0xD0,
               "GET_STATUS layout");
    hsi_status_get(buf, &st2);
    ktap_check(st2.lines == st.lines && st2.frame_errors == 1 && st2.rx_overruns == 2 &&
                   st2.rejected == 3 && st2.ca_ready == st.ca_ready &&
                   st2.ac_ready == st.ac_ready && st2.tx_queued == 1000 && st2.rx_queued == 2000,
               "GET_STATUS decodes");
}

static void names(void)
{
    bool ok = true;

    for (unsigned r = HSI_REQ_GET_INFO; r <= HSI_REQ_TEST_INJECT; r++)
        ok &= strcmp(hsi_request_name(r), "unknown request") != 0;
    ktap_check(ok, "every request has a name");
    ktap_check(strcmp(hsi_request_name(0), "unknown request") == 0 &&
                   strcmp(hsi_request_name(200), "unknown request") == 0,
               "requests 0 and 200 are unknown");
    ok = true;
    for (unsigned e = HSI_OK; e <= HSI_E_FLOWCONTROL; e++)
        ok &= strcmp(hsi_err_name((enum hsi_err)e), "unknown error") != 0;
    ktap_check(ok, "every error has a name");
    ktap_check(strcmp(hsi_event_name(HSI_EV_DONGLE_RESET), "DONGLE_RESET") == 0 &&
                   strcmp(hsi_event_name(0x99), "unknown event") == 0,
               "event names");
    ktap_check(strcmp(hsi_fault_name(HSI_FAULT_MALFORMED), "malformed message") == 0 &&
                   strcmp(hsi_fault_name(0), "unknown fault") == 0,
               "fault names");
}

int main(void)
{
    ktap_begin(5);
    ktap_group("message_headers");
    message_headers();
    ktap_group_end();
    ktap_group("transfers");
    transfers();
    ktap_group_end();
    ktap_group("events");
    events();
    ktap_group_end();
    ktap_group("control_payloads");
    control_payloads();
    ktap_group_end();
    ktap_group("names");
    names();
    ktap_group_end();
    return ktap_end();
}
