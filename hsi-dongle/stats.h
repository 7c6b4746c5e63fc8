/*
 * stats.h: what the dongle counts, printed when it exits.
 *
 * Traffic is counted where it crosses USB, so the numbers compare directly
 * with what a guest driver counts: `ac` is what the AP wrote on bulk OUT,
 * `ca` is what the AP read on bulk IN. Every way data can be lost has its
 * own counter: nothing disappears without being counted here and logged.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>
#include <stdio.h>

#include "hsiproto.h"

struct chan_stats {
    uint64_t msgs;  /* fragments with LAST */
    uint64_t frags; /* headers */
    uint64_t bytes; /* payload */
};

struct stats {
    struct chan_stats ac[HSI_MAX_CHANNELS]; /* AP to modem, accepted from bulk OUT */
    struct chan_stats ca[HSI_MAX_CHANNELS]; /* modem to AP, delivered on bulk IN */
    uint64_t connections;                   /* QEMU connections accepted */
    uint64_t control;                       /* control requests answered */
    uint64_t stalls;                        /* ... of which STALLed */
    uint64_t events;                        /* interrupt events posted */
    uint64_t events_dropped;                /* events lost to a full queue (a seq gap shows it) */
    uint64_t rejected;                      /* bad bulk OUT headers */
    uint64_t rejected_bytes;                /* bytes thrown away behind them */
    uint64_t seq_gaps;                      /* AP fragments whose seq skipped */
    uint64_t breaks_sent;                   /* breaks toward the modem */
    uint64_t breaks_received;               /* breaks from the modem */
    uint64_t frame_errors;
    uint64_t overruns;
    uint64_t timeouts;
    uint64_t lost_frags; /* fragments lost to frame errors and overruns */
    uint64_t lost_bytes;
    uint64_t flushed_frags; /* dropped by FLUSH, RESET, disconnect */
    uint64_t flushed_bytes;
    uint64_t usb_errors; /* malformed usbredir packets */
};

void stats_print(const struct stats *st, FILE *out);

#endif /* STATS_H */
