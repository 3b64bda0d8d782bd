/* Text the plugin keeps, reports and saves (anchor labels): valid UTF-8
 * without NULs, so that every host writes it into its session and reads it
 * back whole (serd stops a whole state file at the first invalid byte).
 * Text that is not is cut where it stops being valid; text too long is cut
 * on a character boundary. */
#ifndef MV_UTF8_TEXT_H
#define MV_UTF8_TEXT_H

#include <stddef.h>

/* The length of the longest prefix of text[0..length) that is valid UTF-8
 * (RFC 3629), holds no NUL and is at most max bytes long. */
size_t utf8_prefix(const char *text, size_t length, size_t max);

/* Copies that prefix of text[0..length) that fits out (out_size - 1 bytes
 * and a NUL); out_size > 0. */
void utf8_copy(char *out, size_t out_size, const char *text, size_t length);

#endif
