/* Reading and writing chord symbols (chord_name.h). */
#include "chord_name.h"

#include <stdio.h>
#include <string.h>

#include "chord.h"

static const char *const root_names[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                           "F#", "G",  "Ab", "A",  "Bb", "B"};

typedef struct quality_spelling {
    const char *text;
    int quality;
} quality_spelling;

/* After "root:" (POP909), the vocabulary's own names first. */
static const quality_spelling pop909_spellings[] = {
    {"maj", MV_CHORD_MAJ},       {"min", MV_CHORD_MIN},         {"sus2", MV_CHORD_SUS2},
    {"min7", MV_CHORD_MIN7},     {"maj7", MV_CHORD_MAJ7},       {"sus4", MV_CHORD_SUS4},
    {"7", MV_CHORD_DOM7},        {"sus4(b7)", MV_CHORD_SUS4_B7}, {"maj6", MV_CHORD_MAJ6},
    {"dim", MV_CHORD_DIM},       {"hdim7", MV_CHORD_HDIM7},     {"aug", MV_CHORD_AUG},
    {"min6", MV_CHORD_MIN6},     {"dim7", MV_CHORD_DIM7},       {"minmaj7", MV_CHORD_MINMAJ7},
    {"9", MV_CHORD_DOM7},        {"maj9", MV_CHORD_MAJ7},       {"min9", MV_CHORD_MIN7},
    {"min11", MV_CHORD_MIN7},    {"11", MV_CHORD_SUS4_B7},      {"13", MV_CHORD_DOM7},
    {"sus4(b7,9)", MV_CHORD_SUS4_B7}, {"maj(9)", MV_CHORD_MAJ}, {"min(9)", MV_CHORD_MIN},
};

/* Right after the root (shorthand); "" is major. */
static const quality_spelling short_spellings[] = {
    {"", MV_CHORD_MAJ},          {"M", MV_CHORD_MAJ},          {"maj", MV_CHORD_MAJ},
    {"m", MV_CHORD_MIN},         {"min", MV_CHORD_MIN},        {"-", MV_CHORD_MIN},
    {"sus2", MV_CHORD_SUS2},     {"m7", MV_CHORD_MIN7},        {"min7", MV_CHORD_MIN7},
    {"-7", MV_CHORD_MIN7},       {"maj7", MV_CHORD_MAJ7},      {"M7", MV_CHORD_MAJ7},
    {"sus4", MV_CHORD_SUS4},     {"sus", MV_CHORD_SUS4},       {"7", MV_CHORD_DOM7},
    {"7sus4", MV_CHORD_SUS4_B7}, {"7sus", MV_CHORD_SUS4_B7},   {"6", MV_CHORD_MAJ6},
    {"maj6", MV_CHORD_MAJ6},     {"dim", MV_CHORD_DIM},        {"o", MV_CHORD_DIM},
    {"m7b5", MV_CHORD_HDIM7},    {"min7b5", MV_CHORD_HDIM7},   {"hdim7", MV_CHORD_HDIM7},
    {"aug", MV_CHORD_AUG},       {"+", MV_CHORD_AUG},          {"m6", MV_CHORD_MIN6},
    {"min6", MV_CHORD_MIN6},     {"dim7", MV_CHORD_DIM7},      {"o7", MV_CHORD_DIM7},
    {"mMaj7", MV_CHORD_MINMAJ7}, {"mM7", MV_CHORD_MINMAJ7},    {"minmaj7", MV_CHORD_MINMAJ7},
    {"9", MV_CHORD_DOM7},        {"maj9", MV_CHORD_MAJ7},      {"m9", MV_CHORD_MIN7},
    {"m11", MV_CHORD_MIN7},      {"add9", MV_CHORD_MAJ},       {"madd9", MV_CHORD_MIN},
};

/* The quality spelled s[0, len) in a table, or -1. Case matters: M is major
 * seventh's, m minor's. */
static int find_quality(const quality_spelling *t, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i].text) == len && !strncmp(t[i].text, s, len)) return t[i].quality;
    return -1;
}

/* Root letter and accidentals at s; the pitch class, or -1. *used: characters read. */
static int parse_root(const char *s, size_t len, size_t *used)
{
    static const int letters[7] = {9, 11, 0, 2, 4, 5, 7}; /* A..G */
    if (len == 0 || s[0] < 'A' || s[0] > 'G') return -1;
    int pc = letters[s[0] - 'A'];
    size_t i = 1;
    for (; i < len && (s[i] == '#' || s[i] == 'b'); i++) pc += s[i] == '#' ? 1 : -1;
    *used = i;
    return ((pc % 12) + 12) % 12;
}

/* A slash bass: a note name (shorthand) or a degree like 3, b3, #5 (POP909). */
static int valid_bass(const char *s, size_t len)
{
    size_t used;
    if (parse_root(s, len, &used) >= 0 && used == len) return 1;
    size_t i = 0;
    while (i < len && (s[i] == 'b' || s[i] == '#')) i++;
    if (i == len) return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

int chord_parse(const char *s, size_t len, uint8_t *id, char *err, size_t errlen)
{
    if ((len == 1 && s[0] == 'N') || (len == 2 && !strncmp(s, "NC", 2)) ||
        (len == 4 && !strncmp(s, "N.C.", 4))) {
        *id = MV_CHORD_NONE;
        return 0;
    }
    size_t used = 0;
    int root = parse_root(s, len, &used);
    const char *slash = memchr(s, '/', len);
    size_t end = slash ? (size_t)(slash - s) : len;
    int quality = -1;
    if (root >= 0 && used <= end) {
        if (used < end && s[used] == ':')
            quality = find_quality(pop909_spellings,
                                   sizeof pop909_spellings / sizeof *pop909_spellings,
                                   s + used + 1, end - used - 1);
        else
            quality = find_quality(short_spellings, sizeof short_spellings / sizeof *short_spellings,
                                   s + used, end - used);
    }
    if (quality >= 0 && slash && !valid_bass(slash + 1, len - end - 1)) quality = -1;
    if (quality < 0) {
        snprintf(err, errlen,
                 "'%.*s' is not a chord (write C, Am, F7, Bm7b5, Gsus4, Ebmaj7/G, "
                 "or POP909's C:maj, A:min7, N)",
                 (int)(len > 40 ? 40 : len), s);
        return -1;
    }
    *id = chord_id(root, quality);
    return 0;
}

int chord_parse_list(const char *s, uint8_t *out, int max, char *err, size_t errlen)
{
    static const char separators[] = " \t\r\n,|";
    int n = 0;
    for (const char *p = s + strspn(s, separators); *p; p += strspn(p, separators)) {
        size_t len = strcspn(p, separators);
        if (n == max) {
            snprintf(err, errlen, "more than %d chords", max);
            return -1;
        }
        if (chord_parse(p, len, &out[n], err, errlen)) return -1;
        n++;
        p += len;
    }
    if (n == 0) snprintf(err, errlen, "no chord given");
    return n ? n : -1;
}

void chord_name(uint8_t id, char *out, size_t n)
{
    int root = chord_root(id);
    if (root < 0) snprintf(out, n, "N");
    else snprintf(out, n, "%s:%s", root_names[root], chord_quality_name(chord_quality(id)));
}
