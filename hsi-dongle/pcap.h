/*
 * pcap.h: the dongle's own USB capture, in the usbmon format.
 *
 * --pcap FILE records every transfer the dongle sees, as Linux usbmon
 * would on a real bus: a submission ('S') when the request arrives and a
 * completion ('C') when it is answered, control setup packets included.
 * The file uses LINKTYPE_USB_LINUX_MMAPPED (220), which tshark and
 * Wireshark dissect, descriptors and all. (QEMU's own usb-redir pcap
 * misses control completions, hence this one.)
 */
#ifndef PCAP_H
#define PCAP_H

#include <stdint.h>

#include "dongle.h"

#define PCAP_LINKTYPE_USB_LINUX_MMAPPED 220
#define USBMON_HDR_SIZE                 64

enum usbmon_xfer { USBMON_ISO = 0, USBMON_INTR = 1, USBMON_CTRL = 2, USBMON_BULK = 3 };

struct pcap;

struct pcap *pcap_open(const char *path);
void pcap_close(struct pcap *pc);

/* `setup` only for control transfers; `data` is what travels with the
 * record (OUT data on submission, IN data on completion). */
void pcap_submit(struct pcap *pc, uint64_t id, enum usbmon_xfer xfer, uint8_t ep,
                 const struct usb_setup *setup, uint32_t length, const uint8_t *data,
                 uint32_t data_len);
void pcap_complete(struct pcap *pc, uint64_t id, enum usbmon_xfer xfer, uint8_t ep,
                   enum usb_status status, uint32_t length, const uint8_t *data, uint32_t data_len);

#endif /* PCAP_H */
