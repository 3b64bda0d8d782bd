#include "checksum.h"

/* Slicing by 8: table[k][b] is the CRC of byte b followed by k zero bytes, so
 * eight bytes are folded per step instead of one. The tables are built on the
 * stack per call (8 KiB, a few microseconds): no shared state between threads. */
typedef struct {
    uint32_t t[8][256];
} crc32_tables;

static void crc32_build(crc32_tables *tab)
{
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int bit = 0; bit < 8; bit++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        tab->t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++)
        for (int k = 1; k < 8; k++)
            tab->t[k][b] = (tab->t[k - 1][b] >> 8) ^ tab->t[0][tab->t[k - 1][b] & 0xFF];
}

uint32_t crc32_update(uint32_t crc, const void *bytes, size_t n)
{
    crc32_tables tab;
    crc32_build(&tab);
    const unsigned char *p = bytes;
    uint32_t c = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                      (uint32_t)p[7] << 24;
        c = tab.t[7][lo & 0xFF] ^ tab.t[6][(lo >> 8) & 0xFF] ^ tab.t[5][(lo >> 16) & 0xFF] ^
            tab.t[4][lo >> 24] ^ tab.t[3][hi & 0xFF] ^ tab.t[2][(hi >> 8) & 0xFF] ^
            tab.t[1][(hi >> 16) & 0xFF] ^ tab.t[0][hi >> 24];
    }
    for (; n > 0; n--, p++) c = (c >> 8) ^ tab.t[0][(c ^ *p) & 0xFF];
    return ~c;
}
