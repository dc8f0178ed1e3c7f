/*
 * tensor.c - a network's parameters as named views into contiguous buffers.
 *
 * Following llm.c, all of a network's trainable floats live in one buffer, its
 * gradients in a second and Adam's two moments in a third and fourth, in the
 * same order; a gan_tensor is a name, a shape and pointers into them. The
 * optimiser and the checkpoint then walk flat arrays, and a tensor's position
 * never changes after gen_store_alloc. Non-trainable state (spectral norm's
 * u vectors) lives in a fifth buffer.
 */
#include "generator/generator_internal.h"

#include <stdlib.h>
#include <string.h>

int gen_store_add(gen_store *st, const char *name, bool trainable, int rank, const int *shape)
{
    if (st->count >= GEN_MAX_TENSORS || rank < 1 || rank > 4) return CS_ELIMIT;
    int index = st->count++;
    gan_tensor *t = &st->tensors[index];
    memset(t, 0, sizeof *t);
    cs_strlcpy(st->names[index], name, sizeof st->names[index]);
    t->name = st->names[index];
    t->rank = rank;
    t->count = 1;
    for (int i = 0; i < rank; i++) {
        t->shape[i] = shape[i];
        t->count *= (size_t)shape[i];
    }
    st->trainable[index] = trainable;
    size_t *total = trainable ? &st->param_count : &st->state_count;
    st->offset[index] = *total;
    *total += t->count;
    return index;
}

int gen_store_alloc(gen_store *st)
{
    size_t p = st->param_count ? st->param_count : 1, s = st->state_count ? st->state_count : 1;
    st->params = calloc(p, sizeof(float));
    st->grads = calloc(p, sizeof(float));
    st->m = calloc(p, sizeof(float));
    st->v = calloc(p, sizeof(float));
    st->state = calloc(s, sizeof(float));
    if (!st->params || !st->grads || !st->m || !st->v || !st->state) return CS_ENOMEM;
    for (int i = 0; i < st->count; i++) {
        gan_tensor *t = &st->tensors[i];
        size_t offset = st->offset[i];
        if (st->trainable[i]) {
            t->value = st->params + offset;
            t->grad = st->grads + offset;
            t->m = st->m + offset;
            t->v = st->v + offset;
        } else {
            t->value = st->state + offset;
        }
    }
    return CS_OK;
}

void gen_store_free(gen_store *st)
{
    free(st->params);
    free(st->grads);
    free(st->m);
    free(st->v);
    free(st->state);
    memset(st, 0, sizeof *st);
}

void gen_store_zero_grad(gen_store *st)
{
    memset(st->grads, 0, st->param_count * sizeof(float));
}
