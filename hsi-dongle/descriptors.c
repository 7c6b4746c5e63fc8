/*
 * descriptors.c: device, configuration, qualifier and string descriptors.
 *
 * A high-speed device with one configuration and one vendor interface:
 *
 *   EP 0x01 bulk OUT  512  AP to modem (the AC link)
 *   EP 0x81 bulk IN   512  modem to AP (the CA link)
 *   EP 0x82 intr IN    64  link events, every microframe (bInterval 1)
 *
 * Being high-speed capable, it also has the descriptors USB 2.0 asks for
 * to describe its full-speed self (device qualifier, other-speed
 * configuration): bulk endpoints are 64 bytes there.
 */
#include <string.h>

#include "descriptors.h"
#include "hsiproto.h"

#define LO(x) ((x)&0xFF)
#define HI(x) (((x) >> 8) & 0xFF)

/* One row per descriptor field, as the USB 2.0 tables lay them out. */
/* clang-format off */
const uint8_t desc_device[18] = {
    18, USB_DT_DEVICE,
    0x00, 0x02,                         /* bcdUSB 2.00 */
    0x00, 0x00, 0x00,                   /* class: defined by the interface */
    HSI_EP0_MAXPACKET,
    LO(HSI_USB_VID), HI(HSI_USB_VID),
    LO(HSI_USB_PID), HI(HSI_USB_PID),
    LO(HSI_USB_BCD_DEVICE), HI(HSI_USB_BCD_DEVICE),
    1, 2, 3,                            /* iManufacturer, iProduct, iSerialNumber */
    1,                                  /* one configuration */
};

/* The configuration at high speed, and (type OTHER_SPEED) at full speed. */
#define CONFIG(type, bulk_mps) {                                                   \
    9, type, 39, 0, 1, HSI_CONFIG_VALUE, 0, 0x80, 50, /* bus powered, 100 mA */    \
    9, USB_DT_INTERFACE, HSI_INTERFACE, 0, 3,                                      \
       HSI_IF_CLASS, HSI_IF_SUBCLASS, HSI_IF_PROTOCOL, 0,                          \
    7, USB_DT_ENDPOINT, HSI_EP_BULK_OUT, 0x02, LO(bulk_mps), HI(bulk_mps), 0,      \
    7, USB_DT_ENDPOINT, HSI_EP_BULK_IN, 0x02, LO(bulk_mps), HI(bulk_mps), 0,       \
    7, USB_DT_ENDPOINT, HSI_EP_EVENTS, 0x03, HSI_EVENTS_MAXPACKET, 0, 1,           \
}

const uint8_t desc_config[39] = CONFIG(USB_DT_CONFIG, HSI_BULK_MAXPACKET);
static const uint8_t desc_other_speed[39] = CONFIG(USB_DT_OTHER_SPEED, 64);

static const uint8_t desc_qualifier[10] = {
    10, USB_DT_DEVICE_QUALIFIER,
    0x00, 0x02,                         /* bcdUSB 2.00 */
    0x00, 0x00, 0x00,
    HSI_EP0_MAXPACKET,
    1,                                  /* other-speed configurations */
    0,
};
/* clang-format on */

static const char *const strings[] = {
    [1] = "KeLab",
    [2] = "Virtual HSI Dongle",
    [3] = "KLHSI0001",
};

/* String descriptors are UTF-16LE; ours are ASCII. Index 0 lists the
 * languages: only US English (0x0409). Any language id gets the same
 * answer, as on most devices. */
static size_t string_desc(uint8_t index, uint8_t *buf)
{
    const char *s;
    size_t n;

    if (index == 0) {
        const uint8_t langs[4] = {4, USB_DT_STRING, 0x09, 0x04};
        memcpy(buf, langs, sizeof(langs));
        return sizeof(langs);
    }
    if (index >= sizeof(strings) / sizeof(strings[0]))
        return 0;
    s = strings[index];
    n = strlen(s);
    buf[0] = (uint8_t)(2 + 2 * n);
    buf[1] = USB_DT_STRING;
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = (uint8_t)s[i];
        buf[3 + 2 * i] = 0;
    }
    return 2 + 2 * n;
}

static const char *const lie_names[] = {
    [DESC_TRUE] = "none",
    [DESC_SHORT] = "short",
    [DESC_LONG] = "long",
    [DESC_TOTAL] = "total",
    [DESC_ENDPOINTS] = "endpoints",
    [DESC_INTERFACES] = "interfaces",
    [DESC_ZERO_PACKET] = "zero-packet",
    [DESC_BAD_ADDRESS] = "bad-address",
};

static enum desc_lie lie; /* set once, from the command line */

int desc_lie_parse(const char *name, enum desc_lie *out)
{
    for (size_t i = 0; i < sizeof(lie_names) / sizeof(lie_names[0]); i++) {
        if (strcmp(name, lie_names[i]) == 0) {
            *out = (enum desc_lie)i;
            return 0;
        }
    }
    return -1;
}

const char *desc_lie_name(enum desc_lie l)
{
    return lie_names[l];
}

void desc_set_lie(enum desc_lie l)
{
    lie = l;
}

/* Offsets in the configuration (see CONFIG above): the interface's
 * bNumEndpoints, and the bulk IN endpoint's descriptor. */
#define CFG_NUM_INTERFACES 4
#define CFG_NUM_ENDPOINTS  13
#define CFG_BULK_IN        25

/* The device descriptor as the current lie tells it; returns its length. */
static size_t device_as_told(uint8_t *buf)
{
    memcpy(buf, desc_device, sizeof(desc_device));
    return lie == DESC_SHORT ? 12 : sizeof(desc_device);
}

/* The configuration as the current lie tells it; returns its length. */
static size_t config_as_told(uint8_t *buf)
{
    memcpy(buf, desc_config, sizeof(desc_config));
    switch (lie) {
    case DESC_LONG:
        buf[CFG_BULK_IN] = 32;
        break;
    case DESC_TOTAL:
        buf[2] = 64;
        break;
    case DESC_ENDPOINTS:
        buf[CFG_NUM_ENDPOINTS] = 4;
        break;
    case DESC_INTERFACES:
        buf[CFG_NUM_INTERFACES] = 2;
        break;
    case DESC_ZERO_PACKET:
        buf[CFG_BULK_IN + 4] = buf[CFG_BULK_IN + 5] = 0;
        break;
    case DESC_BAD_ADDRESS:
        buf[CFG_BULK_IN + 2] = 0x00;
        break;
    default:
        break;
    }
    return sizeof(desc_config);
}

size_t desc_get(uint8_t type, uint8_t index, uint8_t *out, size_t cap)
{
    uint8_t buf[64];
    const uint8_t *src = buf;
    size_t len = 0;

    switch (type) {
    case USB_DT_DEVICE:
        len = index == 0 ? device_as_told(buf) : 0;
        break;
    case USB_DT_CONFIG:
        len = index == 0 ? config_as_told(buf) : 0;
        break;
    case USB_DT_OTHER_SPEED:
        src = desc_other_speed;
        len = index == 0 ? sizeof(desc_other_speed) : 0;
        break;
    case USB_DT_DEVICE_QUALIFIER:
        src = desc_qualifier;
        len = index == 0 ? sizeof(desc_qualifier) : 0;
        break;
    case USB_DT_STRING:
        len = string_desc(index, buf);
        break;
    }
    memcpy(out, src, len < cap ? len : cap);
    return len;
}

const char *desc_type_name(uint8_t type)
{
    switch (type) {
    case USB_DT_DEVICE:
        return "DEVICE";
    case USB_DT_CONFIG:
        return "CONFIGURATION";
    case USB_DT_STRING:
        return "STRING";
    case USB_DT_DEVICE_QUALIFIER:
        return "DEVICE_QUALIFIER";
    case USB_DT_OTHER_SPEED:
        return "OTHER_SPEED_CONFIGURATION";
    case 0x0F:
        return "BOS";
    }
    return "unknown";
}

int desc_endpoint_exists(uint8_t ep)
{
    if ((ep & 0x7F) == 0)
        return 1;
    for (size_t off = 0; off + 1 < sizeof(desc_config); off += desc_config[off])
        if (desc_config[off + 1] == USB_DT_ENDPOINT && desc_config[off + 2] == ep)
            return 1;
    return 0;
}
