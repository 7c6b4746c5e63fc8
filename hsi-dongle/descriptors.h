/*
 * descriptors.h: the dongle's USB descriptors, the one place they live.
 *
 * GET_DESCRIPTOR answers come from here, and so do the usbredir
 * interface_info, ep_info and device_connect messages (redir.c walks the
 * configuration descriptor to build them), so what QEMU is told and what
 * the guest reads can never disagree.
 */
#ifndef DESCRIPTORS_H
#define DESCRIPTORS_H

#include <stddef.h>
#include <stdint.h>

#define USB_DT_DEVICE           1
#define USB_DT_CONFIG           2
#define USB_DT_STRING           3
#define USB_DT_INTERFACE        4
#define USB_DT_ENDPOINT         5
#define USB_DT_DEVICE_QUALIFIER 6
#define USB_DT_OTHER_SPEED      7

#define HSI_CONFIG_VALUE 1
#define HSI_INTERFACE    0

extern const uint8_t desc_device[18];
extern const uint8_t desc_config[39];

/* Descriptors that lie, for testing a host's checks (--bad-descriptors):
 * only GET_DESCRIPTOR answers change; what QEMU is told (interface_info,
 * ep_info) stays true, so the device still works for a host that does
 * not believe the lies. */
enum desc_lie {
    DESC_TRUE,        /* the real descriptors */
    DESC_SHORT,       /* the device descriptor stops after 12 of its 18 bytes */
    DESC_LONG,        /* the bulk IN endpoint's bLength (32) runs past wTotalLength */
    DESC_TOTAL,       /* wTotalLength says 64; 39 bytes come */
    DESC_ENDPOINTS,   /* bNumEndpoints says 4; three follow */
    DESC_INTERFACES,  /* bNumInterfaces says 2; one is described */
    DESC_ZERO_PACKET, /* the bulk IN endpoint's wMaxPacketSize is 0 */
    DESC_BAD_ADDRESS, /* the bulk IN endpoint's address is 0x00 */
};

/* The lie by its --bad-descriptors name ("short", "zero-packet"...):
 * 0, or -1 for an unknown name. */
int desc_lie_parse(const char *name, enum desc_lie *lie);
const char *desc_lie_name(enum desc_lie lie);
void desc_set_lie(enum desc_lie lie);

/* Copies descriptor (type, index) into out, at most cap bytes; returns its
 * full length, or 0 if the device has no such descriptor. */
size_t desc_get(uint8_t type, uint8_t index, uint8_t *out, size_t cap);
const char *desc_type_name(uint8_t type);

/* Is ep one of the configuration's endpoints (or endpoint 0)? */
int desc_endpoint_exists(uint8_t ep);

#endif /* DESCRIPTORS_H */
