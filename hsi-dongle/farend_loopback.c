/*
 * farend_loopback.c: the far end is a cable looped back on itself.
 *
 * Every frame the AP sends returns on the same channel, in the AP's own TX
 * mode (so a receiver configured differently sees frame errors), and the
 * modem's lines are the AP's lines: CAWAKE follows ACWAKE and CAREADY
 * follows the dongle's ACREADY, since the AP's receiver is now the one the
 * AP's transmitter talks to. The same far end serves SET_LOOPBACK.
 */
#include <stdlib.h>

#include "farend.h"
#include "fragq.h"
#include "hsilink.h"
#include "hsiproto.h"

static void loopback_reset(struct farend *fe, uint64_t now)
{
    (void)now;
    link_far_set_wake(fe, false);
    link_far_set_ready(fe, 0);
}

static void loopback_receive(struct farend *fe, struct frag *f)
{
    link_far_push(fe, f); /* breaks too: the far end sees its own break */
}

static void loopback_acwake(struct farend *fe, bool up)
{
    link_far_set_wake(fe, up);
}

static void loopback_acready(struct farend *fe, uint16_t mask)
{
    link_far_set_ready(fe, mask);
}

static void loopback_destroy(struct farend *fe)
{
    free(fe);
}

static const struct farend_ops loopback_ops = {
    .name = "loopback",
    .reset = loopback_reset,
    .receive = loopback_receive,
    .acwake = loopback_acwake,
    .acready = loopback_acready,
    .destroy = loopback_destroy,
};

struct farend *farend_loopback_new(void)
{
    struct farend *fe = calloc(1, sizeof(*fe));

    if (!fe)
        abort();
    fe->ops = &loopback_ops;
    fe->up = true;
    return fe;
}
