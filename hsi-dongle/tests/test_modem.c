/*
 * test_modem.c: the scripted modem behind the link (--mode modem).
 *
 * Its wake and ready behaviour, the AT command set on channel 0 (with and
 * without echo, commands split across messages, noise), unsolicited
 * registration reports, and the data channel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atcmd.h"
#include "ktap.h"
#include "tclient.h"

static struct tc *t;

/* Text received on the AT channel within ms, padding stripped. */
static void collect(char *out, size_t cap, int ms, const char *until)
{
    uint64_t end = tc_now_ms() + (uint64_t)ms;
    size_t n = 0;

    out[0] = '\0';
    while (tc_now_ms() < end && !(until && strstr(out, until))) {
        struct tc_msg *m = tc_recv(t, 0, 20);
        for (uint32_t i = 0; m && i < m->len && n + 1 < cap; i++)
            if (m->data[i])
                out[n++] = (char)m->data[i];
        out[n] = '\0';
        tc_msg_free(m);
    }
}

static void type(const char *text)
{
    tc_queue_msg(t, 0, text, (uint32_t)strlen(text), HSI_MSG_LAST);
}

/* Sends a command line and returns everything up to its final result. */
static const char *at(const char *cmd)
{
    static char reply[1024];
    char line[256];

    snprintf(line, sizeof(line), "%s\r", cmd);
    type(line);
    collect(reply, sizeof(reply), TC_TIMEOUT, "\r\n");
    if (!strstr(reply, "OK\r\n") && !strstr(reply, "ERROR\r\n")) {
        size_t n = strlen(reply);
        collect(reply + n, sizeof(reply) - n, TC_TIMEOUT, "K\r\n");
    }
    return reply;
}

static void wake_and_ready(void)
{
    struct hsi_event ev;
    uint64_t t0;

    ktap_check(tc_set_configuration(t, 1) == usb_redir_success &&
                   tc_start_events(t, HSI_EP_EVENTS) == usb_redir_success,
               "configured, events on");
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_RX_READY, 0x0003, 0, NULL, 0) == 0,
               "ACREADY on ch 0 and 1");
    tc_reading(t, 4, HSI_MAX_XFER);
    tc_pump(t, 50);
    ktap_check(t->credit == 0, "the modem sleeps: no CAREADY before ACWAKE");
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) == 0, "ACWAKE up");
    ktap_check(tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && ev.arg == 0x0003,
               "the modem wakes: CAREADY on ch 0 and 1 (0x%04x)", ev.arg);
    t0 = tc_now_ms();
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 0, 0, NULL, 0) == 0, "ACWAKE down");
    ktap_check(tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && ev.arg == 0,
               "the modem goes back to sleep: CAREADY 0");
    ktap_check(tc_now_ms() - t0 >= 45, "... not at once but after 50 ms (%llu ms)",
               (unsigned long long)(tc_now_ms() - t0));
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) == 0 &&
                   tc_wait_event(t, HSI_EV_CAREADY, &ev, TC_TIMEOUT) && ev.arg == 0x0003,
               "ACWAKE up again: awake again");
}

static void unsolicited(void)
{
    char text[256];

    collect(text, sizeof(text), TC_TIMEOUT, "+CREG: 1\r\n");
    ktap_check(strstr(text, "\r\n+CREG: 1\r\n") != NULL,
               "an unsolicited +CREG: 1 arrives half a second after power-on");
    ktap_check(tc_wait_event(t, HSI_EV_CAWAKE_HIGH, NULL, 0), "the modem raised CAWAKE to send it");
    ktap_check(strcmp(at("AT+CREG=0"), "AT+CREG=0\r\r\nOK\r\n") == 0,
               "AT+CREG=0 turns the reports off");
}

static void commands(void)
{
    const char *r;
    char text[256];

    ktap_check(strcmp(at("AT"), "AT\r\r\nOK\r\n") == 0, "AT: echo, then OK");
    r = at("ATI");
    ktap_check(strstr(r, "KeLab Virtual HSI Modem") && strstr(r, "\r\nOK\r\n"), "ATI");
    ktap_check(strcmp(at("AT+CGMI"), "AT+CGMI\r\r\nKeLab\r\n\r\nOK\r\n") == 0, "AT+CGMI: KeLab");
    ktap_check(strstr(at("at+cgmm"), "\r\nHSI-1\r\n\r\nOK\r\n") != NULL,
               "at+cgmm in lower case: HSI-1");
    ktap_check(strstr(at("AT+CSQ"), "\r\n+CSQ: 23,99\r\n\r\nOK\r\n") != NULL, "AT+CSQ");
    ktap_check(strstr(at("AT+CREG?"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n") != NULL,
               "AT+CREG?: reports off, registered");
    ktap_check(strstr(at("AT+CREG=7"), "\r\nERROR\r\n") != NULL, "AT+CREG=7: ERROR");
    ktap_check(strstr(at("AT+FOO"), "\r\nERROR\r\n") != NULL, "an unknown command: ERROR");
    ktap_check(strcmp(at("ATE0"), "ATE0\r\r\nOK\r\n") == 0, "ATE0 (still echoed itself)");
    ktap_check(strcmp(at("AT"), "\r\nOK\r\n") == 0, "with echo off: just OK");
    type("A");
    type("T+CG");
    type("SN\r");
    collect(text, sizeof(text), TC_TIMEOUT, "OK\r\n");
    ktap_check(strcmp(text, "\r\n358240051111110\r\n\r\nOK\r\n") == 0,
               "a command split over three messages");
    type("hello\r");
    collect(text, sizeof(text), 200, NULL);
    ktap_check(text[0] == '\0', "a line without AT is ignored, as noise");
    ktap_check(tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) == 0, "ACWAKE still up");
    type("AT+CG");
    tc_flush_out(t, TC_TIMEOUT);
    ktap_check(tc_vendor_out(t, HSI_REQ_SEND_BREAK, 0, 0, NULL, 0) == 0, "a break mid-line");
    type("MI\r");
    collect(text, sizeof(text), 200, NULL);
    ktap_check(text[0] == '\0', "the break discarded the half line: \"MI\" alone is noise");
    ktap_check(strcmp(at("ATE1"), "\r\nOK\r\n") == 0 && strcmp(at("AT"), "AT\r\r\nOK\r\n") == 0,
               "ATE1: echo again");
}

static void data_channel(void)
{
    uint32_t len = 100000;
    uint8_t *buf = malloc(len);
    struct tc_msg *m;
    bool pattern = true;
    struct hsi_status st;

    tc_fill(buf, len, 77);
    tc_queue_msg(t, 1, buf, len, HSI_MSG_LAST);
    m = tc_recv(t, 1, TC_TIMEOUT);
    ktap_check(m && m->len == len && memcmp(m->data, buf, len) == 0,
               "a 100000-byte message on the data channel comes back");
    tc_msg_free(m);
    ktap_check(strcmp(at("AT+KDATA=10001"), "AT+KDATA=10001\r\r\nOK\r\n") == 0, "AT+KDATA=10001");
    m = tc_recv(t, 1, TC_TIMEOUT);
    for (uint32_t i = 0; m && i < m->len; i++)
        pattern &= m->data[i] == at_download_byte(i);
    ktap_check(m && m->len == 10004 && pattern,
               "a 10004-byte download (whole frames) of the pattern on ch 1");
    tc_msg_free(m);
    ktap_check(strstr(at("AT+KDATA=0"), "ERROR") != NULL, "AT+KDATA=0: ERROR");
    t->respect_credit = false;
    tc_queue_msg(t, 2, "nope", 4, HSI_MSG_LAST);
    tc_flush_out(t, TC_TIMEOUT);
    ktap_check(tc_status(t, &st) == HSI_STATUS_SIZE && st.tx_queued == 4,
               "a message on ch 2 (no CAREADY there) stays queued in the dongle");
    free(buf);
}

int main(void)
{
    ktap_begin(5);
    t = tc_start("modem", NULL);
    ktap_group("wake_and_ready");
    if (ktap_check(t != NULL, "modem dongle starts"))
        wake_and_ready();
    ktap_group_end();
    ktap_group("unsolicited");
    if (ktap_check(t != NULL, "dongle running"))
        unsolicited();
    ktap_group_end();
    ktap_group("at_commands");
    if (ktap_check(t != NULL, "dongle running"))
        commands();
    ktap_group_end();
    ktap_group("data_channel");
    if (ktap_check(t != NULL, "dongle running"))
        data_channel();
    ktap_group_end();
    ktap_group("clean_exit");
    ktap_check(t && t->rx_seq_errors == 0 && t->rx_bad_headers == 0 && t->bad_event_packets == 0,
               "framing, seq and events clean throughout");
    ktap_check(t && tc_stop(t) == 0, "the dongle exits cleanly");
    ktap_group_end();
    return ktap_end();
}
