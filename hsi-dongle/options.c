/* options.c: command-line parsing and --help (see options.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsiproto.h"
#include "options.h"

static const char usage[] =
    "usage: hsi-dongle --socket PATH [options]\n"
    "\n"
    "A virtual HSI USB dongle for QEMU. It listens on a unix socket for QEMU's\n"
    "usb-redir device and plays a high-speed USB device (1209:0001, \"Virtual HSI\n"
    "Dongle\") bridging an HSI link to a simulated modem. Protocol: docs/hsi-dongle.md\n"
    "\n"
    "  --socket PATH       unix socket QEMU connects to (created; a stale one is removed)\n"
    "  --mode MODE         what is behind the link (default loopback):\n"
    "                        loopback  every frame comes back on its channel\n"
    "                        echo      every message is answered with itself\n"
    "                        modem     AT commands on channel 0, data on channel 1\n"
    "                        link      another dongle (--link-socket): two guests talk\n"
    "  --link-socket PATH  link mode: the socket joining two dongles (both use the same)\n"
    "  --speed KBPS        highest HSI bit rate in kbit/s (default 200000; up to\n"
    "                      10000000 to measure the software instead of the link)\n"
    "  --channels N        HSI channels, 1..16 (default 16; modem needs 2)\n"
    "  --test              allow the TEST_INJECT request (faults on demand)\n"
    "  --bad-descriptors LIE  answer GET_DESCRIPTOR with descriptors that lie, to test a\n"
    "                      host's checks: short, long, total, endpoints, interfaces,\n"
    "                      zero-packet, bad-address (docs/hsi-dongle.md)\n"
    "  --pcap FILE         write every USB transfer as a usbmon capture (tshark -r FILE)\n"
    "  --verbose           log every transfer, not just requests and events\n"
    "  --help              this text\n"
    "\n"
    "QEMU side:\n"
    "  -device qemu-xhci,id=xhci -chardev socket,id=hsi0,path=PATH,reconnect=1\n"
    "  -device usb-redir,chardev=hsi0,bus=xhci.0\n"
    "\n"
    "SIGINT, SIGTERM or SIGHUP: the device unplugs, the socket is removed, statistics are\n"
    "printed, exit status 0.\n";

static const struct {
    const char *name;
    enum far_mode mode;
} modes[] = {
    {"loopback", FAR_LOOPBACK},
    {"echo", FAR_ECHO},
    {"modem", FAR_MODEM},
    {"link", FAR_LINK},
};

const char *far_mode_name(enum far_mode mode)
{
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (modes[i].mode == mode)
            return modes[i].name;
    return "?";
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "hsi-dongle: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(hsi-dongle --help for the options)\n");
    return -1;
}

/* A decimal number in [min, max], and nothing else. */
static int number(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (*text < '0' || *text > '9')
        return -1;
    v = strtoul(text, &end, 10);
    if (*end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_mode(const char *text, enum far_mode *mode)
{
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(text, modes[i].name) == 0) {
            *mode = modes[i].mode;
            return 0;
        }
    }
    return -1;
}

int options_parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"socket", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'm'},
        {"link-socket", required_argument, NULL, 'l'},
        {"speed", required_argument, NULL, 'b'},
        {"channels", required_argument, NULL, 'c'},
        {"test", no_argument, NULL, 't'},
        {"bad-descriptors", required_argument, NULL, 'd'},
        {"pcap", required_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long v;
    int c;

    *o = (struct options){
        .mode = FAR_LOOPBACK, .kbps = SPEED_DEFAULT_KBPS, .channels = HSI_MAX_CHANNELS};
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o->socket = optarg;
            break;
        case 'm':
            if (parse_mode(optarg, &o->mode) < 0)
                return bad("unknown mode '%s' (loopback, echo, modem, link)", optarg);
            break;
        case 'l':
            o->link_socket = optarg;
            break;
        case 'b':
            if (number(optarg, 1, SPEED_MAX_KBPS, &v) < 0)
                return bad("--speed wants kbit/s from 1 to 10000000, not '%s'", optarg);
            o->kbps = (uint32_t)v;
            break;
        case 'c':
            if (number(optarg, 1, HSI_MAX_CHANNELS, &v) < 0)
                return bad("--channels wants 1 to 16, not '%s'", optarg);
            o->channels = (uint8_t)v;
            break;
        case 't':
            o->test = true;
            break;
        case 'd':
            if (desc_lie_parse(optarg, &o->lie) < 0 || o->lie == DESC_TRUE)
                return bad("--bad-descriptors wants one of short, long, total, endpoints, "
                           "interfaces, zero-packet, bad-address, not '%s'",
                           optarg);
            break;
        case 'p':
            o->pcap = optarg;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 1;
        default:
            return bad("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad("unexpected argument '%s'", argv[optind]);
    if (!o->socket)
        return bad("%s", "--socket PATH is required");
    if (o->mode == FAR_LINK && !o->link_socket)
        return bad("%s", "--mode link needs --link-socket PATH");
    if (o->mode != FAR_LINK && o->link_socket)
        return bad("%s", "--link-socket is only for --mode link");
    if (o->mode == FAR_MODEM && o->channels < 2)
        return bad("%s", "--mode modem uses channels 0 and 1: --channels must be at least 2");
    return 0;
}
