/*
 * loss.c - the adversarial losses on D's logits, each a mean over the batch.
 *
 * Non-saturating (Goodfellow et al. 2014): D minimises softplus(-r) on real
 * logits and softplus(f) on fake ones (binary cross-entropy with logits); G
 * minimises softplus(-f). Hinge (Lim and Ye 2017): D minimises relu(1 - r) and
 * relu(1 + f); G minimises -f. softplus is evaluated in its overflow-free form.
 */
#include "generator/generator_internal.h"

#include <math.h>

static double softplus(double x)
{
    return (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
}
static double sigmoid(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

float gen_d_loss(gan_loss kind, int n, const float *logits, bool target_real, float *dlogits)
{
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        double x = target_real ? logits[i] : -(double)logits[i]; /* should be large */
        double grad;
        if (kind == GAN_LOSS_HINGE) {
            total += x < 1.0 ? 1.0 - x : 0.0;
            grad = x < 1.0 ? -1.0 : 0.0;
        } else {
            total += softplus(-x);
            grad = -sigmoid(-x);
        }
        dlogits[i] = (float)((target_real ? grad : -grad) / n);
    }
    return (float)(total / n);
}

float gen_g_loss(gan_loss kind, int n, const float *logits, float *dlogits)
{
    if (kind == GAN_LOSS_NONSATURATING) return gen_d_loss(kind, n, logits, true, dlogits);
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        total -= logits[i];
        dlogits[i] = -1.0f / (float)n;
    }
    return (float)(total / n);
}
