/*
 * events.h: the queue of link events waiting for the interrupt endpoint.
 *
 * Every event gets the next number of one global sequence, so the AP sees
 * a gap whenever an event was lost, whether it fell off this queue or off
 * QEMU's. Events wait here until the AP starts polling the interrupt
 * endpoint; once it does they leave at the end of every dongle_run(), up
 * to eight to a packet.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsiproto.h"
#include "stats.h"

#define EVENTS_QUEUE 256

struct events {
    bool plugged; /* no USB host, no events: there is no one to tell */
    struct hsi_event q[EVENTS_QUEUE];
    unsigned head;
    unsigned count;
    uint32_t seq;
    struct stats *st;
};

void events_init(struct events *e, struct stats *st);
/* A new device (plugged) or none: the queue empties and numbering starts
 * again at 0. */
void events_restart(struct events *e, bool plugged);
void events_post(struct events *e, uint8_t type, uint8_t ch, uint16_t arg);
/* Moves up to one packet of events into out; returns its length (0: none). */
size_t events_take(struct events *e, uint8_t out[HSI_EVENTS_MAXPACKET]);

#endif /* EVENTS_H */
