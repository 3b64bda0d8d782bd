#include "token_text.h"

#include <string.h>

void token_text_write(const int32_t *tokens, int n, char *text)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; i++)
        for (int d = 0; d < MV_TOKEN_TEXT_DIGITS; d++)
            text[i * MV_TOKEN_TEXT_DIGITS + d] =
                hex[((uint32_t)tokens[i] >> (4 * (MV_TOKEN_TEXT_DIGITS - 1 - d))) & 15u];
    text[n * MV_TOKEN_TEXT_DIGITS] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int token_text_parse(const char *text, size_t size, int32_t *tokens, int max)
{
    size_t length = size ? strnlen(text, size) : 0;
    if (length == 0 || length % MV_TOKEN_TEXT_DIGITS ||
        length / MV_TOKEN_TEXT_DIGITS > (size_t)max)
        return 0;
    for (size_t i = 0; i < length / MV_TOKEN_TEXT_DIGITS; i++) {
        int32_t t = 0;
        for (int d = 0; d < MV_TOKEN_TEXT_DIGITS; d++) {
            int v = hex_digit(text[i * MV_TOKEN_TEXT_DIGITS + (size_t)d]);
            if (v < 0) return 0;
            t = t << 4 | v;
        }
        tokens[i] = t;
    }
    return (int)(length / MV_TOKEN_TEXT_DIGITS);
}
