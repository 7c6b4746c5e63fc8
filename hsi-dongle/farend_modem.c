/*
 * farend_modem.c: a scripted cellular modem behind the HSI link.
 *
 *   channel 0  AT commands (atcmd.c): replies, and an unsolicited
 *              "+CREG: 1" half a second after power-on, then every 5 s
 *   channel 1  packet data: every message is answered with itself, and
 *              AT+KDATA=<n> makes the modem send one n-byte message
 *
 * Its lines behave as a real modem's do. It sleeps until the AP raises
 * ACWAKE, then wakes (2 ms later) and raises CAREADY on its two channels;
 * 50 ms after ACWAKE drops it goes back to sleep and drops CAREADY. It
 * raises CAWAKE itself whenever it has something to send (autowake), so
 * its notifications reach a sleeping AP. Frames on other channels are
 * discarded and counted: CAREADY told the AP not to send them.
 */
#include <stdlib.h>
#include <string.h>

#include "atcmd.h"
#include "clock.h"
#include "farend.h"
#include "fragq.h"
#include "hsilink.h"
#include "hsiproto.h"
#include "log.h"
#include "reasm.h"

#define MODEM_AT_CH     0
#define MODEM_DATA_CH   1
#define MODEM_CHANNELS  0x0003
#define WAKE_LATENCY_NS (2 * NS_PER_MS)
#define SLEEP_DELAY_NS  (50 * NS_PER_MS)
#define UNSOL_FIRST_NS  (500 * NS_PER_MS)
#define UNSOL_PERIOD_NS (5 * NS_PER_S)

struct modem {
    struct farend base;
    struct at_state at;
    struct reasm data;
    char *reply; /* what the AT channel sends back for one fragment */
    size_t reply_len, reply_cap;
    uint64_t wake_at, sleep_at, next_unsol;
};

static void collect_reply(void *ctx, const char *text, size_t len)
{
    struct modem *m = ctx;

    if (m->reply_len + len > m->reply_cap) {
        m->reply_cap = (m->reply_len + len) * 2;
        m->reply = realloc(m->reply, m->reply_cap);
        if (!m->reply)
            abort();
    }
    memcpy(m->reply + m->reply_len, text, len);
    m->reply_len += len;
}

/* One message per batch of replies, so text never interleaves. */
static void send_reply(struct modem *m)
{
    if (m->reply_len == 0)
        return;
    link_far_send_msg(&m->base, MODEM_AT_CH, m->reply, (uint32_t)m->reply_len, 0);
    m->reply_len = 0;
}

/* AT+KDATA: one message of the pattern, rounded up to whole frames. */
static void send_download(struct modem *m, uint32_t n)
{
    uint32_t len = hsi_pad4(n);
    uint8_t *buf = malloc(len);

    if (!buf)
        abort();
    for (uint32_t i = 0; i < len; i++)
        buf[i] = at_download_byte(i);
    log_info("modem: sending %u bytes of download on ch %u", len, MODEM_DATA_CH);
    link_far_send_msg(&m->base, MODEM_DATA_CH, buf, len, 0);
    free(buf);
}

static void modem_reset(struct farend *fe, uint64_t now)
{
    struct modem *m = (struct modem *)fe;

    at_reset(&m->at);
    reasm_clear(&m->data);
    m->reply_len = 0;
    m->wake_at = m->sleep_at = NEVER;
    m->next_unsol = now + UNSOL_FIRST_NS;
    link_far_set_wake(fe, false);
    link_far_set_ready(fe, 0); /* asleep until the AP raises ACWAKE */
}

static void modem_at(struct modem *m, const struct frag *f)
{
    at_input(&m->at, frag_payload(f), f->len);
    send_reply(m);
    if (m->at.download) {
        send_download(m, m->at.download);
        m->at.download = 0;
    }
}

static void modem_data(struct modem *m, const struct frag *f)
{
    struct reasm *r = &m->data;

    if (reasm_add(r, f, MAX_MSG_BYTES)) {
        link_far_send_msg(&m->base, MODEM_DATA_CH, r->buf, r->len,
                          r->damaged || r->cut ? HSI_MSG_ERROR : 0);
        reasm_clear(r);
    }
}

static void modem_receive(struct farend *fe, struct frag *f)
{
    struct modem *m = (struct modem *)fe;

    if (f->flags & HSI_MSG_BREAK) {
        log_info("modem: break received, command line discarded");
        at_discard_line(&m->at);
        reasm_clear(&m->data);
    } else if (f->ch == MODEM_AT_CH) {
        modem_at(m, f);
    } else if (f->ch == MODEM_DATA_CH) {
        modem_data(m, f);
    } else {
        fe->link->st->lost_frags++;
        fe->link->st->lost_bytes += f->len;
        log_warn("modem: nothing listens on ch %u (CAREADY is low there): %u bytes discarded",
                 f->ch, f->len);
    }
    frag_free(f);
}

static void modem_acwake(struct farend *fe, bool up)
{
    struct modem *m = (struct modem *)fe;
    uint64_t now = fe->link->now;

    if (up) {
        m->sleep_at = NEVER;
        if (fe->ready != MODEM_CHANNELS)
            m->wake_at = now + WAKE_LATENCY_NS;
    } else {
        m->wake_at = NEVER;
        if (fe->ready)
            m->sleep_at = now + SLEEP_DELAY_NS;
    }
}

/* The modem transmits whenever it likes; the link holds its frames until
 * the dongle has ACREADY up on the channel. */
static void modem_acready(struct farend *fe, uint16_t mask)
{
    (void)fe;
    (void)mask;
}

static void modem_run(struct farend *fe, uint64_t now)
{
    struct modem *m = (struct modem *)fe;

    if (now >= m->wake_at) {
        m->wake_at = NEVER;
        log_info("modem: awake, CAREADY on channels 0 and 1");
        link_far_set_ready(fe, MODEM_CHANNELS);
    }
    if (now >= m->sleep_at) {
        m->sleep_at = NEVER;
        log_info("modem: ACWAKE is low, going to sleep");
        link_far_set_ready(fe, 0);
    }
    if (now >= m->next_unsol) {
        m->next_unsol = now + UNSOL_PERIOD_NS;
        at_unsolicited(&m->at);
        send_reply(m);
    }
}

static uint64_t modem_deadline(const struct farend *fe)
{
    const struct modem *m = (const struct modem *)fe;

    return deadline_min(deadline_min(m->wake_at, m->sleep_at), m->next_unsol);
}

static void modem_destroy(struct farend *fe)
{
    struct modem *m = (struct modem *)fe;

    reasm_free(&m->data);
    free(m->reply);
    free(m);
}

static const struct farend_ops modem_ops = {
    .name = "modem",
    .autowake = true,
    .reset = modem_reset,
    .receive = modem_receive,
    .acwake = modem_acwake,
    .acready = modem_acready,
    .run = modem_run,
    .deadline = modem_deadline,
    .destroy = modem_destroy,
};

struct farend *farend_modem_new(void)
{
    struct modem *m = calloc(1, sizeof(*m));

    if (!m)
        abort();
    m->base.ops = &modem_ops;
    m->base.up = true;
    at_init(&m->at, collect_reply, m);
    return &m->base;
}
