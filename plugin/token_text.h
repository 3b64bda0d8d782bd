/* An anchor's window as text, for state and patch messages: each token as 4
 * hex digits, most significant first, one after the other (tokens are below
 * 2^16: melody models have 90 classes, drum models 512). Exact, the same on
 * every machine and locale, and a plain string to every host. */
#ifndef MV_TOKEN_TEXT_H
#define MV_TOKEN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define MV_TOKEN_TEXT_DIGITS 4

/* Writes n tokens and a NUL into text [n * MV_TOKEN_TEXT_DIGITS + 1]. */
void token_text_write(const int32_t *tokens, int n, char *text);

/* Parses the first size bytes of text (up to a NUL) into tokens; the number
 * of tokens, or 0 when the text is not such a window of at most max tokens. */
int token_text_parse(const char *text, size_t size, int32_t *tokens, int max);

#endif
