/* fragq.c: fragments and fragment queues (see fragq.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragq.h"

struct frag *frag_new(uint8_t ch, uint8_t flags, const void *data, uint32_t len)
{
    struct frag *f = malloc(sizeof(*f) + len);

    /* Sizes are bounded by the protocol (64 KiB fragments, messages up to
     * GET_INFO's max); running out of memory here is not something the
     * simulation can report to the guest. */
    if (!f) {
        fprintf(stderr, "hsi-dongle: out of memory\n");
        abort();
    }
    f->next = NULL;
    f->ch = ch;
    f->flags = flags;
    f->mode = 0;
    f->len = len;
    f->off = 0;
    if (data)
        memcpy(f->data, data, len);
    else
        memset(f->data, 0, len);
    return f;
}

void frag_free(struct frag *f)
{
    free(f);
}

void fragq_push(struct fragq *q, struct frag *f)
{
    f->next = NULL;
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->count++;
    q->bytes += f->len;
}

struct frag *fragq_pop(struct fragq *q)
{
    struct frag *f = q->head;

    if (!f)
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= f->len;
    f->next = NULL;
    return f;
}

uint64_t fragq_clear(struct fragq *q, uint64_t *bytes)
{
    uint64_t n = 0;
    struct frag *f;

    while ((f = fragq_pop(q))) {
        *bytes += f->len;
        frag_free(f);
        n++;
    }
    return n;
}

void fragq_consume_head(struct fragq *q, uint32_t n)
{
    q->head->off += n;
    q->head->len -= n;
    q->bytes -= n;
}
