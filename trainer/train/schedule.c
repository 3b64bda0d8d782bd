#include "schedule.h"

#include <math.h>

#define LR_DECAY 0.9999
#define LR_MIN 1e-5

double schedule_lr(double lr0, long step)
{
    return (lr0 - LR_MIN) * pow(LR_DECAY, (double)step) + LR_MIN;
}

double schedule_beta(double beta_max, double rate, long step)
{
    if (rate <= 0) return beta_max;
    return (1 - pow(rate, (double)step)) * beta_max;
}

double schedule_sample_prob(double k, long start, double p_max, long step)
{
    if (k <= 0 || step < start) return 0;
    double e = (double)(step - start) / k;
    if (e > 700) return p_max; /* exp would overflow; the limit is p_max */
    return p_max * (1 - k / (k + exp(e)));
}
