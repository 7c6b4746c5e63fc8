/* clock.c: monotonic time in nanoseconds (see clock.h). */
#include <time.h>

#include "clock.h"

uint64_t clock_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}
