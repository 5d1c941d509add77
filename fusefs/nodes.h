/* nodes.h - what the kernel holds of each inode it has looked up: the
 * lookup count, a profile directory's name, and for files which blob the
 * kernel's page cache was filled from, so that an open knows whether the
 * cache may be kept.
 *
 * The rule: the cache may be kept by an open only when the current blob
 * is the one installed by an earlier open that made the kernel drop the
 * older cache, and that open has completed.  Anything that may have put
 * another version into the kernel's cache or size (a lookup or getattr
 * with other content, a read through an older descriptor, a change notice
 * from the engine) forgets the installed blob, so the next open drops the
 * cache again.  Thread-safe; no lock is held on return.
 */
#ifndef ACFS_NODES_H
#define ACFS_NODES_H

#include <stdint.h>
#include <time.h>

#include "engine.h"

typedef struct acfs_nodes acfs_nodes;

/* An empty table; files seen by it first get mtime "start". */
acfs_nodes *acfs_nodes_new(const struct timespec *start);
void acfs_nodes_free(acfs_nodes *t);

/* One more lookup of ino (name: a profile directory's); forget drops n. */
void acfs_nodes_remember(acfs_nodes *t, uint64_t ino, const char *name);
void acfs_nodes_forget(acfs_nodes *t, uint64_t ino, uint64_t n);

/* The name remembered for ino (a new string), or NULL. */
char *acfs_nodes_name(acfs_nodes *t, uint64_t ino);
/* Every remembered name with its inode: n entries in *names (free each,
 * then the array) and *inos (free). */
size_t acfs_nodes_names(acfs_nodes *t, char ***names, uint64_t **inos);

/* The kernel is told b is ino's content (its size, from a lookup or a
 * getattr).  Returns whether b is the installed blob; *mtime gets the
 * time the content was first seen (it moves when the content changes). */
int acfs_nodes_reported(acfs_nodes *t, uint64_t ino, const acfs_blob *b,
			struct timespec *mtime);
/* An open of ino got blob b.  Returns whether it may keep the kernel's
 * cache; *fresh is set when b was not installed (it is now, and the
 * kernel's attributes must be invalidated). */
int acfs_nodes_open(acfs_nodes *t, uint64_t ino, acfs_blob *b, int *fresh);
/* A read, getattr or release came through an open that got b; dropped:
 * that open made the kernel drop its cache.  The kernel does that before
 * open() returns, and only then can anything come through the
 * descriptor, so later opens may keep the cache. */
void acfs_nodes_used(acfs_nodes *t, uint64_t ino, const acfs_blob *b,
		     int dropped);
/* The kernel reads ino through an open that got b: when b is not the
 * installed blob, the cache now holds an older version. */
void acfs_nodes_filled(acfs_nodes *t, uint64_t ino, const acfs_blob *b);
/* The content of ino changed: forget the installed blob. */
void acfs_nodes_changed(acfs_nodes *t, uint64_t ino);

#endif
