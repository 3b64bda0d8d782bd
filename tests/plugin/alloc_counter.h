/* Counts heap allocations and frees made while counting is on (the plugin's
 * run(), in the host tests). Linked into the test binary, which replaces the
 * allocator's entry points (or, under Address- and ThreadSanitizer, uses their
 * hooks). Also counts the waits on a lock (mutexes, read-write and spin
 * locks, semaphores, condition variables) in the same way, except under
 * ThreadSanitizer, which owns those functions. */
#ifndef MV_ALLOC_COUNTER_H
#define MV_ALLOC_COUNTER_H

#include <stdbool.h>

void alloc_counting(bool on);
long alloc_count(void); /* allocations and frees counted so far */
long lock_count(void);  /* lock and wait calls counted so far */

#endif
