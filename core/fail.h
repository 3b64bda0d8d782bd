/* Error reporting, the project's one way: a function that cannot do its work
 * writes one line saying why into the caller's buffer (err, errlen; NULL or 0
 * to ignore it) and returns -1 (or its own error code). */
#ifndef MV_FAIL_H
#define MV_FAIL_H

#include <stdarg.h>
#include <stddef.h>

/* Formats the message into err (truncated to errlen) and returns -1. */
int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same from a va_list. */
int vfail(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
