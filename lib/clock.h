/*
 * clock.h: a monotonic clock for durations (a hook's run time, the server's
 * deadline), which the wall clock's jumps must not shorten or stretch.
 */
#ifndef CG_CLOCK_H
#define CG_CLOCK_H

#include <stdint.h>

/* Microseconds from a monotonic clock; only differences mean anything. */
int64_t cg_clock_now_us(void);

#endif
