/* bulk.c: bulk OUT and bulk IN handling and framing (see bulk.h). */
#include <stdlib.h>
#include <string.h>

#include "dongle.h"
#include "log.h"

void bulk_init(struct bulk *b)
{
    memset(b, 0, sizeof(*b));
    b->malformed = -1;
}

void bulk_restart_seq(struct bulk *b)
{
    memset(b->ac_seq, 0, sizeof(b->ac_seq));
    memset(b->ca_seq, 0, sizeof(b->ca_seq));
}

static void count(struct chan_stats *cs, uint8_t flags, uint32_t len)
{
    cs->frags++;
    cs->bytes += len;
    if (flags & HSI_MSG_LAST)
        cs->msgs++;
}

/* --- Bulk OUT ---------------------------------------------------------- */

static void reject(struct dongle *d, struct out_xfer *x, enum hsi_err err)
{
    uint8_t ch = x->data[x->off]; /* what the header claimed, for the log */
    uint32_t rest = x->len - x->off;

    d->st.rejected++;
    d->st.rejected_bytes += rest;
    d->link.rejected++;
    log_warn("bulk OUT id %llu: header at offset %u refused (%s), %u bytes discarded",
             (unsigned long long)x->id, x->off, hsi_err_name(err), rest);
    events_post(&d->ev, HSI_EV_MSG_REJECTED, ch, (uint16_t)err);
    x->off = x->len;
}

static void check_seq(struct dongle *d, const struct hsi_msg_hdr *h)
{
    uint16_t want = d->bulk.ac_seq[h->channel];

    if (h->seq != want) {
        d->st.seq_gaps++;
        log_warn("bulk OUT ch %u: seq %u, expected %u", h->channel, h->seq, want);
        events_post(&d->ev, HSI_EV_SEQ_GAP, h->channel, h->seq);
    }
    d->bulk.ac_seq[h->channel] = (uint16_t)(h->seq + 1);
}

/* Takes the transfer's messages in order while their channels have room.
 * Returns true once the whole transfer is taken. */
static bool take_out(struct dongle *d, struct out_xfer *x)
{
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *payload;

    hsi_xfer_init(&it, x->data + x->off, x->len - x->off, d->link.tx.channels);
    while (hsi_xfer_next(&it, &h, &payload)) {
        struct frag *f;
        if (!link_tx_room(&d->link, h.channel, h.length))
            return false; /* held: the AP waits, as for a NAK */
        check_seq(d, &h);
        f = frag_new(h.channel, h.flags, payload, h.length);
        link_tx_push(&d->link, f);
        count(&d->st.ac[h.channel], h.flags, h.length);
        x->off += HSI_MSG_HDR_SIZE + h.length;
    }
    if (it.err != HSI_OK)
        reject(d, x, it.err);
    return true;
}

static bool service_out(struct dongle *d)
{
    bool moved = false;
    struct out_xfer *x;

    while ((x = d->bulk.out) && take_out(d, x)) {
        d->bulk.out = x->next;
        d->port->bulk_done(d->ctx, x->id, HSI_EP_BULK_OUT, USB_OK, NULL, x->len);
        free(x);
        moved = true;
    }
    return moved;
}

static void append_out(struct bulk *b, struct out_xfer *x)
{
    struct out_xfer **p = &b->out;

    while (*p)
        p = &(*p)->next;
    *p = x;
}

void bulk_out(struct dongle *d, uint64_t id, const uint8_t *data, uint32_t len)
{
    struct out_xfer *x;

    if (len > HSI_MAX_XFER) {
        log_warn("bulk OUT id %llu: %u bytes, more than a transfer may hold: STALL",
                 (unsigned long long)id, len);
        d->st.rejected++;
        d->st.rejected_bytes += len;
        d->port->bulk_done(d->ctx, id, HSI_EP_BULK_OUT, USB_STALL, NULL, 0);
        return;
    }
    log_debug("bulk OUT id %llu: %u bytes", (unsigned long long)id, len);
    x = malloc(sizeof(*x) + len);
    if (!x)
        abort();
    x->next = NULL;
    x->id = id;
    x->len = len;
    x->off = 0;
    if (len)
        memcpy(x->data, data, len);
    append_out(&d->bulk, x);
}

/* --- Bulk IN ----------------------------------------------------------- */

/* Packs received fragments into b->buf, at most cap bytes; returns the
 * transfer's length. */
static uint32_t pack_in(struct dongle *d, uint32_t cap)
{
    struct bulk *b = &d->bulk;
    uint32_t off = 0;
    struct frag *f;

    while ((f = link_rx_peek(&d->link))) {
        uint32_t room = cap - off, take = f->len;
        struct hsi_msg_hdr h = {.channel = f->ch, .flags = f->flags};

        if (room < HSI_MSG_HDR_SIZE + (f->len ? 4 : 0))
            break;
        if (HSI_MSG_HDR_SIZE + take > room) {
            if (off > 0)
                break; /* whole fragments first: this one starts the next transfer */
            take = (room - HSI_MSG_HDR_SIZE) & ~3u;
            h.flags &= (uint8_t)~HSI_MSG_LAST;
        }
        h.seq = b->ca_seq[f->ch]++;
        h.length = take;
        hsi_msg_hdr_put(b->buf + off, &h);
        memcpy(b->buf + off + HSI_MSG_HDR_SIZE, frag_payload(f), take);
        count(&d->st.ca[h.channel], h.flags, take);
        off += HSI_MSG_HDR_SIZE + take;
        link_rx_take(&d->link, take);
    }
    return off;
}

/* TEST_INJECT malformed: a header whose length is not whole frames, in a
 * transfer of its own so the AP loses nothing else when it refuses it.
 * It uses no seq number: the real stream stays gap-free. */
static uint32_t pack_malformed(struct dongle *d)
{
    struct hsi_msg_hdr h = {.channel = (uint8_t)d->bulk.malformed,
                            .flags = HSI_MSG_LAST,
                            .seq = d->bulk.ca_seq[d->bulk.malformed],
                            .length = 6};

    hsi_msg_hdr_put(d->bulk.buf, &h);
    memset(d->bulk.buf + HSI_MSG_HDR_SIZE, 0xEE, 8);
    d->bulk.malformed = -1;
    log_info("bulk IN: sending the injected malformed message");
    return HSI_MSG_HDR_SIZE + 8;
}

static bool service_in(struct dongle *d)
{
    bool moved = false;
    struct in_req *r;

    while ((r = d->bulk.in) && (d->bulk.malformed >= 0 || link_rx_peek(&d->link))) {
        uint32_t cap = r->len < HSI_MAX_XFER ? r->len : HSI_MAX_XFER;
        uint32_t n = d->bulk.malformed >= 0 ? pack_malformed(d) : pack_in(d, cap);

        d->bulk.in = r->next;
        log_debug("bulk IN id %llu: %u bytes", (unsigned long long)r->id, n);
        d->port->bulk_done(d->ctx, r->id, HSI_EP_BULK_IN, USB_OK, d->bulk.buf, n);
        free(r);
        moved = true;
    }
    return moved;
}

void bulk_in(struct dongle *d, uint64_t id, uint32_t len)
{
    struct in_req *r, **p = &d->bulk.in;

    /* Too short for a header and one frame: it could never be answered. */
    if (len < HSI_MSG_HDR_SIZE + 4) {
        log_warn("bulk IN id %llu: %u bytes cannot hold a message: STALL", (unsigned long long)id,
                 len);
        d->port->bulk_done(d->ctx, id, HSI_EP_BULK_IN, USB_STALL, NULL, 0);
        return;
    }
    r = malloc(sizeof(*r));
    if (!r)
        abort();
    r->next = NULL;
    r->id = id;
    r->len = len;
    while (*p)
        p = &(*p)->next;
    *p = r;
}

bool bulk_service(struct dongle *d)
{
    bool moved = service_out(d);

    return service_in(d) || moved;
}

void bulk_inject_malformed(struct dongle *d, uint8_t ch)
{
    d->bulk.malformed = ch;
}

/* --- Ending requests early ----------------------------------------------- */

static void count_discarded(struct dongle *d, const struct out_xfer *x)
{
    if (x->off < x->len) {
        d->st.flushed_frags++;
        d->st.flushed_bytes += x->len - x->off;
        log_info("bulk OUT id %llu: %u bytes not taken, discarded", (unsigned long long)x->id,
                 x->len - x->off);
    }
}

bool bulk_cancel(struct dongle *d, uint64_t id)
{
    for (struct in_req **p = &d->bulk.in; *p; p = &(*p)->next) {
        struct in_req *r = *p;
        if (r->id == id) {
            *p = r->next;
            d->port->bulk_done(d->ctx, id, HSI_EP_BULK_IN, USB_CANCELLED, NULL, 0);
            free(r);
            return true;
        }
    }
    for (struct out_xfer **p = &d->bulk.out; *p; p = &(*p)->next) {
        struct out_xfer *x = *p;
        if (x->id == id) {
            *p = x->next;
            count_discarded(d, x);
            d->port->bulk_done(d->ctx, id, HSI_EP_BULK_OUT, USB_CANCELLED, NULL, x->off);
            free(x);
            return true;
        }
    }
    return false;
}

void bulk_abort(struct dongle *d, bool answer)
{
    struct in_req *r;
    struct out_xfer *x;

    while ((r = d->bulk.in)) {
        d->bulk.in = r->next;
        if (answer)
            d->port->bulk_done(d->ctx, r->id, HSI_EP_BULK_IN, USB_CANCELLED, NULL, 0);
        free(r);
    }
    while ((x = d->bulk.out)) {
        d->bulk.out = x->next;
        count_discarded(d, x);
        if (answer)
            d->port->bulk_done(d->ctx, x->id, HSI_EP_BULK_OUT, USB_CANCELLED, NULL, x->off);
        free(x);
    }
    d->bulk.malformed = -1;
}

void bulk_discard_held(struct dongle *d)
{
    struct out_xfer *x;

    while ((x = d->bulk.out)) {
        d->bulk.out = x->next;
        count_discarded(d, x);
        d->port->bulk_done(d->ctx, x->id, HSI_EP_BULK_OUT, USB_OK, NULL, x->len);
        free(x);
    }
}
