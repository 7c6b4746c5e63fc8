/* events.c: the interrupt event queue (see events.h). */
#include "events.h"
#include "log.h"

void events_init(struct events *e, struct stats *st)
{
    e->st = st;
    events_restart(e, false);
}

void events_restart(struct events *e, bool plugged)
{
    e->plugged = plugged;
    e->head = 0;
    e->count = 0;
    e->seq = 0;
}

void events_post(struct events *e, uint8_t type, uint8_t ch, uint16_t arg)
{
    struct hsi_event ev = {.type = type, .channel = ch, .arg = arg, .seq = e->seq};

    if (!e->plugged)
        return;
    e->seq++;
    if (ch == HSI_EV_CHANNEL_NONE)
        log_info("event %s arg 0x%04x seq %u", hsi_event_name(type), arg, ev.seq);
    else
        log_info("event %s ch %u arg 0x%04x seq %u", hsi_event_name(type), ch, arg, ev.seq);
    e->st->events++;
    /* Keep the oldest: the AP learns of the loss from the seq gap when the
     * queue drains, which it would not if old events vanished silently. */
    if (e->count == EVENTS_QUEUE) {
        e->st->events_dropped++;
        log_warn("event queue full, %s seq %u dropped", hsi_event_name(type), ev.seq);
        return;
    }
    e->q[(e->head + e->count) % EVENTS_QUEUE] = ev;
    e->count++;
}

size_t events_take(struct events *e, uint8_t out[HSI_EVENTS_MAXPACKET])
{
    size_t len = 0;

    while (e->count > 0 && len < HSI_EVENTS_MAXPACKET) {
        hsi_event_put(out + len, &e->q[e->head]);
        e->head = (e->head + 1) % EVENTS_QUEUE;
        e->count--;
        len += HSI_EVENT_SIZE;
    }
    return len;
}
