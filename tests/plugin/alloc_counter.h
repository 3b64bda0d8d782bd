/* Counts heap allocations and frees made while counting is on (the plugin's
 * run(), in the host tests). Linked into the test binary, which replaces the
 * allocator's entry points (or, under Address- and ThreadSanitizer, uses their
 * hooks). */
#ifndef MV_ALLOC_COUNTER_H
#define MV_ALLOC_COUNTER_H

#include <stdbool.h>

void alloc_counting(bool on);
long alloc_count(void); /* allocations and frees counted so far */

#endif
