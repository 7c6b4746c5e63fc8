/*
 * farend.h: what sits at the other end of the HSI link.
 *
 * The dongle's link model (hsilink.c) knows how HSI moves frames; what the
 * modem does with them is a far end, chosen on the command line:
 *
 *   loopback  a cable looped back: every frame returns on its channel
 *   echo      a modem that answers each whole message with itself
 *   modem     a scripted cellular modem: AT commands, notifications, data
 *   link      another dongle process: two guests talk to each other
 *
 * A far end drives the modem's lines (CAREADY, CAWAKE) and transmits on
 * the CA link only through the link_far_*() calls in hsilink.h, and learns
 * about the AP's lines (ACWAKE, effective ACREADY) through its ops. It
 * never touches the link's queues, so all four share one set of rules for
 * flow control, pacing, wake and error reporting.
 */
#ifndef FAREND_H
#define FAREND_H

#include <stdbool.h>
#include <stdint.h>

struct frag;
struct hsi_link;
struct farend;

enum far_mode { FAR_LOOPBACK, FAR_ECHO, FAR_MODEM, FAR_LINK };

struct farend_ops {
    const char *name;
    /* true: the link raises CAWAKE before this far end transmits and drops
     * it once it has been idle a while, as a modem's firmware would. */
    bool autowake;
    /* Power-on state; sets the far end's lines. */
    void (*reset)(struct farend *fe, uint64_t now);
    /* A fragment (or a break) arrived over the AC link; the far end owns it. */
    void (*receive)(struct farend *fe, struct frag *f);
    void (*acwake)(struct farend *fe, bool up);
    /* The channels on which the dongle can take CA data now. */
    void (*acready)(struct farend *fe, uint16_t mask);
    /* Optional: timers, and a file descriptor to poll (link mode). */
    void (*run)(struct farend *fe, uint64_t now);
    uint64_t (*deadline)(const struct farend *fe);
    int (*pollfd)(const struct farend *fe, short *events);
    void (*io)(struct farend *fe, short revents, uint64_t now);
    void (*destroy)(struct farend *fe);
};

/* The part every far end shares; implementations embed it first. */
struct farend {
    const struct farend_ops *ops;
    struct hsi_link *link;
    uint16_t ready; /* CAREADY as this far end drives it */
    bool wake;      /* CAWAKE as this far end drives it */
    bool up;        /* present at all (link mode: the peer is connected) */
};

struct farend *farend_loopback_new(void);
struct farend *farend_echo_new(void);
struct farend *farend_modem_new(void);
struct farend *farend_link_new(const char *socket_path);

#endif /* FAREND_H */
