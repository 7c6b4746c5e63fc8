/*
 * hsi_bench.c: the dongle's own throughput and round-trip latency.
 *
 *   hsi-bench PATH-TO-hsi-dongle
 *
 * Everything goes through the test client (tests/tclient.c), which plays
 * QEMU's side of usbredir over a unix socket, to a dongle in loopback
 * mode: what is measured is the dongle plus one usbredir hop, the number
 * the kernel's driver (with QEMU and xHCI in the way) can be held against.
 * Each figure is the median of several runs; nothing here passes or
 * fails on time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tclient.h"

#define RUNS         5
#define LATENCY_RUNS 2000

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(v[0]), by_value);
    return v[(int)(p * (n - 1) + 0.5)];
}

static struct tc *start(const char *kbps)
{
    const char *const args[] = {"--speed", kbps, NULL};
    struct tc *t = tc_start("loopback", args);

    if (!t || !tc_bringup(t, 0xFFFF, 0xFFFF)) {
        fprintf(stderr, "hsi-bench: the dongle did not come up\n");
        exit(1);
    }
    return t;
}

/* Sends `count` messages of `size` bytes round the loop; MB/s, or -1. */
static double one_pass(struct tc *t, uint32_t size, unsigned count)
{
    uint8_t *buf = calloc(1, size);
    uint64_t t0 = now_ns(), bytes = 0;
    unsigned got = 0;

    for (unsigned i = 0; i < count; i++)
        tc_queue_msg(t, (uint8_t)(i % 4), buf, size, HSI_MSG_LAST);
    while (got < count) {
        struct tc_msg *m = tc_recv(t, -1, 20000);
        if (!m)
            break;
        bytes += m->len;
        got++;
        tc_msg_free(m);
    }
    free(buf);
    if (got < count)
        return -1;
    return (double)bytes / ((double)(now_ns() - t0) / 1e9) / 1e6;
}

static double throughput(const char *kbps, uint32_t size, unsigned count, int runs)
{
    double mbs[RUNS];
    struct tc *t = start(kbps);

    for (int r = 0; r < runs; r++)
        mbs[r] = one_pass(t, size, count);
    tc_stop(t);
    return percentile(mbs, runs, 0.5);
}

static void latency(uint32_t size, double *median, double *p99)
{
    static double us[LATENCY_RUNS];
    uint8_t *buf = calloc(1, size);
    struct tc *t = start("10000000");

    for (int i = 0; i < LATENCY_RUNS; i++) {
        uint64_t t0 = now_ns();
        struct tc_msg *m;
        tc_queue_msg(t, 0, buf, size, HSI_MSG_LAST);
        m = tc_recv(t, 0, 5000);
        us[i] = m ? (double)(now_ns() - t0) / 1e3 : 1e9;
        tc_msg_free(m);
    }
    tc_stop(t);
    free(buf);
    *median = percentile(us, LATENCY_RUNS, 0.5);
    *p99 = percentile(us, LATENCY_RUNS, 0.99);
}

int main(int argc, char **argv)
{
    static const struct {
        uint32_t size;
        unsigned count;
        const char *name;
    } sizes[] = {
        {64, 20000, "64 B"},        {1024, 8000, "1 KiB"},   {16384, 1024, "16 KiB"},
        {65528, 256, "64 KiB - 8"}, {1u << 20, 16, "1 MiB"},
    };
    static const uint32_t lat_sizes[] = {4, 1024, 16384};

    if (argc != 2) {
        fprintf(stderr, "usage: hsi-bench PATH-TO-hsi-dongle\n");
        return 2;
    }
    setenv("HSI_DONGLE", argv[1], 1);
    printf("hsi-dongle bench: loopback, through the usbredir test client (tests/tclient.c)\n\n");
    printf("throughput, MB/s of payload (median of %d runs; 200 Mbit/s: median of 3)\n", RUNS);
    printf("  %-12s %9s %18s %18s\n", "message", "messages", "at 10 Gbit/s", "at 200 Mbit/s");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        double fast = throughput("10000000", sizes[i].size, sizes[i].count, RUNS);
        double paced = throughput("200000", sizes[i].size, sizes[i].count / 4 + 1, 3);
        printf("  %-12s %9u %18.1f %18.1f\n", sizes[i].name, sizes[i].count, fast, paced);
        fflush(stdout);
    }
    printf("  (frame mode on 16 channels: each 32-bit frame costs 32 + 4 channel-id + 1 idle\n"
           "   bits, so the wire carries at most %.0f MB/s of payload at 10 Gbit/s and %.1f MB/s\n"
           "   at 200 Mbit/s; below the first, the dongle and usbredir are the limit)\n",
           10e9 * 32 / 37 / 8 / 1e6, 200e6 * 32 / 37 / 8 / 1e6);
    printf("\nround-trip latency, one message out and back at 10 Gbit/s (%d iterations)\n",
           LATENCY_RUNS);
    printf("  %-12s %12s %12s\n", "message", "median us", "p99 us");
    for (size_t i = 0; i < sizeof(lat_sizes) / sizeof(lat_sizes[0]); i++) {
        double median, p99;
        latency(lat_sizes[i], &median, &p99);
        printf("  %-12u %12.1f %12.1f\n", lat_sizes[i], median, p99);
        fflush(stdout);
    }
    return 0;
}
