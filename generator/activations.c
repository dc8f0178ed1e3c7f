/*
 * activations.c - the element-wise nonlinearities: ReLU (G), LeakyReLU with
 * slope 0.2 (D) and tanh (G's output). Each backward takes the forward's
 * output, which determines the derivative for all three.
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
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void gen_lrelu_forward(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : GEN_LRELU_SLOPE * x[i];
}

void gen_lrelu_backward(size_t n, const float *y, const float *dy, float *dx)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : GEN_LRELU_SLOPE * dy[i];
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
