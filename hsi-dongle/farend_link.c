/*
 * farend_link.c: two dongles joined back to back, so two guests talk.
 *
 * Both processes are started with the same --link-socket PATH. Each first
 * tries to connect to it; the one that finds nobody listens there instead.
 * Over the connection each dongle plays the modem for the other: what one
 * AP transmits arrives on the other's CA link, and each side's AP lines
 * are the other side's modem lines (my ACWAKE is your CAWAKE, my effective
 * ACREADY your CAREADY), so HSI's wake and flow-control handshakes work
 * end to end. When the peer goes away the link is down (LINK_DOWN, lines
 * low) and the dongle starts looking for a peer again.
 *
 * The stream between the two carries 8-byte records, shaped like events:
 *
 *   u8 kind, u8 channel, u16 arg, u32 length, then `length` payload bytes
 *
 *   HELLO  arg = LINK_VERSION
 *   DATA   arg = flags | mode << 8, a fragment's payload
 *   BREAK  arg = mode << 8
 *   WAKE   arg = 0 or 1 (the sender's ACWAKE)
 *   READY  arg = channel mask (the sender's effective ACREADY)
 *
 * The peer is another program, so its records are checked like anything
 * else that arrives: a bad one ends the connection, with a log line.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "clock.h"
#include "farend.h"
#include "fragq.h"
#include "hsilink.h"
#include "hsiproto.h"
#include "log.h"
#include "sockutil.h"

#define LINK_VERSION  1
#define LINK_REC_SIZE 8
#define RETRY_NS      (500 * NS_PER_MS)

enum { REC_HELLO = 1, REC_DATA, REC_BREAK, REC_WAKE, REC_READY };
enum link_state { LINK_IDLE, LINK_LISTENING, LINK_CONNECTED };

struct linkfe {
    struct farend base;
    char *path;
    enum link_state state;
    struct unix_listener listener;
    int fd;            /* the peer, when connected */
    uint64_t retry_at; /* idle: next attempt; listening: next ownership check */
    bool acwake;       /* our AP's lines, as last sent */
    uint16_t acready;
    uint8_t in[LINK_REC_SIZE + HSI_MAX_FRAG_PAYLOAD];
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_cap;
};

/* --- Records out ------------------------------------------------------ */

static void put_record(struct linkfe *lf, uint8_t kind, uint8_t ch, uint16_t arg,
                       const uint8_t *payload, uint32_t len)
{
    uint8_t *p;

    if (lf->state != LINK_CONNECTED)
        return;
    if (lf->out_len + LINK_REC_SIZE + len > lf->out_cap) {
        lf->out_cap = (lf->out_len + LINK_REC_SIZE + len) * 2;
        lf->out = realloc(lf->out, lf->out_cap);
        if (!lf->out)
            abort();
    }
    p = lf->out + lf->out_len;
    p[0] = kind;
    p[1] = ch;
    p[2] = (uint8_t)arg;
    p[3] = (uint8_t)(arg >> 8);
    p[4] = (uint8_t)len;
    p[5] = (uint8_t)(len >> 8);
    p[6] = (uint8_t)(len >> 16);
    p[7] = (uint8_t)(len >> 24);
    if (len)
        memcpy(p + LINK_REC_SIZE, payload, len);
    lf->out_len += LINK_REC_SIZE + len;
}

static void send_lines(struct linkfe *lf)
{
    put_record(lf, REC_WAKE, 0, lf->acwake, NULL, 0);
    put_record(lf, REC_READY, 0, lf->acready, NULL, 0);
}

/* --- Connection life -------------------------------------------------- */

static void go_idle(struct linkfe *lf, uint64_t when)
{
    lf->state = LINK_IDLE;
    lf->retry_at = when;
}

static void connected(struct linkfe *lf, int fd, const char *how)
{
    lf->fd = fd;
    lf->state = LINK_CONNECTED;
    lf->in_len = 0;
    lf->out_len = 0;
    log_info("link: %s peer dongle on %s", how, lf->path);
    put_record(lf, REC_HELLO, 0, LINK_VERSION, NULL, 0);
    send_lines(lf);
    link_far_set_up(&lf->base, true);
}

static void disconnect(struct linkfe *lf, uint64_t now, const char *why)
{
    log_warn("link: peer lost (%s)", why);
    close(lf->fd);
    lf->fd = -1;
    lf->out_len = 0;
    go_idle(lf, now);
    /* A missing peer drives no lines. */
    link_far_set_wake(&lf->base, false);
    link_far_set_ready(&lf->base, 0);
    link_far_set_up(&lf->base, false);
}

static void try_start(struct linkfe *lf, uint64_t now)
{
    int fd = unix_connect(lf->path);

    if (fd >= 0) {
        connected(lf, fd, "connected to");
        return;
    }
    if (unix_listen(lf->path, &lf->listener) == 0) {
        lf->state = LINK_LISTENING;
        lf->retry_at = now + RETRY_NS;
        log_info("link: waiting for a peer dongle on %s", lf->path);
        return;
    }
    log_debug("link: %s: %s; retrying", lf->path, strerror(errno));
    go_idle(lf, now + RETRY_NS);
}

static void accept_peer(struct linkfe *lf)
{
    int fd = accept4(lf->listener.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0)
        return;
    /* One peer at a time: stop listening, and take the file away so a
     * third dongle does not wait on a socket nobody will accept. */
    close(lf->listener.fd);
    if (unix_still_ours(lf->path, &lf->listener))
        unlink(lf->path);
    connected(lf, fd, "accepted");
}

/* --- Records in ------------------------------------------------------- */

static bool valid_mode(uint8_t mode)
{
    return mode == HSI_MODE_STREAM || mode == HSI_MODE_FRAME;
}

/* Handles one complete record; false if it is malformed. */
static bool handle_record(struct linkfe *lf, const uint8_t *p, uint32_t len)
{
    uint8_t kind = p[0], ch = p[1];
    uint16_t arg = (uint16_t)(p[2] | p[3] << 8);
    uint8_t flags = (uint8_t)arg, mode = (uint8_t)(arg >> 8);
    struct frag *f;

    if (ch >= HSI_MAX_CHANNELS || (kind != REC_DATA && len != 0))
        return false;
    switch (kind) {
    case REC_HELLO:
        return arg == LINK_VERSION;
    case REC_DATA:
        if (len % 4 || (flags & ~(HSI_MSG_ERROR | HSI_MSG_LAST)) || !valid_mode(mode))
            return false;
        f = frag_new(ch, flags, p + LINK_REC_SIZE, len);
        f->mode = mode;
        link_far_push(&lf->base, f);
        return true;
    case REC_BREAK:
        if (!valid_mode(mode))
            return false;
        f = frag_new(ch, HSI_MSG_BREAK, NULL, 0);
        f->mode = mode;
        link_far_push(&lf->base, f);
        return true;
    case REC_WAKE:
        if (arg > 1)
            return false;
        link_far_set_wake(&lf->base, arg);
        return true;
    case REC_READY:
        link_far_set_ready(&lf->base, arg);
        return true;
    }
    return false;
}

/* Reads what the peer sent and handles every whole record; false if the
 * connection has to go. */
static bool read_peer(struct linkfe *lf, const char **why)
{
    ssize_t n = read(lf->fd, lf->in + lf->in_len, sizeof(lf->in) - lf->in_len);
    size_t off = 0;

    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        *why = n == 0 ? "closed" : strerror(errno);
        return false;
    }
    if (n > 0)
        lf->in_len += (size_t)n;
    while (lf->in_len - off >= LINK_REC_SIZE) {
        const uint8_t *p = lf->in + off;
        uint32_t len = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
        if (len > HSI_MAX_FRAG_PAYLOAD) {
            *why = "record too long";
            return false;
        }
        if (lf->in_len - off < LINK_REC_SIZE + len)
            break;
        if (!handle_record(lf, p, len)) {
            *why = "malformed record";
            return false;
        }
        off += LINK_REC_SIZE + len;
    }
    memmove(lf->in, lf->in + off, lf->in_len - off);
    lf->in_len -= off;
    return true;
}

static bool write_peer(struct linkfe *lf, const char **why)
{
    ssize_t n;

    if (lf->out_len == 0)
        return true;
    n = send(lf->fd, lf->out, lf->out_len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return true;
        *why = strerror(errno);
        return false;
    }
    memmove(lf->out, lf->out + n, lf->out_len - (size_t)n);
    lf->out_len -= (size_t)n;
    return true;
}

/* --- Far end ops ------------------------------------------------------ */

static void linkfe_reset(struct farend *fe, uint64_t now)
{
    struct linkfe *lf = (struct linkfe *)fe;

    (void)now;
    /* Our AP starts over with its lines down; the peer's lines are the
     * peer's business and stay as they are. */
    lf->acwake = false;
    lf->acready = 0;
    send_lines(lf);
}

static void linkfe_receive(struct farend *fe, struct frag *f)
{
    struct linkfe *lf = (struct linkfe *)fe;

    if (lf->state != LINK_CONNECTED) {
        fe->link->st->lost_frags++;
        fe->link->st->lost_bytes += f->len;
        log_warn("link: no peer, ch %u fragment of %u bytes lost", f->ch, f->len);
    } else if (f->flags & HSI_MSG_BREAK) {
        put_record(lf, REC_BREAK, f->ch, (uint16_t)(f->mode << 8), NULL, 0);
    } else {
        put_record(lf, REC_DATA, f->ch, (uint16_t)(f->flags | f->mode << 8), frag_payload(f),
                   f->len);
    }
    frag_free(f);
}

static void linkfe_acwake(struct farend *fe, bool up)
{
    struct linkfe *lf = (struct linkfe *)fe;

    lf->acwake = up;
    put_record(lf, REC_WAKE, 0, up, NULL, 0);
}

static void linkfe_acready(struct farend *fe, uint16_t mask)
{
    struct linkfe *lf = (struct linkfe *)fe;

    lf->acready = mask;
    put_record(lf, REC_READY, 0, mask, NULL, 0);
}

static void linkfe_run(struct farend *fe, uint64_t now)
{
    struct linkfe *lf = (struct linkfe *)fe;

    if (now < lf->retry_at)
        return;
    if (lf->state == LINK_IDLE) {
        try_start(lf, now);
    } else if (lf->state == LINK_LISTENING) {
        /* Two dongles starting together can both bind; the later rename
         * wins the path. The loser notices here and connects instead. */
        if (unix_still_ours(lf->path, &lf->listener)) {
            lf->retry_at = now + RETRY_NS;
        } else {
            close(lf->listener.fd);
            go_idle(lf, now);
        }
    }
}

static uint64_t linkfe_deadline(const struct farend *fe)
{
    const struct linkfe *lf = (const struct linkfe *)fe;

    return lf->state == LINK_CONNECTED ? NEVER : lf->retry_at;
}

static int linkfe_pollfd(const struct farend *fe, short *events)
{
    const struct linkfe *lf = (const struct linkfe *)fe;

    switch (lf->state) {
    case LINK_LISTENING:
        *events = POLLIN;
        return lf->listener.fd;
    case LINK_CONNECTED:
        *events = (short)(POLLIN | (lf->out_len ? POLLOUT : 0));
        return lf->fd;
    case LINK_IDLE:
        break;
    }
    return -1;
}

static void linkfe_io(struct farend *fe, short revents, uint64_t now)
{
    struct linkfe *lf = (struct linkfe *)fe;
    const char *why = NULL;

    if (lf->state == LINK_LISTENING) {
        if (revents & POLLIN)
            accept_peer(lf);
        return;
    }
    if (lf->state != LINK_CONNECTED)
        return;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) && !read_peer(lf, &why)) {
        disconnect(lf, now, why);
        return;
    }
    if (!write_peer(lf, &why))
        disconnect(lf, now, why);
}

static void linkfe_destroy(struct farend *fe)
{
    struct linkfe *lf = (struct linkfe *)fe;
    const char *why = NULL;

    if (lf->state == LINK_CONNECTED) {
        write_peer(lf, &why); /* best effort: our last lines */
        close(lf->fd);
    } else if (lf->state == LINK_LISTENING) {
        close(lf->listener.fd);
        if (unix_still_ours(lf->path, &lf->listener))
            unlink(lf->path);
    }
    free(lf->out);
    free(lf->path);
    free(lf);
}

static const struct farend_ops link_ops = {
    .name = "link",
    .reset = linkfe_reset,
    .receive = linkfe_receive,
    .acwake = linkfe_acwake,
    .acready = linkfe_acready,
    .run = linkfe_run,
    .deadline = linkfe_deadline,
    .pollfd = linkfe_pollfd,
    .io = linkfe_io,
    .destroy = linkfe_destroy,
};

struct farend *farend_link_new(const char *socket_path)
{
    struct linkfe *lf = calloc(1, sizeof(*lf));

    if (!lf || !(lf->path = strdup(socket_path)))
        abort();
    lf->base.ops = &link_ops;
    lf->fd = -1;
    go_idle(lf, 0); /* the first link_run connects or listens */
    return &lf->base;
}
