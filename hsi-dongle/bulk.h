/*
 * bulk.h: the two bulk endpoints and their framing.
 *
 * Bulk OUT (AC): each transfer is walked with hsi_xfer_next(); its whole
 * messages go into the TX queues of their channels. When a channel's queue
 * is full the transfer is held, unanswered, which on a real wire is the
 * device NAKing: the host simply waits. A bad header is refused (event,
 * counter, log line) together with the rest of its transfer.
 *
 * Bulk IN (CA): the host asks with a length only. The request is held
 * until received data exists, then completed with as many whole fragments
 * as fit (a fragment is split only when it alone is bigger than the
 * transfer), each header carrying the channel's next seq number.
 */
#ifndef BULK_H
#define BULK_H

#include <stdbool.h>
#include <stdint.h>

#include "hsiproto.h"

struct dongle;

struct in_req {
    struct in_req *next;
    uint64_t id;
    uint32_t len;
};

struct out_xfer {
    struct out_xfer *next;
    uint64_t id;
    uint32_t len;
    uint32_t off; /* bytes of the transfer already taken */
    uint8_t data[];
};

struct bulk {
    struct in_req *in;                 /* pending bulk IN requests, oldest first */
    struct out_xfer *out;              /* bulk OUT transfers not yet taken, oldest first */
    uint16_t ac_seq[HSI_MAX_CHANNELS]; /* next seq expected from the AP */
    uint16_t ca_seq[HSI_MAX_CHANNELS]; /* next seq the dongle writes */
    int malformed;                     /* TEST_INJECT: channel, or -1 */
    uint8_t buf[HSI_MAX_XFER];         /* a bulk IN transfer being built */
};

void bulk_init(struct bulk *b);
void bulk_out(struct dongle *d, uint64_t id, const uint8_t *data, uint32_t len);
void bulk_in(struct dongle *d, uint64_t id, uint32_t len);
/* Moves what can move; true if anything did. */
bool bulk_service(struct dongle *d);
bool bulk_cancel(struct dongle *d, uint64_t id);
/* Every request ends: answered CANCELLED if `answer`, else just freed
 * (the host is gone). */
void bulk_abort(struct dongle *d, bool answer);
/* RESET: transfers being held are taken and their data discarded. */
void bulk_discard_held(struct dongle *d);
/* A new start for the seq numbers of both directions. */
void bulk_restart_seq(struct bulk *b);
/* TEST_INJECT malformed: the next bulk IN carries a bad header. */
void bulk_inject_malformed(struct dongle *d, uint8_t ch);

#endif /* BULK_H */
