/*
 * main.c: hsi-dongle, a virtual HSI USB dongle for QEMU.
 *
 * The program in one picture:
 *
 *   main.c      command line (options.c), log level, then the loop
 *   server.c    sockets, signals, ppoll()
 *   redir.c     usbredir packets <-> the USB device (pcap.c records them)
 *   dongle.c    the USB device: ch9.c standard requests, vendor.c HSI
 *               requests, bulk.c bulk endpoints and framing, events.c
 *   hsilink.c   the HSI link: queues, lines, pacing (pacer.c), errors
 *   farend_*.c  what is behind the link: loopback, echo, modem, link
 *
 * The wire format both this program and the guest's driver speak is
 * lib/hsiproto.[ch]; docs/hsi-dongle.md describes it in prose.
 */
#include "log.h"
#include "options.h"
#include "server.h"

int main(int argc, char **argv)
{
    struct options o;
    int rc = options_parse(argc, argv, &o);

    if (rc != 0)
        return rc > 0 ? 0 : 2;
    log_init(o.verbose ? LOG_DEBUG : LOG_INFO);
    return server_run(&o);
}
