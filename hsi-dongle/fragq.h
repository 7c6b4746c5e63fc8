/*
 * fragq.h: HSI fragments and the FIFO queues that hold them.
 *
 * Inside the dongle data moves as fragments, the unit of the bulk framing:
 * one channel, flags (BREAK, ERROR, LAST) and at most 64 KiB of payload.
 * A fragment is allocated once, where it enters the dongle, and is then
 * handed from queue to queue (AP -> TX queue -> far end -> CA queue -> RX
 * queue -> AP) by moving the pointer, never by copying the payload.
 */
#ifndef FRAGQ_H
#define FRAGQ_H

#include <stddef.h>
#include <stdint.h>

struct frag {
    struct frag *next;
    uint8_t ch;
    uint8_t flags; /* HSI_MSG_* */
    uint8_t mode;  /* HSI mode of the transmitter; a receiver in another mode
                      cannot decode the frames */
    uint32_t len;  /* payload bytes still to deliver */
    uint32_t off;  /* payload bytes already delivered (split on bulk IN) */
    uint8_t data[];
};

struct fragq {
    struct frag *head;
    struct frag *tail;
    uint32_t count;
    uint64_t bytes; /* sum of len */
};

/* A new fragment with a copy of `len` bytes of `data` (NULL: zeroed). */
struct frag *frag_new(uint8_t ch, uint8_t flags, const void *data, uint32_t len);
void frag_free(struct frag *f);

static inline const uint8_t *frag_payload(const struct frag *f)
{
    return f->data + f->off;
}

void fragq_push(struct fragq *q, struct frag *f);
struct frag *fragq_pop(struct fragq *q);
/* Frees everything; returns how many fragments there were, adds their
 * payload to *bytes. */
uint64_t fragq_clear(struct fragq *q, uint64_t *bytes);

/* Marks the first n payload bytes of the head as delivered. */
void fragq_consume_head(struct fragq *q, uint32_t n);

#endif /* FRAGQ_H */
