/*
 * hsiproto.c: encoding, decoding and checking of the HSI dongle's wire
 * format (see hsiproto.h and docs/hsi-dongle.md).
 *
 * Every decoder reads bytes the other side chose, so every decoder is
 * written for hostile input: it never reads past the length it was given,
 * and every field is checked before anything trusts it. The same code runs
 * in the dongle, in the kernel driver and under libFuzzer.
 */
#include "hsiproto.h"

/* --- Little-endian field access, one byte at a time ------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void zero(uint8_t *p, size_t n)
{
    while (n--)
        *p++ = 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    while (n--)
        if (*p++)
            return false;
    return true;
}

/* --- Bulk message headers --------------------------------------------- */

void hsi_msg_hdr_put(uint8_t out[HSI_MSG_HDR_SIZE], const struct hsi_msg_hdr *h)
{
    out[0] = h->channel;
    out[1] = h->flags;
    put16(out + 2, h->seq);
    put32(out + 4, h->length);
}

void hsi_msg_hdr_get(const uint8_t in[HSI_MSG_HDR_SIZE], struct hsi_msg_hdr *h)
{
    h->channel = in[0];
    h->flags = in[1];
    h->seq = get16(in + 2);
    h->length = get32(in + 4);
}

enum hsi_err hsi_msg_hdr_check(const struct hsi_msg_hdr *h, unsigned channels, size_t room)
{
    if (h->channel >= channels || h->channel >= HSI_MAX_CHANNELS)
        return HSI_E_CHANNEL;
    if (h->flags & ~HSI_MSG_FLAGS)
        return HSI_E_FLAGS;
    if ((h->flags & HSI_MSG_BREAK) && h->length != 0)
        return HSI_E_FLAGS;
    if (h->length % 4 != 0)
        return HSI_E_ALIGN;
    if (h->length > room)
        return HSI_E_OVERRUN;
    return HSI_OK;
}

void hsi_xfer_init(struct hsi_xfer_iter *it, const uint8_t *buf, size_t len, unsigned channels)
{
    it->buf = buf;
    it->len = len;
    it->off = 0;
    it->channels = channels;
    it->err = HSI_OK;
}

bool hsi_xfer_next(struct hsi_xfer_iter *it, struct hsi_msg_hdr *h, const uint8_t **payload)
{
    size_t left = it->len - it->off;

    if (left == 0)
        return false;
    if (left < HSI_MSG_HDR_SIZE) {
        it->err = HSI_E_TRUNCATED;
        it->off = it->len;
        return false;
    }
    hsi_msg_hdr_get(it->buf + it->off, h);
    it->err = hsi_msg_hdr_check(h, it->channels, left - HSI_MSG_HDR_SIZE);
    if (it->err != HSI_OK) {
        it->off = it->len; /* the rest has no trustworthy boundary */
        return false;
    }
    *payload = it->buf + it->off + HSI_MSG_HDR_SIZE;
    it->off += HSI_MSG_HDR_SIZE + h->length;
    return true;
}

/* --- Interrupt events ------------------------------------------------- */

void hsi_event_put(uint8_t out[HSI_EVENT_SIZE], const struct hsi_event *ev)
{
    out[0] = ev->type;
    out[1] = ev->channel;
    put16(out + 2, ev->arg);
    put32(out + 4, ev->seq);
}

void hsi_event_get(const uint8_t in[HSI_EVENT_SIZE], struct hsi_event *ev)
{
    ev->type = in[0];
    ev->channel = in[1];
    ev->arg = get16(in + 2);
    ev->seq = get32(in + 4);
}

int hsi_event_count(size_t len)
{
    if (len == 0 || len > HSI_EVENTS_MAXPACKET || len % HSI_EVENT_SIZE != 0)
        return -1;
    return (int)(len / HSI_EVENT_SIZE);
}

/* --- Control payloads ------------------------------------------------- */

void hsi_info_put(uint8_t out[HSI_INFO_SIZE], const struct hsi_info *info)
{
    put16(out, info->version);
    out[2] = info->max_channels;
    out[3] = info->modes;
    put32(out + 4, info->max_kbps);
    put32(out + 8, info->max_msg_size);
    put32(out + 12, info->rx_buffer);
}

void hsi_info_get(const uint8_t in[HSI_INFO_SIZE], struct hsi_info *info)
{
    info->version = get16(in);
    info->max_channels = in[2];
    info->modes = in[3];
    info->max_kbps = get32(in + 4);
    info->max_msg_size = get32(in + 8);
    info->rx_buffer = get32(in + 12);
}

/* TX layout: mode, channels, arbitration, reserved, kbps, reserved u32. */
void hsi_tx_config_put(uint8_t out[HSI_TX_CONFIG_SIZE], const struct hsi_tx_config *c)
{
    zero(out, HSI_TX_CONFIG_SIZE);
    out[0] = c->mode;
    out[1] = c->channels;
    out[2] = c->arbitration;
    put32(out + 4, c->kbps);
}

enum hsi_err hsi_tx_config_get(const uint8_t in[HSI_TX_CONFIG_SIZE], struct hsi_tx_config *c)
{
    c->mode = in[0];
    c->channels = in[1];
    c->arbitration = in[2];
    c->kbps = get32(in + 4);
    if (in[3] != 0 || !all_zero(in + 8, 4))
        return HSI_E_RESERVED;
    return HSI_OK;
}

static bool mode_supported(uint8_t mode, const struct hsi_info *info)
{
    return (mode == HSI_MODE_STREAM || mode == HSI_MODE_FRAME) &&
           (info->modes & HSI_INFO_MODE_BIT(mode));
}

static bool channels_ok(uint8_t channels, const struct hsi_info *info)
{
    return channels >= 1 && channels <= info->max_channels && channels <= HSI_MAX_CHANNELS;
}

enum hsi_err hsi_tx_config_check(const struct hsi_tx_config *c, const struct hsi_info *info)
{
    if (!mode_supported(c->mode, info))
        return HSI_E_MODE;
    if (!channels_ok(c->channels, info))
        return HSI_E_CHANNELS;
    if (c->arbitration != HSI_ARB_ROUND_ROBIN && c->arbitration != HSI_ARB_PRIORITY)
        return HSI_E_ARBITRATION;
    if (c->kbps == 0 || c->kbps > info->max_kbps)
        return HSI_E_RATE;
    return HSI_OK;
}

/* RX layout: mode, flow, channels, reserved, timeout_ms, reserved u32. */
void hsi_rx_config_put(uint8_t out[HSI_RX_CONFIG_SIZE], const struct hsi_rx_config *c)
{
    zero(out, HSI_RX_CONFIG_SIZE);
    out[0] = c->mode;
    out[1] = c->flow;
    out[2] = c->channels;
    put32(out + 4, c->timeout_ms);
}

enum hsi_err hsi_rx_config_get(const uint8_t in[HSI_RX_CONFIG_SIZE], struct hsi_rx_config *c)
{
    c->mode = in[0];
    c->flow = in[1];
    c->channels = in[2];
    c->timeout_ms = get32(in + 4);
    if (in[3] != 0 || !all_zero(in + 8, 4))
        return HSI_E_RESERVED;
    return HSI_OK;
}

enum hsi_err hsi_rx_config_check(const struct hsi_rx_config *c, const struct hsi_info *info)
{
    if (!mode_supported(c->mode, info))
        return HSI_E_MODE;
    if (c->flow != HSI_FLOW_SYNC && c->flow != HSI_FLOW_PIPELINED)
        return HSI_E_FLOWCONTROL;
    if (!channels_ok(c->channels, info))
        return HSI_E_CHANNELS;
    return HSI_OK;
}

void hsi_status_put(uint8_t out[HSI_STATUS_SIZE], const struct hsi_status *s)
{
    out[0] = s->lines;
    out[1] = s->frame_errors;
    out[2] = s->rx_overruns;
    out[3] = s->rejected;
    put16(out + 4, s->ca_ready);
    put16(out + 6, s->ac_ready);
    put32(out + 8, s->tx_queued);
    put32(out + 12, s->rx_queued);
}

void hsi_status_get(const uint8_t in[HSI_STATUS_SIZE], struct hsi_status *s)
{
    s->lines = in[0];
    s->frame_errors = in[1];
    s->rx_overruns = in[2];
    s->rejected = in[3];
    s->ca_ready = get16(in + 4);
    s->ac_ready = get16(in + 6);
    s->tx_queued = get32(in + 8);
    s->rx_queued = get32(in + 12);
}

/* --- Names ------------------------------------------------------------ */

const char *hsi_err_name(enum hsi_err err)
{
    switch (err) {
    case HSI_OK:
        return "ok";
    case HSI_E_TRUNCATED:
        return "truncated header";
    case HSI_E_CHANNEL:
        return "channel out of range";
    case HSI_E_FLAGS:
        return "bad flags";
    case HSI_E_ALIGN:
        return "length not a multiple of 4";
    case HSI_E_OVERRUN:
        return "length past the end of the transfer";
    case HSI_E_RESERVED:
        return "reserved field not zero";
    case HSI_E_MODE:
        return "bad mode";
    case HSI_E_CHANNELS:
        return "bad channel count";
    case HSI_E_RATE:
        return "bad bit rate";
    case HSI_E_ARBITRATION:
        return "bad arbitration";
    case HSI_E_FLOWCONTROL:
        return "bad flow control";
    }
    return "unknown error";
}

const char *hsi_request_name(unsigned request)
{
    static const char *const names[] = {
        [HSI_REQ_GET_INFO] = "GET_INFO",           [HSI_REQ_SET_TX_CONFIG] = "SET_TX_CONFIG",
        [HSI_REQ_SET_RX_CONFIG] = "SET_RX_CONFIG", [HSI_REQ_GET_CONFIG] = "GET_CONFIG",
        [HSI_REQ_SET_WAKE] = "SET_WAKE",           [HSI_REQ_SET_RX_READY] = "SET_RX_READY",
        [HSI_REQ_SEND_BREAK] = "SEND_BREAK",       [HSI_REQ_FLUSH] = "FLUSH",
        [HSI_REQ_GET_STATUS] = "GET_STATUS",       [HSI_REQ_RESET] = "RESET",
        [HSI_REQ_SET_LOOPBACK] = "SET_LOOPBACK",   [HSI_REQ_TEST_INJECT] = "TEST_INJECT",
    };

    if (request < sizeof(names) / sizeof(names[0]) && names[request])
        return names[request];
    return "unknown request";
}

const char *hsi_event_name(unsigned type)
{
    switch (type) {
    case HSI_EV_LINK_UP:
        return "LINK_UP";
    case HSI_EV_CONFIG_APPLIED:
        return "CONFIG_APPLIED";
    case HSI_EV_LINK_DOWN:
        return "LINK_DOWN";
    case HSI_EV_CAWAKE_HIGH:
        return "CAWAKE_HIGH";
    case HSI_EV_CAWAKE_LOW:
        return "CAWAKE_LOW";
    case HSI_EV_CAREADY:
        return "CAREADY";
    case HSI_EV_BREAK_RECEIVED:
        return "BREAK_RECEIVED";
    case HSI_EV_RX_OVERRUN:
        return "RX_OVERRUN";
    case HSI_EV_FRAME_ERROR:
        return "FRAME_ERROR";
    case HSI_EV_DATA_TIMEOUT:
        return "DATA_TIMEOUT";
    case HSI_EV_MSG_REJECTED:
        return "MSG_REJECTED";
    case HSI_EV_SEQ_GAP:
        return "SEQ_GAP";
    case HSI_EV_TX_FLUSHED:
        return "TX_FLUSHED";
    case HSI_EV_DONGLE_RESET:
        return "DONGLE_RESET";
    }
    return "unknown event";
}

const char *hsi_fault_name(unsigned fault)
{
    switch (fault) {
    case HSI_FAULT_BREAK:
        return "break";
    case HSI_FAULT_FRAME_ERROR:
        return "frame error";
    case HSI_FAULT_OVERRUN:
        return "overrun";
    case HSI_FAULT_CAREADY_DROP:
        return "CAREADY drop";
    case HSI_FAULT_REPLUG:
        return "replug";
    case HSI_FAULT_MALFORMED:
        return "malformed message";
    }
    return "unknown fault";
}
