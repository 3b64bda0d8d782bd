/* Hits of predicted groove steps against the truth (groove_score.h). */
#include "groove_score.h"

#include <math.h>

#include "phrase_stats.h"

void groove_score_step(groove_hit_count *c, const uint8_t *truth, const uint8_t *pred)
{
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        const int t = truth[MV_GROOVE_HIT + i], p = pred[MV_GROOVE_HIT + i];
        c[i].misses += t && !p;
        c[i].false_alarms += !t && p;
        if (!(t && p)) continue;
        c[i].hits++;
        c[i].velocity_error +=
            fabs((double)truth[MV_GROOVE_VELOCITY + i] - pred[MV_GROOVE_VELOCITY + i]);
        c[i].offset_error +=
            fabs((double)groove_offset_steps(truth, i) - groove_offset_steps(pred, i));
    }
}

groove_hit_count groove_score_total(const groove_hit_count *c)
{
    groove_hit_count t = {0};
    for (int i = 0; i < MV_GROOVE_VOICES; i++) {
        t.hits += c[i].hits;
        t.misses += c[i].misses;
        t.false_alarms += c[i].false_alarms;
        t.velocity_error += c[i].velocity_error;
        t.offset_error += c[i].offset_error;
    }
    return t;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

double groove_score_f1(const groove_hit_count *c)
{
    return onset_f1((double)c->hits, (double)c->misses, (double)c->false_alarms);
}

double groove_score_recall(const groove_hit_count *c)
{
    return ratio((double)c->hits, (double)(c->hits + c->misses));
}

double groove_score_precision(const groove_hit_count *c)
{
    return ratio((double)c->hits, (double)(c->hits + c->false_alarms));
}

double groove_score_velocity_mae(const groove_hit_count *c)
{
    return ratio(c->velocity_error, (double)c->hits);
}

double groove_score_offset_mae(const groove_hit_count *c)
{
    return ratio(c->offset_error, (double)c->hits);
}
