/*
 * dongle.c: the USB device's state and its request entry points.
 *
 * Each entry point does its work and then settles: the link engine and
 * the bulk endpoints take turns until nothing more can move (a bulk OUT
 * frees nothing until the link sends, the link sends nothing new until
 * bulk OUT is taken, ...), and the events this produced leave on the
 * interrupt endpoint. So every request is fully handled before the next
 * one is read, and the order of answers is the order of cause and effect.
 */
#include <stdio.h>
#include <stdlib.h>

#include "descriptors.h"
#include "dongle.h"
#include "log.h"

#define TYPE_STANDARD 0
#define TYPE_VENDOR   2

static struct farend *make_far(const struct dongle_config *cfg)
{
    switch (cfg->mode) {
    case FAR_ECHO:
        return farend_echo_new();
    case FAR_MODEM:
        return farend_modem_new();
    case FAR_LINK:
        return farend_link_new(cfg->link_socket);
    case FAR_LOOPBACK:
        break;
    }
    return farend_loopback_new();
}

struct dongle *dongle_new(const struct dongle_config *cfg, const struct dongle_port *port,
                          void *ctx, uint64_t now)
{
    struct dongle *d = calloc(1, sizeof(*d));
    struct hsi_info info = {
        .version = HSI_PROTO_VERSION,
        .max_channels = cfg->channels,
        .modes = HSI_INFO_MODE_BIT(HSI_MODE_STREAM) | HSI_INFO_MODE_BIT(HSI_MODE_FRAME),
        .max_kbps = cfg->kbps,
        .max_msg_size = MAX_MSG_BYTES,
        .rx_buffer = RX_FIFO_BYTES,
    };

    if (!d)
        abort();
    d->cfg = *cfg;
    d->port = port;
    d->ctx = ctx;
    d->now = now;
    events_init(&d->ev, &d->st);
    bulk_init(&d->bulk);
    link_init(&d->link, &info, make_far(cfg), farend_loopback_new(), &d->ev, &d->st);
    /* The far end lives before any host connects (a link peer may come
     * first); events wait for a host (events_init: unplugged). */
    link_reset(&d->link, now);
    return d;
}

void dongle_free(struct dongle *d)
{
    bulk_abort(d, false);
    link_destroy(&d->link);
    free(d);
}

const struct hsi_info *dongle_info(const struct dongle *d)
{
    return &d->link.info;
}

/* --- Settling ------------------------------------------------------------ */

static void flush_events(struct dongle *d)
{
    uint8_t buf[HSI_EVENTS_MAXPACKET];
    size_t n;

    if (!d->events_on)
        return;
    while ((n = events_take(&d->ev, buf)))
        d->port->interrupt(d->ctx, HSI_EP_EVENTS, buf, n);
}

/* Events go out before the bulk answers of the same pass: a line that
 * changed (CAWAKE up, say) changed before the data it let through. */
static void settle(struct dongle *d)
{
    for (int pass = 0; pass < 8; pass++) {
        link_run(&d->link, d->now);
        flush_events(d);
        if (!bulk_service(d))
            break;
    }
    flush_events(d);
}

void dongle_set_now(struct dongle *d, uint64_t now)
{
    d->now = now;
    d->link.now = now;
}

void dongle_run(struct dongle *d, uint64_t now)
{
    dongle_set_now(d, now);
    settle(d);
}

uint64_t dongle_deadline(const struct dongle *d)
{
    return link_deadline(&d->link);
}

int dongle_pollfd(const struct dongle *d, short *events)
{
    const struct farend *far = d->link.far;

    return far->ops->pollfd ? far->ops->pollfd(far, events) : -1;
}

void dongle_io(struct dongle *d, short revents)
{
    d->link.far->ops->io(d->link.far, revents, d->now);
    settle(d);
}

/* --- Life cycle ---------------------------------------------------------- */

static const char *reset_name(enum hsi_reset_reason why)
{
    switch (why) {
    case HSI_RESET_PLUG:
        return "plug";
    case HSI_RESET_REQUEST:
        return "RESET request";
    case HSI_RESET_USB:
        return "USB port reset";
    }
    return "?";
}

void dongle_reset(struct dongle *d, enum hsi_reset_reason why)
{
    log_info("dongle reset (%s)", reset_name(why));
    /* A new device (plug, port reset) numbers its events from 0; RESET
     * keeps counting, so the AP can tell the events before from after. */
    if (why != HSI_RESET_REQUEST)
        events_restart(&d->ev, true);
    events_post(&d->ev, HSI_EV_DONGLE_RESET, HSI_EV_CHANNEL_NONE, why);
    if (why == HSI_RESET_REQUEST)
        bulk_discard_held(d);
    bulk_restart_seq(&d->bulk);
    d->bulk.malformed = -1;
    link_reset(&d->link, d->now);
}

/* The USB side of going back to the default state. */
static void usb_default_state(struct dongle *d, bool answer)
{
    bulk_abort(d, answer);
    d->configuration = 0;
    d->events_on = false;
    d->replug_pending = false;
}

void dongle_plug(struct dongle *d)
{
    usb_default_state(d, false);
    dongle_reset(d, HSI_RESET_PLUG);
    settle(d);
}

void dongle_unplug(struct dongle *d)
{
    usb_default_state(d, false);
    /* The AP is gone, so are its lines; the far end sees them drop. */
    events_restart(&d->ev, false);
    link_reset(&d->link, d->now);
    settle(d);
}

void dongle_replug(struct dongle *d)
{
    usb_default_state(d, true);
}

void dongle_usb_reset(struct dongle *d)
{
    usb_default_state(d, true);
    dongle_reset(d, HSI_RESET_USB);
    settle(d);
}

bool dongle_set_configuration(struct dongle *d, uint8_t value)
{
    if (value != 0 && value != HSI_CONFIG_VALUE)
        return false;
    /* (Re)configuring resets the endpoints: what was pending is over. */
    usb_default_state(d, true);
    d->configuration = value;
    log_info("USB configuration %u", value);
    return true;
}

bool dongle_has_setting(const struct dongle *d, uint8_t interface, uint8_t alt)
{
    return d->configuration != 0 && interface == HSI_INTERFACE && alt == 0;
}

bool dongle_start_events(struct dongle *d, uint8_t ep)
{
    if (ep != HSI_EP_EVENTS || d->configuration == 0)
        return false;
    /* The queued events leave at the next settle, after the caller has
     * acknowledged the start. */
    d->events_on = true;
    return true;
}

void dongle_stop_events(struct dongle *d, uint8_t ep)
{
    if (ep == HSI_EP_EVENTS)
        d->events_on = false;
}

/* --- Requests ------------------------------------------------------------ */

static const char *standard_name(uint8_t request)
{
    static const char *const names[] = {
        "GET_STATUS",
        "CLEAR_FEATURE",
        "?",
        "SET_FEATURE",
        "?",
        "SET_ADDRESS",
        "GET_DESCRIPTOR",
        "SET_DESCRIPTOR",
        "GET_CONFIGURATION",
        "SET_CONFIGURATION",
        "GET_INTERFACE",
        "SET_INTERFACE",
        "SYNCH_FRAME",
    };

    return request < sizeof(names) / sizeof(names[0]) ? names[request] : "?";
}

static void describe(const struct usb_setup *s, char *buf, size_t cap)
{
    unsigned kind = (s->type >> 5) & 3;

    if (kind == TYPE_STANDARD && s->request == 6)
        snprintf(buf, cap, "GET_DESCRIPTOR(%s %u)", desc_type_name((uint8_t)(s->value >> 8)),
                 s->value & 0xFF);
    else if (kind == TYPE_STANDARD)
        snprintf(buf, cap, "%s", standard_name(s->request));
    else if (kind == TYPE_VENDOR)
        snprintf(buf, cap, "%s", hsi_request_name(s->request));
    else
        snprintf(buf, cap, "class request 0x%02x", s->request);
}

static void log_control(const struct usb_setup *s, const struct ctl_result *r)
{
    char name[64];

    describe(s, name, sizeof(name));
    if (r->status != USB_OK)
        log_info("ctrl %s [%02x %02x %04x %04x %u] -> STALL: %s", name, s->type, s->request,
                 s->value, s->index, s->length, r->why);
    else if (s->type & 0x80)
        log_info("ctrl %s [%02x %02x %04x %04x %u] -> %zu bytes", name, s->type, s->request,
                 s->value, s->index, s->length, r->len);
    else
        log_info("ctrl %s [%02x %02x %04x %04x %u] -> ok", name, s->type, s->request, s->value,
                 s->index, s->length);
}

void dongle_control(struct dongle *d, uint64_t id, const struct usb_setup *s, const uint8_t *data,
                    size_t len)
{
    uint8_t out[256]; /* every IN answer is smaller; handlers never write more */
    struct ctl_result r;

    if (!(s->type & 0x80) && len != s->length)
        r = (struct ctl_result){.status = USB_STALL, .why = "data stage differs from wLength"};
    else if (((s->type >> 5) & 3) == TYPE_STANDARD)
        r = ch9_request(d, s, data, out);
    else if (((s->type >> 5) & 3) == TYPE_VENDOR)
        r = vendor_request(d, s, data, out);
    else
        r = (struct ctl_result){.status = USB_STALL, .why = "the device has no class requests"};
    d->st.control++;
    if (r.status != USB_OK)
        d->st.stalls++;
    log_control(s, &r);
    /* What the request itself caused (CONFIG_APPLIED, DONGLE_RESET...) is
     * posted before its answer, so a driver sees it by the time the
     * request completes. */
    flush_events(d);
    d->port->control_done(d->ctx, id, s, r.status, out, r.status == USB_OK ? r.len : 0);
    if (d->replug_pending) {
        d->replug_pending = false;
        d->port->replug(d->ctx);
    }
    settle(d);
}

void dongle_bulk(struct dongle *d, uint64_t id, uint8_t ep, const uint8_t *data, uint32_t len)
{
    if (d->configuration == 0 || (ep != HSI_EP_BULK_OUT && ep != HSI_EP_BULK_IN)) {
        log_warn("bulk id %llu on ep 0x%02x: %s: STALL", (unsigned long long)id, ep,
                 d->configuration ? "no such bulk endpoint" : "device not configured");
        d->port->bulk_done(d->ctx, id, ep, USB_STALL, NULL, 0);
        return;
    }
    if (ep == HSI_EP_BULK_OUT)
        bulk_out(d, id, data, len);
    else
        bulk_in(d, id, len);
    settle(d);
}

void dongle_cancel(struct dongle *d, uint64_t id)
{
    if (bulk_cancel(d, id))
        log_debug("request id %llu cancelled", (unsigned long long)id);
    else
        log_debug("cancel of id %llu: already answered", (unsigned long long)id);
    settle(d);
}
