/* reasm.c: message reassembly (see reasm.h). */
#include <stdlib.h>
#include <string.h>

#include "fragq.h"
#include "hsiproto.h"
#include "reasm.h"

static void reserve(struct reasm *r, uint32_t need)
{
    uint32_t cap = r->cap ? r->cap : 4096;

    if (need <= r->cap)
        return;
    while (cap < need)
        cap *= 2;
    r->buf = realloc(r->buf, cap);
    if (!r->buf)
        abort();
    r->cap = cap;
}

bool reasm_add(struct reasm *r, const struct frag *f, uint32_t limit)
{
    uint32_t n = f->len;

    if (f->flags & HSI_MSG_ERROR)
        r->damaged = true;
    if (r->len + n > limit) {
        r->cut = true;
        n = limit - r->len;
    }
    if (n) {
        reserve(r, r->len + n);
        memcpy(r->buf + r->len, frag_payload(f), n);
        r->len += n;
    }
    return f->flags & HSI_MSG_LAST;
}

void reasm_clear(struct reasm *r)
{
    r->len = 0;
    r->damaged = false;
    r->cut = false;
}

void reasm_free(struct reasm *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
    reasm_clear(r);
}
