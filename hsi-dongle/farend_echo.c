/*
 * farend_echo.c: a modem that answers every message with itself.
 *
 * Unlike the loopback cable, echo is a real receiver and transmitter: it
 * collects each message until LAST, then sends it back as a new message
 * (its own fragments, in the AP's RX mode, with ERROR if the original was
 * damaged or too long). It has buffers of its own, so it has flow control
 * of its own: when the answers it still has to send on a channel pile up
 * (the AP is not reading them), it drops CAREADY for that channel until
 * the backlog drains. (A message being collected does not count: the
 * modem must take all of one to answer it.) A break discards half-received messages and is
 * answered with a break.
 */
#include <stdlib.h>

#include "farend.h"
#include "fragq.h"
#include "hsilink.h"
#include "hsiproto.h"
#include "log.h"
#include "reasm.h"

#define ECHO_BACKLOG (256u * 1024) /* per channel, before CAREADY drops */

struct echo {
    struct farend base;
    struct reasm msg[HSI_MAX_CHANNELS];
};

static void update_ready(struct echo *e)
{
    uint16_t mask = 0;

    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if (link_far_backlog(&e->base, (uint8_t)ch) < ECHO_BACKLOG)
            mask |= (uint16_t)(1u << ch);
    link_far_set_ready(&e->base, mask);
}

static void echo_reset(struct farend *fe, uint64_t now)
{
    struct echo *e = (struct echo *)fe;

    (void)now;
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        reasm_clear(&e->msg[ch]);
    link_far_set_wake(fe, false);
    update_ready(e);
}

static void echo_break(struct echo *e, uint8_t ch)
{
    for (unsigned i = 0; i < HSI_MAX_CHANNELS; i++) {
        if (e->msg[i].len)
            log_info("echo: break discards %u bytes of a message on ch %u", e->msg[i].len, i);
        reasm_clear(&e->msg[i]);
    }
    link_far_break(&e->base, ch);
}

static void echo_receive(struct farend *fe, struct frag *f)
{
    struct echo *e = (struct echo *)fe;
    struct reasm *r = &e->msg[f->ch];

    if (f->flags & HSI_MSG_BREAK) {
        echo_break(e, f->ch);
    } else if (reasm_add(r, f, MAX_MSG_BYTES)) {
        if (r->cut)
            log_warn("echo: ch %u message longer than %u bytes, answer cut", f->ch, MAX_MSG_BYTES);
        link_far_send_msg(fe, f->ch, r->buf, r->len, r->damaged || r->cut ? HSI_MSG_ERROR : 0);
        reasm_clear(r);
    }
    frag_free(f);
    update_ready(e);
}

static void echo_ignore_wake(struct farend *fe, bool up)
{
    (void)fe;
    (void)up;
}

static void echo_ignore_ready(struct farend *fe, uint16_t mask)
{
    (void)fe;
    (void)mask;
}

/* The backlog shrinks as the dongle receives the answers. */
static void echo_run(struct farend *fe, uint64_t now)
{
    (void)now;
    update_ready((struct echo *)fe);
}

static void echo_destroy(struct farend *fe)
{
    struct echo *e = (struct echo *)fe;

    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        reasm_free(&e->msg[ch]);
    free(e);
}

static const struct farend_ops echo_ops = {
    .name = "echo",
    .autowake = true,
    .reset = echo_reset,
    .receive = echo_receive,
    .acwake = echo_ignore_wake,
    .acready = echo_ignore_ready,
    .run = echo_run,
    .destroy = echo_destroy,
};

struct farend *farend_echo_new(void)
{
    struct echo *e = calloc(1, sizeof(*e));

    if (!e)
        abort();
    e->base.ops = &echo_ops;
    e->base.up = true;
    return &e->base;
}
