/* harness.c: fuzz input as a program for the dongle (see harness.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dongle.h"
#include "harness.h"
#include "log.h"

#define MAX_PENDING 64

struct rec {
    struct dongle *d;
    uint64_t pending[MAX_PENDING]; /* requests not answered yet */
    unsigned npending;
    uint64_t next_id;
    uint32_t last_seq;
    bool seen_event;
    bool malformed_armed; /* TEST_INJECT malformed was accepted */
};

static void fail(const char *what)
{
    fprintf(stderr, "harness: broken promise: %s\n", what);
    abort();
}

/* Notes a request about to be made; false (make none) when the harness's
 * table is full, as it can be with bulk IN requests waiting for data. */
static bool expect(struct rec *r)
{
    if (r->npending == MAX_PENDING)
        return false;
    r->pending[r->npending++] = ++r->next_id;
    return true;
}

static void answered(struct rec *r, uint64_t id)
{
    for (unsigned i = 0; i < r->npending; i++) {
        if (r->pending[i] == id) {
            r->pending[i] = r->pending[--r->npending];
            return;
        }
    }
    fail("an answer to a request never made, or made twice");
}

/* --- The recording port --------------------------------------------------- */

static void on_control(void *ctx, uint64_t id, const struct usb_setup *s, enum usb_status st,
                       const uint8_t *data, size_t len)
{
    (void)st;
    (void)data;
    answered(ctx, id);
    if (len > s->length)
        fail("a control answer longer than wLength");
}

static void check_bulk_in(struct rec *r, const uint8_t *data, uint32_t len)
{
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *p;

    hsi_xfer_init(&it, data, len, r->d->link.rx.channels);
    while (hsi_xfer_next(&it, &h, &p))
        ;
    if (it.err == HSI_OK)
        return;
    if (r->malformed_armed && it.err == HSI_E_ALIGN && len == 16) {
        r->malformed_armed = false;
        return;
    }
    fail("a bulk IN transfer the AP's parser refuses");
}

static void on_bulk(void *ctx, uint64_t id, uint8_t ep, enum usb_status st, const uint8_t *data,
                    uint32_t len)
{
    struct rec *r = ctx;

    answered(r, id);
    if ((ep & 0x80) && st == USB_OK) {
        if (len > HSI_MAX_XFER)
            fail("a bulk IN transfer over 64 KiB");
        check_bulk_in(r, data, len);
    }
}

static void on_interrupt(void *ctx, uint8_t ep, const uint8_t *data, size_t len)
{
    struct rec *r = ctx;
    int n = hsi_event_count(len);

    if (ep != HSI_EP_EVENTS || n < 0)
        fail("an interrupt packet that is not 1 to 8 event records");
    for (int i = 0; i < n; i++) {
        struct hsi_event ev;
        hsi_event_get(data + i * HSI_EVENT_SIZE, &ev);
        if (r->seen_event && ev.seq <= r->last_seq &&
            !(ev.seq == 0 && ev.type == HSI_EV_DONGLE_RESET))
            fail("event numbers went backwards without a new device");
        r->seen_event = true;
        r->last_seq = ev.seq;
    }
}

static void on_replug(void *ctx)
{
    struct rec *r = ctx;

    dongle_replug(r->d); /* answers what was pending: CANCELLED */
    dongle_plug(r->d);
}

static const struct dongle_port port = {
    .control_done = on_control,
    .bulk_done = on_bulk,
    .interrupt = on_interrupt,
    .replug = on_replug,
};

/* --- The program ---------------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t u8(struct input *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

static uint16_t u16(struct input *in)
{
    uint8_t lo = u8(in);

    return (uint16_t)(lo | u8(in) << 8);
}

static void op_control(struct rec *r, struct input *in)
{
    struct usb_setup s;
    uint8_t data[256];
    uint16_t n;

    s.type = u8(in);
    s.request = u8(in);
    s.value = u16(in);
    s.index = u16(in);
    s.length = u8(in); /* wLength up to 255 keeps inputs small */
    n = (s.type & 0x80) ? 0 : s.length;
    for (uint16_t i = 0; i < n; i++)
        data[i] = u8(in);
    if (s.type == HSI_REQTYPE_OUT && s.request == HSI_REQ_TEST_INJECT &&
        (s.value & 0xFF) == HSI_FAULT_MALFORMED)
        r->malformed_armed = true; /* harmless if it was refused */
    if (expect(r))
        dongle_control(r->d, r->next_id, &s, data, n);
}

/* A vendor request out of a short list, so bulk programs get the link up. */
static void op_line(struct rec *r, struct input *in)
{
    static const uint8_t reqs[] = {HSI_REQ_SET_WAKE, HSI_REQ_SET_RX_READY, HSI_REQ_SET_LOOPBACK,
                                   HSI_REQ_FLUSH,    HSI_REQ_SEND_BREAK,   HSI_REQ_TEST_INJECT};
    struct usb_setup s = {.type = HSI_REQTYPE_OUT};

    s.request = reqs[u8(in) % sizeof(reqs)];
    s.value = u16(in);
    if (s.request == HSI_REQ_TEST_INJECT) {
        s.index = u8(in) % 16;
        if ((s.value & 0xFF) == HSI_FAULT_MALFORMED)
            r->malformed_armed = true;
    }
    if (expect(r))
        dongle_control(r->d, r->next_id, &s, NULL, 0);
}

static void op_bulk_out(struct rec *r, struct input *in)
{
    uint32_t len = u16(in) % 4096;
    uint8_t *buf = malloc(len + 1);

    for (uint32_t i = 0; i < len; i++)
        buf[i] = u8(in);
    if (expect(r))
        dongle_bulk(r->d, r->next_id, HSI_EP_BULK_OUT, buf, len);
    free(buf);
}

/* A well-formed message, so bulk programs get past the header checks. */
static void op_message(struct rec *r, struct input *in)
{
    struct hsi_msg_hdr h;
    uint8_t buf[8 + 256] = {0};

    h.channel = u8(in) % 16;
    h.flags = u8(in) & HSI_MSG_FLAGS;
    h.seq = u16(in);
    h.length = h.flags & HSI_MSG_BREAK ? 0 : (u8(in) % 64) * 4u;
    hsi_msg_hdr_put(buf, &h);
    if (expect(r))
        dongle_bulk(r->d, r->next_id, HSI_EP_BULK_OUT, buf, 8 + h.length);
}

static void op_bulk_in(struct rec *r, struct input *in)
{
    uint8_t ep = u8(in) & 1 ? HSI_EP_BULK_IN : 0x83;
    uint16_t len = u16(in);

    if (expect(r))
        dongle_bulk(r->d, r->next_id, ep, NULL, len);
}

static void op_cancel(struct rec *r, struct input *in)
{
    if (r->npending == 0)
        return;
    dongle_cancel(r->d, r->pending[u8(in) % r->npending]);
}

static void op_time(struct rec *r, struct input *in)
{
    dongle_run(r->d, r->d->now + (uint64_t)u8(in) * NS_PER_MS);
}

static void op_usb(struct rec *r, struct input *in)
{
    switch (u8(in) % 5) {
    case 0:
        dongle_usb_reset(r->d);
        break;
    case 1:
        dongle_set_configuration(r->d, u8(in) % 3);
        break;
    case 2: {
        uint8_t interface = u8(in);
        dongle_has_setting(r->d, interface, u8(in));
        break;
    }
    case 3:
        dongle_start_events(r->d, u8(in));
        break;
    case 4:
        dongle_stop_events(r->d, u8(in));
        break;
    }
    dongle_run(r->d, r->d->now);
}

typedef void (*op_fn)(struct rec *r, struct input *in);

static const op_fn control_ops[] = {op_control, op_control, op_control, op_control, op_line,
                                    op_time,    op_usb,     op_bulk_in, op_message};
static const op_fn bulk_ops[] = {op_bulk_out, op_message, op_message, op_message, op_bulk_in,
                                 op_bulk_in,  op_line,    op_time,    op_cancel,  op_usb};

void harness_run(const uint8_t *data, size_t size, enum harness_focus focus)
{
    static const enum far_mode modes[] = {FAR_LOOPBACK, FAR_ECHO, FAR_MODEM};
    struct input in = {data, size};
    uint8_t cfgbyte = u8(&in);
    struct dongle_config cfg = {
        .mode = modes[cfgbyte % 3],
        .kbps = cfgbyte & 0x80 ? 1000 : 200000,
        .channels = (uint8_t)(2 + (cfgbyte >> 2) % 15),
        .test = true,
    };
    const op_fn *ops = focus == FOCUS_CONTROL ? control_ops : bulk_ops;
    size_t nops = focus == FOCUS_CONTROL ? sizeof(control_ops) / sizeof(control_ops[0])
                                         : sizeof(bulk_ops) / sizeof(bulk_ops[0]);
    struct rec r = {0};

    log_init(LOG_OFF);
    r.d = dongle_new(&cfg, &port, &r, NS_PER_S);
    dongle_plug(r.d);
    dongle_set_configuration(r.d, 1);
    dongle_start_events(r.d, HSI_EP_EVENTS);
    while (in.left > 0)
        ops[u8(&in) % nops](&r, &in);
    dongle_run(r.d, r.d->now + NS_PER_S); /* let timers fire once more */
    dongle_free(r.d);
}
