/* What the tests read of a vae after a forward pass, beside vae.h (not for
 * the CLI): the logits [K] of sequence b at step t, the token the decoder was
 * fed at step t (-1: the zero input; token models), or the step it was fed [K]
 * (roll models). */
#ifndef MV_VAE_TESTING_H
#define MV_VAE_TESTING_H

#include "vae.h"

const real *vae_logits_at(const vae *m, int b, int t);
int32_t vae_input_token_at(const vae *m, int b, int t);
const real *vae_input_step_at(const vae *m, int b, int t);

#endif
