/* clock.h - the real clocks behind the injectable ones, and the backoff
 * every retrying client uses.
 *
 * Clients take function pointers for the wall clock, sleeping, monotonic
 * time and randomness (NULL meaning these real ones), so tests move time
 * without waiting (as aws-c-auth passes a clock to every provider).
 */
#ifndef ACFS_CLOCK_H
#define ACFS_CLOCK_H

#include <time.h>

/* time(NULL); ctx is ignored, as in every function here. */
time_t acfs_clock_now(void *ctx);
/* Sleeps ms milliseconds, resuming after signals. */
void acfs_clock_sleep_ms(void *ctx, long ms);
/* Milliseconds of CLOCK_MONOTONIC. */
long acfs_clock_elapsed_ms(void *ctx);
/* Uniform in [0, bound); 0 when bound is 0. */
unsigned acfs_clock_random(void *ctx, unsigned bound);

/* Exponential backoff with full jitter before retry number attempt + 1:
 * uniform in [0, min(cap_ms, base_ms * 2^attempt)], drawn with rnd (NULL:
 * acfs_clock_random). */
long acfs_backoff_ms(unsigned (*rnd)(void *ctx, unsigned bound), void *ctx,
		     int attempt, long base_ms, long cap_ms);

#endif
