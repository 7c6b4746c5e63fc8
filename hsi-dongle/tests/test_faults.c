/*
 * test_faults.c: TEST_INJECT, the faults a kernel test can ask for.
 *
 * Each fault is injected over USB as a guest would, and checked by what
 * the guest would see: the event, the in-band trace in the bulk IN
 * stream, the counters, and that the link carries on afterwards.
 */
#include <string.h>

#include "ktap.h"
#include "tclient.h"

static const char *const test_switch[] = {"--test", NULL};

static int inject(struct tc *t, uint8_t fault, uint8_t arg, uint16_t ch)
{
    return tc_vendor_out(t, HSI_REQ_TEST_INJECT, (uint16_t)(arg << 8 | fault), ch, NULL, 0);
}

static struct tc *start(const char *mode, uint16_t credit)
{
    struct tc *t = tc_start(mode, test_switch);

    if (!ktap_check(t != NULL, "%s dongle starts with --test", mode))
        return NULL;
    ktap_check(tc_bringup(t, 0xFFFF, credit), "bring-up");
    tc_drop_events(t);
    return t;
}

static void validation(void)
{
    struct tc *t = start("loopback", 0x0001);

    if (!t)
        return;
    ktap_check(inject(t, 0, 0, 0) == -1, "fault 0: STALL");
    ktap_check(inject(t, 7, 0, 0) == -1, "fault 7: STALL");
    ktap_check(inject(t, HSI_FAULT_BREAK, 0, 16) == -1, "channel 16: STALL");
    ktap_check(tc_control(t, HSI_REQTYPE_IN, HSI_REQ_TEST_INJECT, 1, 0, NULL, 0) == -1,
               "IN direction: STALL");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void brk(void)
{
    struct tc *t = start("loopback", 0x0001);
    struct hsi_event ev;
    struct tc_msg *m;

    if (!t)
        return;
    ktap_check(inject(t, HSI_FAULT_BREAK, 0, 3) == 0, "inject a break on ch 3");
    ktap_check(tc_wait_event(t, HSI_EV_BREAK_RECEIVED, &ev, TC_TIMEOUT) && ev.channel == 3,
               "BREAK_RECEIVED on ch 3");
    m = tc_recv(t, 3, TC_TIMEOUT);
    ktap_check(m && m->flags == HSI_MSG_BREAK, "and a break record in the bulk IN stream");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void frame_error(void)
{
    struct tc *t = start("loopback", 0x0001);
    const char *text = "0123456789abcdef";
    struct hsi_event ev;
    struct hsi_status st;
    struct tc_msg *m;

    if (!t)
        return;
    ktap_check(inject(t, HSI_FAULT_FRAME_ERROR, 0, 0) == 0, "arm a frame error on ch 0");
    tc_queue_msg(t, 0, text, 16, HSI_MSG_LAST);
    ktap_check(tc_wait_event(t, HSI_EV_FRAME_ERROR, &ev, TC_TIMEOUT) && ev.channel == 0 &&
                   ev.arg == 4,
               "the next frame on ch 0 is bad: FRAME_ERROR, 4 bytes lost");
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->len == 12 && memcmp(m->data, text, 12) == 0 &&
                   m->flags == (HSI_MSG_ERROR | HSI_MSG_LAST),
               "the message arrives without its bad frame, flagged ERROR");
    tc_msg_free(m);
    tc_queue_msg(t, 0, text, 16, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->len == 16 && m->flags == HSI_MSG_LAST, "the fault hits once: next is clean");
    tc_msg_free(m);
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.frame_errors == 1,
               "GET_STATUS counts one frame error");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void overrun(void)
{
    struct tc *t = start("loopback", 0x0002);
    struct hsi_event ev;
    struct tc_msg *m;
    uint8_t data[100];

    if (!t)
        return;
    tc_fill(data, sizeof(data), 3);
    ktap_check(inject(t, HSI_FAULT_OVERRUN, 0, 1) == 0, "arm an overrun on ch 1");
    tc_queue_msg(t, 1, data, sizeof(data), HSI_MSG_LAST);
    ktap_check(tc_wait_event(t, HSI_EV_RX_OVERRUN, &ev, TC_TIMEOUT) && ev.channel == 1 &&
                   ev.arg == 100,
               "RX_OVERRUN on ch 1, 100 bytes lost");
    m = tc_recv(t, 1, TC_TIMEOUT);
    ktap_check(m && m->len == 0 && m->flags == (HSI_MSG_ERROR | HSI_MSG_LAST),
               "in its place an empty ERROR|LAST fragment");
    tc_msg_free(m);
    tc_queue_msg(t, 1, data, sizeof(data), HSI_MSG_LAST);
    m = tc_recv(t, 1, TC_TIMEOUT);
    ktap_check(m && m->len == 100 && memcmp(m->data, data, 100) == 0, "the next one is intact");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void caready_drop(void)
{
    struct tc *t = start("echo", 0x0004);
    struct hsi_event ev;
    struct tc_msg *m;
    uint64_t t0;

    if (!t)
        return;
    t0 = tc_now_ms();
    ktap_check(inject(t, HSI_FAULT_CAREADY_DROP, 30, 2) == 0, "drop CAREADY on ch 2 for 300 ms");
    ktap_check(tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && !(ev.arg & 0x0004) &&
                   (ev.arg & 0x0003) == 0x0003,
               "CAREADY without ch 2 (0x%04x), the others untouched", ev.arg);
    tc_queue_msg(t, 2, "held", 4, HSI_MSG_LAST);
    m = tc_recv(t, 2, 100);
    ktap_check(m == NULL, "a ch 2 message waits for its credit");
    tc_msg_free(m);
    ktap_check(tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && (ev.arg & 0x0004),
               "CAREADY with ch 2 again");
    ktap_check(tc_now_ms() - t0 >= 280, "... after the 300 ms (%llu ms)",
               (unsigned long long)(tc_now_ms() - t0));
    m = tc_recv(t, 2, TC_TIMEOUT);
    ktap_check(m && m->len == 4 && memcmp(m->data, "held", 4) == 0, "then the message goes");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void replug(void)
{
    struct tc *t = start("loopback", 0x0001);
    struct hsi_event ev;
    uint64_t end;

    if (!t)
        return;
    tc_pump(t, 50);
    ktap_check(t->in_outstanding == 4, "four bulk IN requests outstanding");
    ktap_check(inject(t, HSI_FAULT_REPLUG, 0, 0) == 0, "inject a replug (the request is answered)");
    end = tc_now_ms() + TC_TIMEOUT;
    while (t->connects < 2 && tc_now_ms() < end)
        tc_pump(t, 10);
    ktap_check(t->in_outstanding == 0, "the pending requests were answered (cancelled)");
    ktap_check(t->disconnects == 1, "device_disconnect");
    ktap_check(t->connects == 2 && strstr(t->order, "DIEC") != NULL,
               "then interface_info, ep_info, device_connect again (%s)", t->order);
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_INFO, 0, (uint8_t[16]){0}, 16) == -1,
               "the new device is not configured");
    ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                   tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
               "configured again");
    ktap_check(tc_next_event(t, &ev, TC_TIMEOUT) && ev.type == HSI_EV_DONGLE_RESET &&
                   ev.arg == HSI_RESET_PLUG && ev.seq == 0,
               "its first event is DONGLE_RESET(plug), seq 0");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void malformed(void)
{
    struct tc *t = start("loopback", 0x0001);
    struct tc_msg *m;
    uint64_t end;

    if (!t)
        return;
    ktap_check(inject(t, HSI_FAULT_MALFORMED, 0, 0) == 0, "inject a malformed message on ch 0");
    end = tc_now_ms() + TC_TIMEOUT;
    while (t->rx_bad_headers == 0 && tc_now_ms() < end)
        tc_pump(t, 10);
    ktap_check(t->rx_bad_headers == 1 && t->rx_last_err == HSI_E_ALIGN,
               "the AP's parser refuses the next bulk IN (%s)", hsi_err_name(t->rx_last_err));
    tc_queue_msg(t, 0, "good", 4, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && m->len == 4 && memcmp(m->data, "good", 4) == 0,
               "the stream carries on: the next message arrives");
    tc_msg_free(m);
    ktap_check(t->rx_seq_errors == 0, "the malformed message took no seq number");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

int main(void)
{
    ktap_begin(7);
    ktap_group("validation");
    validation();
    ktap_group_end();
    ktap_group("break");
    brk();
    ktap_group_end();
    ktap_group("frame_error");
    frame_error();
    ktap_group_end();
    ktap_group("overrun");
    overrun();
    ktap_group_end();
    ktap_group("caready_drop");
    caready_drop();
    ktap_group_end();
    ktap_group("replug");
    replug();
    ktap_group_end();
    ktap_group("malformed");
    malformed();
    ktap_group_end();
    return ktap_end();
}
