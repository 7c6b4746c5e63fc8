/*
 * clock.h: the dongle's one notion of time.
 *
 * Every timer in the model (pacing, modem behaviour, data timeouts) is a
 * deadline in nanoseconds on the monotonic clock, passed in explicitly as
 * `now`, so the model never reads the clock itself: the fuzz targets drive
 * it with a fake clock and get the same behaviour every run.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull
#define NEVER     UINT64_MAX /* a deadline that never comes */

uint64_t clock_now(void);

/* The earlier of two deadlines. */
static inline uint64_t deadline_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

#endif /* CLOCK_H */
