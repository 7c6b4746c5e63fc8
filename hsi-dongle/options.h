/*
 * options.h: the command line.
 *
 *   hsi-dongle --socket PATH [--mode loopback|echo|modem|link]
 *              [--link-socket PATH] [--speed KBPS] [--channels N]
 *              [--test] [--bad-descriptors LIE] [--pcap FILE] [--verbose]
 *              [--help]
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "descriptors.h"
#include "farend.h"

#define SPEED_DEFAULT_KBPS 200000   /* the fastest real HSI links */
#define SPEED_MAX_KBPS     10000000 /* 10 Gbit/s: for measuring the software */

struct options {
    const char *socket;
    const char *link_socket;
    const char *pcap;
    enum far_mode mode;
    enum desc_lie lie;
    uint32_t kbps;
    uint8_t channels;
    bool test;
    bool verbose;
};

/* 0: run; 1: --help was printed, exit 0; -1: bad usage (message printed). */
int options_parse(int argc, char **argv, struct options *o);
const char *far_mode_name(enum far_mode mode);

#endif /* OPTIONS_H */
