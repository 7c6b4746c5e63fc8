/* stats.c: the exit report (see stats.h). */
#include "stats.h"

static void print_direction(FILE *out, const char *name, const struct chan_stats *cs)
{
    for (unsigned ch = 0; ch < HSI_MAX_CHANNELS; ch++) {
        if (cs[ch].frags == 0)
            continue;
        fprintf(out, "  %-9s ch%-2u %10llu msgs %10llu frags %14llu bytes\n", name, ch,
                (unsigned long long)cs[ch].msgs, (unsigned long long)cs[ch].frags,
                (unsigned long long)cs[ch].bytes);
    }
}

static void print_counter(FILE *out, const char *name, uint64_t value)
{
    fprintf(out, "  %-28s %llu\n", name, (unsigned long long)value);
}

void stats_print(const struct stats *st, FILE *out)
{
    fprintf(out, "hsi-dongle statistics\n");
    print_direction(out, "AP->modem", st->ac);
    print_direction(out, "modem->AP", st->ca);
    print_counter(out, "QEMU connections", st->connections);
    print_counter(out, "control requests", st->control);
    print_counter(out, "  stalled", st->stalls);
    print_counter(out, "events posted", st->events);
    print_counter(out, "events dropped (queue full)", st->events_dropped);
    print_counter(out, "headers rejected", st->rejected);
    print_counter(out, "  bytes discarded", st->rejected_bytes);
    print_counter(out, "AP seq gaps", st->seq_gaps);
    print_counter(out, "breaks sent", st->breaks_sent);
    print_counter(out, "breaks received", st->breaks_received);
    print_counter(out, "frame errors", st->frame_errors);
    print_counter(out, "RX overruns", st->overruns);
    print_counter(out, "data timeouts", st->timeouts);
    print_counter(out, "fragments lost on the link", st->lost_frags);
    print_counter(out, "  bytes", st->lost_bytes);
    print_counter(out, "fragments flushed", st->flushed_frags);
    print_counter(out, "  bytes", st->flushed_bytes);
    print_counter(out, "malformed usbredir packets", st->usb_errors);
}
