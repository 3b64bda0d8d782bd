/* Counts heap allocations and frees made while counting is on (the plugin's
 * run(), in the host tests). Linked into the test binary, which replaces the
 * allocator's entry points (or, under Address- and ThreadSanitizer, uses their
 * hooks). Also counts the waits on a lock (mutexes, read-write and spin
 * locks, semaphores, condition variables) in the same way, except under
 * ThreadSanitizer, which owns those functions. */
#ifndef MV_ALLOC_COUNTER_H
#define MV_ALLOC_COUNTER_H

#include <stdbool.h>
#include <stdlib.h>

void alloc_counting(bool on);
long alloc_count(void); /* allocations and frees counted so far */
long lock_count(void);  /* lock and wait calls counted so far */

/* Whether the counter counts: a malloc and a free made while counting add 2
 * (else every zero a test asserts would mean nothing). Inline: the test's own
 * calls, as run()'s are (made inside alloc_counter.c, the sanitizer builds
 * did not count them). */
static inline bool alloc_counter_counts(void)
{
    const long before = alloc_count();
    alloc_counting(true);
    void *volatile block = malloc(16);
    free(block);
    alloc_counting(false);
    return alloc_count() == before + 2;
}

#endif
