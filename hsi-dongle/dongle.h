/*
 * dongle.h: the USB device, independent of how USB reaches it.
 *
 * struct dongle is the device a guest sees: its USB state (configured or
 * not, events on or off), the bulk and control request handling and the
 * HSI link behind them. Requests come in through the dongle_*() calls and
 * answers leave through a struct dongle_port: usbredir in the program
 * (redir.c), a recorder in the fuzz targets, which drive the very same
 * code without a socket.
 *
 * Every call takes effect at dongle->now, which the caller keeps current
 * with dongle_set_now() or dongle_run(); nothing in here reads a clock.
 */
#ifndef DONGLE_H
#define DONGLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"
#include "events.h"
#include "farend.h"
#include "hsilink.h"
#include "stats.h"

enum usb_status { USB_OK, USB_STALL, USB_CANCELLED };

struct usb_setup {
    uint8_t type; /* bmRequestType */
    uint8_t request;
    uint16_t value;
    uint16_t index;
    uint16_t length;
};

struct dongle_port {
    void (*control_done)(void *ctx, uint64_t id, const struct usb_setup *s, enum usb_status st,
                         const uint8_t *data, size_t len);
    /* IN: `data` holds the transfer; OUT: len is how much was taken. */
    void (*bulk_done)(void *ctx, uint64_t id, uint8_t ep, enum usb_status st, const uint8_t *data,
                      uint32_t len);
    void (*interrupt)(void *ctx, uint8_t ep, const uint8_t *data, size_t len);
    /* TEST_INJECT replug: disconnect from USB and connect again. */
    void (*replug)(void *ctx);
};

struct dongle_config {
    enum far_mode mode;
    const char *link_socket; /* link mode */
    uint32_t kbps;           /* GET_INFO max_kbps */
    uint8_t channels;        /* GET_INFO max_channels */
    bool test;               /* TEST_INJECT allowed */
};

struct dongle {
    struct dongle_config cfg;
    const struct dongle_port *port;
    void *ctx;
    uint64_t now;
    uint8_t configuration; /* 0: addressed only; 1: configured */
    bool events_on;        /* the AP polls the interrupt endpoint */
    bool replug_pending;   /* TEST_INJECT replug, after its answer */
    struct stats st;
    struct events ev;
    struct hsi_link link;
    struct bulk bulk;
};

struct dongle *dongle_new(const struct dongle_config *cfg, const struct dongle_port *port,
                          void *ctx, uint64_t now);
void dongle_free(struct dongle *d);

/* USB life cycle. */
void dongle_plug(struct dongle *d);   /* the device appears: power-on state */
void dongle_unplug(struct dongle *d); /* the host is gone: drop every request */
void dongle_replug(struct dongle *d); /* TEST_INJECT: cancel, then power-on */
void dongle_usb_reset(struct dongle *d);
bool dongle_set_configuration(struct dongle *d, uint8_t value);
/* Does the configured device have this interface and alternate setting?
 * (SET_INTERFACE to it succeeds; there is only alt 0, nothing to switch.) */
bool dongle_has_setting(const struct dongle *d, uint8_t interface, uint8_t alt);
bool dongle_start_events(struct dongle *d, uint8_t ep);
void dongle_stop_events(struct dongle *d, uint8_t ep);

/* Requests. */
void dongle_control(struct dongle *d, uint64_t id, const struct usb_setup *s, const uint8_t *data,
                    size_t len);
void dongle_bulk(struct dongle *d, uint64_t id, uint8_t ep, const uint8_t *data, uint32_t len);
void dongle_cancel(struct dongle *d, uint64_t id);

/* Time: the moment the next calls happen at, and moving everything to it. */
void dongle_set_now(struct dongle *d, uint64_t now);
void dongle_run(struct dongle *d, uint64_t now);
uint64_t dongle_deadline(const struct dongle *d);

/* The far end's file descriptor, if it has one (link mode). */
int dongle_pollfd(const struct dongle *d, short *events);
void dongle_io(struct dongle *d, short revents);

/* The RESET request's work, also the start of every plug. */
void dongle_reset(struct dongle *d, enum hsi_reset_reason why);

/* Standard (chapter 9) and vendor (HSI) requests: fill `out` (at most
 * wLength bytes) and return the status, with a reason for a STALL. */
struct ctl_result {
    enum usb_status status;
    size_t len;
    const char *why;
};
struct ctl_result ch9_request(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                              uint8_t *out);
struct ctl_result vendor_request(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                                 uint8_t *out);
const struct hsi_info *dongle_info(const struct dongle *d);

#endif /* DONGLE_H */
