/* A shared module linking the reader the way the plugin does
 * (midiread_plugin_dep): test_midiread_plugin dlopens it. */
#include <stddef.h>
#include <stdint.h>

#include "midi_read.h"

__attribute__((visibility("default"))) int probe_count_notes(const uint8_t *bytes, size_t len);

int probe_count_notes(const uint8_t *bytes, size_t len)
{
    mv_midi_file f;
    char err[300];
    if (midi_read_memory(bytes, len, &f, err, sizeof err)) return -1;
    int n = (int)f.n_notes;
    midi_file_free(&f);
    return n;
}
