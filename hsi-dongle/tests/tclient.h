/*
 * tclient.h: a test client that plays QEMU's side of usbredir.
 *
 * It starts a dongle process (the sanitized build, in a private temporary
 * directory), connects to its socket the way QEMU's usb-redir device does,
 * with libusbredirparser as the usbredir "guest", and then acts as a small
 * HSI host driver would:
 *
 *   - control requests, synchronous (tc_control and friends);
 *   - events from the interrupt endpoint, queued in arrival order, with
 *     every packet checked (at most 64 bytes, whole 8-byte records);
 *   - an AP model of the bulk framing: messages are split into fragments,
 *     numbered and packed into transfers, sent only on channels whose
 *     CAREADY credit is set; bulk IN requests are kept outstanding and
 *     what comes back is parsed with lib/hsiproto, seq-checked and put
 *     back together into messages.
 *
 * Everything waits with a timeout, so a dongle that hangs fails a check
 * instead of hanging the test.
 */
#ifndef TCLIENT_H
#define TCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <usbredirparser.h>

#include "hsiproto.h"

/* ms: how long to wait for anything that must happen. Every wait ends as
 * soon as what it waits for arrives, so only a dongle that hangs reaches
 * this; it is long because a machine running other tests beside these
 * (ASan builds, QEMUs, stress) can delay a prompt answer by seconds. */
#define TC_TIMEOUT 15000

/* An answered request (control, bulk, or a status message). */
struct tc_done {
    struct tc_done *next;
    uint64_t id;
    uint8_t status; /* usb_redir_success, _stall, _cancelled, ... */
    uint8_t ep;
    uint32_t len; /* the length the answer's header gives */
    uint8_t *data;
    int data_len;
};

/* A message put back together from bulk IN (or a break, or an error). */
struct tc_msg {
    struct tc_msg *next;
    uint8_t ch;
    uint8_t flags; /* LAST, ERROR if any fragment had it, BREAK for a break */
    uint32_t len;
    uint8_t *data;
    uint64_t order; /* arrival order over all channels */
};

struct tc_xfer {
    struct tc_xfer *next;
    uint32_t len;
    uint8_t data[HSI_MAX_XFER];
};

struct tc {
    pid_t pid;
    char dir[64];
    char sock[96];
    char log[96];
    int fd;
    struct usbredirparser *p;
    bool dead;

    /* What the dongle told us about the device. */
    int connects, disconnects;
    bool attached;
    struct usb_redir_device_connect_header dev;
    struct usb_redir_interface_info_header ifinfo;
    struct usb_redir_ep_info_header epinfo;
    char order[64]; /* I(nterface info) E(p info) S(tatus) C(onnect) D(isconnect) */
    int interrupt_status;
    uint64_t next_id;
    struct tc_done *done;

    /* Events. */
    struct hsi_event *ev;
    unsigned ev_head, ev_count, ev_cap;
    unsigned event_packets, bad_event_packets;
    uint16_t credit; /* the last CAREADY mask */

    /* The AP model: sending. */
    bool respect_credit;
    uint16_t tx_seq[HSI_MAX_CHANNELS];
    struct tc_xfer *outq[HSI_MAX_CHANNELS];
    unsigned out_inflight, out_max;
    unsigned next_ch; /* round-robin position of the sender */
    unsigned out_stalls;
    uint32_t frag_max; /* largest fragment payload the sender makes */

    /* The AP model: receiving. */
    unsigned in_target, in_outstanding;
    uint64_t in_ids[16]; /* the outstanding bulk IN requests */
    uint32_t in_len;
    uint8_t rx_channels; /* what the AP's parser accepts */
    uint16_t rx_seq[HSI_MAX_CHANNELS];
    uint8_t *rx_buf[HSI_MAX_CHANNELS];
    uint32_t rx_len[HSI_MAX_CHANNELS], rx_cap[HSI_MAX_CHANNELS];
    uint8_t rx_flags[HSI_MAX_CHANNELS];
    struct tc_msg *msgs, *msgs_tail;
    uint64_t msg_order;
    unsigned rx_seq_errors, rx_bad_headers, rx_transfers;
    enum hsi_err rx_last_err;
    uint64_t rx_bytes;
};

/* The dongle under test: $HSI_DONGLE, or hsi-dongle-asan beside tests/. */
void tc_dongle_path(char *out, size_t cap);
/* Starts `hsi-dongle --socket <tmp> --mode <mode> <extra...>` and connects.
 * NULL (with a KTAP diagnostic) if it does not come up. */
struct tc *tc_start(const char *mode, const char *const *extra);
/* SIGTERMs the dongle; returns its exit status (0 clean, -1 did not exit). */
int tc_stop(struct tc *t);
/* Prints the dongle's log tail as KTAP diagnostics. */
void tc_show_log(struct tc *t, int lines);
/* Does the dongle's log (or the file at `path`) contain `text`? */
bool tc_log_has(struct tc *t, const char *text);
bool tc_file_has(const char *path, const char *text);
/* Waits up to ms for the file at `path` (a dongle's log) to contain `text`:
 * the dongle's log lines are the events a test outside usbredir can see. */
bool tc_wait_file(const char *path, const char *text, int ms);

/* The connection, like QEMU's chardev. */
void tc_disconnect(struct tc *t);
bool tc_connect(struct tc *t); /* and wait for device_connect */

/* Reads and handles what arrives within timeout_ms (0: what is there). */
void tc_pump(struct tc *t, int timeout_ms);
struct tc_done *tc_wait(struct tc *t, uint64_t id, int timeout_ms);
void tc_done_free(struct tc_done *d);

/* Control: returns the length answered, -1 for a STALL, -2 for no answer. */
int tc_control(struct tc *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index, void *data,
               uint16_t len);
int tc_vendor_out(struct tc *t, uint8_t req, uint16_t value, uint16_t index, const void *data,
                  uint16_t len);
int tc_vendor_in(struct tc *t, uint8_t req, uint16_t value, void *data, uint16_t len);
/* usbredir's own configuration messages: the answer's status, -2 if none. */
int tc_set_configuration(struct tc *t, uint8_t value);
int tc_get_configuration(struct tc *t, uint8_t *value);
int tc_set_interface(struct tc *t, uint8_t interface, uint8_t alt);
int tc_start_events(struct tc *t, uint8_t ep);

/* Raw bulk requests, for tests of the endpoints themselves. */
uint64_t tc_bulk_submit(struct tc *t, uint8_t ep, const void *data, uint32_t len);
void tc_cancel(struct tc *t, uint64_t id);

/* Events: the next one, or the first of a type (dropping those before). */
bool tc_next_event(struct tc *t, struct hsi_event *ev, int timeout_ms);
bool tc_wait_event(struct tc *t, uint8_t type, struct hsi_event *ev, int timeout_ms);
void tc_drop_events(struct tc *t);

/* Bring-up for data tests: configured, events on, TX and RX config, the
 * given ACREADY channels, ACWAKE up, reading; waits for CAREADY to cover
 * `expect_credit`. */
bool tc_bringup(struct tc *t, uint16_t ready, uint16_t expect_credit);
bool tc_config(struct tc *t, const struct hsi_tx_config *tx, const struct hsi_rx_config *rx);
int tc_status(struct tc *t, struct hsi_status *st);

/* The AP model. Reading keeps `requests` bulk IN requests of `len` bytes
 * outstanding (at most 16); 0 cancels those outstanding. */
void tc_reading(struct tc *t, unsigned requests, uint32_t len);
void tc_queue_msg(struct tc *t, uint8_t ch, const void *data, uint32_t len, uint8_t last_flags);
bool tc_out_idle(const struct tc *t);
/* Pumps until everything queued is sent (and taken by the dongle). */
bool tc_flush_out(struct tc *t, int timeout_ms);
/* The next message on ch (-1: any channel), waiting up to timeout_ms. */
struct tc_msg *tc_recv(struct tc *t, int ch, int timeout_ms);
void tc_msg_free(struct tc_msg *m);
unsigned tc_msgs_waiting(const struct tc *t);

/* A deterministic payload for message `n`. */
void tc_fill(uint8_t *buf, uint32_t len, uint32_t n);
uint64_t tc_now_ms(void);

#endif /* TCLIENT_H */
