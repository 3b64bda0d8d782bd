/* The schedules of a training run (Magenta's music_vae defaults). */
#ifndef MV_TRAIN_SCHEDULE_H
#define MV_TRAIN_SCHEDULE_H

/* Learning rate at a step: (lr0 - lr_min) * decay^step + lr_min (Magenta's
 * defaults: decay 0.9999, lr_min 1e-5, SCHEDULE_LR_*). */
#define SCHEDULE_LR_DECAY 0.9999
#define SCHEDULE_LR_MIN 1e-5
double schedule_lr(double lr0, double decay, double lr_min, long step);
/* KL weight: beta_max, or with annealing rate r in (0, 1): (1 - r^step) beta_max. */
double schedule_beta(double beta_max, double rate, long step);
/* Scheduled sampling, inverse sigmoid: the probability of feeding the model's own
 * sample, p_max (1 - k / (k + exp((step - start) / k))) from step `start` on, 0
 * before it and always 0 when k is 0 (teacher forcing). */
double schedule_sample_prob(double k, long start, double p_max, long step);

#endif
