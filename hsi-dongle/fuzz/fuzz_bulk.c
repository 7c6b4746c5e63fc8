/*
 * fuzz_bulk.c: the dongle's bulk OUT parsing and bulk IN packing under
 * libFuzzer.
 *
 * Programs (harness.c) made mostly of bulk OUT transfers (raw bytes, and
 * well-formed messages on any channel with any flags and seq), bulk IN
 * requests of any length, cancels, line changes and time: everything
 * that moves data through the link model in loopback, echo and modem.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(data, size, FOCUS_BULK);
    return 0;
}
