/*
 * fuzz_xfer.c: lib/hsiproto's bulk transfer parser under libFuzzer.
 *
 * The first byte picks the channel count; the rest is a transfer. The walk
 * must stay inside the buffer, each accepted header must pass its own
 * check and encode back to the bytes it came from, and a walk that stops
 * early must say why.
 */
#include <stdlib.h>
#include <string.h>

#include "hsiproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hsi_xfer_iter it;
    struct hsi_msg_hdr h;
    const uint8_t *payload;
    size_t consumed = 0;

    if (size == 0)
        return 0;
    hsi_xfer_init(&it, data + 1, size - 1, 1 + data[0] % 20);
    while (hsi_xfer_next(&it, &h, &payload)) {
        uint8_t again[HSI_MSG_HDR_SIZE];
        const uint8_t *hdr = payload - HSI_MSG_HDR_SIZE;

        if (hdr != data + 1 + consumed || payload + h.length > data + size)
            abort(); /* outside the transfer, or not where the last one ended */
        if (hsi_msg_hdr_check(&h, it.channels, h.length) != HSI_OK)
            abort();
        hsi_msg_hdr_put(again, &h);
        if (memcmp(again, hdr, HSI_MSG_HDR_SIZE) != 0)
            abort();
        consumed += HSI_MSG_HDR_SIZE + h.length;
    }
    if (it.off != it.len || (it.err == HSI_OK) != (consumed == size - 1))
        abort(); /* a clean end must mean everything was walked */
    return 0;
}
