/*
 * test_lifecycle.c: the dongle as a process beside QEMU.
 *
 * The command line, the socket file (created ready, stale ones removed,
 * live ones left alone, removed on exit), signals, QEMU going away and
 * coming back, a second QEMU, garbage on the socket, and the pcap file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"
#include "tclient.h"

static char dir[64];

/* Runs the dongle with argv[1..]; returns its pid (output to `log`). */
static pid_t spawn(const char *const *args, const char *log)
{
    char path[PATH_MAX];
    const char *argv[16] = {path};
    pid_t pid;

    tc_dongle_path(path, sizeof(path));
    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(path, (char **)argv);
        _exit(127);
    }
    return pid;
}

/* Exit status, or -1 if it has not exited within ms. */
static int reap(pid_t pid, int ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)ms;
    int status;

    while (tc_now_ms() < end) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(5000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int run(const char *const *args)
{
    char log[128];

    snprintf(log, sizeof(log), "%s/cli.log", dir);
    return reap(spawn(args, log), TC_TIMEOUT);
}

/* The number at the end of the statistics line that starts with `name`. */
static long stat_value(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    long v = -1;

    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line + strspn(line, " "), name, strlen(name)) == 0)
            v = strtol(strrchr(line, ' ') + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Waits for the dongle logging to `log` to listen: it logs so once its
 * socket is in place and ready (it is renamed there after listen()). A test
 * must not find out by connecting: the dongle would take that connection
 * for QEMU's, and one that comes right after it for a second QEMU. */
static bool wait_listening(const char *log)
{
    return tc_wait_file(log, "listening on", TC_TIMEOUT);
}

/* Can a client connect to `path` now? (The dongle takes it for QEMU.) */
static bool accepts(const char *path)
{
    int fd = connect_to(path);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static void command_line(void)
{
    char sock[96], log[128];

    snprintf(sock, sizeof(sock), "%s/cli.sock", dir);
    snprintf(log, sizeof(log), "%s/cli.log", dir);
    ktap_check(run((const char *[]){"--help", NULL}) == 0 && tc_file_has(log, "usage: hsi-dongle"),
               "--help: usage, exit 0");
    ktap_check(run((const char *[]){NULL}) == 2, "no --socket: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--mode", "bogus", NULL}) == 2 &&
                   tc_file_has(log, "unknown mode 'bogus'"),
               "--mode bogus: exit 2, says why");
    ktap_check(run((const char *[]){"--socket", sock, "--speed", "0", NULL}) == 2,
               "--speed 0: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--speed", "10000001", NULL}) == 2,
               "--speed above 10 Gbit/s: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--channels", "17", NULL}) == 2,
               "--channels 17: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--channels", "4x", NULL}) == 2,
               "--channels 4x: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--mode", "link", NULL}) == 2,
               "--mode link without --link-socket: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--link-socket", sock, NULL}) == 2,
               "--link-socket without --mode link: exit 2");
    ktap_check(
        run((const char *[]){"--socket", sock, "--mode", "modem", "--channels", "1", NULL}) == 2,
        "--mode modem with 1 channel: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "extra", NULL}) == 2,
               "a stray argument: exit 2");
    ktap_check(run((const char *[]){"--socket", sock, "--pcap", "/nonexistent/x.pcap", NULL}) == 1,
               "an unwritable --pcap: exit 1");
}

static void socket_file(void)
{
    char sock[96], log[128], second_log[128], file[96];
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;
    pid_t pid, second;
    struct stat st;

    snprintf(sock, sizeof(sock), "%s/stale.sock", dir);
    snprintf(log, sizeof(log), "%s/stale.log", dir);
    snprintf(second_log, sizeof(second_log), "%s/second.log", dir);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ktap_check(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a stale socket file is left");
    close(fd);
    pid = spawn((const char *[]){"--socket", sock, NULL}, log);
    ktap_check(wait_listening(log) && accepts(sock), "the dongle replaces it and listens");
    second = spawn((const char *[]){"--socket", sock, NULL}, second_log);
    ktap_check(reap(second, TC_TIMEOUT) == 1, "a second dongle on the live socket exits 1");
    ktap_check(accepts(sock), "... and the first one still listens");
    kill(pid, SIGINT);
    ktap_check(reap(pid, TC_TIMEOUT) == 0, "SIGINT: exit 0");
    ktap_check(stat(sock, &st) < 0 && errno == ENOENT, "the socket file is removed");
    ktap_check(tc_file_has(log, "hsi-dongle statistics"), "statistics printed on exit");

    snprintf(file, sizeof(file), "%s/plain-file", dir);
    fclose(fopen(file, "w"));
    ktap_check(run((const char *[]){"--socket", file, NULL}) == 1,
               "a regular file in the way: exit 1");
    ktap_check(stat(file, &st) == 0 && S_ISREG(st.st_mode), "... and the file is left alone");
}

static void reconnect(void)
{
    struct tc *t = tc_start("loopback", NULL);
    struct hsi_event ev;
    struct tc_msg *m;
    int fd;
    char c;

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(tc_bringup(t, 0xFFFF, 0x0001), "bring-up");
    tc_queue_msg(t, 0, "one", 3, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m != NULL, "data flows");
    tc_msg_free(m);

    fd = connect_to(t->sock);
    ktap_check(fd >= 0, "a second client connects to the socket");
    ktap_check(fd >= 0 && read(fd, &c, 1) == 0, "... and is closed straight away");
    if (fd >= 0)
        close(fd);
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_STATUS, 0, (uint8_t[16]){0}, 16) == 16,
               "the first client is untouched");

    tc_disconnect(t);
    ktap_check(tc_wait_file(t->log, "QEMU disconnected; waiting", TC_TIMEOUT),
               "QEMU goes away: the dongle waits");
    ktap_check(tc_connect(t), "QEMU comes back: device_connect again");
    ktap_check(tc_vendor_in(t, HSI_REQ_GET_STATUS, 0, (uint8_t[16]){0}, 16) == -1,
               "a fresh, unconfigured device");
    ktap_check(tc_bringup(t, 0xFFFF, 0x0001), "bring-up again");
    ktap_check(tc_next_event(t, &ev, TC_TIMEOUT) && ev.type == HSI_EV_DONGLE_RESET &&
                   ev.arg == HSI_RESET_PLUG && ev.seq == 0,
               "first event DONGLE_RESET(plug), seq 0");
    tc_queue_msg(t, 0, "two", 3, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m && memcmp(m->data, "two", 3) == 0 && t->rx_seq_errors == 0,
               "data flows, seq numbers start over");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

/* Raw usbredir packets (64-bit ids: a 16-byte header) the parser refuses. */
static void garbage(void)
{
    struct tc *t = tc_start("loopback", NULL);
    uint8_t junk[] = {
        0x0F, 0x27, 0, 0, 4,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, /* type 9999 */
        1,    0,    0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,             /* device_connect */
        0,    0,    0, 0, 0,  0, 0, 0, 0, 0,                               /* ... to a host */
    };
    uint8_t buf[18];

    if (!ktap_check(t != NULL, "dongle starts"))
        return;
    ktap_check(write(t->fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk),
               "two packets no usb-host accepts are written to the dongle");
    ktap_check(tc_control(t, 0x80, 6, 0x0100, 0, buf, 18) == 18,
               "the connection carries on: GET_DESCRIPTOR is answered");
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
}

static void garbage_counted(void)
{
    char sock[96], log[128];
    pid_t pid;
    int fd;
    const uint8_t junk[] = {0x0F, 0x27, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    snprintf(sock, sizeof(sock), "%s/junk.sock", dir);
    snprintf(log, sizeof(log), "%s/junk.log", dir);
    pid = spawn((const char *[]){"--socket", sock, NULL}, log);
    ktap_check(wait_listening(log), "dongle listening");
    fd = connect_to(sock);
    ktap_check(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk),
               "a client sends a bad packet header before any hello");
    /* The dongle reads its connection in order: once it logs the client
       gone, it has handled the bad packet before. Stopping it any sooner
       would race with that (a fixed delay, then a poll, both did). The
       client only shuts its sending side: closing with the dongle's hello
       unread would reset the connection, and the bad packet with it. */
    if (fd >= 0)
        shutdown(fd, SHUT_WR);
    bool handled = tc_wait_file(log, "QEMU disconnected", TC_TIMEOUT);
    if (fd >= 0)
        close(fd);
    bool logged = tc_file_has(log, "invalid usb-redir packet type");
    kill(pid, SIGTERM);
    ktap_check(handled && reap(pid, TC_TIMEOUT) == 0, "the dongle survives it and exits cleanly");
    ktap_check(logged, "the bad packet is logged");
    ktap_check(stat_value(log, "malformed usbredir packets") == 1, "and counted in the statistics");
}

/* The capture: read it back record by record. */
struct pcap_check {
    unsigned records, submits, completes, unpaired, bulk_out, bulk_in, intr;
    bool device_desc; /* GET_DESCRIPTOR(DEVICE) submitted and completed with the descriptor */
};

static void read_pcap(const char *path, struct pcap_check *c, bool *header_ok)
{
    FILE *f = fopen(path, "rb");
    uint8_t gh[24], rh[16], rec[65536 + 64];
    uint64_t submitted[256];
    unsigned nsub = 0;

    memset(c, 0, sizeof(*c));
    *header_ok = f && fread(gh, 1, 24, f) == 24 && gh[0] == 0xd4 && gh[1] == 0xc3 &&
                 gh[2] == 0xb2 && gh[3] == 0xa1 && gh[20] == 220;
    while (*header_ok && fread(rh, 1, 16, f) == 16) {
        uint32_t len = rh[8] | rh[9] << 8 | rh[10] << 16 | (uint32_t)rh[11] << 24;
        uint64_t id;
        if (len < 64 || len > sizeof(rec) || fread(rec, 1, len, f) != len)
            break;
        memcpy(&id, rec, 8);
        c->records++;
        if (rec[8] == 'S') {
            c->submits++;
            if (nsub < 256)
                submitted[nsub++] = id;
            if (rec[9] == 3 && rec[10] == 0x01)
                c->bulk_out++;
        } else if (rec[8] == 'C') {
            bool paired = false;
            c->completes++;
            for (unsigned i = 0; i < nsub; i++)
                paired |= submitted[i] == id;
            c->unpaired += !paired;
            if (rec[9] == 3 && rec[10] == 0x81)
                c->bulk_in++;
            if (rec[9] == 1 && rec[10] == 0x82)
                c->intr++;
            if (rec[9] == 2 && len == 64 + 18 && rec[64] == 18 && rec[65] == 1 && rec[72] == 0x09 &&
                rec[73] == 0x12)
                c->device_desc = true;
        }
    }
    if (f)
        fclose(f);
}

static void pcap(void)
{
    char pcap_path[128], cmd[256];
    const char *args[] = {"--pcap", pcap_path, NULL};
    struct pcap_check c;
    struct tc *t;
    struct tc_msg *m;
    uint8_t buf[18];
    bool header_ok;

    snprintf(pcap_path, sizeof(pcap_path), "%s/capture.pcap", dir);
    t = tc_start("loopback", args);
    if (!ktap_check(t != NULL, "dongle starts with --pcap"))
        return;
    ktap_check(tc_control(t, 0x80, 6, 0x0100, 0, buf, 64) == 18, "GET_DESCRIPTOR(DEVICE)");
    ktap_check(tc_bringup(t, 0xFFFF, 0x0001), "bring-up");
    tc_queue_msg(t, 0, "pcap", 4, HSI_MSG_LAST);
    m = tc_recv(t, 0, TC_TIMEOUT);
    ktap_check(m != NULL, "a message out and back");
    tc_msg_free(m);
    ktap_check(tc_stop(t) == 0, "the dongle exits cleanly");
    read_pcap(pcap_path, &c, &header_ok);
    ktap_check(header_ok, "pcap header: magic a1b2c3d4, LINKTYPE_USB_LINUX_MMAPPED (220)");
    ktap_check(c.records > 10 && c.submits > 0 && c.completes > 0,
               "%u records: %u submissions, %u completions", c.records, c.submits, c.completes);
    ktap_check(c.device_desc, "the device descriptor is in a control completion");
    ktap_check(c.unpaired == 0, "every completion pairs with a submission (URB id)");
    ktap_check(c.bulk_out > 0 && c.bulk_in > 0 && c.intr > 0,
               "bulk OUT, bulk IN and interrupt transfers recorded");
    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        ktap_skip("tshark is not installed", "tshark reads the capture");
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "tshark -r %s -Y 'usb.setup.bRequest == 6' 2>/dev/null | grep -q 'GET DESCRIPTOR'",
             pcap_path);
    ktap_check(system(cmd) == 0, "tshark reads the capture and dissects GET DESCRIPTOR");
}

int main(void)
{
    char cmd[96];

    snprintf(dir, sizeof(dir), "/tmp/hsi-life-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    ktap_begin(6);
    ktap_group("command_line");
    command_line();
    ktap_group_end();
    ktap_group("socket_file");
    socket_file();
    ktap_group_end();
    ktap_group("qemu_disconnect_and_reconnect");
    reconnect();
    ktap_group_end();
    ktap_group("malformed_usbredir");
    garbage();
    ktap_group_end();
    ktap_group("malformed_usbredir_counted");
    garbage_counted();
    ktap_group_end();
    ktap_group("pcap");
    pcap();
    ktap_group_end();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        ktap_diag("could not remove %s", dir);
    return ktap_end();
}
