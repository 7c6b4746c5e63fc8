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

/* Copies descriptor (type, index) into out, at most cap bytes; returns its
 * full length, or 0 if the device has no such descriptor. */
size_t desc_get(uint8_t type, uint8_t index, uint8_t *out, size_t cap);
const char *desc_type_name(uint8_t type);

/* Is ep one of the configuration's endpoints (or endpoint 0)? */
int desc_endpoint_exists(uint8_t ep);

#endif /* DESCRIPTORS_H */
