/*
 * log.h: the dongle's log, one timestamped line per event on stderr.
 *
 * The log is how a student watches the device work beside QEMU, so every
 * request, every link event and every refusal gets a line at `info`; the
 * per-transfer chatter is `debug` and needs --verbose.
 */
#ifndef LOG_H
#define LOG_H

enum log_level { LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(enum log_level level);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* LOG_H */
