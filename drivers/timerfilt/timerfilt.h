/*
 * timerfilt.h: the timer filter, a sample upper filter driver for the
 * timer device (drivers/timerdev/). It passes every request down; on the
 * way back up its completion routine counts IOCTL_TIMER_WAIT results in
 * TIMER_RESULT.SeenByFilter.
 */
#ifndef KELAB_TIMERFILT_H
#define KELAB_TIMERFILT_H

#include "wdm.h"

DRIVER_INITIALIZE TimerFiltDriverEntry;

#endif
