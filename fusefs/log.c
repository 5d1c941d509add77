/* log.c - syslog and stderr, with a level. */
#define FUSE_USE_VERSION 314   /* libfuse 3.14, as Debian 12 ships it */

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <fuse_log.h>

static volatile unsigned sinks = ACFS_DLOG_STDERR;
static int threshold = LOG_INFO;
static int syslog_open;
static int fuse_debug_on;

static const char *level_word(int level)
{
	switch (level) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
		return "error: ";
	case LOG_WARNING:
		return "warning: ";
	case LOG_DEBUG:
		return "debug: ";
	default:
		return "";
	}
}

static __attribute__((format(printf, 3, 0)))
void vlog(int level, int force, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n;

	if (level > threshold && !force)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if (sinks & ACFS_DLOG_SYSLOG)
		syslog(level, "%s", line);
	/* A daemon still starting in the background writes to both: the
	 * terminal then only hears about problems. */
	if ((sinks & ACFS_DLOG_STDERR) &&
	    (!(sinks & ACFS_DLOG_SYSLOG) || level <= LOG_WARNING))
		fprintf(stderr, "awscredsfs: %s%s\n", level_word(level), line);
}

void acfs_dlog(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, 0, fmt, ap);
	va_end(ap);
}

/* libfuse's messages ("fuse: ..."), at their own level. */
static __attribute__((format(printf, 2, 0)))
void fuse_to_dlog(enum fuse_log_level level, const char *fmt, va_list ap)
{
	vlog((int)level, fuse_debug_on, fmt, ap);
}

void acfs_dlog_open(unsigned mask, int level, int fuse_debug)
{
	threshold = level;
	fuse_debug_on = fuse_debug;
	sinks = mask;
	if ((mask & ACFS_DLOG_SYSLOG) && !syslog_open) {
		openlog("awscredsfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = 1;
	}
	fuse_set_log_func(fuse_to_dlog);
}

void acfs_dlog_sinks(unsigned mask)
{
	if ((mask & ACFS_DLOG_SYSLOG) && !syslog_open) {
		openlog("awscredsfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = 1;
	}
	sinks = mask;
}

void acfs_dlog_close(void)
{
	if (syslog_open)
		closelog();
	syslog_open = 0;
	sinks = ACFS_DLOG_STDERR;
}

int acfs_dlog_level_parse(const char *s)
{
	if (strcmp(s, "debug") == 0)
		return LOG_DEBUG;
	if (strcmp(s, "info") == 0)
		return LOG_INFO;
	if (strcmp(s, "warning") == 0 || strcmp(s, "warn") == 0)
		return LOG_WARNING;
	if (strcmp(s, "error") == 0 || strcmp(s, "err") == 0)
		return LOG_ERR;
	return -1;
}

int acfs_dlog_enabled(int level)
{
	return level <= threshold;
}
