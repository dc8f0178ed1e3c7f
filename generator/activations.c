/*
 * activations.c - the element-wise nonlinearities: ReLU (G), LeakyReLU with
 * slope 0.2 (D) and tanh (G's output). Each backward takes the forward's
 * output, which determines the derivative for all three.
 *
 * The loops choose a factor and multiply, rather than choosing between two
 * products, so that the compiler vectorises them (it will not speculate a
 * multiplication that might trap); with a branch on a random sign they run
 * several times slower from mispredictions.
 */
#include "generator/generator_internal.h"

#include <math.h>

void gen_relu_forward(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void gen_relu_backward(size_t n, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++) {
        float keep = y[i] > 0.0f ? 1.0f : 0.0f;
        dx[i] = dy[i] * keep;
    }
}

void gen_lrelu_forward(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++) {
        float pos = x[i] > 0.0f ? x[i] : 0.0f, neg = x[i] > 0.0f ? 0.0f : x[i];
        y[i] = pos + GEN_LRELU_SLOPE * neg; /* exact: one of the two is zero */
    }
}

void gen_lrelu_backward(size_t n, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++) {
        float slope = y[i] > 0.0f ? 1.0f : GEN_LRELU_SLOPE;
        dx[i] = dy[i] * slope;
    }
}

void gen_tanh_forward(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}

void gen_tanh_backward(size_t n, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
