/* server.c: sockets, signals and the event loop (see server.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "descriptors.h"
#include "dongle.h"
#include "log.h"
#include "pcap.h"
#include "redir.h"
#include "server.h"
#include "sockutil.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* Blocks SIGINT, SIGTERM and SIGHUP (a closed terminal); *waiting is the
 * mask ppoll() waits with. */
static void setup_signals(sigset_t *waiting)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigset_t block;

    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, waiting);
    sigdelset(waiting, SIGINT);
    sigdelset(waiting, SIGTERM);
    sigdelset(waiting, SIGHUP);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a vanished peer is an error return, not a death */
}

static void accept_qemu(int listen_fd, struct redir *r)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0)
        return;
    if (redir_connected(r)) {
        /* One device, one host: a second usb-redir gets nothing. */
        log_warn("a second connection was refused: QEMU is already connected");
        close(fd);
        return;
    }
    redir_connect(r, fd);
}

static struct timespec *wait_time(uint64_t deadline, uint64_t now, struct timespec *ts)
{
    uint64_t ns;

    if (deadline == NEVER)
        return NULL;
    ns = deadline > now ? deadline - now : 0;
    ts->tv_sec = (time_t)(ns / NS_PER_S);
    ts->tv_nsec = (long)(ns % NS_PER_S);
    return ts;
}

static void serve(int listen_fd, struct redir *r, struct dongle *d, const sigset_t *waiting)
{
    while (!stop_signal) {
        struct pollfd fds[3] = {{.fd = listen_fd, .events = POLLIN}};
        struct timespec ts;
        uint64_t now = clock_now();
        int qemu, far;

        dongle_run(d, now);
        redir_run(r, now);
        redir_flush(r);
        qemu = 1;
        fds[qemu].fd = redir_pollfd(r, &fds[qemu].events);
        far = 2;
        fds[far].fd = dongle_pollfd(d, &fds[far].events);
        if (ppoll(fds, 3, wait_time(deadline_min(dongle_deadline(d), redir_deadline(r)), now, &ts),
                  waiting) < 0) {
            if (errno != EINTR)
                log_error("ppoll: %s", strerror(errno));
            continue;
        }
        dongle_set_now(d, clock_now());
        if (fds[0].revents & POLLIN)
            accept_qemu(listen_fd, r);
        if (fds[qemu].fd >= 0 && fds[qemu].revents)
            redir_io(r, fds[qemu].revents);
        if (fds[far].fd >= 0 && fds[far].revents)
            dongle_io(d, fds[far].revents);
    }
}

int server_run(const struct options *o)
{
    struct dongle_config cfg = {
        .mode = o->mode,
        .link_socket = o->link_socket,
        .kbps = o->kbps,
        .channels = o->channels,
        .test = o->test,
    };
    struct unix_listener ul;
    struct pcap *pcap = NULL;
    struct redir *r;
    struct dongle *d;
    sigset_t waiting;

    setup_signals(&waiting);
    desc_set_lie(o->lie);
    if (o->pcap && !(pcap = pcap_open(o->pcap))) {
        log_error("cannot write %s: %s", o->pcap, strerror(errno));
        return 1;
    }
    r = redir_new(pcap);
    d = dongle_new(&cfg, &redir_port, r, clock_now());
    redir_set_dongle(r, d);
    if (unix_listen(o->socket, &ul) < 0) {
        log_error("cannot listen on %s: %s", o->socket,
                  errno == EADDRINUSE ? "another dongle is using it" : strerror(errno));
        dongle_free(d);
        redir_free(r);
        pcap_close(pcap);
        return 1;
    }
    log_info("listening on %s: mode %s, %u channels, up to %u kbit/s%s", o->socket,
             far_mode_name(o->mode), o->channels, o->kbps, o->test ? ", TEST_INJECT on" : "");
    if (o->lie != DESC_TRUE)
        log_warn("serving descriptors that lie (--bad-descriptors %s): a host should refuse "
                 "the device",
                 desc_lie_name(o->lie));

    serve(ul.fd, r, d, &waiting);

    log_info("%s: shutting down", strsignal(stop_signal));
    redir_goodbye(r);
    close(ul.fd);
    if (unix_still_ours(o->socket, &ul))
        unlink(o->socket);
    stats_print(&d->st, stderr);
    dongle_free(d);
    redir_free(r);
    pcap_close(pcap);
    return 0;
}
