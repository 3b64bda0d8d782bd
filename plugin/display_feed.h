/* The inline display's data path (display.h draws). run() keeps a copy of
 * each decoded bar of the page being played (its two bar slots hold the
 * current and the next bar only), and when the notes, the playhead's step,
 * the morph or the anchors' names change it builds a frame, hands it over
 * through a triple buffer (no lock, no allocation) and asks the host to
 * redraw. render() runs in the host's GUI thread: it takes the newest frame
 * and draws it into pixels it owns (allocated there, never in run()). */
#ifndef MV_DISPLAY_FEED_H
#define MV_DISPLAY_FEED_H

#include <lv2/core/lv2.h>

#include "plugin.h"

/* The display of an instance, using the host's queue_draw feature when the
 * features hold it. NULL when memory runs out. */
mv_display *display_create(const LV2_Feature *const *features);
void display_free(mv_display *d);

/* At the end of run(): what the plugin plays now (self's engine, bar slots,
 * clock, morph and reported anchor files), its pitches shaped as run()
 * shapes them. Audio thread; no allocation, no lock. */
void display_update(mv_display *d, const mv_plugin *self, int transpose, int key, int scale);

/* The LV2_Inline_Display_Interface (lv2_inline_display.h). */
const void *display_interface(void);

#endif
