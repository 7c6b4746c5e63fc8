/*
 * fuzz_records.c: lib/hsiproto's fixed-size records under libFuzzer:
 * interrupt events and the vendor request payloads.
 *
 * Whatever the bytes, decoding then encoding must give them back (bar the
 * reserved bytes, which a decoder that accepted them saw were zero), and
 * the validators must agree with the field rules.
 */
#include <stdlib.h>
#include <string.h>

#include "hsiproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void events(const uint8_t *data, size_t size)
{
    int n = hsi_event_count(size);

    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        struct hsi_event ev;
        uint8_t again[HSI_EVENT_SIZE];
        hsi_event_get(data + i * HSI_EVENT_SIZE, &ev);
        hsi_event_put(again, &ev);
        if (memcmp(again, data + i * HSI_EVENT_SIZE, HSI_EVENT_SIZE) != 0)
            abort();
        (void)hsi_event_name(ev.type);
    }
}

static void configs(const uint8_t *data, const struct hsi_info *info)
{
    struct hsi_tx_config tx;
    struct hsi_rx_config rx;
    uint8_t again[HSI_TX_CONFIG_SIZE];

    if (hsi_tx_config_get(data, &tx) == HSI_OK) {
        hsi_tx_config_put(again, &tx);
        if (memcmp(again, data, HSI_TX_CONFIG_SIZE) != 0)
            abort();
        if (hsi_tx_config_check(&tx, info) == HSI_OK &&
            (tx.channels == 0 || tx.channels > info->max_channels || tx.kbps == 0 ||
             tx.kbps > info->max_kbps))
            abort();
        (void)hsi_err_name(hsi_tx_config_check(&tx, info));
    }
    if (hsi_rx_config_get(data, &rx) == HSI_OK) {
        hsi_rx_config_put(again, &rx);
        if (memcmp(again, data, HSI_RX_CONFIG_SIZE) != 0)
            abort();
        if (hsi_rx_config_check(&rx, info) == HSI_OK &&
            (rx.channels == 0 || rx.channels > info->max_channels || rx.flow > 1))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hsi_info info;
    struct hsi_status st;
    uint8_t again[HSI_STATUS_SIZE];

    events(data, size);
    if (size < HSI_INFO_SIZE + HSI_TX_CONFIG_SIZE)
        return 0;
    hsi_info_get(data, &info);
    hsi_info_put(again, &info);
    if (memcmp(again, data, HSI_INFO_SIZE) != 0)
        abort();
    hsi_status_get(data, &st);
    hsi_status_put(again, &st);
    if (memcmp(again, data, HSI_STATUS_SIZE) != 0)
        abort();
    configs(data + HSI_INFO_SIZE, &info);
    (void)hsi_request_name(data[0]);
    (void)hsi_fault_name(data[1]);
    return 0;
}
