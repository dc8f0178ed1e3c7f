/*
 * adam.c - Adam (Kingma and Ba 2015) over a network's flat parameter buffer,
 * with PyTorch's arithmetic so that weights match its optimiser step for step:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * No weight decay.
 */
#include "generator/generator_internal.h"

#include <math.h>

void gen_adam_step(gen_store *st, float lr, float beta1, float beta2, float eps)
{
    st->adam_step++;
    double t = (double)st->adam_step;
    float step_size = (float)(lr / (1.0 - pow(beta1, t)));
    float bc2_sqrt = (float)sqrt(1.0 - pow(beta2, t));
    float *p = st->params, *g = st->grads, *m = st->m, *v = st->v;
    for (size_t i = 0; i < st->param_count; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        p[i] -= step_size * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
    }
}
