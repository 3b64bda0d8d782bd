/* Which representation a model's windows take (repr.h). */
#include "repr.h"

#include "hparams.h"

mv_window window_for(uint32_t repr, const void *steps)
{
    const mv_repr_io *io = repr_io_of(repr);
    return (mv_window){io ? io->kind : -1, (void *)(uintptr_t)steps};
}

const mv_repr_io *repr_io_of(uint32_t repr)
{
    switch (repr) {
    case MV_REPR_MELODY:
    case MV_REPR_DRUMS:
        return &repr_io_tokens;
    case MV_REPR_ROLL:
        return &repr_io_roll;
    case MV_REPR_GROOVE:
        return &repr_io_groove;
    default:
        return NULL;
    }
}
