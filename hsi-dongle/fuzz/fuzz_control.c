/*
 * fuzz_control.c: the dongle's control request dispatch under libFuzzer.
 *
 * Programs (harness.c) made mostly of control requests with any setup
 * packet and data stage: standard, vendor and class requests, good and
 * bad, interleaved with time, USB state changes and some bulk traffic.
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harness_run(data, size, FOCUS_CONTROL);
    return 0;
}
