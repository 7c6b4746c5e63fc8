/*
 * harness.h: the dongle's USB device driven by fuzz input, no socket.
 *
 * The input is a configuration byte and then a program: each operation
 * is an opcode byte and its operands (a control request with its data
 * stage, a bulk OUT transfer, a bulk IN request, a cancel, a USB reset, a
 * step of time...). The dongle answers through a recording port that
 * checks what a host is entitled to rely on:
 *
 *   - every request is answered exactly once, and only requests are;
 *   - a control IN answer is never longer than wLength;
 *   - a bulk IN answer fits the request and 64 KiB, and parses cleanly
 *     with lib/hsiproto (bar the one TEST_INJECT malformed transfer);
 *   - an interrupt packet is 8 to 64 bytes of whole event records, and
 *     event numbers only go up, except back to 0 for a new device.
 *
 * A broken promise aborts, which libFuzzer reports as a crash.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Which operations the program bytes mostly select. */
enum harness_focus { FOCUS_CONTROL, FOCUS_BULK };

void harness_run(const uint8_t *data, size_t size, enum harness_focus focus);

#endif /* HARNESS_H */
