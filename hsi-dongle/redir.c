/*
 * redir.c: usbredir "usb host" side of the dongle (see redir.h).
 *
 * The capabilities announced are those QEMU needs to accept a device on
 * xHCI (ep_info_max_packet_size, 64bits_ids, 32bits_bulk_length) plus
 * connect_device_version, filter and device_disconnect_ack. Bulk receiving
 * is deliberately not announced, so bulk IN stays request/answer: QEMU
 * sends a request carrying a length, the dongle answers when it has data.
 *
 * Everything QEMU sends is checked by libusbredirparser first (lengths,
 * directions, packet types); what gets through is still the guest's
 * choice, so the dongle checks the rest, and a packet the parser refuses
 * is counted and logged while the connection carries on.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usbredirfilter.h>
#include <usbredirparser.h>

#include "clock.h"
#include "descriptors.h"
#include "log.h"
#include "redir.h"

#define VERSION_STRING "KeLab hsi-dongle 1.0"
#define DETACH_WAIT_NS (1 * NS_PER_S) /* if QEMU never acks a disconnect */

struct redir {
    struct usbredirparser *p;
    int fd;
    struct dongle *d;
    struct pcap *pcap;
    bool dead;           /* the connection failed; close it at the next chance */
    bool detaching;      /* replug: disconnect sent, waiting for the ack */
    uint64_t detach_end; /* give up waiting then */
    uint64_t intr_id;    /* capture ids for the interrupt packets we push */
};

/* --- Transport -------------------------------------------------------- */

static int redir_read(void *priv, uint8_t *data, int count)
{
    struct redir *r = priv;
    ssize_t n = read(r->fd, data, (size_t)count);

    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (!r->dead)
        log_info("QEMU closed the connection%s%s", n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
    r->dead = true;
    return -1;
}

static int redir_write(void *priv, uint8_t *data, int count)
{
    struct redir *r = priv;
    ssize_t n;

    if (r->dead)
        return -1;
    n = send(r->fd, data, (size_t)count, MSG_NOSIGNAL);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EINTR)
        return 0;
    log_warn("writing to QEMU: %s", strerror(errno));
    r->dead = true;
    return -1;
}

static void redir_log(void *priv, int level, const char *msg)
{
    struct redir *r = priv;

    if (level <= usbredirparser_error) {
        /* The parser refused a packet: the peer broke the protocol. */
        r->d->st.usb_errors++;
        log_warn("%s", msg);
    } else if (level <= usbredirparser_info) {
        log_info("%s", msg);
    } else {
        log_debug("%s", msg);
    }
}

/* --- What QEMU is told about the device -------------------------------- */

/* usbredir's endpoint index: OUT endpoints 0-15, IN endpoints 16-31. */
static int ep_index(uint8_t ep)
{
    return ((ep & 0x80) >> 3) | (ep & 0x0F);
}

/* Interface and endpoint tables, read off the configuration descriptor
 * (or empty but for endpoint 0 when unconfigured). */
static void describe_config(uint8_t config, struct usb_redir_interface_info_header *ii,
                            struct usb_redir_ep_info_header *ei)
{
    uint8_t interface = 0;

    memset(ii, 0, sizeof(*ii));
    memset(ei, 0, sizeof(*ei));
    memset(ei->type, usb_redir_type_invalid, sizeof(ei->type));
    ei->type[0] = ei->type[16] = usb_redir_type_control;
    ei->max_packet_size[0] = ei->max_packet_size[16] = desc_device[7];
    if (config == 0)
        return;
    for (size_t off = 0; off + 1 < sizeof(desc_config); off += desc_config[off]) {
        const uint8_t *dp = desc_config + off;
        if (dp[1] == USB_DT_INTERFACE) {
            unsigned n = ii->interface_count++;
            interface = dp[2];
            ii->interface[n] = dp[2];
            ii->interface_class[n] = dp[5];
            ii->interface_subclass[n] = dp[6];
            ii->interface_protocol[n] = dp[7];
        } else if (dp[1] == USB_DT_ENDPOINT) {
            int i = ep_index(dp[2]);
            ei->type[i] = dp[3] & 3; /* usbredir's types are USB's */
            ei->interval[i] = dp[6];
            ei->interface[i] = interface;
            ei->max_packet_size[i] = (uint16_t)((dp[4] | dp[5] << 8) & 0x7FF);
        }
    }
}

static void send_config_info(struct redir *r, uint8_t config)
{
    struct usb_redir_interface_info_header ii;
    struct usb_redir_ep_info_header ei;

    describe_config(config, &ii, &ei);
    usbredirparser_send_interface_info(r->p, &ii);
    usbredirparser_send_ep_info(r->p, &ei);
}

/* Plugs the device in: QEMU wants the interfaces and endpoints first. */
static void announce(struct redir *r)
{
    struct usb_redir_device_connect_header dc = {
        .speed = usb_redir_speed_high,
        .device_class = desc_device[4],
        .device_subclass = desc_device[5],
        .device_protocol = desc_device[6],
        .vendor_id = HSI_USB_VID,
        .product_id = HSI_USB_PID,
        .device_version_bcd = HSI_USB_BCD_DEVICE,
    };

    send_config_info(r, HSI_CONFIG_VALUE);
    usbredirparser_send_device_connect(r->p, &dc);
    log_info("device connected: %04x:%04x high speed", HSI_USB_VID, HSI_USB_PID);
    dongle_plug(r->d);
}

/* --- Packets from QEMU ------------------------------------------------- */

static void on_hello(void *priv, struct usb_redir_hello_header *h)
{
    struct redir *r = priv;
    static const int needed[] = {usb_redir_cap_ep_info_max_packet_size, usb_redir_cap_64bits_ids,
                                 usb_redir_cap_32bits_bulk_length};
    char version[sizeof(h->version) + 1];

    memcpy(version, h->version, sizeof(h->version));
    version[sizeof(h->version)] = '\0';
    log_info("peer says hello: \"%s\"", version);
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
        if (!usbredirparser_peer_has_cap(r->p, needed[i]))
            log_warn("peer lacks usbredir capability %d; QEMU's xHCI needs it", needed[i]);
    announce(r);
}

static void on_reset(void *priv)
{
    struct redir *r = priv;

    log_info("USB port reset");
    dongle_usb_reset(r->d);
}

/* SET/GET_CONFIGURATION and SET/GET_INTERFACE arrive as usbredir packets
 * of their own; the capture shows them as the control transfers the guest
 * made. */
static void capture_std(struct redir *r, uint64_t id, uint8_t type, uint8_t req, uint16_t value,
                        uint16_t index, uint16_t length, enum usb_status st, uint8_t answer)
{
    struct usb_setup s = {type, req, value, index, length};

    pcap_submit(r->pcap, id, USBMON_CTRL, type & 0x80, &s, length, NULL, 0);
    pcap_complete(r->pcap, id, USBMON_CTRL, type & 0x80, st, st == USB_OK ? length : 0, &answer,
                  st == USB_OK ? length : 0);
}

static void on_set_configuration(void *priv, uint64_t id,
                                 struct usb_redir_set_configuration_header *h)
{
    struct redir *r = priv;
    bool ok = dongle_set_configuration(r->d, h->configuration);
    struct usb_redir_configuration_status_header cs = {
        .status = ok ? usb_redir_success : usb_redir_stall,
        .configuration = r->d->configuration,
    };

    log_info("ctrl SET_CONFIGURATION(%u) -> %s", h->configuration, ok ? "ok" : "STALL");
    if (ok)
        send_config_info(r, r->d->configuration);
    usbredirparser_send_configuration_status(r->p, id, &cs);
    capture_std(r, id, 0x00, 0x09, h->configuration, 0, 0, ok ? USB_OK : USB_STALL, 0);
}

static void on_get_configuration(void *priv, uint64_t id)
{
    struct redir *r = priv;
    struct usb_redir_configuration_status_header cs = {
        .status = usb_redir_success,
        .configuration = r->d->configuration,
    };

    usbredirparser_send_configuration_status(r->p, id, &cs);
    capture_std(r, id, 0x80, 0x08, 0, 0, 1, USB_OK, r->d->configuration);
}

static void on_set_alt_setting(void *priv, uint64_t id, struct usb_redir_set_alt_setting_header *h)
{
    struct redir *r = priv;
    bool ok = dongle_has_setting(r->d, h->interface, h->alt);
    struct usb_redir_alt_setting_status_header as = {
        .status = ok ? usb_redir_success : usb_redir_stall,
        .interface = h->interface,
        .alt = 0,
    };

    log_info("ctrl SET_INTERFACE(%u, alt %u) -> %s", h->interface, h->alt, ok ? "ok" : "STALL");
    usbredirparser_send_alt_setting_status(r->p, id, &as);
    capture_std(r, id, 0x01, 0x0B, h->alt, h->interface, 0, ok ? USB_OK : USB_STALL, 0);
}

static void on_get_alt_setting(void *priv, uint64_t id, struct usb_redir_get_alt_setting_header *h)
{
    struct redir *r = priv;
    bool ok = dongle_has_setting(r->d, h->interface, 0); /* the only alternate */
    struct usb_redir_alt_setting_status_header as = {
        .status = ok ? usb_redir_success : usb_redir_stall,
        .interface = h->interface,
        .alt = 0,
    };

    usbredirparser_send_alt_setting_status(r->p, id, &as);
    capture_std(r, id, 0x81, 0x0A, 0, h->interface, 1, ok ? USB_OK : USB_STALL, 0);
}

static void on_start_interrupt(void *priv, uint64_t id,
                               struct usb_redir_start_interrupt_receiving_header *h)
{
    struct redir *r = priv;
    bool ok = dongle_start_events(r->d, h->endpoint);
    struct usb_redir_interrupt_receiving_status_header st = {
        .status = ok ? usb_redir_success : usb_redir_stall,
        .endpoint = h->endpoint,
    };

    log_info("interrupt endpoint 0x%02x: %s", h->endpoint, ok ? "events on" : "refused");
    usbredirparser_send_interrupt_receiving_status(r->p, id, &st);
}

static void on_stop_interrupt(void *priv, uint64_t id,
                              struct usb_redir_stop_interrupt_receiving_header *h)
{
    struct redir *r = priv;
    struct usb_redir_interrupt_receiving_status_header st = {
        .status = usb_redir_success,
        .endpoint = h->endpoint,
    };

    dongle_stop_events(r->d, h->endpoint);
    log_info("interrupt endpoint 0x%02x: events off", h->endpoint);
    usbredirparser_send_interrupt_receiving_status(r->p, id, &st);
}

static void on_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *h,
                       uint8_t *data, int data_len)
{
    struct redir *r = priv;
    struct usb_setup s = {h->requesttype, h->request, h->value, h->index, h->length};

    pcap_submit(r->pcap, id, USBMON_CTRL, h->requesttype & 0x80, &s, h->length, data,
                (uint32_t)data_len);
    dongle_control(r->d, id, &s, data, (size_t)data_len);
    usbredirparser_free_packet_data(r->p, data);
}

static void on_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *data,
                    int data_len)
{
    struct redir *r = priv;
    uint32_t len = (uint32_t)h->length_high << 16 | h->length;

    pcap_submit(r->pcap, id, USBMON_BULK, h->endpoint, NULL, len, data, (uint32_t)data_len);
    if (h->stream_id != 0) {
        log_warn("bulk id %llu: stream %u, but the device has no streams: STALL",
                 (unsigned long long)id, h->stream_id);
        redir_port.bulk_done(r, id, h->endpoint, USB_STALL, NULL, 0);
    } else {
        dongle_bulk(r->d, id, h->endpoint, data, h->endpoint & 0x80 ? len : (uint32_t)data_len);
    }
    usbredirparser_free_packet_data(r->p, data);
}

static void on_cancel(void *priv, uint64_t id)
{
    struct redir *r = priv;

    dongle_cancel(r->d, id);
}

static void on_disconnect_ack(void *priv)
{
    struct redir *r = priv;

    if (!r->detaching)
        return;
    r->detaching = false;
    log_info("QEMU saw the unplug; plugging in again");
    announce(r);
}

static void on_filter_reject(void *priv)
{
    (void)priv;
    log_error("QEMU refused the device (its filter or the port speed); it stays unplugged "
              "until QEMU reconnects");
}

static void on_filter_filter(void *priv, struct usbredirfilter_rule *rules, int count)
{
    (void)priv;
    log_info("QEMU sent %d device filter rules (it applies them itself)", count);
    usbredirfilter_free(rules);
}

/* Endpoint kinds this device does not have. The parser lets them through
 * only if QEMU asks; they are refused, or logged when there is nothing to
 * answer. */
static void on_start_iso(void *priv, uint64_t id, struct usb_redir_start_iso_stream_header *h)
{
    struct redir *r = priv;
    struct usb_redir_iso_stream_status_header st = {usb_redir_stall, h->endpoint};

    log_warn("iso stream on ep 0x%02x refused: no iso endpoints", h->endpoint);
    usbredirparser_send_iso_stream_status(r->p, id, &st);
}

static void on_stop_iso(void *priv, uint64_t id, struct usb_redir_stop_iso_stream_header *h)
{
    struct redir *r = priv;
    struct usb_redir_iso_stream_status_header st = {usb_redir_stall, h->endpoint};

    usbredirparser_send_iso_stream_status(r->p, id, &st);
}

static void on_alloc_streams(void *priv, uint64_t id, struct usb_redir_alloc_bulk_streams_header *h)
{
    struct redir *r = priv;
    struct usb_redir_bulk_streams_status_header st = {h->endpoints, h->no_streams, usb_redir_stall};

    usbredirparser_send_bulk_streams_status(r->p, id, &st);
}

static void on_free_streams(void *priv, uint64_t id, struct usb_redir_free_bulk_streams_header *h)
{
    struct redir *r = priv;
    struct usb_redir_bulk_streams_status_header st = {h->endpoints, 0, usb_redir_stall};

    usbredirparser_send_bulk_streams_status(r->p, id, &st);
}

static void on_start_bulk_receiving(void *priv, uint64_t id,
                                    struct usb_redir_start_bulk_receiving_header *h)
{
    (void)priv;
    log_warn("bulk receiving id %llu on ep 0x%02x: not supported", (unsigned long long)id,
             h->endpoint);
}

static void on_stop_bulk_receiving(void *priv, uint64_t id,
                                   struct usb_redir_stop_bulk_receiving_header *h)
{
    (void)priv;
    log_warn("stop bulk receiving id %llu on ep 0x%02x: not supported", (unsigned long long)id,
             h->endpoint);
}

static void on_iso(void *priv, uint64_t id, struct usb_redir_iso_packet_header *h, uint8_t *data,
                   int data_len)
{
    struct redir *r = priv;

    log_warn("iso packet id %llu for ep 0x%02x (%d bytes) ignored: no iso endpoints",
             (unsigned long long)id, h->endpoint, data_len);
    usbredirparser_free_packet_data(r->p, data);
}

static void on_interrupt(void *priv, uint64_t id, struct usb_redir_interrupt_packet_header *h,
                         uint8_t *data, int data_len)
{
    struct redir *r = priv;

    log_warn("interrupt packet id %llu for ep 0x%02x (%d bytes) ignored: no interrupt OUT "
             "endpoint",
             (unsigned long long)id, h->endpoint, data_len);
    usbredirparser_free_packet_data(r->p, data);
}

/* --- Answers to QEMU (the dongle's port) -------------------------------- */

static uint8_t redir_status(enum usb_status st)
{
    switch (st) {
    case USB_OK:
        return usb_redir_success;
    case USB_STALL:
        return usb_redir_stall;
    case USB_CANCELLED:
        return usb_redir_cancelled;
    }
    return usb_redir_ioerror;
}

static void port_control_done(void *ctx, uint64_t id, const struct usb_setup *s, enum usb_status st,
                              const uint8_t *data, size_t len)
{
    struct redir *r = ctx;
    bool in = s->type & 0x80;
    struct usb_redir_control_packet_header h = {
        .endpoint = in ? 0x80 : 0x00,
        .request = s->request,
        .requesttype = s->type,
        .status = redir_status(st),
        .value = s->value,
        .index = s->index,
        /* IN: the bytes returned; OUT: the bytes taken */
        .length = (uint16_t)(in             ? len
                             : st == USB_OK ? s->length
                                            : 0),
    };

    if (!r->p)
        return;
    usbredirparser_send_control_packet(r->p, id, &h, in ? (uint8_t *)data : NULL,
                                       in ? (int)len : 0);
    pcap_complete(r->pcap, id, USBMON_CTRL, h.endpoint, st, h.length, data, in ? h.length : 0);
}

static void port_bulk_done(void *ctx, uint64_t id, uint8_t ep, enum usb_status st,
                           const uint8_t *data, uint32_t len)
{
    struct redir *r = ctx;
    bool in = ep & 0x80;
    struct usb_redir_bulk_packet_header h = {
        .endpoint = ep,
        .status = redir_status(st),
        .length = (uint16_t)len,
        .length_high = (uint16_t)(len >> 16),
    };

    if (!r->p)
        return;
    usbredirparser_send_bulk_packet(r->p, id, &h, in ? (uint8_t *)data : NULL, in ? (int)len : 0);
    pcap_complete(r->pcap, id, USBMON_BULK, ep, st, len, data, in ? len : 0);
}

/* Interrupt IN is pushed: QEMU queues what arrives and hands it to the
 * guest's polls. Each packet is one guest transfer, at most 64 bytes. */
static void port_interrupt(void *ctx, uint8_t ep, const uint8_t *data, size_t len)
{
    struct redir *r = ctx;
    struct usb_redir_interrupt_packet_header h = {
        .endpoint = ep,
        .status = usb_redir_success,
        .length = (uint16_t)len,
    };
    /* QEMU has no id for these; the capture needs one to pair S and C. */
    uint64_t id = (1ull << 63) | r->intr_id++;

    if (!r->p)
        return;
    usbredirparser_send_interrupt_packet(r->p, 0, &h, (uint8_t *)data, (int)len);
    pcap_submit(r->pcap, id, USBMON_INTR, ep, NULL, HSI_EVENTS_MAXPACKET, NULL, 0);
    pcap_complete(r->pcap, id, USBMON_INTR, ep, USB_OK, (uint32_t)len, data, (uint32_t)len);
}

/* TEST_INJECT replug: every pending request ends, the device goes away,
 * and comes back once QEMU has acknowledged (announce()). */
static void port_replug(void *ctx)
{
    struct redir *r = ctx;

    if (!r->p)
        return;
    dongle_replug(r->d);
    usbredirparser_send_device_disconnect(r->p);
    log_info("device disconnected (replug)");
    r->detaching = true;
    r->detach_end = r->d->now + DETACH_WAIT_NS;
}

const struct dongle_port redir_port = {
    .control_done = port_control_done,
    .bulk_done = port_bulk_done,
    .interrupt = port_interrupt,
    .replug = port_replug,
};

/* --- Connection ------------------------------------------------------- */

struct redir *redir_new(struct pcap *pcap)
{
    struct redir *r = calloc(1, sizeof(*r));

    if (!r)
        abort();
    r->fd = -1;
    r->pcap = pcap;
    return r;
}

void redir_set_dongle(struct redir *r, struct dongle *d)
{
    r->d = d;
}

bool redir_connected(const struct redir *r)
{
    return r->p != NULL;
}

static struct usbredirparser *make_parser(struct redir *r)
{
    struct usbredirparser *p = usbredirparser_create();
    uint32_t caps[USB_REDIR_CAPS_SIZE] = {0};

    if (!p)
        abort();
    p->priv = r;
    p->log_func = redir_log;
    p->read_func = redir_read;
    p->write_func = redir_write;
    p->hello_func = on_hello;
    p->reset_func = on_reset;
    p->set_configuration_func = on_set_configuration;
    p->get_configuration_func = on_get_configuration;
    p->set_alt_setting_func = on_set_alt_setting;
    p->get_alt_setting_func = on_get_alt_setting;
    p->start_iso_stream_func = on_start_iso;
    p->stop_iso_stream_func = on_stop_iso;
    p->start_interrupt_receiving_func = on_start_interrupt;
    p->stop_interrupt_receiving_func = on_stop_interrupt;
    p->alloc_bulk_streams_func = on_alloc_streams;
    p->free_bulk_streams_func = on_free_streams;
    p->cancel_data_packet_func = on_cancel;
    p->filter_reject_func = on_filter_reject;
    p->filter_filter_func = on_filter_filter;
    p->device_disconnect_ack_func = on_disconnect_ack;
    p->start_bulk_receiving_func = on_start_bulk_receiving;
    p->stop_bulk_receiving_func = on_stop_bulk_receiving;
    p->control_packet_func = on_control;
    p->bulk_packet_func = on_bulk;
    p->iso_packet_func = on_iso;
    p->interrupt_packet_func = on_interrupt;
    usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_filter);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
    usbredirparser_init(p, VERSION_STRING, caps, USB_REDIR_CAPS_SIZE, usbredirparser_fl_usb_host);
    return p;
}

void redir_connect(struct redir *r, int fd)
{
    r->fd = fd;
    r->dead = false;
    r->detaching = false;
    r->d->st.connections++;
    r->p = make_parser(r); /* queues our hello */
    log_info("QEMU connected");
}

/* The host is gone: the guest saw an unplug. Wait for the next one. */
static void drop_connection(struct redir *r)
{
    usbredirparser_destroy(r->p);
    r->p = NULL;
    close(r->fd);
    r->fd = -1;
    r->detaching = false;
    dongle_unplug(r->d);
    log_info("QEMU disconnected; waiting for it to connect again");
}

int redir_pollfd(const struct redir *r, short *events)
{
    if (!r->p)
        return -1;
    *events = (short)(POLLIN | (usbredirparser_has_data_to_write(r->p) ? POLLOUT : 0));
    return r->fd;
}

void redir_flush(struct redir *r)
{
    if (!r->p)
        return;
    if (usbredirparser_has_data_to_write(r->p))
        usbredirparser_do_write(r->p);
    if (r->dead)
        drop_connection(r);
}

void redir_io(struct redir *r, short revents)
{
    if (!r->p)
        return;
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        int rc;
        /* A parse error (logged and counted by redir_log) skips the bad
         * packet; keep reading after it. */
        do
            rc = usbredirparser_do_read(r->p);
        while (rc == usbredirparser_read_parse_error && !r->dead);
        if (rc == usbredirparser_read_io_error)
            r->dead = true;
    }
    redir_flush(r);
}

void redir_run(struct redir *r, uint64_t now)
{
    if (r->p && r->detaching && now >= r->detach_end) {
        r->detaching = false;
        log_warn("QEMU did not acknowledge the unplug; plugging in again anyway");
        announce(r);
    }
}

uint64_t redir_deadline(const struct redir *r)
{
    return r->p && r->detaching ? r->detach_end : NEVER;
}

void redir_goodbye(struct redir *r)
{
    if (!r->p)
        return;
    usbredirparser_send_device_disconnect(r->p);
    usbredirparser_do_write(r->p); /* best effort: the socket may be full */
    drop_connection(r);
}

void redir_free(struct redir *r)
{
    free(r);
}
