/*
 * pixels.c - between the model's images and 8-bit pixels: the model works on
 * NCHW floats in [-1, 1], files hold interleaved bytes. One mapping both ways
 * (byte = round((v + 1) * 127.5), clamped), so what train feeds the model,
 * what generate writes and what the memorisation check compares agree, and
 * one tiler for sample grids.
 */
#include "generator/generator_internal.h"

#include <math.h>
#include <stdlib.h>

float gan_pixel_to_value(unsigned char byte)
{
    return (float)byte / 127.5f - 1.0f;
}

unsigned char gan_value_to_pixel(float v)
{
    double x = ((double)v + 1.0) * 127.5;
    return (unsigned char)(x <= 0 ? 0 : x >= 255 ? 255 : lround(x));
}

int gan_tile_pixels(const float *images, int n, int channels, int size, int cols, int gap,
                    unsigned char **out, int *width, int *height)
{
    *out = NULL;
    if (n < 1 || channels < 1 || size < 1 || cols < 1 || gap < 0) return CS_EINVAL;
    if (cols > n) cols = n;
    int rows = (n + cols - 1) / cols;
    int w = cols * (size + gap) - gap, h = rows * (size + gap) - gap;
    unsigned char *pixels = calloc((size_t)w * (size_t)h, (size_t)channels);
    if (!pixels) return CS_ENOMEM;
    size_t plane = (size_t)size * (size_t)size;
    for (int k = 0; k < n; k++) {
        const float *image = images + (size_t)k * (size_t)channels * plane;
        size_t x0 = (size_t)(k % cols) * (size_t)(size + gap);
        size_t y0 = (size_t)(k / cols) * (size_t)(size + gap);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    pixels[((y0 + (size_t)y) * (size_t)w + x0 + (size_t)x) * (size_t)channels +
                           (size_t)c] =
                        gan_value_to_pixel(
                            image[(size_t)c * plane + (size_t)y * (size_t)size + (size_t)x]);
    }
    *out = pixels;
    *width = w;
    *height = h;
    return CS_OK;
}
