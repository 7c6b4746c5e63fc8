/*
 * hsiproto.h: the wire format of the KeLab HSI USB dongle.
 *
 * One definition of the protocol for both ends of the USB cable: the host
 * program that plays the dongle (hsi-dongle) and the kernel's USB
 * driver compile this very file, so a message the dongle writes is parsed
 * by the same code that will parse it in the guest. docs/hsi-dongle.md is
 * the prose version of what this header defines.
 *
 * Freestanding on purpose: only <stdint.h>, <stddef.h> and <stdbool.h>, no
 * libc, no allocation. Everything on the wire is little-endian and is read
 * and written a byte at a time, so neither the host's byte order nor the
 * alignment of a USB buffer matters.
 */
#ifndef HSIPROTO_H
#define HSIPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- The USB device -------------------------------------------------- */

#define HSI_USB_VID          0x1209 /* pid.codes open-source vendor id */
#define HSI_USB_PID          0x0001
#define HSI_USB_BCD_DEVICE   0x0100
#define HSI_IF_CLASS         0xFF /* vendor specific */
#define HSI_IF_SUBCLASS      0x48 /* 'H' */
#define HSI_IF_PROTOCOL      0x01
#define HSI_EP_BULK_OUT      0x01 /* AP to modem: the AC link */
#define HSI_EP_BULK_IN       0x81 /* modem to AP: the CA link */
#define HSI_EP_EVENTS        0x82 /* interrupt IN: link events */
#define HSI_EP0_MAXPACKET    64
#define HSI_BULK_MAXPACKET   512
#define HSI_EVENTS_MAXPACKET 64

#define HSI_PROTO_VERSION 0x0100 /* 1.0, reported by GET_INFO */
#define HSI_MAX_CHANNELS  16

/* --- Vendor control requests (bmRequestType 0x41 OUT / 0xC1 IN) -------- */

#define HSI_REQTYPE_OUT 0x41 /* host to device, vendor, interface */
#define HSI_REQTYPE_IN  0xC1 /* device to host, vendor, interface */

enum hsi_request {
    HSI_REQ_GET_INFO = 0x01,
    HSI_REQ_SET_TX_CONFIG = 0x02,
    HSI_REQ_SET_RX_CONFIG = 0x03,
    HSI_REQ_GET_CONFIG = 0x04,
    HSI_REQ_SET_WAKE = 0x05,
    HSI_REQ_SET_RX_READY = 0x06,
    HSI_REQ_SEND_BREAK = 0x07,
    HSI_REQ_FLUSH = 0x08,
    HSI_REQ_GET_STATUS = 0x09,
    HSI_REQ_RESET = 0x0A,
    HSI_REQ_SET_LOOPBACK = 0x0B,
    HSI_REQ_TEST_INJECT = 0x0C,
};

/* FLUSH wValue bits */
#define HSI_FLUSH_TX 0x01
#define HSI_FLUSH_RX 0x02

/* TEST_INJECT: wValue low byte is the fault, high byte its argument. */
enum hsi_fault {
    HSI_FAULT_BREAK = 1,        /* the modem sends a break on the channel */
    HSI_FAULT_FRAME_ERROR = 2,  /* the next frame received on it is corrupt */
    HSI_FAULT_OVERRUN = 3,      /* the next fragment received on it is lost */
    HSI_FAULT_CAREADY_DROP = 4, /* the modem drops CAREADY, arg x 10 ms */
    HSI_FAULT_REPLUG = 5,       /* USB disconnect, then connect again */
    HSI_FAULT_MALFORMED = 6,    /* the next bulk IN carries a bad header */
};

/* --- Control request payloads ----------------------------------------- */

enum hsi_mode { HSI_MODE_STREAM = 1, HSI_MODE_FRAME = 2 };
enum hsi_flow { HSI_FLOW_SYNC = 0, HSI_FLOW_PIPELINED = 1 };
enum hsi_arb { HSI_ARB_ROUND_ROBIN = 0, HSI_ARB_PRIORITY = 1 };

/* GET_INFO modes bitmap: bit (mode - 1) set if the mode is supported. */
#define HSI_INFO_MODE_BIT(mode) (1u << ((mode)-1))

#define HSI_INFO_SIZE 16
struct hsi_info {
    uint16_t version;      /* HSI_PROTO_VERSION */
    uint8_t max_channels;  /* 1..16 */
    uint8_t modes;         /* HSI_INFO_MODE_BIT() set */
    uint32_t max_kbps;     /* highest bit rate SET_TX_CONFIG accepts */
    uint32_t max_msg_size; /* longest message the modem takes, bytes */
    uint32_t rx_buffer;    /* receive buffer per channel, bytes */
};

#define HSI_TX_CONFIG_SIZE 12
struct hsi_tx_config {
    uint8_t mode;        /* enum hsi_mode */
    uint8_t channels;    /* 1..max_channels */
    uint8_t arbitration; /* enum hsi_arb */
    uint32_t kbps;       /* 1..max_kbps */
};

#define HSI_RX_CONFIG_SIZE 12
struct hsi_rx_config {
    uint8_t mode;        /* enum hsi_mode, must match the transmitter's */
    uint8_t flow;        /* enum hsi_flow */
    uint8_t channels;    /* 1..max_channels */
    uint32_t timeout_ms; /* data timeout, 0 = never */
};

#define HSI_CONFIG_SIZE (HSI_TX_CONFIG_SIZE + HSI_RX_CONFIG_SIZE) /* GET_CONFIG */

/* GET_STATUS lines bits */
#define HSI_LINE_ACWAKE     0x01
#define HSI_LINE_CAWAKE     0x02
#define HSI_LINE_LOOPBACK   0x04
#define HSI_LINE_LINK_UP    0x08
#define HSI_LINE_CONFIGURED 0x10 /* both SET_TX_CONFIG and SET_RX_CONFIG done */

#define HSI_STATUS_SIZE 16
struct hsi_status {
    uint8_t lines;        /* HSI_LINE_* */
    uint8_t frame_errors; /* counters saturate at 255 */
    uint8_t rx_overruns;
    uint8_t rejected;   /* bulk OUT headers refused */
    uint16_t ca_ready;  /* channels the modem accepts: AP may send */
    uint16_t ac_ready;  /* channels the AP accepts (SET_RX_READY) */
    uint32_t tx_queued; /* bytes accepted from the AP, not yet sent */
    uint32_t rx_queued; /* bytes received, not yet read by the AP */
};

/* --- Bulk framing ----------------------------------------------------- */

/*
 * A bulk transfer carries whole messages back to back, each an 8-byte
 * header and a payload of `length` bytes, a multiple of 4 (HSI moves
 * 32-bit frames). Transfers are at most 64 KiB; longer messages are split
 * into fragments and only the final fragment carries LAST.
 */
#define HSI_MSG_HDR_SIZE     8
#define HSI_MAX_XFER         65536
#define HSI_MAX_FRAG_PAYLOAD (HSI_MAX_XFER - HSI_MSG_HDR_SIZE)

#define HSI_MSG_BREAK 0x01 /* a break frame, no payload */
#define HSI_MSG_ERROR 0x02 /* the payload is partial: data was lost */
#define HSI_MSG_LAST  0x04 /* end of message */
#define HSI_MSG_FLAGS (HSI_MSG_BREAK | HSI_MSG_ERROR | HSI_MSG_LAST)

struct hsi_msg_hdr {
    uint8_t channel;
    uint8_t flags;   /* HSI_MSG_* */
    uint16_t seq;    /* per channel and direction, one per fragment */
    uint32_t length; /* payload bytes, a multiple of 4 */
};

/* Why a header or request payload was refused. */
enum hsi_err {
    HSI_OK = 0,
    HSI_E_TRUNCATED,   /* fewer than 8 bytes left for a header */
    HSI_E_CHANNEL,     /* channel number out of range */
    HSI_E_FLAGS,       /* unknown flag, or BREAK with a payload */
    HSI_E_ALIGN,       /* length not a multiple of 4 */
    HSI_E_OVERRUN,     /* length runs past the end of the transfer */
    HSI_E_RESERVED,    /* a reserved field is not zero */
    HSI_E_MODE,        /* mode not stream or frame */
    HSI_E_CHANNELS,    /* channel count outside 1..max */
    HSI_E_RATE,        /* bit rate outside 1..max */
    HSI_E_ARBITRATION, /* arbitration not round-robin or priority */
    HSI_E_FLOWCONTROL, /* flow not synchronized or pipelined */
};

/* The payload length rounded up to whole 32-bit frames. */
static inline uint32_t hsi_pad4(uint32_t n)
{
    return (n + 3u) & ~3u;
}

void hsi_msg_hdr_put(uint8_t out[HSI_MSG_HDR_SIZE], const struct hsi_msg_hdr *h);
void hsi_msg_hdr_get(const uint8_t in[HSI_MSG_HDR_SIZE], struct hsi_msg_hdr *h);

/* Checks one decoded header against the channel count and the bytes that
 * follow it in the transfer. */
enum hsi_err hsi_msg_hdr_check(const struct hsi_msg_hdr *h, unsigned channels, size_t room);

/*
 * Walks the messages of one bulk transfer. hsi_xfer_next() returns true
 * with the next header and its payload, or false at the end of the
 * transfer or at the first bad header; `err` then says which (HSI_OK at a
 * clean end). Nothing after a bad header can be trusted, because its
 * length is what would have located the next one.
 */
struct hsi_xfer_iter {
    const uint8_t *buf;
    size_t len;
    size_t off;
    unsigned channels;
    enum hsi_err err;
};

void hsi_xfer_init(struct hsi_xfer_iter *it, const uint8_t *buf, size_t len, unsigned channels);
bool hsi_xfer_next(struct hsi_xfer_iter *it, struct hsi_msg_hdr *h, const uint8_t **payload);

/* --- Interrupt events ------------------------------------------------- */

#define HSI_EVENT_SIZE      8
#define HSI_EVENTS_PER_XFER (HSI_EVENTS_MAXPACKET / HSI_EVENT_SIZE)

enum hsi_event_type {
    HSI_EV_LINK_UP = 0x01,
    HSI_EV_CONFIG_APPLIED = 0x02, /* arg 1 TX, 2 RX */
    HSI_EV_LINK_DOWN = 0x03,
    HSI_EV_CAWAKE_HIGH = 0x10,
    HSI_EV_CAWAKE_LOW = 0x11,
    HSI_EV_CAREADY = 0x12, /* arg = channels that may transmit */
    HSI_EV_BREAK_RECEIVED = 0x20,
    HSI_EV_RX_OVERRUN = 0x30,  /* arg = bytes lost */
    HSI_EV_FRAME_ERROR = 0x31, /* arg = bytes lost */
    HSI_EV_DATA_TIMEOUT = 0x32,
    HSI_EV_MSG_REJECTED = 0x33, /* arg = enum hsi_err */
    HSI_EV_SEQ_GAP = 0x34,      /* arg = the seq that arrived */
    HSI_EV_TX_FLUSHED = 0x40,   /* arg = fragments dropped */
    HSI_EV_DONGLE_RESET = 0xFF, /* arg = enum hsi_reset_reason */
};

enum hsi_reset_reason {
    HSI_RESET_PLUG = 0,    /* the device was (re)connected */
    HSI_RESET_REQUEST = 1, /* the RESET request */
    HSI_RESET_USB = 2,     /* a USB port reset */
};

#define HSI_EV_CHANNEL_NONE 0xFF /* the event concerns no single channel */

struct hsi_event {
    uint8_t type;
    uint8_t channel;
    uint16_t arg;
    uint32_t seq; /* global, +1 per event: a gap means events were lost */
};

void hsi_event_put(uint8_t out[HSI_EVENT_SIZE], const struct hsi_event *ev);
void hsi_event_get(const uint8_t in[HSI_EVENT_SIZE], struct hsi_event *ev);

/* How many events an interrupt transfer of `len` bytes holds, or -1 when
 * the length is not a whole number of records (at most one packet). */
int hsi_event_count(size_t len);

/* --- Control payload encoders, decoders and validators ------------------ */

void hsi_info_put(uint8_t out[HSI_INFO_SIZE], const struct hsi_info *info);
void hsi_info_get(const uint8_t in[HSI_INFO_SIZE], struct hsi_info *info);

void hsi_tx_config_put(uint8_t out[HSI_TX_CONFIG_SIZE], const struct hsi_tx_config *c);
/* Decoding fails with HSI_E_RESERVED when a reserved byte is set. */
enum hsi_err hsi_tx_config_get(const uint8_t in[HSI_TX_CONFIG_SIZE], struct hsi_tx_config *c);
enum hsi_err hsi_tx_config_check(const struct hsi_tx_config *c, const struct hsi_info *info);

void hsi_rx_config_put(uint8_t out[HSI_RX_CONFIG_SIZE], const struct hsi_rx_config *c);
enum hsi_err hsi_rx_config_get(const uint8_t in[HSI_RX_CONFIG_SIZE], struct hsi_rx_config *c);
enum hsi_err hsi_rx_config_check(const struct hsi_rx_config *c, const struct hsi_info *info);

void hsi_status_put(uint8_t out[HSI_STATUS_SIZE], const struct hsi_status *s);
void hsi_status_get(const uint8_t in[HSI_STATUS_SIZE], struct hsi_status *s);

/* --- Names for logs --------------------------------------------------- */

const char *hsi_err_name(enum hsi_err err);
const char *hsi_request_name(unsigned request);
const char *hsi_event_name(unsigned type);
const char *hsi_fault_name(unsigned fault);

#endif /* HSIPROTO_H */
