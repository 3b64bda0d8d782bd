#include "utf8_text.h"

#include <string.h>

/* The bytes of the character s starts with, or 0 when it is no valid UTF-8
 * character within n bytes (or a NUL): overlong forms, surrogates and code
 * points past U+10FFFF included. */
static size_t char_length(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t length;
    if (c == 0) return 0;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3;
        if (c == 0xE0) lo = 0xA0; /* overlong */
        if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4;
        if (c == 0xF0) lo = 0x90; /* overlong */
        if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n < length || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < length; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return length;
}

size_t utf8_prefix(const char *text, size_t length, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t at = 0;
    while (at < length) {
        size_t k = char_length(s + at, length - at);
        if (k == 0 || at + k > max) break;
        at += k;
    }
    return at;
}

void utf8_copy(char *out, size_t out_size, const char *text, size_t length)
{
    size_t n = utf8_prefix(text, length, out_size - 1);
    memmove(out, text, n);
    out[n] = '\0';
}
