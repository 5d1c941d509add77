/* clock.c - real clocks and jittered backoff. */
#include "clock.h"

#include <errno.h>
#include <stdlib.h>

time_t acfs_clock_now(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

void acfs_clock_sleep_ms(void *ctx, long ms)
{
	struct timespec ts;

	(void)ctx;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	/* Only an interruption is worth another try. */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

long acfs_clock_elapsed_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

unsigned acfs_clock_random(void *ctx, unsigned bound)
{
	(void)ctx;
	return bound ? arc4random_uniform(bound) : 0;
}

long acfs_backoff_ms(unsigned (*rnd)(void *ctx, unsigned bound), void *ctx,
		     int attempt, long base_ms, long cap_ms)
{
	long cap = base_ms;
	int i;

	for (i = 0; i < attempt && cap < cap_ms; i++)
		cap *= 2;
	if (cap > cap_ms)
		cap = cap_ms;
	if (rnd == NULL)
		rnd = acfs_clock_random;
	return (long)rnd(ctx, (unsigned)cap + 1);
}
