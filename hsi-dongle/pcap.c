/*
 * pcap.c: writing usbmon records to a pcap file (see pcap.h).
 *
 * Each record is a 64-byte usbmon header (struct usbmon_packet of the
 * kernel's binary interface, in host byte order, which the pcap magic
 * tells readers) followed by the captured data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "pcap.h"

#define PCAP_MAGIC   0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_SNAPLEN (USBMON_HDR_SIZE + 128 * 1024)

struct pcap {
    FILE *f;
};

struct pcap_global_header {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record_header {
    uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

struct usbmon_packet {
    uint64_t id;       /* the URB: pairs a submission with its completion */
    uint8_t type;      /* 'S' submission, 'C' completion */
    uint8_t xfer_type; /* enum usbmon_xfer */
    uint8_t epnum;     /* endpoint number, bit 7 = IN */
    uint8_t devnum;
    uint16_t busnum;
    char flag_setup; /* 0: setup[] is valid, '-': no setup packet */
    char flag_data;  /* 0: data follows, '<' / '>': none here */
    int64_t ts_sec;
    int32_t ts_usec;
    int32_t status;   /* -EINPROGRESS on submission, 0 or -errno on completion */
    uint32_t length;  /* requested (S) or actual (C) transfer length */
    uint32_t len_cap; /* data bytes in this record */
    uint8_t setup[8];
    int32_t interval;
    int32_t start_frame;
    uint32_t xfer_flags;
    uint32_t ndesc;
};

_Static_assert(sizeof(struct usbmon_packet) == USBMON_HDR_SIZE, "usbmon header is 64 bytes");

struct pcap *pcap_open(const char *path)
{
    struct pcap_global_header gh = {
        .magic = PCAP_MAGIC,
        .version_major = 2,
        .version_minor = 4,
        .snaplen = PCAP_SNAPLEN,
        .linktype = PCAP_LINKTYPE_USB_LINUX_MMAPPED,
    };
    struct pcap *pc = calloc(1, sizeof(*pc));

    if (!pc)
        return NULL;
    pc->f = fopen(path, "wb");
    if (!pc->f || fwrite(&gh, sizeof(gh), 1, pc->f) != 1 || fflush(pc->f) != 0) {
        int saved = errno;
        if (pc->f)
            fclose(pc->f);
        free(pc);
        errno = saved;
        return NULL;
    }
    return pc;
}

void pcap_close(struct pcap *pc)
{
    if (!pc)
        return;
    fclose(pc->f);
    free(pc);
}

static int32_t usbmon_status(enum usb_status st)
{
    switch (st) {
    case USB_OK:
        return 0;
    case USB_STALL:
        return -EPIPE;
    case USB_CANCELLED:
        return -ENOENT;
    }
    return -EPROTO;
}

static void write_record(struct pcap *pc, struct usbmon_packet *h, const uint8_t *data)
{
    struct timeval tv;
    struct pcap_record_header rh;

    gettimeofday(&tv, NULL);
    h->ts_sec = tv.tv_sec;
    h->ts_usec = (int32_t)tv.tv_usec;
    h->busnum = 1;
    h->devnum = 1;
    if (h->len_cap > PCAP_SNAPLEN - USBMON_HDR_SIZE)
        h->len_cap = PCAP_SNAPLEN - USBMON_HDR_SIZE;
    rh.ts_sec = (uint32_t)tv.tv_sec;
    rh.ts_usec = (uint32_t)tv.tv_usec;
    rh.incl_len = rh.orig_len = USBMON_HDR_SIZE + h->len_cap;
    fwrite(&rh, sizeof(rh), 1, pc->f);
    fwrite(h, sizeof(*h), 1, pc->f);
    if (h->len_cap)
        fwrite(data, 1, h->len_cap, pc->f);
    /* Readable while the dongle runs: tshark can follow along. */
    fflush(pc->f);
}

static void fill_setup(struct usbmon_packet *h, const struct usb_setup *s)
{
    h->flag_setup = 0;
    h->setup[0] = s->type;
    h->setup[1] = s->request;
    h->setup[2] = (uint8_t)s->value;
    h->setup[3] = (uint8_t)(s->value >> 8);
    h->setup[4] = (uint8_t)s->index;
    h->setup[5] = (uint8_t)(s->index >> 8);
    h->setup[6] = (uint8_t)s->length;
    h->setup[7] = (uint8_t)(s->length >> 8);
}

void pcap_submit(struct pcap *pc, uint64_t id, enum usbmon_xfer xfer, uint8_t ep,
                 const struct usb_setup *setup, uint32_t length, const uint8_t *data,
                 uint32_t data_len)
{
    struct usbmon_packet h = {
        .id = id,
        .type = 'S',
        .xfer_type = (uint8_t)xfer,
        .epnum = ep,
        .flag_setup = '-',
        .flag_data = data_len ? 0 : (ep & 0x80 ? '<' : '>'),
        .status = -EINPROGRESS,
        .length = length,
        .len_cap = data_len,
        .interval = xfer == USBMON_INTR ? 1 : 0,
    };

    if (!pc)
        return;
    if (setup)
        fill_setup(&h, setup);
    write_record(pc, &h, data);
}

void pcap_complete(struct pcap *pc, uint64_t id, enum usbmon_xfer xfer, uint8_t ep,
                   enum usb_status status, uint32_t length, const uint8_t *data, uint32_t data_len)
{
    struct usbmon_packet h = {
        .id = id,
        .type = 'C',
        .xfer_type = (uint8_t)xfer,
        .epnum = ep,
        .flag_setup = '-',
        .flag_data = data_len ? 0 : (ep & 0x80 ? '<' : '>'),
        .status = usbmon_status(status),
        .length = length,
        .len_cap = data_len,
        .interval = xfer == USBMON_INTR ? 1 : 0,
    };

    if (!pc)
        return;
    write_record(pc, &h, data);
}
