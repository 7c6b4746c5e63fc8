/*
 * server.h: the program's event loop.
 *
 * One thread, one ppoll(): the listening socket, the QEMU connection, the
 * far end's socket (link mode) and the model's next deadline. SIGINT,
 * SIGTERM and SIGHUP are blocked except inside ppoll(), so a signal can
 * only arrive between complete steps and the shutdown is always clean.
 */
#ifndef SERVER_H
#define SERVER_H

#include "options.h"

/* Runs until a signal; returns the process exit status. */
int server_run(const struct options *o);

#endif /* SERVER_H */
