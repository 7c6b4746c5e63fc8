/*
 * hsilink.c: the simulated HSI link (see hsilink.h for the picture).
 *
 * link_run() is the engine. It is called after every input and at every
 * deadline, and moves whatever the rules allow:
 *
 *   AC: while ACWAKE is up and the pacer has credit, take the next
 *       fragment from a channel whose CAREADY is set (round-robin or by
 *       priority) and hand it to the far end.
 *   CA: while CAWAKE is up and the pacer has credit, take the next
 *       fragment the far end sent on a channel the dongle can receive on
 *       and check it into the RX queue, where bulk IN finds it.
 *
 * Every line change that the AP can observe is posted as an event, once,
 * in the order it happened.
 */
#include <string.h>

#include "hsilink.h"
#include "log.h"

static uint16_t bit(unsigned ch)
{
    return (uint16_t)(1u << ch);
}

static uint16_t channel_mask(unsigned channels)
{
    return channels >= HSI_MAX_CHANNELS ? 0xFFFF : (uint16_t)(bit(channels) - 1);
}

static uint16_t clamp16(uint64_t v)
{
    return v > 0xFFFF ? 0xFFFF : (uint16_t)v;
}

static uint8_t clamp8(uint32_t v)
{
    return v > 0xFF ? 0xFF : (uint8_t)v;
}

static const struct hsi_tx_config default_tx = {
    .mode = HSI_MODE_FRAME, .arbitration = HSI_ARB_ROUND_ROBIN,
    /* channels and kbps come from GET_INFO: everything the dongle has */
};

static const struct hsi_rx_config default_rx = {
    .mode = HSI_MODE_FRAME,
    .flow = HSI_FLOW_SYNC,
    .timeout_ms = 0,
};

/* --- Lines ------------------------------------------------------------ */

/* The channels the modem can receive on now. */
static uint16_t modem_ready(const struct hsi_link *l)
{
    return l->active->ready & ~l->fault_unready & channel_mask(l->tx.channels);
}

/* CAREADY as the AP sees it: its transmit credit, the modem's CAREADY and
 * room in the dongle's TX queue. */
static uint16_t link_ca_ready(const struct hsi_link *l)
{
    uint16_t mask = modem_ready(l);

    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if (l->txq[ch].bytes >= TX_CREDIT_BYTES)
            mask &= (uint16_t)~bit(ch);
    return mask;
}

/* ACREADY toward the modem: the AP's mask, limited to configured channels
 * with room left in the dongle's receive buffer. */
static uint16_t link_ac_ready(const struct hsi_link *l)
{
    uint16_t mask = 0;

    for (unsigned ch = 0; ch < l->rx.channels; ch++)
        if ((l->ap_ready & bit(ch)) && l->rx_bytes[ch] < RX_FIFO_BYTES)
            mask |= bit(ch);
    return mask;
}

/* Posts CAWAKE and CAREADY events for whatever changed since the AP was
 * last told. Calls nothing back, so far ends may use it freely. */
static void present_ca_lines(struct hsi_link *l)
{
    bool wake = l->active->wake;
    uint16_t ready = link_ca_ready(l);

    if (l->quiet)
        return;
    if (wake != l->cawake_seen) {
        l->cawake_seen = wake;
        events_post(l->ev, wake ? HSI_EV_CAWAKE_HIGH : HSI_EV_CAWAKE_LOW, HSI_EV_CHANNEL_NONE, 0);
    }
    if (ready != l->ca_ready_seen) {
        l->ca_ready_seen = ready;
        events_post(l->ev, HSI_EV_CAREADY, HSI_EV_CHANNEL_NONE, ready);
    }
}

/* Tells the far end when the set of channels it may send on changes. */
static void tell_ac_ready(struct hsi_link *l)
{
    uint16_t mask = link_ac_ready(l);

    if (mask != l->ac_ready_told) {
        l->ac_ready_told = mask;
        l->active->ops->acready(l->active, mask);
    }
}

static bool caq_empty(const struct hsi_link *l)
{
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if (l->caq[ch].head)
            return false;
    return true;
}

/* A modem raises CAWAKE before it transmits and lets it drop once it has
 * had nothing to send for WAKE_IDLE_NS. */
static void autowake(struct hsi_link *l, uint64_t now)
{
    struct farend *fe = l->active;

    if (!fe->ops->autowake)
        return;
    if (!caq_empty(l)) {
        l->ca_idle_since = now;
        if (!fe->wake)
            link_far_set_wake(fe, true);
    } else if (fe->wake && now - l->ca_idle_since >= WAKE_IDLE_NS) {
        link_far_set_wake(fe, false);
    }
}

/* Swaps the far end the AP talks to (SET_LOOPBACK). The one leaving sees
 * the AP's lines go down, the one arriving sees them as they are. */
static void activate(struct hsi_link *l, struct farend *fe)
{
    struct farend *old = l->active;

    if (old == fe)
        return;
    l->active = fe;
    old->ops->acwake(old, false);
    old->ops->acready(old, 0);
    fe->ops->acwake(fe, l->acwake);
    l->ac_ready_told = UINT32_MAX;
    tell_ac_ready(l);
    if (fe->up != old->up)
        events_post(l->ev, fe->up ? HSI_EV_LINK_UP : HSI_EV_LINK_DOWN, HSI_EV_CHANNEL_NONE, 0);
    present_ca_lines(l);
}

/* --- Setup ------------------------------------------------------------ */

void link_init(struct hsi_link *l, const struct hsi_info *info, struct farend *far,
               struct farend *loop, struct events *ev, struct stats *st)
{
    memset(l, 0, sizeof(*l));
    l->info = *info;
    l->far = far;
    l->loop = loop;
    l->active = far;
    l->ev = ev;
    l->st = st;
    far->link = l;
    loop->link = l;
    l->tx = default_tx;
    l->rx = default_rx;
}

static uint64_t clear_all_queues(struct hsi_link *l, uint64_t *bytes)
{
    uint64_t frags = fragq_clear(&l->rxq, bytes);

    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++) {
        frags += fragq_clear(&l->txq[ch], bytes);
        frags += fragq_clear(&l->caq[ch], bytes);
        l->rx_bytes[ch] = 0;
        l->rx_open[ch] = false;
        l->rx_counting[ch] = false;
    }
    return frags;
}

void link_destroy(struct hsi_link *l)
{
    uint64_t bytes = 0;

    clear_all_queues(l, &bytes);
    l->far->ops->destroy(l->far);
    l->loop->ops->destroy(l->loop);
}

void link_reset(struct hsi_link *l, uint64_t now)
{
    uint64_t bytes = 0, frags = clear_all_queues(l, &bytes);

    if (frags) {
        l->st->flushed_frags += frags;
        l->st->flushed_bytes += bytes;
        log_info("reset: dropped %llu queued fragments (%llu bytes)", (unsigned long long)frags,
                 (unsigned long long)bytes);
    }
    l->now = now;
    l->tx = default_tx;
    l->tx.channels = l->info.max_channels;
    l->tx.kbps = l->info.max_kbps;
    l->rx = default_rx;
    l->rx.channels = l->info.max_channels;
    l->tx_set = l->rx_set = false;
    l->acwake = false;
    l->ap_ready = 0;
    l->loopback = false;
    l->fault_unready = 0;
    l->arm_frame_error = l->arm_overrun = 0;
    l->frame_errors = l->overruns = l->rejected = 0;
    pacer_start(&l->ac, l->tx.kbps, now);
    pacer_start(&l->ca, l->tx.kbps, now);
    l->ac_next = l->ca_next = 0;
    l->ca_idle_since = now;

    l->active = l->far;
    l->cawake_seen = false;
    l->ca_ready_seen = 0;
    l->ac_ready_told = UINT32_MAX;
    if (l->active->up)
        events_post(l->ev, HSI_EV_LINK_UP, HSI_EV_CHANNEL_NONE, 0);
    l->quiet = true;
    l->loop->ops->reset(l->loop, now);
    l->far->ops->reset(l->far, now);
    tell_ac_ready(l);
    l->quiet = false;
    present_ca_lines(l);
}

/* --- Requests from the AP ----------------------------------------------- */

void link_set_tx_config(struct hsi_link *l, const struct hsi_tx_config *c)
{
    l->tx = *c;
    l->tx_set = true;
    /* The modem clocks its side at the rate the AP chose: one bit rate for
     * the whole link, as a real modem would be configured to match. */
    pacer_start(&l->ac, c->kbps, l->now);
    pacer_start(&l->ca, c->kbps, l->now);
    present_ca_lines(l);
}

void link_set_rx_config(struct hsi_link *l, const struct hsi_rx_config *c)
{
    l->rx = *c;
    l->rx_set = true;
    tell_ac_ready(l);
}

void link_set_acwake(struct hsi_link *l, bool up)
{
    if (l->acwake == up)
        return;
    l->acwake = up;
    l->active->ops->acwake(l->active, up);
}

void link_set_ap_ready(struct hsi_link *l, uint16_t mask)
{
    l->ap_ready = mask;
    tell_ac_ready(l);
}

void link_send_break(struct hsi_link *l)
{
    struct frag *f = frag_new(0, HSI_MSG_BREAK, NULL, 0);

    f->mode = l->tx.mode;
    pacer_spend(&l->ac, hsi_wire_bits(l->tx.mode, l->tx.channels, 0));
    l->st->breaks_sent++;
    l->active->ops->receive(l->active, f);
}

void link_flush(struct hsi_link *l, bool tx, bool rx)
{
    uint64_t frags = 0, bytes = 0;

    if (tx) {
        for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
            frags += fragq_clear(&l->txq[ch], &bytes);
        events_post(l->ev, HSI_EV_TX_FLUSHED, HSI_EV_CHANNEL_NONE, clamp16(frags));
    }
    if (rx) {
        /* What the far end had on the wire goes too: the AP asked for a
         * clean receive side. */
        frags += fragq_clear(&l->rxq, &bytes);
        for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++) {
            frags += fragq_clear(&l->caq[ch], &bytes);
            l->rx_bytes[ch] = 0;
            l->rx_open[ch] = false;
        }
    }
    l->st->flushed_frags += frags;
    l->st->flushed_bytes += bytes;
    log_info("flush%s%s: dropped %llu fragments (%llu bytes)", tx ? " TX" : "", rx ? " RX" : "",
             (unsigned long long)frags, (unsigned long long)bytes);
    tell_ac_ready(l);
}

void link_set_loopback(struct hsi_link *l, bool on)
{
    l->loopback = on;
    activate(l, on ? l->loop : l->far);
}

void link_status(const struct hsi_link *l, struct hsi_status *s)
{
    uint64_t queued = 0;

    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        queued += l->txq[ch].bytes;
    s->lines = (l->acwake ? HSI_LINE_ACWAKE : 0) | (l->active->wake ? HSI_LINE_CAWAKE : 0) |
               (l->loopback ? HSI_LINE_LOOPBACK : 0) | (l->active->up ? HSI_LINE_LINK_UP : 0) |
               (l->tx_set && l->rx_set ? HSI_LINE_CONFIGURED : 0);
    s->frame_errors = clamp8(l->frame_errors);
    s->rx_overruns = clamp8(l->overruns);
    s->rejected = clamp8(l->rejected);
    s->ca_ready = link_ca_ready(l);
    s->ac_ready = l->ap_ready;
    s->tx_queued = queued > UINT32_MAX ? UINT32_MAX : (uint32_t)queued;
    s->rx_queued = l->rxq.bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)l->rxq.bytes;
}

/* --- The receiver ----------------------------------------------------- */

static void rx_enqueue(struct hsi_link *l, struct frag *f)
{
    l->rx_bytes[f->ch] += f->len;
    l->rx_open[f->ch] = !(f->flags & (HSI_MSG_LAST | HSI_MSG_BREAK));
    l->rx_quiet_since[f->ch] = l->now;
    fragq_push(&l->rxq, f);
}

/* A fragment the receiver could not take: counted, reported, and replaced
 * by an empty ERROR fragment that keeps its place (and its LAST). */
static void rx_lose(struct hsi_link *l, struct frag *f, uint8_t event)
{
    struct frag *marker = frag_new(f->ch, HSI_MSG_ERROR | (f->flags & HSI_MSG_LAST), NULL, 0);

    if (event == HSI_EV_FRAME_ERROR) {
        l->frame_errors++;
        l->st->frame_errors++;
    } else {
        l->overruns++;
        l->st->overruns++;
    }
    l->st->lost_frags++;
    l->st->lost_bytes += f->len;
    log_warn("rx ch %u: %s, %u bytes lost", f->ch, hsi_event_name(event), f->len);
    events_post(l->ev, event, f->ch, clamp16(f->len));
    frag_free(f);
    rx_enqueue(l, marker);
}

static void rx_break(struct hsi_link *l, struct frag *f)
{
    l->st->breaks_received++;
    events_post(l->ev, HSI_EV_BREAK_RECEIVED, f->ch, 0);
    /* In band too, where the break fell in the data; but only on a channel
     * the AP's parser accepts. */
    if (f->ch < l->rx.channels)
        rx_enqueue(l, f);
    else
        frag_free(f);
}

static void rx_receive(struct hsi_link *l, struct frag *f)
{
    uint8_t ch = f->ch;

    if (f->flags & HSI_MSG_BREAK) {
        rx_break(l, f);
        return;
    }
    if (f->mode != l->rx.mode) {
        rx_lose(l, f, HSI_EV_FRAME_ERROR); /* framing the receiver cannot decode */
        return;
    }
    if (l->arm_overrun & bit(ch)) {
        l->arm_overrun &= (uint16_t)~bit(ch);
        rx_lose(l, f, HSI_EV_RX_OVERRUN);
        return;
    }
    if (l->rx_bytes[ch] != 0 && l->rx_bytes[ch] + f->len > RX_FIFO_BYTES) {
        rx_lose(l, f, HSI_EV_RX_OVERRUN); /* pipelined flow sent past our room */
        return;
    }
    if (l->arm_frame_error & bit(ch)) {
        uint32_t lost = f->len < 4 ? f->len : 4;
        l->arm_frame_error &= (uint16_t)~bit(ch);
        l->frame_errors++;
        l->st->frame_errors++;
        l->st->lost_bytes += lost;
        f->len -= lost; /* the bad frame is dropped, the rest delivered */
        f->flags |= HSI_MSG_ERROR;
        log_warn("rx ch %u: frame error, %u bytes lost", ch, lost);
        events_post(l->ev, HSI_EV_FRAME_ERROR, ch, (uint16_t)lost);
    }
    rx_enqueue(l, f);
}

/* Synchronized flow waits until a fragment fits; pipelined flow sends as
 * soon as READY is up and may overrun the receiver. Breaks ignore READY. */
static bool can_receive(const struct hsi_link *l, const struct frag *f, uint16_t ready)
{
    if (f->flags & HSI_MSG_BREAK)
        return true;
    if (!(ready & bit(f->ch)))
        return false;
    if (l->rx.flow == HSI_FLOW_PIPELINED)
        return true;
    return l->rx_bytes[f->ch] == 0 || l->rx_bytes[f->ch] + f->len <= RX_FIFO_BYTES;
}

static int ca_pick(const struct hsi_link *l)
{
    uint16_t ready = link_ac_ready(l);

    for (unsigned i = 0; i < HSI_MAX_CHANNELS; i++) {
        unsigned ch = (l->ca_next + i) % HSI_MAX_CHANNELS;
        if (l->caq[ch].head && can_receive(l, l->caq[ch].head, ready))
            return (int)ch;
    }
    return -1;
}

static bool ca_transmit(struct hsi_link *l, uint64_t now)
{
    bool moved = false;
    int ch;

    while (l->active->wake && (ch = ca_pick(l)) >= 0 && pacer_ready(&l->ca, now)) {
        struct frag *f = fragq_pop(&l->caq[ch]);
        pacer_spend(&l->ca, hsi_wire_bits(l->rx.mode, l->rx.channels, f->len));
        l->ca_next = (uint8_t)((ch + 1) % HSI_MAX_CHANNELS);
        l->ca_idle_since = now;
        rx_receive(l, f);
        moved = true;
    }
    return moved;
}

/* The data timeout runs while a message is half received, the dongle is
 * ready for more, and nothing for that channel is queued anywhere: the
 * transmitter has stopped in the middle of a message. */
static bool timeout_counting(const struct hsi_link *l, unsigned ch, uint16_t ready)
{
    return l->rx_open[ch] && l->rx.timeout_ms && (ready & bit(ch)) && !l->caq[ch].head &&
           !l->txq[ch].head;
}

static void check_timeouts(struct hsi_link *l, uint64_t now)
{
    uint16_t ready = link_ac_ready(l);

    for (unsigned ch = 0; ch < l->rx.channels; ch++) {
        if (!timeout_counting(l, ch, ready)) {
            l->rx_counting[ch] = false;
            continue;
        }
        /* Every input is followed by a run, so the clock starts when the
         * condition became true, not when it was last seen false. */
        if (!l->rx_counting[ch]) {
            l->rx_counting[ch] = true;
            l->rx_quiet_since[ch] = now;
            continue;
        }
        if (now - l->rx_quiet_since[ch] < l->rx.timeout_ms * NS_PER_MS)
            continue;
        l->st->timeouts++;
        log_warn("rx ch %u: data timeout, message closed with ERROR", ch);
        events_post(l->ev, HSI_EV_DATA_TIMEOUT, (uint8_t)ch, clamp16(l->rx.timeout_ms));
        rx_enqueue(l, frag_new((uint8_t)ch, HSI_MSG_ERROR | HSI_MSG_LAST, NULL, 0));
    }
}

/* --- The transmitter -------------------------------------------------- */

bool link_tx_room(const struct hsi_link *l, uint8_t ch, uint32_t len)
{
    return l->txq[ch].bytes + len <= TX_QUEUE_MAX;
}

void link_tx_push(struct hsi_link *l, struct frag *f)
{
    fragq_push(&l->txq[f->ch], f);
}

static int ac_pick(struct hsi_link *l)
{
    uint16_t ready = modem_ready(l);

    for (unsigned i = 0; i < HSI_MAX_CHANNELS; i++) {
        unsigned ch =
            l->tx.arbitration == HSI_ARB_PRIORITY ? i : (l->ac_next + i) % HSI_MAX_CHANNELS;
        if (l->txq[ch].head && (ready & bit(ch)))
            return (int)ch;
    }
    return -1;
}

static bool ac_transmit(struct hsi_link *l, uint64_t now)
{
    bool moved = false;
    int ch;

    while (l->acwake && (ch = ac_pick(l)) >= 0 && pacer_ready(&l->ac, now)) {
        struct frag *f = fragq_pop(&l->txq[ch]);
        pacer_spend(&l->ac, hsi_wire_bits(l->tx.mode, l->tx.channels, f->len));
        l->ac_next = (uint8_t)((ch + 1) % HSI_MAX_CHANNELS);
        f->mode = l->tx.mode;
        if (f->flags & HSI_MSG_BREAK)
            l->st->breaks_sent++;
        l->active->ops->receive(l->active, f);
        moved = true;
    }
    return moved;
}

/* --- RX queue access for bulk IN ---------------------------------------- */

struct frag *link_rx_peek(const struct hsi_link *l)
{
    return l->rxq.head;
}

void link_rx_take(struct hsi_link *l, uint32_t n)
{
    struct frag *f = l->rxq.head;

    l->rx_bytes[f->ch] -= n;
    if (n == f->len)
        frag_free(fragq_pop(&l->rxq));
    else
        fragq_consume_head(&l->rxq, n);
}

/* --- Faults ----------------------------------------------------------- */

void link_fault_break(struct hsi_link *l, uint8_t ch)
{
    struct frag *f = frag_new(ch, HSI_MSG_BREAK, NULL, 0);

    rx_break(l, f); /* the receiver sees it now, whatever is queued */
}

void link_fault_frame_error(struct hsi_link *l, uint8_t ch)
{
    l->arm_frame_error |= bit(ch);
}

void link_fault_overrun(struct hsi_link *l, uint8_t ch)
{
    l->arm_overrun |= bit(ch);
}

void link_fault_caready_drop(struct hsi_link *l, uint8_t ch, uint64_t ns)
{
    l->fault_unready |= bit(ch);
    l->fault_until[ch] = l->now + ns;
    present_ca_lines(l);
}

static void expire_faults(struct hsi_link *l, uint64_t now)
{
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if ((l->fault_unready & bit(ch)) && now >= l->fault_until[ch])
            l->fault_unready &= (uint16_t)~bit(ch);
}

/* --- The engine ------------------------------------------------------- */

void link_run(struct hsi_link *l, uint64_t now)
{
    /* A far end's reaction (an echo, a CAREADY change) can let more move,
     * so go round until nothing does; a few passes always suffice. */
    for (int pass = 0; pass < 8; pass++) {
        bool moved;

        l->now = now;
        expire_faults(l, now);
        if (l->active->ops->run)
            l->active->ops->run(l->active, now);
        tell_ac_ready(l);
        autowake(l, now);
        present_ca_lines(l);
        moved = ac_transmit(l, now);
        moved |= ca_transmit(l, now);
        if (!moved)
            break;
    }
    check_timeouts(l, now);
    autowake(l, now);
    tell_ac_ready(l);
    present_ca_lines(l);
}

uint64_t link_deadline(const struct hsi_link *l)
{
    uint64_t d = NEVER;
    uint16_t ca_ready = modem_ready(l), ac_ready = link_ac_ready(l);

    if (l->acwake)
        for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
            if (l->txq[ch].head && (ca_ready & bit(ch)))
                d = deadline_min(d, pacer_next(&l->ac));
    if (l->active->wake && ca_pick(l) >= 0)
        d = deadline_min(d, pacer_next(&l->ca));
    if (l->active->ops->autowake && l->active->wake && caq_empty(l))
        d = deadline_min(d, l->ca_idle_since + WAKE_IDLE_NS);
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if (l->fault_unready & bit(ch))
            d = deadline_min(d, l->fault_until[ch]);
    for (unsigned ch = 0; ch < l->rx.channels; ch++)
        if (l->rx_counting[ch] && timeout_counting(l, ch, ac_ready))
            d = deadline_min(d, l->rx_quiet_since[ch] + l->rx.timeout_ms * NS_PER_MS);
    if (l->active->ops->deadline)
        d = deadline_min(d, l->active->ops->deadline(l->active));
    return d;
}

/* --- For far ends ----------------------------------------------------- */

void link_far_push(struct farend *fe, struct frag *f)
{
    struct hsi_link *l = fe->link;

    if (fe != l->active) {
        /* Only the link far end can get here: its peer's frames still in
         * flight when SET_LOOPBACK disconnected it. */
        l->st->lost_frags++;
        l->st->lost_bytes += f->len;
        log_warn("%s far end is disconnected by loopback: ch %u fragment of %u bytes lost",
                 fe->ops->name, f->ch, f->len);
        frag_free(f);
        return;
    }
    fragq_push(&l->caq[f->ch], f);
}

void link_far_send_msg(struct farend *fe, uint8_t ch, const void *data, uint32_t len, uint8_t flags)
{
    const uint8_t *src = data;
    uint32_t total = hsi_pad4(len), off = 0;

    do {
        uint32_t n = total - off > HSI_MAX_FRAG_PAYLOAD ? HSI_MAX_FRAG_PAYLOAD : total - off;
        bool last = off + n == total;
        struct frag *f = frag_new(ch, last ? (uint8_t)(HSI_MSG_LAST | flags) : 0, NULL, n);

        if (off < len)
            memcpy(f->data, src + off, len - off < n ? len - off : n);
        f->mode = fe->link->rx.mode;
        link_far_push(fe, f);
        off += n;
    } while (off < total);
}

void link_far_break(struct farend *fe, uint8_t ch)
{
    struct frag *f = frag_new(ch, HSI_MSG_BREAK, NULL, 0);

    f->mode = fe->link->rx.mode;
    link_far_push(fe, f);
}

void link_far_set_ready(struct farend *fe, uint16_t mask)
{
    fe->ready = mask;
    if (fe == fe->link->active)
        present_ca_lines(fe->link);
}

void link_far_set_wake(struct farend *fe, bool up)
{
    fe->wake = up;
    if (fe == fe->link->active)
        present_ca_lines(fe->link);
}

void link_far_set_up(struct farend *fe, bool up)
{
    if (fe->up == up)
        return;
    fe->up = up;
    if (fe == fe->link->active)
        events_post(fe->link->ev, up ? HSI_EV_LINK_UP : HSI_EV_LINK_DOWN, HSI_EV_CHANNEL_NONE, 0);
}

uint64_t link_far_backlog(const struct farend *fe, uint8_t ch)
{
    return fe->link->caq[ch].bytes;
}
