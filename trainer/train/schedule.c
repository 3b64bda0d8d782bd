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

double schedule_sample_prob(double k, long step)
{
    if (k <= 0) return 0;
    double e = (double)step / k;
    if (e > 700) return 1; /* exp would overflow; the limit is 1 */
    return 1 - k / (k + exp(e));
}
