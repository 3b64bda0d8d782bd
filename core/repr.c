/* Which representation a model's windows take (repr.h). */
#include "repr.h"

#include "hparams.h"

const mv_repr_io *repr_io_of(uint32_t repr)
{
    switch (repr) {
    case MV_REPR_MELODY:
    case MV_REPR_DRUMS:
        return &repr_io_tokens;
    case MV_REPR_ROLL:
        return &repr_io_roll;
    default:
        return NULL;
    }
}
