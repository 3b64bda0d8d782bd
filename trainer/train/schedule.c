#include "schedule.h"

#include <math.h>

double schedule_lr(double lr0, double decay, double lr_min, long step)
{
    return (lr0 - lr_min) * pow(decay, (double)step) + lr_min;
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
