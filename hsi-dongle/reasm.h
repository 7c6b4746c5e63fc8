/*
 * reasm.h: putting a message back together from its fragments.
 *
 * Far ends that answer whole messages (echo, the modem's data channel)
 * collect fragments here until LAST. A message longer than the limit is
 * cut, and remembered as cut, so the answer can say so with ERROR.
 */
#ifndef REASM_H
#define REASM_H

#include <stdbool.h>
#include <stdint.h>

struct frag;

struct reasm {
    uint8_t *buf;
    uint32_t len;
    uint32_t cap;
    bool damaged; /* a fragment arrived flagged ERROR */
    bool cut;     /* longer than the limit; the excess was dropped */
};

/* Appends a fragment's payload, up to `limit` bytes in all. Returns true
 * when the fragment completed the message (it carried LAST). */
bool reasm_add(struct reasm *r, const struct frag *f, uint32_t limit);
/* Forgets the message collected so far (keeps the buffer). */
void reasm_clear(struct reasm *r);
void reasm_free(struct reasm *r);

#endif /* REASM_H */
