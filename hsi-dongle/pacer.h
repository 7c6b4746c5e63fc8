/*
 * pacer.h: holding a simulated HSI link to its configured bit rate.
 *
 * A token bucket counted in bits: time adds credit at the link's rate and
 * every fragment sent costs the bits it would take on the wire. Fragments
 * go whole, so the credit may dip below zero; the link then waits until it
 * is positive again. The average rate is exact and a fragment never waits
 * longer than its own transmission time would have taken.
 */
#ifndef PACER_H
#define PACER_H

#include <stdbool.h>
#include <stdint.h>

struct pacer {
    uint64_t bps;   /* bits per second */
    int64_t credit; /* bits the link may send, times 10^9 (bit-nanoseconds),
                       so refilling needs no division and loses nothing */
    uint64_t last;  /* time of the last refill */
};

void pacer_start(struct pacer *p, uint32_t kbps, uint64_t now);
bool pacer_ready(struct pacer *p, uint64_t now);
void pacer_spend(struct pacer *p, uint64_t bits);
/* When pacer_ready() will next be true. */
uint64_t pacer_next(const struct pacer *p);

/* Bits one fragment of `len` payload bytes takes on an HSI wire: each
 * 32-bit frame carries its channel id, and frame mode adds an idle bit
 * between frames. A break or an empty fragment still costs one frame. */
uint64_t hsi_wire_bits(uint8_t mode, uint8_t channels, uint32_t len);

#endif /* PACER_H */
