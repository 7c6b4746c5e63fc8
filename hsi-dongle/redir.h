/*
 * redir.h: the dongle on a usbredir connection, as a "usb host".
 *
 * QEMU's usb-redir device is the usbredir "guest": it forwards what the
 * guest's xHCI driver does to the device as usbredir packets over a
 * socket, and the program on the other end (here, libusbredirparser with
 * usbredirparser_fl_usb_host) plays the real device. This file turns those
 * packets into dongle_*() calls and the dongle's answers back into
 * packets, and records both sides in the pcap if there is one.
 *
 *   QEMU                              hsi-dongle
 *   hello ---------------------------->
 *   <---------------------------- hello  (capabilities)
 *   <-------------- interface_info, ep_info, device_connect
 *   reset, control_packet ------------>  GET_DESCRIPTOR ...
 *   <------------------- control_packet  (status, data)
 *   set_configuration ---------------->
 *   <- interface_info, ep_info, configuration_status
 */
#ifndef REDIR_H
#define REDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "dongle.h"
#include "pcap.h"

struct redir;

extern const struct dongle_port redir_port;

struct redir *redir_new(struct pcap *pcap);
void redir_free(struct redir *r);
void redir_set_dongle(struct redir *r, struct dongle *d);

bool redir_connected(const struct redir *r);
/* A new QEMU connection on fd (non-blocking). */
void redir_connect(struct redir *r, int fd);
/* Polling: the connection's fd and what to wait for; then the I/O. */
int redir_pollfd(const struct redir *r, short *events);
void redir_io(struct redir *r, short revents);
/* Sends what is queued; the connection may turn out dead. */
void redir_flush(struct redir *r);
/* Replug timing. */
void redir_run(struct redir *r, uint64_t now);
uint64_t redir_deadline(const struct redir *r);
/* Shutdown: tell QEMU the device is gone, then close. */
void redir_goodbye(struct redir *r);

#endif /* REDIR_H */
