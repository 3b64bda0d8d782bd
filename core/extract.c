/* Window extraction: see extract.h for the rules. */
#include "extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chord.h"
#include "groove.h"
#include "hparams.h"
#include "tokens.h"

typedef struct segment {
    int64_t start, end; /* steps */
    int measure;        /* measure length in steps, 0 if not on the grid */
} segment;

/* A note on the step grid, with the index of the voice it belongs to. Groove
 * keeps how the note was played: its velocity and its distance from the step
 * (the only representation that does; the others read step, end and pitch). */
typedef struct grid_note {
    int64_t key; /* voice: melody track * 16 + channel; one voice otherwise */
    int64_t step, end;
    int pitch;
    uint8_t velocity;
    int8_t offset; /* groove_offset_byte of (onset tick - step's tick), in steps */
} grid_note;

int meter_steps(int numerator, int denominator)
{
    if (numerator <= 0 || denominator <= 0 || denominator > 64) return 0;
    int sixteenths = numerator * 4 * MV_STEPS_PER_QUARTER;
    return sixteenths % denominator ? 0 : sixteenths / denominator;
}

int extract_config_check(const mv_extract_config *cfg, char *err, size_t errlen)
{
    const char *why = NULL;
    if (cfg->repr > MV_REPR_GROOVE) why = "unknown representation";
    else if (cfg->n_bars < 1 || cfg->n_bars > 64) why = "bars must be 1..64";
    else if (cfg->steps_per_bar < 1 || cfg->steps_per_bar * cfg->n_bars > MV_MAX_STEPS)
        why = "steps per bar must be at least 1 and bars x steps at most 4096";
    else if (!extract_is_drums(cfg->repr) &&
             (cfg->min_pitch < 0 || cfg->n_pitches < 1 || cfg->min_pitch + cfg->n_pitches > 128))
        why = "the pitch range must lie within 0..127";
    else if (cfg->max_transpose < 0 || cfg->max_transpose > 24) why = "transposition must be 0..24";
    else if (cfg->meter_steps < 0) why = "negative measure length";
    if (why) snprintf(err, errlen, "extraction settings: %s", why);
    return why ? -1 : 0;
}

int64_t extract_tick_to_step(int64_t tick, uint32_t ticks_per_quarter)
{
    if (tick < 0) tick = 0;
    return (tick * MV_STEPS_PER_QUARTER + ticks_per_quarter / 2) / ticks_per_quarter;
}

int extract_is_drums(uint32_t repr)
{
    return repr == MV_REPR_DRUMS || repr == MV_REPR_GROOVE;
}

/* How far a tick lies from its step (extract_tick_to_step), as a groove
 * offset byte: ticks x 4 / ticks_per_quarter are steps, so the difference of
 * tick x 4 and step x ticks_per_quarter is exact in 1/ticks_per_quarter steps
 * (|.| <= ticks_per_quarter / 2) before the one rounding to 1/128 step. */
static int8_t tick_offset(int64_t tick, int64_t step, uint32_t ticks_per_quarter)
{
    if (tick < 0) tick = 0;
    int64_t frac = tick * MV_STEPS_PER_QUARTER - step * (int64_t)ticks_per_quarter;
    return groove_offset_byte((double)frac / ticks_per_quarter);
}

/* Stretches of one measure length: the file's meters (4/4 until the first), or
 * cfg->meter_steps for the whole song. The last ends at the song's end rounded
 * up to a whole bar. Returns the count (out has n_meters + 1 entries). */
static int build_segments(const mv_midi_file *f, const mv_extract_config *cfg, int64_t song_end,
                          segment *out)
{
    int n = 0;
    int64_t start = 0;
    int measure = cfg->meter_steps > 0 ? cfg->meter_steps : meter_steps(4, 4);
    for (uint32_t i = 0; cfg->meter_steps == 0 && i < f->n_meters; i++) {
        int64_t step = extract_tick_to_step(f->meters[i].tick, f->ticks_per_quarter);
        int m = meter_steps(f->meters[i].numerator, f->meters[i].denominator);
        if (m == measure) continue;
        if (step > start && step < song_end) out[n++] = (segment){start, step, measure};
        if (step >= song_end) break;
        start = step;
        measure = m;
    }
    if (song_end > start) {
        int64_t bars = (song_end - start + cfg->steps_per_bar - 1) / cfg->steps_per_bar;
        out[n++] = (segment){start, start + bars * cfg->steps_per_bar, measure};
    }
    return n;
}

int extract_track_named(const char *name, const char *list)
{
    size_t len = strlen(name);
    for (const char *p = list;; p++) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncasecmp(p, name, n) == 0) return 1;
        if (!comma) return 0;
        p = comma;
    }
}

static int track_matches(const mv_midi_file *f, const mv_extract_config *cfg, int track)
{
    if (!cfg->track_name) return 1;
    return track < (int)f->n_tracks && extract_track_named(f->tracks[track].name, cfg->track_name);
}

/* The voice a note belongs to, or -1 when the representation does not use it. */
static int64_t voice_key(const mv_midi_file *f, const mv_extract_config *cfg,
                         const mv_midi_note *n)
{
    int drum = n->channel == MV_MIDI_DRUM_CHANNEL;
    if (extract_is_drums(cfg->repr)) return drum ? 0 : -1;
    if (drum || !track_matches(f, cfg, n->track)) return -1;
    return cfg->repr == MV_REPR_MELODY ? (int64_t)n->track * 16 + n->channel : 0;
}

/* Voice, then onset, then highest pitch first, then longest first. */
static int cmp_grid_note(const void *pa, const void *pb)
{
    const grid_note *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->step != b->step) return a->step < b->step ? -1 : 1;
    if (a->pitch != b->pitch) return a->pitch > b->pitch ? -1 : 1;
    return (a->end < b->end) - (a->end > b->end);
}

/* Per segment: tokens (or roll or groove bytes), and per step whether anything
 * sounds and whether a note starts. */
typedef struct seg_buffers {
    int64_t len;
    int32_t *tokens;
    uint8_t *roll;
    uint8_t *groove; /* len x MV_GROOVE_STEP_BYTES */
    uint8_t *silent, *onset;
    void *window; /* one transposed window */
} seg_buffers;

static int roll_width(const mv_extract_config *cfg) { return 2 * cfg->n_pitches; }

static int pitch_in_range(const mv_extract_config *cfg, int pitch)
{
    return pitch >= cfg->min_pitch && pitch < cfg->min_pitch + cfg->n_pitches;
}

/* Notes [0, n) of one voice in one segment, steps relative to it. */
static void fill_melody(const grid_note *g, int n, const mv_extract_config *cfg, seg_buffers *b,
                        mv_extract_stats *st)
{
    int64_t end = -1;
    for (int i = 0; i < n;) {
        int64_t s = g[i].step;
        int winner = -1;
        for (; i < n && g[i].step == s; i++) {
            if (!pitch_in_range(cfg, g[i].pitch)) st->notes_out_of_range++;
            else if (winner >= 0) st->notes_polyphonic++;
            else winner = i;
        }
        if (winner < 0) continue;
        if (end >= 0 && end < s) b->tokens[end] = MV_MELODY_NOTE_OFF;
        b->tokens[s] = 2 + g[winner].pitch - cfg->min_pitch;
        b->onset[s] = 1;
        end = g[winner].end;
    }
    if (end >= 0 && end < b->len) b->tokens[end] = MV_MELODY_NOTE_OFF;
    int sounding = 0;
    for (int64_t s = 0; s < b->len; s++) {
        if (b->tokens[s] >= 2) sounding = 1;
        else if (b->tokens[s] == MV_MELODY_NOTE_OFF) sounding = 0;
        b->silent[s] = !sounding;
    }
}

static void fill_drums(const grid_note *g, int n, seg_buffers *b, mv_extract_stats *st)
{
    for (int i = 0; i < n; i++) {
        int c = drum_class_of_pitch(g[i].pitch);
        if (c < 0) {
            st->notes_out_of_range++;
            continue;
        }
        b->tokens[g[i].step] |= 1 << c;
        b->onset[g[i].step] = 1;
    }
    for (int64_t s = 0; s < b->len; s++) b->silent[s] = b->tokens[s] == 0;
}

/* The drums' hits (fill_drums) with how each was played: an instrument hit
 * twice on one step keeps the louder hit (its velocity and offset), the
 * softer one counted as dropped. */
static void fill_groove(const grid_note *g, int n, seg_buffers *b, mv_extract_stats *st)
{
    for (int i = 0; i < n; i++) {
        int c = drum_class_of_pitch(g[i].pitch);
        if (c < 0) {
            st->notes_out_of_range++;
            continue;
        }
        uint8_t *step = b->groove + g[i].step * MV_GROOVE_STEP_BYTES;
        uint8_t velocity = g[i].velocity ? g[i].velocity : 1; /* a hit is 1..127 */
        if (velocity > 127) velocity = 127;
        if (step[MV_GROOVE_HIT + c]) {
            st->notes_doubled++;
            if (velocity <= step[MV_GROOVE_VELOCITY + c]) continue;
        }
        step[MV_GROOVE_HIT + c] = 1;
        step[MV_GROOVE_VELOCITY + c] = velocity;
        step[MV_GROOVE_OFFSET + c] = (uint8_t)g[i].offset;
        b->onset[g[i].step] = 1;
        b->silent[g[i].step] = 0;
    }
}

static void fill_roll(const grid_note *g, int n, const mv_extract_config *cfg, seg_buffers *b,
                      mv_extract_stats *st)
{
    int width = roll_width(cfg);
    for (int i = 0; i < n; i++) {
        if (!pitch_in_range(cfg, g[i].pitch)) {
            st->notes_out_of_range++;
            continue;
        }
        int p = g[i].pitch - cfg->min_pitch;
        for (int64_t s = g[i].step; s < g[i].end; s++) {
            b->roll[s * width + p] = 1;
            b->silent[s] = 0;
        }
        b->roll[g[i].step * width + cfg->n_pitches + p] = 1;
        b->onset[g[i].step] = 1;
    }
}

/* Lowest and highest pitch index used in a window; returns 0 if none. */
static int window_pitch_span(const mv_extract_config *cfg, const seg_buffers *b, int64_t start,
                             int len, int *lo, int *hi)
{
    *lo = INT32_MAX;
    *hi = -1;
    for (int64_t s = start; s < start + len; s++) {
        if (cfg->repr == MV_REPR_MELODY) {
            int t = b->tokens[s];
            if (t >= 2) {
                if (t - 2 < *lo) *lo = t - 2;
                if (t - 2 > *hi) *hi = t - 2;
            }
        } else {
            const uint8_t *row = b->roll + s * roll_width(cfg);
            for (int p = 0; p < cfg->n_pitches; p++)
                if (row[p]) {
                    if (p < *lo) *lo = p;
                    if (p > *hi) *hi = p;
                }
        }
    }
    return *hi >= 0;
}

/* The window shifted by t semitones into b->window. */
static const void *transposed(const mv_extract_config *cfg, const seg_buffers *b, int64_t start,
                              int len, int t)
{
    if (cfg->repr == MV_REPR_MELODY) {
        int32_t *w = b->window;
        for (int s = 0; s < len; s++) {
            int32_t tok = b->tokens[start + s];
            w[s] = tok >= 2 ? tok + t : tok;
        }
        return w;
    }
    int width = roll_width(cfg), np = cfg->n_pitches;
    uint8_t *w = b->window;
    memset(w, 0, (size_t)len * width);
    for (int s = 0; s < len; s++) {
        const uint8_t *row = b->roll + (start + s) * width;
        for (int p = 0; p < np; p++) {
            int q = p + t;
            if (q < 0 || q >= np) continue;
            w[s * width + q] = row[p];
            w[s * width + np + q] = row[np + p];
        }
    }
    return w;
}

/* Longest run of silent steps inside [start, start + len). */
static int longest_silence(const seg_buffers *b, int64_t start, int len)
{
    int run = 0, longest = 0;
    for (int64_t s = start; s < start + len; s++) {
        run = b->silent[s] ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    return longest;
}

/* The chords of the window at file step first, moved by t semitones, into
 * the caller's buffer (mv_extract_config's step_chords). */
static void window_chords(const mv_extract_config *cfg, int64_t first, int len, int t)
{
    if (!cfg->step_chords || !cfg->window_chords) return;
    for (int s = 0; s < len; s++) {
        int64_t at = first + s;
        uint8_t id = at >= 0 && at < cfg->n_step_chords ? cfg->step_chords[at] : MV_CHORD_NONE;
        cfg->window_chords[s] = chord_transpose(id, t);
    }
}

static int emit_windows(const mv_extract_config *cfg, const segment *seg, const seg_buffers *b,
                        mv_window_fn emit, void *ctx, mv_extract_stats *st)
{
    int len = cfg->n_bars * cfg->steps_per_bar;
    for (int64_t start = 0; start + len <= b->len; start += cfg->steps_per_bar) {
        int has_onset = 0;
        for (int64_t s = start; s < start + len && !has_onset; s++) has_onset = b->onset[s];
        if (!has_onset) {
            st->windows_no_onset++;
            continue;
        }
        if (longest_silence(b, start, len) >= cfg->steps_per_bar) {
            st->windows_gap++;
            continue;
        }
        uint32_t bar = (uint32_t)((seg->start + start) / cfg->steps_per_bar);
        const void *w = cfg->repr == MV_REPR_ROLL
                            ? (const void *)(b->roll + start * roll_width(cfg))
                        : cfg->repr == MV_REPR_GROOVE
                            ? (const void *)(b->groove + start * MV_GROOVE_STEP_BYTES)
                            : (const void *)(b->tokens + start);
        window_chords(cfg, seg->start + start, len, 0);
        int rc = emit(ctx, w, bar, 0);
        if (rc) return rc;
        st->windows++;
        int lo, hi;
        if (extract_is_drums(cfg->repr) || !cfg->max_transpose ||
            !window_pitch_span(cfg, b, start, len, &lo, &hi))
            continue;
        for (int t = -cfg->max_transpose; t <= cfg->max_transpose; t++) {
            if (t == 0) continue;
            if (lo + t < 0 || hi + t >= cfg->n_pitches) {
                st->windows_transpose_out_of_range++;
                continue;
            }
            window_chords(cfg, seg->start + start, len, t);
            if ((rc = emit(ctx, transposed(cfg, b, start, len, t), bar, t))) return rc;
            st->windows++;
        }
    }
    return 0;
}

static void count_bad_meter(const mv_extract_config *cfg, const segment *seg,
                            mv_extract_stats *st)
{
    int64_t len = cfg->n_bars * cfg->steps_per_bar;
    st->segments_bad_meter++;
    if (seg->end - seg->start >= len)
        st->windows_bad_meter += (uint64_t)((seg->end - seg->start - len) / cfg->steps_per_bar + 1);
}

static void clear_buffers(const mv_extract_config *cfg, seg_buffers *b, int64_t len)
{
    b->len = len;
    if (cfg->repr == MV_REPR_ROLL) memset(b->roll, 0, (size_t)len * roll_width(cfg));
    else if (cfg->repr == MV_REPR_GROOVE) memset(b->groove, 0, (size_t)len * MV_GROOVE_STEP_BYTES);
    else memset(b->tokens, 0, (size_t)len * sizeof *b->tokens);
    memset(b->silent, 1, (size_t)len);
    memset(b->onset, 0, (size_t)len);
}

/* The whole bars of seg that the notes g[first, last) touch: a window reaching
 * beyond them would hold a silent bar, so only this span needs buffers. */
static segment voice_span(const mv_extract_config *cfg, const segment *seg, const grid_note *g,
                          int first, int last)
{
    int64_t spb = cfg->steps_per_bar, hi = g[first].step + 1;
    for (int i = first; i < last; i++) {
        int64_t e = g[i].end < seg->end ? g[i].end : seg->end;
        if (e > hi) hi = e;
    }
    segment span = *seg;
    span.start = seg->start + (g[first].step - seg->start) / spb * spb;
    span.end = seg->start + (hi - seg->start + spb - 1) / spb * spb;
    if (span.end > seg->end) span.end = seg->end;
    return span;
}

/* One voice (notes g[0, n), sorted) over every segment; *work counts the steps
 * buffered so far for the whole file. */
static int extract_voice(const mv_extract_config *cfg, const segment *segs, int n_segs,
                         grid_note *g, int n, seg_buffers *b, mv_window_fn emit, void *ctx,
                         mv_extract_stats *st, int64_t *work, char *err, size_t errlen)
{
    int first = 0;
    for (int k = 0; k < n_segs; k++) {
        const segment *seg = &segs[k];
        while (first < n && g[first].step < seg->start) first++;
        int last = first;
        while (last < n && g[last].step < seg->end) last++;
        if (last == first) continue;
        if (seg->measure <= 0 || cfg->steps_per_bar % seg->measure) {
            count_bad_meter(cfg, seg, st);
            first = last;
            continue;
        }
        segment span = voice_span(cfg, seg, g, first, last);
        *work += span.end - span.start;
        if (*work > MV_EXTRACT_MAX_WORK) {
            snprintf(err, errlen, "too many long voices: more than %d steps in all",
                     MV_EXTRACT_MAX_WORK);
            return -1;
        }
        seg = &span;
        clear_buffers(cfg, b, seg->end - seg->start);
        for (int i = first; i < last; i++) { /* to span steps, clipped to it */
            g[i].step -= seg->start;
            g[i].end = (g[i].end > seg->end ? seg->end : g[i].end) - seg->start;
        }
        if (cfg->repr == MV_REPR_MELODY) fill_melody(g + first, last - first, cfg, b, st);
        else if (cfg->repr == MV_REPR_DRUMS) fill_drums(g + first, last - first, b, st);
        else if (cfg->repr == MV_REPR_GROOVE) fill_groove(g + first, last - first, b, st);
        else fill_roll(g + first, last - first, cfg, b, st);
        for (int i = first; i < last; i++) g[i].step += seg->start; /* keep the scan sorted */
        st->segments++;
        int rc = emit_windows(cfg, seg, b, emit, ctx, st);
        if (rc) return rc;
        first = last;
    }
    return 0;
}

static void free_buffers(seg_buffers *b)
{
    free(b->tokens);
    free(b->roll);
    free(b->groove);
    free(b->silent);
    free(b->onset);
    free(b->window);
}

static int alloc_buffers(const mv_extract_config *cfg, int64_t max_len, seg_buffers *b)
{
    size_t n = (size_t)max_len, wlen = (size_t)cfg->n_bars * cfg->steps_per_bar;
    memset(b, 0, sizeof *b);
    if (cfg->repr == MV_REPR_ROLL) {
        b->roll = malloc(n * roll_width(cfg));
        b->window = malloc(wlen * roll_width(cfg));
    } else if (cfg->repr == MV_REPR_GROOVE) { /* emitted in place: never transposed */
        b->groove = malloc(n * MV_GROOVE_STEP_BYTES);
        b->window = malloc(1);
    } else {
        b->tokens = malloc(n * sizeof *b->tokens);
        b->window = malloc(wlen * sizeof(int32_t));
    }
    b->silent = malloc(n);
    b->onset = malloc(n);
    return (b->roll || b->tokens || b->groove) && b->window && b->silent && b->onset ? 0 : -1;
}

int extract_windows(const mv_midi_file *f, const mv_extract_config *cfg, mv_window_fn emit,
                    void *ctx, mv_extract_stats *st, char *err, size_t errlen)
{
    if (extract_config_check(cfg, err, errlen)) return -1;
    if (f->ticks_per_quarter == 0) {
        snprintf(err, errlen, "the file has 0 ticks per quarter note");
        return -1;
    }
    grid_note *g = malloc(((size_t)f->n_notes + 1) * sizeof *g);
    segment *segs = malloc(((size_t)f->n_meters + 1) * sizeof *segs);
    seg_buffers b = {0};
    int rc = -1, n = 0;
    if (!g || !segs) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    int64_t song_end = 0;
    for (uint32_t i = 0; i < f->n_notes; i++) {
        int64_t key = voice_key(f, cfg, &f->notes[i]);
        if (key < 0) continue;
        int64_t s = extract_tick_to_step(f->notes[i].start, f->ticks_per_quarter);
        int64_t e = extract_tick_to_step(f->notes[i].end, f->ticks_per_quarter);
        g[n++] = (grid_note){key, s, e > s ? e : s + 1, f->notes[i].pitch, /* >= 1 step */
                             f->notes[i].velocity,
                             tick_offset(f->notes[i].start, s, f->ticks_per_quarter)};
        if (g[n - 1].end > song_end) song_end = g[n - 1].end;
    }
    st->notes += (uint64_t)n;
    if (song_end > MV_EXTRACT_MAX_STEPS) {
        snprintf(err, errlen, "the notes last %lld steps (%lld bars), more than the %d allowed",
                 (long long)song_end, (long long)(song_end / cfg->steps_per_bar),
                 MV_EXTRACT_MAX_STEPS);
        goto done;
    }
    qsort(g, (size_t)n, sizeof *g, cmp_grid_note);
    int n_segs = build_segments(f, cfg, song_end, segs);
    int64_t max_len = 1;
    for (int k = 0; k < n_segs; k++)
        if (segs[k].end - segs[k].start > max_len) max_len = segs[k].end - segs[k].start;
    if (alloc_buffers(cfg, max_len, &b)) {
        snprintf(err, errlen, "out of memory for a song of %lld steps", (long long)max_len);
        goto done;
    }
    rc = 0;
    int64_t work = 0;
    for (int i = 0; i < n && !rc;) {
        int j = i;
        while (j < n && g[j].key == g[i].key) j++;
        st->voices++;
        rc = extract_voice(cfg, segs, n_segs, g + i, j - i, &b, emit, ctx, st, &work, err,
                           errlen);
        i = j;
    }
done:
    free_buffers(&b);
    free(g);
    free(segs);
    return rc;
}
