/* pacer.c: token-bucket pacing of the simulated links (see pacer.h). */
#include "pacer.h"
#include "clock.h"
#include "hsiproto.h"

/* Credit saved while idle: 2 ms at the link rate. More would let a link
 * that sat idle send a burst far above its rate. */
#define BURST_NS (2 * NS_PER_MS)
/* Refills look back at most this far, which keeps dt * bps inside int64
 * even at 10 Gbit/s. Longer idle periods are capped by BURST_NS anyway. */
#define MAX_DT_NS (100 * NS_PER_MS)

void pacer_start(struct pacer *p, uint32_t kbps, uint64_t now)
{
    p->bps = (uint64_t)kbps * 1000;
    p->credit = 1; /* the first fragment goes at once */
    p->last = now;
}

bool pacer_ready(struct pacer *p, uint64_t now)
{
    int64_t burst = (int64_t)(p->bps * BURST_NS);

    if (now > p->last) {
        uint64_t dt = now - p->last;
        if (dt > MAX_DT_NS)
            dt = MAX_DT_NS;
        p->credit += (int64_t)(dt * p->bps);
        if (p->credit > burst)
            p->credit = burst;
        p->last = now;
    }
    return p->credit > 0;
}

void pacer_spend(struct pacer *p, uint64_t bits)
{
    p->credit -= (int64_t)(bits * NS_PER_S);
}

uint64_t pacer_next(const struct pacer *p)
{
    if (p->credit > 0)
        return p->last;
    return p->last + (uint64_t)(-p->credit) / p->bps + 1;
}

static unsigned channel_id_bits(uint8_t channels)
{
    unsigned bits = 0;

    while ((1u << bits) < channels)
        bits++;
    return bits;
}

uint64_t hsi_wire_bits(uint8_t mode, uint8_t channels, uint32_t len)
{
    uint64_t frames = len / 4 ? len / 4 : 1;
    unsigned per_frame = 32 + channel_id_bits(channels) + (mode == HSI_MODE_FRAME ? 1 : 0);

    return frames * per_frame;
}
