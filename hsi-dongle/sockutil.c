/* sockutil.c: unix socket helpers (see sockutil.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockutil.h"

int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);

    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int make_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    int fd;

    if (make_addr(path, &sa) < 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || set_nonblocking(fd) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Removes a socket file nobody listens on; refuses anything else. */
static int remove_stale(const char *path)
{
    struct stat st;
    int fd;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    fd = unix_connect(path);
    if (fd >= 0) {
        close(fd);
        errno = EADDRINUSE;
        return -1;
    }
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int unix_listen(const char *path, struct unix_listener *out)
{
    struct sockaddr_un sa;
    char tmp[sizeof(sa.sun_path)];
    struct stat st;
    int fd;

    if (remove_stale(path) < 0)
        return -1;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid()) >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (make_addr(tmp, &sa) < 0)
        return -1;
    unlink(tmp);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0 ||
        set_nonblocking(fd) < 0 || rename(tmp, path) < 0 || stat(path, &st) < 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return -1;
    }
    out->fd = fd;
    out->ino = st.st_ino;
    return 0;
}

bool unix_still_ours(const char *path, const struct unix_listener *ul)
{
    struct stat st;

    return stat(path, &st) == 0 && st.st_ino == ul->ino;
}
