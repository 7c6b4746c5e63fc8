/*
 * test_link.c: two dongles joined back to back (--mode link), each with
 * its own test client as its guest, so two APs talk over HSI.
 *
 * One AP's lines are the other's modem lines, data crosses in both
 * directions, a break crosses, and when one dongle goes away the other
 * sees the link go down, and up again when a new one arrives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"
#include "tclient.h"

static char link_dir[64], link_path[96];

static struct tc *start_side(const char *name)
{
    const char *const args[] = {"--link-socket", link_path, NULL};
    struct tc *t = tc_start("link", args);

    if (ktap_check(t != NULL, "dongle %s starts", name))
        ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                       tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
                   "%s: configured, events on", name);
    return t;
}

static bool lines_up(struct tc *t)
{
    if (tc_vendor_out(t, HSI_REQ_SET_RX_READY, 0xFFFF, 0, NULL, 0) != 0 ||
        tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) != 0)
        return false;
    tc_reading(t, 4, HSI_MAX_XFER);
    return true;
}

/* Pumps both clients until `t` has CAREADY credit on `mask`. */
static bool credit(struct tc *t, struct tc *other, uint16_t mask)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    while ((t->credit & mask) != mask && tc_now_ms() < end) {
        tc_pump(t, 5);
        tc_pump(other, 5);
    }
    return (t->credit & mask) == mask;
}

/* Sends from `a` and receives at `b`, pumping both (the sender's dongle
 * must see its client's transfers while the receiver reads). */
static bool cross(struct tc *a, struct tc *b, uint8_t ch, uint32_t len, uint32_t seed)
{
    uint8_t *buf = malloc(len);
    uint64_t end = tc_now_ms() + 20000;
    struct tc_msg *m = NULL;
    bool ok;

    tc_fill(buf, len, seed);
    tc_queue_msg(a, ch, buf, len, HSI_MSG_LAST);
    while (!m && tc_now_ms() < end) {
        tc_pump(a, 2);
        m = tc_recv(b, ch, 2);
    }
    ok = m && m->len == hsi_pad4(len) && memcmp(m->data, buf, len) == 0;
    tc_msg_free(m);
    free(buf);
    return ok;
}

/* Pumps `t` until its CAREADY credit is all gone. */
static bool no_credit(struct tc *t)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    while (t->credit != 0 && tc_now_ms() < end)
        tc_pump(t, 10);
    return t->credit == 0;
}

static bool wait_event_both(struct tc *t, struct tc *other, uint8_t type, struct hsi_event *ev)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    while (tc_now_ms() < end) {
        tc_pump(other, 5);
        if (tc_wait_event(t, type, ev, 5))
            return true;
    }
    return false;
}

int main(void)
{
    struct tc *a, *b;
    struct hsi_event ev;
    static const uint32_t sizes[] = {4, 1000, 65532, 300000, 1u << 20};

    snprintf(link_dir, sizeof(link_dir), "/tmp/hsi-link-XXXXXX");
    if (!mkdtemp(link_dir))
        return 1;
    snprintf(link_path, sizeof(link_path), "%s/link.sock", link_dir);
    ktap_begin(5);

    ktap_group("link_up");
    a = start_side("A");
    b = start_side("B");
    if (a && b) {
        ktap_check(wait_event_both(a, b, HSI_EV_LINK_UP, &ev), "A: LINK_UP");
        ktap_check(wait_event_both(b, a, HSI_EV_LINK_UP, &ev), "B: LINK_UP");
    }
    ktap_group_end();

    ktap_group("lines_cross");
    if (ktap_check(a && b, "both dongles running")) {
        tc_drop_events(b);
        ktap_check(tc_vendor_out(a, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) == 0, "A raises ACWAKE");
        ktap_check(wait_event_both(b, a, HSI_EV_CAWAKE_HIGH, &ev), "B sees CAWAKE rise");
        ktap_check(tc_vendor_out(b, HSI_REQ_SET_RX_READY, 0x0009, 0, NULL, 0) == 0,
                   "B's AP is ready on ch 0 and 3");
        ktap_check(credit(a, b, 0x0009) && a->credit == 0x0009,
                   "A gets CAREADY credit for exactly ch 0 and 3 (0x%04x)", a->credit);
    }
    ktap_group_end();

    ktap_group("data_both_ways");
    if (ktap_check(a && b && lines_up(a) && lines_up(b), "lines up on both sides")) {
        ktap_check(credit(a, b, 0xFFFF) && credit(b, a, 0xFFFF), "full credit both ways");
        for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            ktap_check(cross(a, b, (uint8_t)(i * 3 % 16), sizes[i], i), "A to B: %u bytes on ch %u",
                       sizes[i], i * 3 % 16);
            ktap_check(cross(b, a, (uint8_t)(i * 5 % 16), sizes[i], 100 + i),
                       "B to A: %u bytes on ch %u", sizes[i], i * 5 % 16);
        }
        tc_drop_events(b);
        ktap_check(tc_vendor_out(a, HSI_REQ_SEND_BREAK, 0, 0, NULL, 0) == 0 &&
                       wait_event_both(b, a, HSI_EV_BREAK_RECEIVED, &ev),
                   "A's break reaches B: BREAK_RECEIVED");
        ktap_check(a->rx_seq_errors == 0 && b->rx_seq_errors == 0, "seq clean on both sides");
    }
    ktap_group_end();

    ktap_group("peer_lost_and_back");
    if (ktap_check(a && b, "both dongles running")) {
        tc_drop_events(a);
        ktap_check(tc_stop(b) == 0, "B exits cleanly");
        b = NULL;
        ktap_check(tc_wait_event(a, HSI_EV_LINK_DOWN, &ev, TC_TIMEOUT), "A: LINK_DOWN");
        ktap_check(no_credit(a), "A's credit is gone with the peer");
        b = start_side("B again");
        if (b) {
            ktap_check(wait_event_both(a, b, HSI_EV_LINK_UP, &ev), "A: LINK_UP again");
            ktap_check(lines_up(b) && credit(a, b, 0xFFFF), "credit from the new B");
            ktap_check(cross(a, b, 7, 5000, 55), "A to the new B: 5000 bytes");
        }
    }
    ktap_group_end();

    ktap_group("clean_exit");
    ktap_check(a && tc_stop(a) == 0, "A exits cleanly");
    ktap_check(b && tc_stop(b) == 0, "B exits cleanly");
    ktap_check(access(link_path, F_OK) != 0, "the link socket is gone");
    ktap_group_end();
    rmdir(link_dir);
    return ktap_end();
}
