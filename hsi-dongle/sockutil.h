/*
 * sockutil.h: unix socket helpers shared by the QEMU socket and link mode.
 *
 * unix_listen() makes the socket file appear only once it accepts
 * connections: it binds and listens under a temporary name and renames
 * that into place, so whoever waits for the file (make run, QEMU, a
 * second dongle) never finds a socket that refuses them. A stale file
 * from a dead process is removed; a live one is left alone.
 */
#ifndef SOCKUTIL_H
#define SOCKUTIL_H

#include <stdbool.h>
#include <sys/types.h>

struct unix_listener {
    int fd;
    ino_t ino; /* of the socket file, to notice when it is replaced */
};

/* Returns 0, or -1 with errno set (EADDRINUSE: a live process owns it). */
int unix_listen(const char *path, struct unix_listener *out);
/* A connected, non-blocking socket, or -1 with errno set. */
int unix_connect(const char *path);
/* Is the file at `path` still the socket we bound? */
bool unix_still_ours(const char *path, const struct unix_listener *ul);
int set_nonblocking(int fd);

#endif /* SOCKUTIL_H */
