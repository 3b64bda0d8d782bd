/* Channel messages into libsmf tracks (smf_messages.h). */
#include "smf_messages.h"

#include <stdio.h>

#include "atomic_file.h"

int smf_timed_message_compare(const void *pa, const void *pb)
{
    const smf_timed_message *a = pa, *b = pb;
    if (a->tick != b->tick) return a->tick < b->tick ? -1 : 1;
    return a->order - b->order;
}

int smf_track_add_message(smf_track_t *track, const uint8_t *bytes, int len, int64_t tick)
{
    smf_event_t *e = smf_event_new_from_pointer((void *)bytes, len);
    if (!e) return -1;
    smf_track_add_event_pulses(track, e, (int)tick);
    return 0;
}

int smf_save_atomic(smf_t *smf, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    int rc = atomic_file_begin(path, tmp, sizeof tmp, err, errlen);
    if (!rc && smf_save(smf, tmp)) {
        snprintf(err, errlen, "%s: libsmf could not write the temporary file %s", path, tmp);
        atomic_file_abort(tmp);
        rc = -1;
    }
    smf_delete(smf);
    if (!rc) rc = atomic_file_commit(tmp, path, err, errlen);
    return rc;
}
