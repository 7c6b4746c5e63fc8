/*
 * ch9.c: the standard requests of USB 2.0 chapter 9 that reach the device.
 *
 * QEMU keeps SET_ADDRESS to itself and turns SET/GET_CONFIGURATION and
 * SET/GET_INTERFACE into usbredir messages of their own (see redir.c), so
 * what arrives here as a control packet is GET_DESCRIPTOR, GET_STATUS and
 * CLEAR/SET_FEATURE. Anything else, or anything malformed, is a STALL,
 * which is what the specification calls a "Request Error".
 */
#include "descriptors.h"
#include "dongle.h"

#define REQ_GET_STATUS     0x00
#define REQ_CLEAR_FEATURE  0x01
#define REQ_SET_FEATURE    0x03
#define REQ_GET_DESCRIPTOR 0x06

#define RECIP_DEVICE    0x00
#define RECIP_INTERFACE 0x01
#define RECIP_ENDPOINT  0x02
#define DIR_IN          0x80

#define FEATURE_ENDPOINT_HALT 0

static struct ctl_result stall(const char *why)
{
    return (struct ctl_result){.status = USB_STALL, .why = why};
}

static struct ctl_result in_data(size_t len)
{
    return (struct ctl_result){.status = USB_OK, .len = len};
}

static struct ctl_result get_descriptor(const struct usb_setup *s, uint8_t *out)
{
    uint8_t type = (uint8_t)(s->value >> 8), index = (uint8_t)s->value;
    size_t len;

    if (s->type != (DIR_IN | RECIP_DEVICE))
        return stall("descriptor request not to the device");
    if (type != USB_DT_STRING && s->index != 0)
        return stall("wIndex must be 0");
    len = desc_get(type, index, out, s->length);
    if (len == 0)
        return stall("no such descriptor");
    return in_data(len < s->length ? len : s->length);
}

/* Nothing is ever halted (bus powered, no remote wakeup, no halt
 * state), so every status is two zero bytes. */
static struct ctl_result get_status(const struct dongle *d, const struct usb_setup *s, uint8_t *out)
{
    uint8_t ep = (uint8_t)s->index;
    bool exists = false;

    if (!(s->type & DIR_IN) || s->value != 0 || s->length < 2)
        return stall("malformed GET_STATUS");
    switch (s->type & 0x1F) {
    case RECIP_DEVICE:
        exists = s->index == 0;
        break;
    case RECIP_INTERFACE:
        exists = d->configuration != 0 && s->index == HSI_INTERFACE;
        break;
    case RECIP_ENDPOINT:
        exists = s->index < 0x100 && desc_endpoint_exists(ep) &&
                 (d->configuration != 0 || (ep & 0x7F) == 0);
        break;
    }
    if (!exists)
        return stall("no such recipient");
    out[0] = out[1] = 0;
    return in_data(2);
}

/* CLEAR_FEATURE(ENDPOINT_HALT) is what a host sends after a STALL on a
 * bulk endpoint; the dongle keeps no halt state, so it always succeeds. */
static struct ctl_result clear_feature(const struct usb_setup *s)
{
    if (s->type != RECIP_ENDPOINT || s->value != FEATURE_ENDPOINT_HALT || s->length != 0)
        return stall("only ENDPOINT_HALT can be cleared");
    if (s->index >= 0x100 || !desc_endpoint_exists((uint8_t)s->index))
        return stall("no such endpoint");
    return in_data(0);
}

struct ctl_result ch9_request(struct dongle *d, const struct usb_setup *s, const uint8_t *data,
                              uint8_t *out)
{
    (void)data;
    switch (s->request) {
    case REQ_GET_DESCRIPTOR:
        return get_descriptor(s, out);
    case REQ_GET_STATUS:
        return get_status(d, s, out);
    case REQ_CLEAR_FEATURE:
        return clear_feature(s);
    case REQ_SET_FEATURE:
        return stall("no remote wakeup, no test modes");
    }
    return stall("not a request this device takes");
}
