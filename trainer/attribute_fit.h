/* Attribute directions in latent space from encoded windows: by least-squares
 * regression of the attribute on the latent code, and by Magenta's difference
 * between the mean mu of the windows in the attribute's top quartile and in its
 * bottom quartile. Both are returned as unit vectors pointing to more of the
 * attribute, with the statistics the weights file stores (attribute.<name>.stats)
 * and the step along the vector that the fit predicts moves the attribute by
 * one standard deviation (cmd_attributes then calibrates it on decoded windows). */
#ifndef MV_ATTRIBUTE_FIT_H
#define MV_ATTRIBUTE_FIT_H

#include <stddef.h>

enum mv_fit_method {
    MV_FIT_REGRESSION = 0,
    MV_FIT_QUARTILES = 1,
    MV_FIT_PARTIAL = 2, /* regression holding other attributes (attribute_partial) */
    MV_FIT_METHODS = 3
};

typedef struct mv_attribute_fit {
    float attr_mean, attr_std;  /* of the attribute over the windows where it is defined */
    float proj_mean, proj_std;  /* of mu . v over the same windows */
    /* the distance along v that moves the attribute by attr_std by the fit's own
     * linear model: regression attr_std / |w|; quartiles |d| attr_std / (the
     * attribute's top mean - bottom mean), d the difference of the mu means */
    float step;
    int n_used;                 /* windows where the attribute is defined */
} mv_attribute_fit;

const char *fit_method_name(int method); /* "regression", "quartiles", "partial" */

/* mu [n, z], attr [n] (NAN: undefined, skipped). Writes the unit direction into
 * v [z] and its statistics into *fit. sigma [n, z] (the encoder's, or NULL): the
 * regression then fits the attribute to z = mu + sigma eps as the decoder saw
 * it in training, i.e. adds sum sigma^2 to each dimension's diagonal, so that
 * dimensions whose mu varies far less than their noise (ignored by the decoder)
 * get no weight. Returns 0, or -1 when the direction is undefined (fewer than 4
 * defined windows, a constant attribute, equal quartile means) or memory runs out. */
int attribute_fit(int method, const float *mu, const float *sigma, const float *attr, int n,
                  int z, float *v, mv_attribute_fit *fit);

/* The shortest move in latent space that changes held attribute `target` by one
 * sd and, by the regressions' linear model, none of the other held ones:
 * delta = U (U^T U)^-1 e_target, U's columns the regression vectors per sd,
 * u_j = v_j / step_j (v_j, step_j from attribute_fit(MV_FIT_REGRESSION)).
 * Writes the unit direction into v [z] and |delta| into *step. Returns 0, or -1
 * when the held vectors are linearly dependent or memory runs out. */
int attribute_partial(const float *const *vectors, const float *steps, int n_held, int target,
                      int z, float *v, float *step);

#endif
