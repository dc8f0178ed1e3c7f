/*
 * adam.c - Adam (Kingma and Ba 2015) over a network's flat parameter buffer,
 * with PyTorch's arithmetic so that weights match its optimiser step for step:
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * No weight decay.
 */
#include "generator/generator_internal.h"

#include <math.h>

typedef struct adam_job {
    gen_store *st;
    float step_size, bc2_sqrt, beta1, beta2, eps;
} adam_job;

/* Every float's update depends on that float alone: any split gives the same bits. */
static void adam_slice(void *ctx, int piece, int pieces)
{
    const adam_job *j = ctx;
    const gen_store *st = j->st;
    size_t lo = st->param_count * (size_t)piece / (size_t)pieces;
    size_t hi = st->param_count * (size_t)(piece + 1) / (size_t)pieces;
    const float beta1 = j->beta1, beta2 = j->beta2, eps = j->eps;
    float *p = st->params, *g = st->grads, *m = st->m, *v = st->v;
    for (size_t i = lo; i < hi; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        p[i] -= j->step_size * m[i] / (sqrtf(v[i]) / j->bc2_sqrt + eps);
    }
}

void gen_adam_step(gen_workers *pool, gen_store *st, float lr, float beta1, float beta2, float eps)
{
    st->adam_step++;
    double t = (double)st->adam_step;
    adam_job j = {
        st, (float)(lr / (1.0 - pow(beta1, t))), (float)sqrt(1.0 - pow(beta2, t)), beta1, beta2,
        eps};
    gen_workers_run(pool, gen_workers_pieces(pool, GEN_WORKERS_PIECES), adam_slice, &j);
}
