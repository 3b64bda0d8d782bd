/* What the tests read of a decoder, beside decoder.h (not for the plugin or
 * the CLI). */
#ifndef MV_DECODER_TESTING_H
#define MV_DECODER_TESTING_H

#include "decoder.h"

/* The max_batch it was created for. */
int decoder_max_batch(const mv_decoder *d);

#endif
