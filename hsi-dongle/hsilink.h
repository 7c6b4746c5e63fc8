/*
 * hsilink.h: the simulated HSI link between the dongle and the modem.
 *
 *              AC link (AP -> modem)                 far end
 *   bulk OUT -> txq[ch] --(ACWAKE, CAREADY[ch], pace)--> receive()
 *
 *              CA link (modem -> AP)
 *   bulk IN  <- rxq <--(CAWAKE, ACREADY[ch], pace)-- caq[ch] <- link_far_*()
 *
 * Lines are named after the side that drives them: the AP drives ACWAKE
 * and ACREADY, the modem CAWAKE and CAREADY. A transmitter sends only while
 * its WAKE is up and only on channels the receiver has READY; each link is
 * paced to its configured bit rate. The receiver checks what arrives: a
 * mode it cannot decode is a frame error, data with no room an overrun, a
 * message that stops half way a data timeout. A lost fragment is replaced
 * by an empty one flagged ERROR, so the AP sees where data went missing.
 */
#ifndef HSILINK_H
#define HSILINK_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "events.h"
#include "farend.h"
#include "fragq.h"
#include "hsiproto.h"
#include "pacer.h"
#include "stats.h"

/* Per channel, AP to modem: the AP has CAREADY credit while the queue
 * holds less than TX_CREDIT_BYTES; bulk OUT is held (NAKed) only when it
 * would pass TX_QUEUE_MAX, which transfers still in flight when the credit
 * went (up to 16 of 64 KiB) cannot reach. */
#define TX_CREDIT_BYTES (64u * 1024)
#define TX_QUEUE_MAX    (1024u * 1024 + TX_CREDIT_BYTES)
#define RX_FIFO_BYTES   (128u * 1024) /* per channel, modem to AP (GET_INFO) */
#define MAX_MSG_BYTES   (8u * 1024 * 1024)
#define WAKE_IDLE_NS    (5 * NS_PER_MS) /* autowake drops CAWAKE after this */

struct hsi_link {
    struct events *ev;
    struct stats *st;
    struct hsi_info info;
    uint64_t now;

    /* What the AP set. */
    struct hsi_tx_config tx;
    struct hsi_rx_config rx;
    bool tx_set, rx_set;
    bool acwake;
    uint16_t ap_ready; /* SET_RX_READY */
    bool loopback;     /* SET_LOOPBACK */

    /* The far end: the modem of the command line, or the internal loop. */
    struct farend *far;
    struct farend *loop;
    struct farend *active;

    /* What the AP has been told, to post events only on change; nothing
     * is told while `quiet` (a reset, where only the end state counts). */
    bool quiet;
    bool cawake_seen;
    uint16_t ca_ready_seen;
    uint32_t ac_ready_told; /* effective ACREADY given to the far end */

    /* TEST_INJECT state. */
    uint16_t fault_unready; /* channels whose CAREADY is held low */
    uint64_t fault_until[HSI_MAX_CHANNELS];
    uint16_t arm_frame_error; /* the next fragment on these is damaged */
    uint16_t arm_overrun;     /* the next fragment on these is lost */

    struct fragq txq[HSI_MAX_CHANNELS]; /* accepted from the AP */
    struct fragq caq[HSI_MAX_CHANNELS]; /* sent by the far end, on the wire */
    struct fragq rxq;                   /* received, for the AP, in order */
    uint32_t rx_bytes[HSI_MAX_CHANNELS];
    bool rx_open[HSI_MAX_CHANNELS];            /* a message is half received */
    bool rx_counting[HSI_MAX_CHANNELS];        /* its data timeout is running */
    uint64_t rx_quiet_since[HSI_MAX_CHANNELS]; /* ... since then */

    struct pacer ac, ca;
    uint8_t ac_next, ca_next; /* round-robin positions */
    uint64_t ca_idle_since;   /* when the CA queues last ran empty */

    /* GET_STATUS counters, cleared by RESET. */
    uint32_t frame_errors, overruns, rejected;
};

void link_init(struct hsi_link *l, const struct hsi_info *info, struct farend *far,
               struct farend *loop, struct events *ev, struct stats *st);
void link_destroy(struct hsi_link *l);
/* Power-on state: default configuration, lines low, queues emptied. */
void link_reset(struct hsi_link *l, uint64_t now);

/* Requests from the AP; the caller has validated their arguments. */
void link_set_tx_config(struct hsi_link *l, const struct hsi_tx_config *c);
void link_set_rx_config(struct hsi_link *l, const struct hsi_rx_config *c);
void link_set_acwake(struct hsi_link *l, bool up);
void link_set_ap_ready(struct hsi_link *l, uint16_t mask);
void link_send_break(struct hsi_link *l);
void link_flush(struct hsi_link *l, bool tx, bool rx);
void link_set_loopback(struct hsi_link *l, bool on);
void link_status(const struct hsi_link *l, struct hsi_status *s);

/* TEST_INJECT faults. */
void link_fault_break(struct hsi_link *l, uint8_t ch);
void link_fault_frame_error(struct hsi_link *l, uint8_t ch);
void link_fault_overrun(struct hsi_link *l, uint8_t ch);
void link_fault_caready_drop(struct hsi_link *l, uint8_t ch, uint64_t ns);

/* The AC side of bulk OUT: room in a channel's TX queue, and filling it. */
bool link_tx_room(const struct hsi_link *l, uint8_t ch, uint32_t len);
void link_tx_push(struct hsi_link *l, struct frag *f);

/* The RX side of bulk IN: the oldest received fragment, and taking n
 * payload bytes from it (the whole of it: it is freed). */
struct frag *link_rx_peek(const struct hsi_link *l);
void link_rx_take(struct hsi_link *l, uint32_t n);

/* Moves everything that may move by `now`; when to call again. */
void link_run(struct hsi_link *l, uint64_t now);
uint64_t link_deadline(const struct hsi_link *l);

/* --- For far ends ----------------------------------------------------- */

/* Transmits a fragment on the CA link (takes ownership). */
void link_far_push(struct farend *fe, struct frag *f);
/* Transmits a whole message, padded to 32-bit frames, in fragments; the
 * last one carries LAST and `flags`. Frames go in the AP's RX mode: these
 * far ends configure themselves to match the AP. */
void link_far_send_msg(struct farend *fe, uint8_t ch, const void *data, uint32_t len,
                       uint8_t flags);
void link_far_break(struct farend *fe, uint8_t ch);
void link_far_set_ready(struct farend *fe, uint16_t mask);
void link_far_set_wake(struct farend *fe, bool up);
void link_far_set_up(struct farend *fe, bool up);
/* Bytes this far end has transmitted on a channel that the dongle's
 * receiver has not taken yet: its transmit backlog. */
uint64_t link_far_backlog(const struct farend *fe, uint8_t ch);

#endif /* HSILINK_H */
