/* log.c: timestamped log lines on stderr (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level threshold = LOG_INFO;

static const char *const level_names[] = {
    [LOG_ERROR] = "error",
    [LOG_WARN] = "warn",
    [LOG_INFO] = "info",
    [LOG_DEBUG] = "debug",
};

void log_init(enum log_level level)
{
    threshold = level;
}

int log_enabled(enum log_level level)
{
    return level != LOG_OFF && level <= threshold;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    struct timeval tv;
    struct tm tm;
    char line[1024];
    va_list ap;
    int n;

    if (!log_enabled(level))
        return;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld hsi-dongle[%d] %-5s ", tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long)tv.tv_usec / 1000, (int)getpid(), level_names[level]);
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line, so two dongles sharing a terminal never interleave
     * inside a line. */
    fprintf(stderr, "%s\n", line);
}
