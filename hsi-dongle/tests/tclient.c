/* tclient.c: the QEMU-side test client (see tclient.h). */
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
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "tclient.h"

/* Ids of the AP model's own bulk requests carry this bit, so their answers
 * go to the model and not to tc_wait(). */
#define MODEL_ID (1ull << 62)

uint64_t tc_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void tc_fill(uint8_t *buf, uint32_t len, uint32_t n)
{
    uint32_t x = n * 2654435761u + 1;

    for (uint32_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        abort();
    return p;
}

static void note(struct tc *t, char c)
{
    size_t n = strlen(t->order);

    if (n + 1 < sizeof(t->order)) {
        t->order[n] = c;
        t->order[n + 1] = '\0';
    }
}

/* --- Finding and starting the dongle ------------------------------------ */

/* $HSI_DONGLE, or hsi-dongle-asan beside the tests directory. */
void tc_dongle_path(char *out, size_t cap)
{
    const char *env = getenv("HSI_DONGLE");
    char self[PATH_MAX - 32];
    ssize_t n;

    if (env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(out, cap, "%s/../hsi-dongle-asan", self);
}

static pid_t spawn(struct tc *t, const char *mode, const char *const *extra)
{
    const char *argv[32];
    char path[PATH_MAX];
    int argc = 0;
    pid_t pid;

    tc_dongle_path(path, sizeof(path));
    argv[argc++] = path;
    argv[argc++] = "--socket";
    argv[argc++] = t->sock;
    argv[argc++] = "--mode";
    argv[argc++] = mode;
    for (int i = 0; extra && extra[i] && argc < 30; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    pid = fork();
    if (pid == 0) {
        int fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 2);
        dup2(fd, 1);
        execv(path, (char **)argv);
        dprintf(2, "exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    return pid;
}

/* --- The usbredir guest side --------------------------------------------- */

static int on_read(void *priv, uint8_t *data, int count)
{
    struct tc *t = priv;
    ssize_t n = read(t->fd, data, (size_t)count);

    if (n > 0)
        return (int)n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    t->dead = true;
    return -1;
}

static int on_write(void *priv, uint8_t *data, int count)
{
    struct tc *t = priv;
    ssize_t n = send(t->fd, data, (size_t)count, MSG_NOSIGNAL);

    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EINTR)
        return 0;
    t->dead = true;
    return -1;
}

static void on_log(void *priv, int level, const char *msg)
{
    (void)priv;
    if (level <= usbredirparser_warning)
        ktap_diag("client parser: %s", msg);
}

static void push_done(struct tc *t, uint64_t id, uint8_t status, uint8_t ep, uint32_t len,
                      uint8_t *data, int data_len)
{
    struct tc_done *d = xmalloc(sizeof(*d)), **p = &t->done;

    *d = (struct tc_done){.id = id, .status = status, .ep = ep, .len = len};
    if (data_len > 0) {
        d->data = xmalloc((size_t)data_len);
        memcpy(d->data, data, (size_t)data_len);
        d->data_len = data_len;
    }
    while (*p)
        p = &(*p)->next;
    *p = d;
}

static void on_device_connect(void *priv, struct usb_redir_device_connect_header *h)
{
    struct tc *t = priv;

    t->dev = *h;
    t->connects++;
    t->attached = true;
    note(t, 'C');
}

static void on_device_disconnect(void *priv)
{
    struct tc *t = priv;

    t->disconnects++;
    t->attached = false;
    t->ev_count = 0;  /* QEMU drops a gone device's buffered packets too */
    t->in_target = 0; /* and a driver stops reading from a device that left */
    note(t, 'D');
}

static void on_interface_info(void *priv, struct usb_redir_interface_info_header *h)
{
    struct tc *t = priv;

    t->ifinfo = *h;
    note(t, 'I');
}

static void on_ep_info(void *priv, struct usb_redir_ep_info_header *h)
{
    struct tc *t = priv;

    t->epinfo = *h;
    note(t, 'E');
}

static void on_configuration_status(void *priv, uint64_t id,
                                    struct usb_redir_configuration_status_header *h)
{
    struct tc *t = priv;

    note(t, 'S');
    push_done(t, id, h->status, 0, h->configuration, NULL, 0);
}

static void on_alt_setting_status(void *priv, uint64_t id,
                                  struct usb_redir_alt_setting_status_header *h)
{
    push_done(priv, id, h->status, h->interface, h->alt, NULL, 0);
}

static void on_interrupt_receiving_status(void *priv, uint64_t id,
                                          struct usb_redir_interrupt_receiving_status_header *h)
{
    struct tc *t = priv;

    (void)id;
    t->interrupt_status = h->status;
}

static void on_iso_stream_status(void *priv, uint64_t id,
                                 struct usb_redir_iso_stream_status_header *h)
{
    push_done(priv, id, h->status, h->endpoint, 0, NULL, 0);
}

static void on_bulk_streams_status(void *priv, uint64_t id,
                                   struct usb_redir_bulk_streams_status_header *h)
{
    push_done(priv, id, h->status, 0, 0, NULL, 0);
}

static void on_bulk_receiving_status(void *priv, uint64_t id,
                                     struct usb_redir_bulk_receiving_status_header *h)
{
    push_done(priv, id, h->status, h->endpoint, 0, NULL, 0);
}

static void on_control_packet(void *priv, uint64_t id, struct usb_redir_control_packet_header *h,
                              uint8_t *data, int data_len)
{
    struct tc *t = priv;

    push_done(t, id, h->status, h->endpoint, h->length, data, data_len);
    usbredirparser_free_packet_data(t->p, data);
}

static void rx_transfer(struct tc *t, const uint8_t *data, uint32_t len);

static void on_bulk_packet(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h,
                           uint8_t *data, int data_len)
{
    struct tc *t = priv;
    uint32_t len = (uint32_t)h->length_high << 16 | h->length;

    if (id & MODEL_ID) {
        if (h->endpoint & 0x80) {
            for (unsigned i = 0; i < t->in_outstanding; i++)
                if (t->in_ids[i] == id)
                    t->in_ids[i] = t->in_ids[t->in_outstanding - 1];
            t->in_outstanding--;
            if (h->status == usb_redir_success) {
                rx_transfer(t, data, (uint32_t)data_len);
            } else if (h->status != usb_redir_cancelled) {
                t->in_target = 0; /* a refused request is not asked again and again */
            }
        } else {
            t->out_inflight--;
            if (h->status != usb_redir_success)
                t->out_stalls++;
        }
    } else {
        push_done(t, id, h->status, h->endpoint, len, data, data_len);
    }
    usbredirparser_free_packet_data(t->p, data);
}

static void on_interrupt_packet(void *priv, uint64_t id,
                                struct usb_redir_interrupt_packet_header *h, uint8_t *data,
                                int data_len)
{
    struct tc *t = priv;
    int n = hsi_event_count((size_t)data_len);

    (void)id;
    t->event_packets++;
    if (n < 0 || h->endpoint != HSI_EP_EVENTS || h->status != usb_redir_success) {
        t->bad_event_packets++;
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        struct hsi_event ev;
        hsi_event_get(data + i * HSI_EVENT_SIZE, &ev);
        if (ev.type == HSI_EV_CAREADY)
            t->credit = ev.arg;
        if (ev.type == HSI_EV_DONGLE_RESET)
            t->credit = 0; /* a new start: no credit until CAREADY says so */
        if (t->ev_count == t->ev_cap) {
            struct hsi_event *q = xmalloc(sizeof(*q) * (t->ev_cap ? t->ev_cap * 2 : 64));
            for (unsigned j = 0; j < t->ev_count; j++)
                q[j] = t->ev[(t->ev_head + j) % t->ev_cap];
            free(t->ev);
            t->ev = q;
            t->ev_head = 0;
            t->ev_cap = t->ev_cap ? t->ev_cap * 2 : 64;
        }
        t->ev[(t->ev_head + t->ev_count++) % t->ev_cap] = ev;
    }
    usbredirparser_free_packet_data(t->p, data);
}

static void on_unexpected(void *priv, uint64_t id, struct usb_redir_iso_packet_header *h,
                          uint8_t *data, int data_len)
{
    struct tc *t = priv;

    (void)id;
    (void)data_len;
    ktap_diag("unexpected iso packet for ep 0x%02x", h->endpoint);
    usbredirparser_free_packet_data(t->p, data);
}

static void on_buffered_bulk(void *priv, uint64_t id,
                             struct usb_redir_buffered_bulk_packet_header *h, uint8_t *data,
                             int data_len)
{
    struct tc *t = priv;

    (void)id;
    (void)data_len;
    ktap_diag("unexpected buffered bulk packet for ep 0x%02x", h->endpoint);
    usbredirparser_free_packet_data(t->p, data);
}

static void on_filter_filter(void *priv, struct usbredirfilter_rule *rules, int count)
{
    (void)priv;
    (void)count;
    free(rules);
}

static void make_parser(struct tc *t)
{
    uint32_t caps[USB_REDIR_CAPS_SIZE] = {0};
    struct usbredirparser *p = usbredirparser_create();

    p->priv = t;
    p->log_func = on_log;
    p->read_func = on_read;
    p->write_func = on_write;
    p->device_connect_func = on_device_connect;
    p->device_disconnect_func = on_device_disconnect;
    p->interface_info_func = on_interface_info;
    p->ep_info_func = on_ep_info;
    p->configuration_status_func = on_configuration_status;
    p->alt_setting_status_func = on_alt_setting_status;
    p->iso_stream_status_func = on_iso_stream_status;
    p->interrupt_receiving_status_func = on_interrupt_receiving_status;
    p->bulk_streams_status_func = on_bulk_streams_status;
    p->bulk_receiving_status_func = on_bulk_receiving_status;
    p->control_packet_func = on_control_packet;
    p->bulk_packet_func = on_bulk_packet;
    p->iso_packet_func = on_unexpected;
    p->interrupt_packet_func = on_interrupt_packet;
    p->buffered_bulk_packet_func = on_buffered_bulk;
    p->filter_filter_func = on_filter_filter;
    /* What QEMU 7.2 announces, minus bulk receiving (the dongle has none). */
    usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_filter);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
    usbredirparser_init(p, "kelab test client", caps, USB_REDIR_CAPS_SIZE, 0);
    t->p = p;
}

/* --- Connection ------------------------------------------------------------ */

static int connect_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void reset_model(struct tc *t)
{
    struct tc_done *d;
    struct tc_msg *m;

    while ((d = t->done)) {
        t->done = d->next;
        tc_done_free(d);
    }
    while ((m = t->msgs)) {
        t->msgs = m->next;
        tc_msg_free(m);
    }
    t->msgs_tail = NULL;
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++) {
        struct tc_xfer *x;
        while ((x = t->outq[ch])) {
            t->outq[ch] = x->next;
            free(x);
        }
        t->rx_len[ch] = 0;
        t->rx_flags[ch] = 0;
    }
    memset(t->tx_seq, 0, sizeof(t->tx_seq));
    memset(t->rx_seq, 0, sizeof(t->rx_seq));
    t->out_inflight = t->in_outstanding = t->in_target = 0;
    t->ev_count = 0;
    t->credit = 0;
    t->order[0] = '\0';
}

bool tc_connect(struct tc *t)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;
    int connects;

    reset_model(t);
    t->fd = connect_socket(t->sock);
    if (t->fd < 0)
        return false;
    t->dead = false;
    make_parser(t);
    connects = t->connects;
    while (t->connects == connects && !t->dead && tc_now_ms() < end)
        tc_pump(t, 50);
    return t->connects > connects;
}

void tc_disconnect(struct tc *t)
{
    if (!t->p)
        return;
    usbredirparser_destroy(t->p);
    t->p = NULL;
    close(t->fd);
    t->fd = -1;
}

struct tc *tc_start(const char *mode, const char *const *extra)
{
    struct tc *t = calloc(1, sizeof(*t));
    uint64_t end = tc_now_ms() + TC_TIMEOUT;
    struct stat st;

    snprintf(t->dir, sizeof(t->dir), "/tmp/hsi-test-XXXXXX");
    if (!mkdtemp(t->dir))
        abort();
    snprintf(t->sock, sizeof(t->sock), "%s/dongle.sock", t->dir);
    snprintf(t->log, sizeof(t->log), "%s/dongle.log", t->dir);
    t->fd = -1;
    t->respect_credit = true;
    t->out_max = 4;
    t->frag_max = HSI_MAX_FRAG_PAYLOAD;
    t->rx_channels = HSI_MAX_CHANNELS;
    t->pid = spawn(t, mode, extra);
    while (stat(t->sock, &st) < 0 && tc_now_ms() < end) {
        if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
            t->pid = 0;
            break;
        }
        usleep(10000);
    }
    if (t->pid == 0 || !tc_connect(t)) {
        ktap_diag("the dongle did not come up (%s)", t->sock);
        tc_show_log(t, 20);
        tc_stop(t);
        return NULL;
    }
    return t;
}

void tc_show_log(struct tc *t, int lines)
{
    char cmd[256];
    FILE *f;
    char line[512];

    snprintf(cmd, sizeof(cmd), "tail -n %d %s 2>/dev/null", lines, t->log);
    f = popen(cmd, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        ktap_diag("dongle: %s", line);
    }
    pclose(f);
}

bool tc_file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    bool found = false;

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

bool tc_log_has(struct tc *t, const char *text)
{
    return tc_file_has(t->log, text);
}

bool tc_wait_file(const char *path, const char *text, int ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)ms;

    while (!tc_file_has(path, text)) {
        if (tc_now_ms() >= end)
            return false;
        usleep(5000);
    }
    return true;
}

int tc_stop(struct tc *t)
{
    int status = -1;
    char cmd[128];

    if (!t)
        return -1;
    tc_disconnect(t);
    if (t->pid > 0) {
        uint64_t end = tc_now_ms() + 10000;
        pid_t r = 0;
        kill(t->pid, SIGTERM);
        while ((r = waitpid(t->pid, &status, WNOHANG)) == 0 && tc_now_ms() < end)
            usleep(10000);
        if (r != t->pid) {
            ktap_diag("the dongle did not exit on SIGTERM; killed");
            kill(t->pid, SIGKILL);
            waitpid(t->pid, NULL, 0);
            status = -1;
        } else {
            status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (status != 0)
            tc_show_log(t, 30);
    }
    reset_model(t);
    free(t->ev);
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        free(t->rx_buf[ch]);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
    if (system(cmd) != 0)
        ktap_diag("could not remove %s", t->dir);
    free(t);
    return status;
}

/* --- Pumping --------------------------------------------------------------- */

static void submit_model_requests(struct tc *t);

void tc_pump(struct tc *t, int timeout_ms)
{
    struct pollfd pfd;

    if (!t->p || t->dead) {
        if (timeout_ms > 0)
            usleep((useconds_t)timeout_ms * 1000);
        return;
    }
    submit_model_requests(t);
    if (usbredirparser_has_data_to_write(t->p))
        usbredirparser_do_write(t->p);
    pfd.fd = t->fd;
    pfd.events = (short)(POLLIN | (usbredirparser_has_data_to_write(t->p) ? POLLOUT : 0));
    if (poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
        while (usbredirparser_do_read(t->p) == usbredirparser_read_parse_error && !t->dead)
            ;
    submit_model_requests(t);
    if (usbredirparser_has_data_to_write(t->p))
        usbredirparser_do_write(t->p);
}

struct tc_done *tc_wait(struct tc *t, uint64_t id, int timeout_ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)timeout_ms;

    for (;;) {
        for (struct tc_done **p = &t->done; *p; p = &(*p)->next) {
            if ((*p)->id == id) {
                struct tc_done *d = *p;
                *p = d->next;
                return d;
            }
        }
        if (tc_now_ms() >= end || t->dead)
            return NULL;
        tc_pump(t, 20);
    }
}

void tc_done_free(struct tc_done *d)
{
    if (d) {
        free(d->data);
        free(d);
    }
}

/* --- Requests ---------------------------------------------------------------- */

int tc_control(struct tc *t, uint8_t type, uint8_t req, uint16_t value, uint16_t index, void *data,
               uint16_t len)
{
    struct usb_redir_control_packet_header h = {
        .endpoint = type & 0x80,
        .request = req,
        .requesttype = type,
        .value = value,
        .index = index,
        .length = len,
    };
    uint64_t id = ++t->next_id;
    struct tc_done *d;
    int rc;

    if (!t->p)
        return -2;
    usbredirparser_send_control_packet(t->p, id, &h, type & 0x80 ? NULL : data,
                                       type & 0x80 ? 0 : len);
    d = tc_wait(t, id, TC_TIMEOUT);
    if (!d)
        return -2;
    if (d->status != usb_redir_success) {
        rc = -1;
    } else {
        rc = (int)d->len;
        if ((type & 0x80) && d->data_len > 0)
            memcpy(data, d->data, (size_t)(d->data_len < len ? d->data_len : len));
    }
    tc_done_free(d);
    return rc;
}

int tc_vendor_out(struct tc *t, uint8_t req, uint16_t value, uint16_t index, const void *data,
                  uint16_t len)
{
    int rc = tc_control(t, HSI_REQTYPE_OUT, req, value, index, (void *)data, len);

    return rc >= 0 ? 0 : rc;
}

int tc_vendor_in(struct tc *t, uint8_t req, uint16_t value, void *data, uint16_t len)
{
    return tc_control(t, HSI_REQTYPE_IN, req, value, 0, data, len);
}

static int wait_status(struct tc *t, uint64_t id, uint32_t *value)
{
    struct tc_done *d = tc_wait(t, id, TC_TIMEOUT);
    int status;

    if (!d)
        return -2;
    status = d->status;
    if (value)
        *value = d->len;
    tc_done_free(d);
    return status;
}

int tc_set_configuration(struct tc *t, uint8_t value)
{
    struct usb_redir_set_configuration_header h = {.configuration = value};
    uint64_t id = ++t->next_id;

    usbredirparser_send_set_configuration(t->p, id, &h);
    return wait_status(t, id, NULL);
}

int tc_get_configuration(struct tc *t, uint8_t *value)
{
    uint64_t id = ++t->next_id;
    uint32_t v = 0;
    int rc;

    usbredirparser_send_get_configuration(t->p, id);
    rc = wait_status(t, id, &v);
    *value = (uint8_t)v;
    return rc;
}

int tc_set_interface(struct tc *t, uint8_t interface, uint8_t alt)
{
    struct usb_redir_set_alt_setting_header h = {.interface = interface, .alt = alt};
    uint64_t id = ++t->next_id;

    usbredirparser_send_set_alt_setting(t->p, id, &h);
    return wait_status(t, id, NULL);
}

int tc_start_events(struct tc *t, uint8_t ep)
{
    struct usb_redir_start_interrupt_receiving_header h = {.endpoint = ep};
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    t->interrupt_status = -1;
    usbredirparser_send_start_interrupt_receiving(t->p, 0, &h);
    while (t->interrupt_status < 0 && tc_now_ms() < end && !t->dead)
        tc_pump(t, 20);
    return t->interrupt_status < 0 ? -2 : t->interrupt_status;
}

uint64_t tc_bulk_submit(struct tc *t, uint8_t ep, const void *data, uint32_t len)
{
    struct usb_redir_bulk_packet_header h = {
        .endpoint = ep,
        .length = (uint16_t)len,
        .length_high = (uint16_t)(len >> 16),
    };
    uint64_t id = ++t->next_id;

    usbredirparser_send_bulk_packet(t->p, id, &h, ep & 0x80 ? NULL : (uint8_t *)data,
                                    ep & 0x80 ? 0 : (int)len);
    usbredirparser_do_write(t->p);
    return id;
}

void tc_cancel(struct tc *t, uint64_t id)
{
    usbredirparser_send_cancel_data_packet(t->p, id);
    usbredirparser_do_write(t->p);
}

/* --- Events ------------------------------------------------------------------ */

bool tc_next_event(struct tc *t, struct hsi_event *ev, int timeout_ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)timeout_ms;

    while (t->ev_count == 0 && tc_now_ms() < end && !t->dead)
        tc_pump(t, 10);
    if (t->ev_count == 0)
        return false;
    *ev = t->ev[t->ev_head];
    t->ev_head = (t->ev_head + 1) % t->ev_cap;
    t->ev_count--;
    return true;
}

bool tc_wait_event(struct tc *t, uint8_t type, struct hsi_event *ev, int timeout_ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)timeout_ms;
    struct hsi_event e;

    for (;;) {
        uint64_t now = tc_now_ms();
        if (!tc_next_event(t, &e, now < end ? (int)(end - now) : 0))
            return false;
        if (e.type == type) {
            if (ev)
                *ev = e;
            return true;
        }
    }
}

void tc_drop_events(struct tc *t)
{
    unsigned packets;

    /* Whatever is still on its way too: until the socket stays quiet. */
    do {
        packets = t->event_packets;
        tc_pump(t, 10);
    } while (packets != t->event_packets);
    t->ev_count = 0;
}

/* --- Bring-up -------------------------------------------------------------------- */

bool tc_config(struct tc *t, const struct hsi_tx_config *tx, const struct hsi_rx_config *rx)
{
    uint8_t buf[HSI_TX_CONFIG_SIZE];

    if (tx) {
        hsi_tx_config_put(buf, tx);
        if (tc_vendor_out(t, HSI_REQ_SET_TX_CONFIG, 0, 0, buf, sizeof(buf)) != 0)
            return false;
    }
    if (rx) {
        hsi_rx_config_put(buf, rx);
        if (tc_vendor_out(t, HSI_REQ_SET_RX_CONFIG, 0, 0, buf, sizeof(buf)) != 0)
            return false;
        t->rx_channels = rx->channels;
    }
    return true;
}

int tc_status(struct tc *t, struct hsi_status *st)
{
    uint8_t buf[HSI_STATUS_SIZE];
    int rc = tc_vendor_in(t, HSI_REQ_GET_STATUS, 0, buf, sizeof(buf));

    if (rc == HSI_STATUS_SIZE)
        hsi_status_get(buf, st);
    return rc;
}

bool tc_bringup(struct tc *t, uint16_t ready, uint16_t expect_credit)
{
    uint64_t end;

    if (tc_set_configuration(t, 1) != usb_redir_success ||
        tc_start_events(t, HSI_EP_EVENTS) != usb_redir_success ||
        tc_vendor_out(t, HSI_REQ_SET_RX_READY, ready, 0, NULL, 0) != 0 ||
        tc_vendor_out(t, HSI_REQ_SET_WAKE, 1, 0, NULL, 0) != 0)
        return false;
    tc_reading(t, 4, HSI_MAX_XFER);
    end = tc_now_ms() + TC_TIMEOUT;
    while ((t->credit & expect_credit) != expect_credit && tc_now_ms() < end)
        tc_pump(t, 10);
    return (t->credit & expect_credit) == expect_credit;
}

/* --- The AP model: sending --------------------------------------------------- */

static struct tc_xfer *tail_xfer(struct tc *t, uint8_t ch, uint32_t need)
{
    struct tc_xfer **p = &t->outq[ch];

    while (*p && (*p)->next)
        p = &(*p)->next;
    if (*p && (*p)->len + need <= HSI_MAX_XFER)
        return *p;
    if (*p)
        p = &(*p)->next;
    *p = xmalloc(sizeof(**p));
    (*p)->next = NULL;
    (*p)->len = 0;
    return *p;
}

void tc_queue_msg(struct tc *t, uint8_t ch, const void *data, uint32_t len, uint8_t last_flags)
{
    uint32_t total = hsi_pad4(len), off = 0;
    uint32_t max = t->frag_max & ~3u;

    do {
        uint32_t n = total - off < max ? total - off : max;
        bool last = off + n == total;
        struct hsi_msg_hdr h = {
            .channel = ch,
            .flags = last ? last_flags : 0,
            .seq = t->tx_seq[ch]++,
            .length = n,
        };
        struct tc_xfer *x = tail_xfer(t, ch, HSI_MSG_HDR_SIZE + n);
        uint8_t *dst = x->data + x->len;

        hsi_msg_hdr_put(dst, &h);
        memset(dst + HSI_MSG_HDR_SIZE, 0, n);
        if (off < len)
            memcpy(dst + HSI_MSG_HDR_SIZE, (const uint8_t *)data + off,
                   len - off < n ? len - off : n);
        x->len += HSI_MSG_HDR_SIZE + n;
        off += n;
    } while (off < total);
}

bool tc_out_idle(const struct tc *t)
{
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++)
        if (t->outq[ch])
            return false;
    return t->out_inflight == 0;
}

/* Keeps up to out_max transfers in flight, taking channels in turn and,
 * like a driver should, only channels with CAREADY credit; and keeps
 * in_target bulk IN requests outstanding. */
static void submit_model_requests(struct tc *t)
{
    for (unsigned tries = 0; tries < HSI_MAX_CHANNELS && t->out_inflight < t->out_max; tries++) {
        unsigned ch = t->next_ch++ % HSI_MAX_CHANNELS;
        struct tc_xfer *x = t->outq[ch];
        struct usb_redir_bulk_packet_header h = {.endpoint = HSI_EP_BULK_OUT};

        if (!x || (t->respect_credit && !(t->credit & (1u << ch))))
            continue;
        t->outq[ch] = x->next;
        h.length = (uint16_t)x->len;
        h.length_high = (uint16_t)(x->len >> 16);
        usbredirparser_send_bulk_packet(t->p, MODEL_ID | ++t->next_id, &h, x->data, (int)x->len);
        t->out_inflight++;
        free(x);
        tries = 0;
    }
    while (t->in_outstanding < t->in_target) {
        struct usb_redir_bulk_packet_header h = {
            .endpoint = HSI_EP_BULK_IN,
            .length = (uint16_t)t->in_len,
            .length_high = (uint16_t)(t->in_len >> 16),
        };
        uint64_t id = MODEL_ID | ++t->next_id;
        usbredirparser_send_bulk_packet(t->p, id, &h, NULL, 0);
        t->in_ids[t->in_outstanding++] = id;
    }
}

bool tc_flush_out(struct tc *t, int timeout_ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)timeout_ms;

    while (!tc_out_idle(t) && tc_now_ms() < end && !t->dead)
        tc_pump(t, 10);
    return tc_out_idle(t);
}

/* --- The AP model: receiving ------------------------------------------------ */

void tc_reading(struct tc *t, unsigned requests, uint32_t len)
{
    uint64_t end = tc_now_ms() + TC_TIMEOUT;

    t->in_target = requests < 16 ? requests : 16;
    t->in_len = len;
    if (requests > 0 || !t->p)
        return;
    for (unsigned i = 0; i < t->in_outstanding; i++)
        usbredirparser_send_cancel_data_packet(t->p, t->in_ids[i]);
    while (t->in_outstanding > 0 && tc_now_ms() < end && !t->dead)
        tc_pump(t, 10);
}

static void push_msg(struct tc *t, uint8_t ch, uint8_t flags, const uint8_t *data, uint32_t len)
{
    struct tc_msg *m = xmalloc(sizeof(*m));

    *m = (struct tc_msg){.ch = ch, .flags = flags, .len = len, .order = t->msg_order++};
    m->data = xmalloc(len);
    if (len)
        memcpy(m->data, data, len);
    if (t->msgs_tail)
        t->msgs_tail->next = m;
    else
        t->msgs = m;
    t->msgs_tail = m;
}

static void rx_append(struct tc *t, uint8_t ch, const uint8_t *data, uint32_t len)
{
    if (t->rx_len[ch] + len > t->rx_cap[ch]) {
        t->rx_cap[ch] = (t->rx_len[ch] + len) * 2;
        t->rx_buf[ch] = realloc(t->rx_buf[ch], t->rx_cap[ch]);
        if (!t->rx_buf[ch])
            abort();
    }
    if (len)
        memcpy(t->rx_buf[ch] + t->rx_len[ch], data, len);
    t->rx_len[ch] += len;
}

static void rx_transfer(struct tc *t, const uint8_t *data, uint32_t len)
{
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *payload;

    t->rx_transfers++;
    hsi_xfer_init(&it, data, len, t->rx_channels);
    while (hsi_xfer_next(&it, &h, &payload)) {
        if (h.seq != t->rx_seq[h.channel]) {
            ktap_diag("rx ch %u: seq %u, expected %u", h.channel, h.seq, t->rx_seq[h.channel]);
            t->rx_seq_errors++;
        }
        t->rx_seq[h.channel] = (uint16_t)(h.seq + 1);
        t->rx_bytes += h.length;
        if (h.flags & HSI_MSG_BREAK) {
            push_msg(t, h.channel, HSI_MSG_BREAK, NULL, 0);
            continue;
        }
        rx_append(t, h.channel, payload, h.length);
        t->rx_flags[h.channel] |= h.flags & HSI_MSG_ERROR;
        if (h.flags & HSI_MSG_LAST) {
            push_msg(t, h.channel, t->rx_flags[h.channel] | HSI_MSG_LAST, t->rx_buf[h.channel],
                     t->rx_len[h.channel]);
            t->rx_len[h.channel] = 0;
            t->rx_flags[h.channel] = 0;
        }
    }
    if (it.err != HSI_OK) {
        t->rx_bad_headers++;
        t->rx_last_err = it.err;
    }
}

static struct tc_msg *take_msg(struct tc *t, int ch)
{
    struct tc_msg *prev = NULL;

    for (struct tc_msg *m = t->msgs; m; prev = m, m = m->next) {
        if (ch >= 0 && m->ch != ch)
            continue;
        if (prev)
            prev->next = m->next;
        else
            t->msgs = m->next;
        if (t->msgs_tail == m)
            t->msgs_tail = prev;
        m->next = NULL;
        return m;
    }
    return NULL;
}

struct tc_msg *tc_recv(struct tc *t, int ch, int timeout_ms)
{
    uint64_t end = tc_now_ms() + (uint64_t)timeout_ms;
    struct tc_msg *m;

    while (!(m = take_msg(t, ch)) && tc_now_ms() < end && !t->dead)
        tc_pump(t, 10);
    return m;
}

void tc_msg_free(struct tc_msg *m)
{
    if (m) {
        free(m->data);
        free(m);
    }
}

unsigned tc_msgs_waiting(const struct tc *t)
{
    unsigned n = 0;

    for (const struct tc_msg *m = t->msgs; m; m = m->next)
        n++;
    return n;
}
