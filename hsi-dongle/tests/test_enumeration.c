/*
 * test_enumeration.c: what a host sees when the dongle is plugged in.
 *
 * The usbredir handshake (device_connect, interface_info, ep_info), every
 * descriptor byte for byte, the chapter 9 requests that reach the device,
 * configuration and interface selection, and a USB port reset.
 */
#include <string.h>

#include "ktap.h"
#include "tclient.h"

#define GET_DESCRIPTOR 6

static const uint8_t device_desc[18] = {18,   1,    0x00, 0x02, 0,    0, 0, 64, 0x09,
                                        0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3,  1};

static const uint8_t config_desc[39] = {
    9, 2, 39,   0, 1,    1,    0,    0x80, 50, /* configuration */
    9, 4, 0,    0, 3,    0xFF, 0x48, 0x01, 0,  /* interface */
    7, 5, 0x01, 2, 0x00, 0x02, 0,              /* bulk OUT 512 */
    7, 5, 0x81, 2, 0x00, 0x02, 0,              /* bulk IN 512 */
    7, 5, 0x82, 3, 64,   0,    1,              /* interrupt IN 64, every microframe */
};

static int get_descriptor(struct tc *t, uint8_t type, uint8_t index, uint16_t lang, uint8_t *buf,
                          uint16_t len)
{
    return tc_control(t, 0x80, GET_DESCRIPTOR, (uint16_t)(type << 8 | index), lang, buf, len);
}

/* A string descriptor's text, as ASCII. */
static bool string_is(struct tc *t, uint8_t index, const char *want)
{
    uint8_t buf[255];
    int n = get_descriptor(t, 3, index, 0x0409, buf, sizeof(buf));
    size_t len = strlen(want);

    if (n != (int)(2 + 2 * len) || buf[0] != n || buf[1] != 3)
        return false;
    for (size_t i = 0; i < len; i++)
        if (buf[2 + 2 * i] != (uint8_t)want[i] || buf[3 + 2 * i] != 0)
            return false;
    return true;
}

static void handshake(struct tc *t)
{
    const struct usb_redir_ep_info_header *e = &t->epinfo;
    bool others_invalid = true;

    ktap_check(strcmp(t->order, "IEC") == 0, "interface_info, ep_info, then device_connect (%s)",
               t->order);
    ktap_check(t->dev.speed == usb_redir_speed_high, "device_connect: high speed");
    ktap_check(t->dev.vendor_id == 0x1209 && t->dev.product_id == 0x0001 &&
                   t->dev.device_version_bcd == 0x0100,
               "device_connect: 1209:0001, version 1.00");
    ktap_check(t->ifinfo.interface_count == 1 && t->ifinfo.interface_class[0] == 0xFF &&
                   t->ifinfo.interface_subclass[0] == 0x48 &&
                   t->ifinfo.interface_protocol[0] == 0x01,
               "interface_info: one interface FF/48/01");
    ktap_check(e->type[0] == usb_redir_type_control && e->type[16] == usb_redir_type_control &&
                   e->max_packet_size[0] == 64,
               "ep_info: endpoint 0 is control, 64 bytes");
    ktap_check(e->type[1] == usb_redir_type_bulk && e->max_packet_size[1] == 512,
               "ep_info: 0x01 bulk OUT 512");
    ktap_check(e->type[17] == usb_redir_type_bulk && e->max_packet_size[17] == 512,
               "ep_info: 0x81 bulk IN 512");
    ktap_check(e->type[18] == usb_redir_type_interrupt && e->max_packet_size[18] == 64 &&
                   e->interval[18] == 1,
               "ep_info: 0x82 interrupt IN 64, interval 1");
    for (int i = 0; i < 32; i++)
        if (i != 0 && i != 1 && i != 16 && i != 17 && i != 18)
            others_invalid &= e->type[i] == usb_redir_type_invalid;
    ktap_check(others_invalid, "ep_info: every other endpoint invalid");
}

static void descriptors(struct tc *t)
{
    uint8_t buf[256];
    int n;

    n = get_descriptor(t, 1, 0, 0, buf, 64);
    ktap_check(n == 18 && memcmp(buf, device_desc, 18) == 0, "device descriptor, byte for byte");
    n = get_descriptor(t, 1, 0, 0, buf, 8);
    ktap_check(n == 8 && memcmp(buf, device_desc, 8) == 0, "wLength 8 gets the first 8 bytes");
    n = get_descriptor(t, 2, 0, 0, buf, 9);
    ktap_check(n == 9 && buf[2] == 39, "configuration header: wTotalLength 39");
    n = get_descriptor(t, 2, 0, 0, buf, 255);
    ktap_check(n == 39 && memcmp(buf, config_desc, 39) == 0, "full configuration, byte for byte");
    n = get_descriptor(t, 3, 0, 0, buf, 255);
    ktap_check(n == 4 && buf[2] == 0x09 && buf[3] == 0x04, "string 0: language US English");
    ktap_check(string_is(t, 1, "KeLab"), "string 1, manufacturer: KeLab");
    ktap_check(string_is(t, 2, "Virtual HSI Dongle"), "string 2, product: Virtual HSI Dongle");
    ktap_check(string_is(t, 3, "KLHSI0001"), "string 3, serial number");
    ktap_check(get_descriptor(t, 3, 4, 0x0409, buf, 255) == -1, "string 4: STALL");
    n = get_descriptor(t, 6, 0, 0, buf, 255);
    ktap_check(n == 10 && buf[1] == 6 && buf[7] == 64 && buf[8] == 1, "device qualifier");
    n = get_descriptor(t, 7, 0, 0, buf, 255);
    ktap_check(n == 39 && buf[1] == 7 && buf[22] == 64 && buf[29] == 64,
               "other-speed configuration: bulk endpoints of 64 bytes");
    ktap_check(get_descriptor(t, 0x0F, 0, 0, buf, 255) == -1, "BOS (USB 2.0 device): STALL");
    ktap_check(get_descriptor(t, 0x22, 0, 0, buf, 255) == -1, "unknown type: STALL");
    ktap_check(get_descriptor(t, 1, 1, 0, buf, 255) == -1, "device descriptor index 1: STALL");
    ktap_check(tc_control(t, 0x81, GET_DESCRIPTOR, 0x2200, 0, buf, 255) == -1,
               "a descriptor request to the interface: STALL");
}

static void standard_requests(struct tc *t)
{
    uint8_t buf[8];

    ktap_check(tc_control(t, 0x80, 0, 0, 0, buf, 2) == 2 && buf[0] == 0 && buf[1] == 0,
               "GET_STATUS device: 0 (bus powered, no remote wakeup)");
    ktap_check(tc_control(t, 0x81, 0, 0, 0, buf, 2) == -1,
               "GET_STATUS interface before configuration: STALL");
    ktap_check(tc_control(t, 0x82, 0, 0, 0x81, buf, 2) == -1,
               "GET_STATUS endpoint 0x81 before configuration: STALL");
    ktap_check(tc_control(t, 0x82, 0, 0, 0x80, buf, 2) == 2, "GET_STATUS endpoint 0 is fine");
    ktap_check(tc_control(t, 0x00, 3, 1, 0, NULL, 0) == -1,
               "SET_FEATURE(DEVICE_REMOTE_WAKEUP): STALL");
    ktap_check(tc_control(t, 0x00, 5, 7, 0, NULL, 0) == -1,
               "SET_ADDRESS reaching the device (QEMU keeps it): STALL");
    ktap_check(tc_control(t, 0x21, 0x01, 0, 0, NULL, 0) == -1, "a class request: STALL");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, buf, 8) == -1,
               "a vendor request before configuration: STALL");
}

static void configuration(struct tc *t)
{
    uint8_t value = 0xFF, buf[2];

    ktap_check(tc_get_configuration(t, &value) == usb_redir_success && value == 0,
               "GET_CONFIGURATION: 0 after plug");
    t->order[0] = '\0';
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success, "SET_CONFIGURATION(1)");
    ktap_check(strcmp(t->order, "IES") == 0,
               "interface_info and ep_info again, then configuration_status (%s)", t->order);
    ktap_check(tc_get_configuration(t, &value) == usb_redir_success && value == 1,
               "GET_CONFIGURATION: 1");
    ktap_check(tc_set_configuration(t, 2) == usb_redir_stall, "SET_CONFIGURATION(2): STALL");
    ktap_check(tc_set_interface(t, 0, 0) == usb_redir_success, "SET_INTERFACE(0, alt 0)");
    ktap_check(tc_set_interface(t, 0, 1) == usb_redir_stall, "SET_INTERFACE(0, alt 1): STALL");
    ktap_check(tc_set_interface(t, 1, 0) == usb_redir_stall, "SET_INTERFACE(1, alt 0): STALL");
    ktap_check(tc_control(t, 0x81, 0, 0, 0, buf, 2) == 2, "GET_STATUS interface 0 when configured");
    ktap_check(tc_control(t, 0x82, 0, 0, 0x82, buf, 2) == 2, "GET_STATUS endpoint 0x82");
    ktap_check(tc_control(t, 0x82, 0, 0, 0x83, buf, 2) == -1, "GET_STATUS endpoint 0x83: STALL");
    ktap_check(tc_control(t, 0x02, 1, 0, 0x81, NULL, 0) == 0,
               "CLEAR_FEATURE(ENDPOINT_HALT) on 0x81");
    ktap_check(tc_control(t, 0x02, 1, 0, 0x05, NULL, 0) == -1,
               "CLEAR_FEATURE(ENDPOINT_HALT) on a missing endpoint: STALL");
    ktap_check(tc_start_events(t, 0x83) == usb_redir_stall,
               "start_interrupt_receiving on 0x83: refused");
    ktap_check(tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
               "start_interrupt_receiving on 0x82");
}

static void first_events(struct tc *t, uint16_t reason)
{
    struct hsi_event ev;

    ktap_check(tc_next_event(t, &ev, TC_TIMEOUT) && ev.type == HSI_EV_DONGLE_RESET &&
                   ev.arg == reason && ev.seq == 0,
               "the first event is DONGLE_RESET(%u), seq 0", reason);
    ktap_check(tc_next_event(t, &ev, TC_TIMEOUT) && ev.type == HSI_EV_LINK_UP && ev.seq == 1,
               "then LINK_UP, seq 1");
}

static void port_reset(struct tc *t)
{
    uint8_t buf[HSI_INFO_SIZE];

    usbredirparser_send_reset(t->p);
    tc_pump(t, 100);
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, buf, sizeof(buf)) == -1,
               "after a USB reset the device is unconfigured again");
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                   tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
               "configured again, events on");
    first_events(t, HSI_RESET_USB);
}

/* --bad-descriptors: each lie told as documented, and only to
   GET_DESCRIPTOR (ep_info, what QEMU is told, stays true). */
static void lies(void)
{
    static const struct {
        const char *name;
        int device_length, config_offset, config_value;
    } cases[] = {
        {"short", 12, -1, 0},       {"long", 18, 25, 32},     {"total", 18, 2, 64},
        {"endpoints", 18, 13, 4},   {"interfaces", 18, 4, 2}, {"zero-packet", 18, 29, 0},
        {"bad-address", 18, 27, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *extra[] = {"--bad-descriptors", cases[i].name, NULL};
        struct tc *t = tc_start("loopback", extra);
        uint8_t buf[64];
        if (!ktap_check(t != NULL, "%s: the dongle starts", cases[i].name))
            continue;
        int n = get_descriptor(t, 1, 0, 0, buf, 18);
        ktap_check(n == cases[i].device_length && memcmp(buf, device_desc, (size_t)n) == 0,
                   "%s: device descriptor of %d bytes", cases[i].name, n);
        n = get_descriptor(t, 2, 0, 0, buf, sizeof(buf));
        bool told = n == 39;
        for (int b = 0; b < 39 && told; b++) {
            int lied = b == cases[i].config_offset || (cases[i].config_offset == 29 && b == 30);
            told = buf[b] == (lied ? cases[i].config_value : config_desc[b]);
        }
        ktap_check(told, "%s: configuration as documented", cases[i].name);
        ktap_check(t->epinfo.type[17] == usb_redir_type_bulk &&
                       t->epinfo.max_packet_size[17] == 512,
                   "%s: QEMU is still told the truth (0x81 bulk 512)", cases[i].name);
        ktap_check(tc_stop(t) == 0, "%s: the dongle exits cleanly", cases[i].name);
    }
}

int main(void)
{
    struct tc *t = tc_start("loopback", NULL);

    ktap_begin(7);
    ktap_group("handshake");
    if (ktap_check(t != NULL, "the dongle starts and connects"))
        handshake(t);
    ktap_group_end();
    ktap_group("descriptors");
    if (ktap_check(t != NULL, "dongle running"))
        descriptors(t);
    ktap_group_end();
    ktap_group("standard_requests");
    if (ktap_check(t != NULL, "dongle running"))
        standard_requests(t);
    ktap_group_end();
    ktap_group("configuration");
    if (ktap_check(t != NULL, "dongle running")) {
        configuration(t);
        first_events(t, HSI_RESET_PLUG);
    }
    ktap_group_end();
    ktap_group("port_reset");
    if (ktap_check(t != NULL, "dongle running"))
        port_reset(t);
    ktap_group_end();
    ktap_group("clean_exit");
    ktap_check(t && tc_stop(t) == 0, "the dongle exits cleanly on SIGTERM");
    ktap_group_end();
    ktap_group("lies");
    lies();
    ktap_group_end();
    return ktap_end();
}
