/* Ardour's inline-display extension (http://harrisonconsoles.com/lv2/inlinedisplay),
 * declared here from its public definition: the host offers the feature
 * queue_draw, which the plugin calls from run() when its picture changed; the
 * plugin offers the interface, whose render() the host calls from its GUI
 * thread to get the picture (ARGB32, premultiplied, owned by the plugin until
 * the next render() or cleanup) for a width w and at most max_h rows. */
#ifndef MV_LV2_INLINE_DISPLAY_H
#define MV_LV2_INLINE_DISPLAY_H

#include <stdint.h>

#include <lv2/core/lv2.h>

#define MV_INLINEDISPLAY_PREFIX "http://harrisonconsoles.com/lv2/inlinedisplay#"
#define MV_INLINEDISPLAY__interface MV_INLINEDISPLAY_PREFIX "interface"
#define MV_INLINEDISPLAY__queue_draw MV_INLINEDISPLAY_PREFIX "queue_draw"

typedef struct {
    unsigned char *data;
    int width, height, stride; /* stride in bytes */
} LV2_Inline_Display_Image_Surface;

/* The feature's data. */
typedef struct {
    void *handle;
    void (*queue_draw)(void *handle);
} LV2_Inline_Display;

/* The extension data. */
typedef struct {
    LV2_Inline_Display_Image_Surface *(*render)(LV2_Handle instance, uint32_t w, uint32_t max_h);
} LV2_Inline_Display_Interface;

#endif
