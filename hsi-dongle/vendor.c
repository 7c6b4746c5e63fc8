/*
 * vendor.c: the HSI vendor requests (docs/hsi-dongle.md, "Control requests").
 *
 * One table row per request says its direction and payload size; the
 * checks every request shares (device configured, bmRequestType, wLength,
 * wIndex) are made once, before the handler runs, so a handler only checks
 * what is particular to it. Every refusal is a STALL with a reason that
 * goes to the log.
 */
#include "dongle.h"
#include "log.h"

#define CAREADY_DROP_UNIT_NS (10 * NS_PER_MS)
#define CAREADY_DROP_DEFAULT (100 * NS_PER_MS)

typedef struct ctl_result (*vendor_fn)(struct dongle *d, const struct usb_setup *s,
                                       const uint8_t *data, uint8_t *out);

struct vendor_req {
    uint8_t request;
    bool in;       /* device to host */
    uint16_t size; /* IN: bytes returned; OUT: exact data stage length */
    vendor_fn handle;
};

static struct ctl_result stall(const char *why)
{
    return (struct ctl_result){.status = USB_STALL, .why = why};
}

static struct ctl_result done(size_t len)
{
    return (struct ctl_result){.status = USB_OK, .len = len};
}

static uint16_t channel_mask(unsigned channels)
{
    return channels >= HSI_MAX_CHANNELS ? 0xFFFF : (uint16_t)((1u << channels) - 1);
}

static struct ctl_result get_info(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                                  uint8_t *out)
{
    (void)s;
    (void)data;
    hsi_info_put(out, dongle_info(d));
    return done(HSI_INFO_SIZE);
}

static struct ctl_result set_tx_config(struct dongle *d, const struct usb_setup *s,
                                       const uint8_t *data, uint8_t *out)
{
    struct hsi_tx_config c;
    enum hsi_err err;

    (void)s;
    (void)out;
    if ((err = hsi_tx_config_get(data, &c)) != HSI_OK ||
        (err = hsi_tx_config_check(&c, dongle_info(d))) != HSI_OK)
        return stall(hsi_err_name(err));
    if (d->link.acwake)
        return stall("ACWAKE is up: the transmitter is configured while idle");
    for (unsigned ch = c.channels; ch < HSI_MAX_CHANNELS; ch++)
        if (d->link.txq[ch].head)
            return stall("data is queued on a channel the new count drops: FLUSH TX first");
    link_set_tx_config(&d->link, &c);
    log_info("tx config: %s, %u channels, %u kbit/s, %s",
             c.mode == HSI_MODE_STREAM ? "stream" : "frame", c.channels, c.kbps,
             c.arbitration == HSI_ARB_PRIORITY ? "priority" : "round-robin");
    events_post(&d->ev, HSI_EV_CONFIG_APPLIED, HSI_EV_CHANNEL_NONE, 1);
    return done(0);
}

static struct ctl_result set_rx_config(struct dongle *d, const struct usb_setup *s,
                                       const uint8_t *data, uint8_t *out)
{
    struct hsi_rx_config c;
    enum hsi_err err;

    (void)s;
    (void)out;
    if ((err = hsi_rx_config_get(data, &c)) != HSI_OK ||
        (err = hsi_rx_config_check(&c, dongle_info(d))) != HSI_OK)
        return stall(hsi_err_name(err));
    if (d->link.ap_ready)
        return stall("ACREADY is up: the receiver is configured while not ready");
    if (link_rx_peek(&d->link))
        return stall("received data is waiting: FLUSH RX first");
    link_set_rx_config(&d->link, &c);
    log_info("rx config: %s, %s flow, %u channels, timeout %u ms",
             c.mode == HSI_MODE_STREAM ? "stream" : "frame",
             c.flow == HSI_FLOW_PIPELINED ? "pipelined" : "synchronized", c.channels, c.timeout_ms);
    events_post(&d->ev, HSI_EV_CONFIG_APPLIED, HSI_EV_CHANNEL_NONE, 2);
    return done(0);
}

static struct ctl_result get_config(struct dongle *d, const struct usb_setup *s,
                                    const uint8_t *data, uint8_t *out)
{
    (void)s;
    (void)data;
    hsi_tx_config_put(out, &d->link.tx);
    hsi_rx_config_put(out + HSI_TX_CONFIG_SIZE, &d->link.rx);
    return done(HSI_CONFIG_SIZE);
}

static struct ctl_result set_wake(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                                  uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value > 1)
        return stall("wValue must be 0 or 1");
    link_set_acwake(&d->link, s->value);
    return done(0);
}

static struct ctl_result set_rx_ready(struct dongle *d, const struct usb_setup *s,
                                      const uint8_t *data, uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value & ~channel_mask(d->link.rx.channels))
        return stall("channel beyond the RX configuration");
    link_set_ap_ready(&d->link, s->value);
    return done(0);
}

static struct ctl_result send_break(struct dongle *d, const struct usb_setup *s,
                                    const uint8_t *data, uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value != 0)
        return stall("wValue must be 0");
    if (!d->link.acwake)
        return stall("ACWAKE is down: the transmitter wakes the link first");
    link_send_break(&d->link);
    return done(0);
}

static struct ctl_result flush(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                               uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value == 0 || (s->value & ~(HSI_FLUSH_TX | HSI_FLUSH_RX)))
        return stall("wValue must be TX (1), RX (2) or both");
    link_flush(&d->link, s->value & HSI_FLUSH_TX, s->value & HSI_FLUSH_RX);
    return done(0);
}

static struct ctl_result get_status(struct dongle *d, const struct usb_setup *s,
                                    const uint8_t *data, uint8_t *out)
{
    struct hsi_status st;

    (void)s;
    (void)data;
    link_status(&d->link, &st);
    hsi_status_put(out, &st);
    return done(HSI_STATUS_SIZE);
}

static struct ctl_result reset(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                               uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value != 0)
        return stall("wValue must be 0");
    dongle_reset(d, HSI_RESET_REQUEST);
    return done(0);
}

static struct ctl_result set_loopback(struct dongle *d, const struct usb_setup *s,
                                      const uint8_t *data, uint8_t *out)
{
    (void)data;
    (void)out;
    if (s->value > 1)
        return stall("wValue must be 0 or 1");
    link_set_loopback(&d->link, s->value);
    log_info("loopback %s", s->value ? "on: the far end is disconnected" : "off");
    return done(0);
}

static struct ctl_result test_inject(struct dongle *d, const struct usb_setup *s,
                                     const uint8_t *data, uint8_t *out)
{
    uint8_t fault = (uint8_t)s->value, arg = (uint8_t)(s->value >> 8);
    uint8_t ch = (uint8_t)s->index;

    (void)data;
    (void)out;
    if (!d->cfg.test)
        return stall("TEST_INJECT needs the --test switch");
    if (s->index >= d->cfg.channels)
        return stall("no such channel");
    log_info("TEST_INJECT %s on ch %u", hsi_fault_name(fault), ch);
    switch (fault) {
    case HSI_FAULT_BREAK:
        link_fault_break(&d->link, ch);
        break;
    case HSI_FAULT_FRAME_ERROR:
        link_fault_frame_error(&d->link, ch);
        break;
    case HSI_FAULT_OVERRUN:
        link_fault_overrun(&d->link, ch);
        break;
    case HSI_FAULT_CAREADY_DROP:
        link_fault_caready_drop(&d->link, ch,
                                arg ? arg * CAREADY_DROP_UNIT_NS : CAREADY_DROP_DEFAULT);
        break;
    case HSI_FAULT_REPLUG:
        d->replug_pending = true; /* once this request has been answered */
        break;
    case HSI_FAULT_MALFORMED:
        bulk_inject_malformed(d, ch);
        break;
    default:
        return stall("no such fault");
    }
    return done(0);
}

static const struct vendor_req requests[] = {
    {HSI_REQ_GET_INFO, true, HSI_INFO_SIZE, get_info},
    {HSI_REQ_SET_TX_CONFIG, false, HSI_TX_CONFIG_SIZE, set_tx_config},
    {HSI_REQ_SET_RX_CONFIG, false, HSI_RX_CONFIG_SIZE, set_rx_config},
    {HSI_REQ_GET_CONFIG, true, HSI_CONFIG_SIZE, get_config},
    {HSI_REQ_SET_WAKE, false, 0, set_wake},
    {HSI_REQ_SET_RX_READY, false, 0, set_rx_ready},
    {HSI_REQ_SEND_BREAK, false, 0, send_break},
    {HSI_REQ_FLUSH, false, 0, flush},
    {HSI_REQ_GET_STATUS, true, HSI_STATUS_SIZE, get_status},
    {HSI_REQ_RESET, false, 0, reset},
    {HSI_REQ_SET_LOOPBACK, false, 0, set_loopback},
    {HSI_REQ_TEST_INJECT, false, 0, test_inject},
};

struct ctl_result vendor_request(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                                 uint8_t *out)
{
    const struct vendor_req *r = NULL;

    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
        if (requests[i].request == s->request)
            r = &requests[i];
    if (!r)
        return stall("unknown vendor request");
    if (d->configuration == 0)
        return stall("the device is not configured");
    if (s->type != (r->in ? HSI_REQTYPE_IN : HSI_REQTYPE_OUT))
        return stall("wrong bmRequestType (direction, type or recipient)");
    if (r->in ? s->length < r->size : s->length != r->size)
        return stall(r->in ? "wLength too short" : "wrong wLength");
    if (s->index != 0 && r->request != HSI_REQ_TEST_INJECT)
        return stall("wIndex must be 0 (interface 0)");
    return r->handle(d, s, data, out);
}
