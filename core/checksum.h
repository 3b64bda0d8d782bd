/* CRC-32 as in zlib, PNG and Ethernet (reflected polynomial 0xEDB88320, initial
 * value and final xor 0xFFFFFFFF), so that Python's zlib.crc32 gives the same
 * number. The weights file uses it for its header and payload checksums. */
#ifndef MV_CHECKSUM_H
#define MV_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Start with crc = 0; feed the bytes in any number of pieces:
 * crc32_update(crc32_update(0, a, na), b, nb) == crc32_update(0, ab, na + nb). */
uint32_t crc32_update(uint32_t crc, const void *bytes, size_t n);

#endif
