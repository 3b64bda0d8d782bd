/* Which table a model's representation takes (vae_repr.h). */
#include "vae_repr.h"

const vae_repr *vae_repr_of(uint32_t repr)
{
    switch (repr) {
    case MV_REPR_MELODY:
        return &vae_repr_melody;
    case MV_REPR_DRUMS:
        return &vae_repr_drums;
    case MV_REPR_ROLL:
        return &vae_repr_roll;
    case MV_REPR_GROOVE:
        return &vae_repr_groove;
    default:
        return NULL;
    }
}
