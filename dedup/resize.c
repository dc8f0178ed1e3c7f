/*
 * resize.c - square training copies of a decoded image: the largest centred
 * square is cut out and resampled to side x side with an area filter.
 *
 * The filter: every output pixel covers a window of side_in / side input
 * pixels and is the mean of the input over that window, each input pixel
 * weighted by how much of it the window covers (so a shrink by 2.5 averages
 * 2.5 x 2.5 pixels, partial ones in part: no aliasing as nearest neighbour
 * would give). Enlarging uses the same rule, which blends the one or two
 * input pixels under each output pixel. It is separable: rows first into a
 * float buffer, then columns, rounded to the nearest 8-bit value.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One axis: for each output index, the input range and the weights of its pixels. */
typedef struct axis_weights {
    int *first;     /* first input index of output i */
    int *count;     /* number of input pixels it covers (at most max_taps) */
    float *weights; /* count[i] weights for output i, at i * max_taps; they sum to 1 */
    int max_taps;
} axis_weights;

static void axis_free(axis_weights *a)
{
    free(a->first), free(a->count), free(a->weights);
}

static int axis_make(int in_size, int out_size, axis_weights *a)
{
    double scale = (double)in_size / out_size;
    a->max_taps = (int)ceil(scale) + 2;
    a->first = calloc((size_t)out_size, sizeof *a->first);
    a->count = calloc((size_t)out_size, sizeof *a->count);
    a->weights = calloc((size_t)out_size * (size_t)a->max_taps, sizeof *a->weights);
    if (!a->first || !a->count || !a->weights) {
        axis_free(a);
        return CS_ENOMEM;
    }
    for (int i = 0; i < out_size; i++) {
        double lo = i * scale, hi = (i + 1) * scale;
        int j0 = (int)floor(lo), j1 = (int)ceil(hi);
        if (j1 > in_size) j1 = in_size;
        double total = 0;
        a->first[i] = j0;
        for (int j = j0; j < j1 && j - j0 < a->max_taps; j++) {
            double cover = fmin(hi, j + 1.0) - fmax(lo, (double)j);
            if (cover < 0) cover = 0;
            a->weights[(size_t)i * (size_t)a->max_taps + (size_t)(j - j0)] = (float)cover;
            a->count[i] = j - j0 + 1;
            total += cover;
        }
        for (int k = 0; k < a->count[i] && total > 0; k++)
            a->weights[(size_t)i * (size_t)a->max_taps + (size_t)k] /= (float)total;
    }
    return CS_OK;
}

int dedup_square_resize(const dedup_image *in, int side, dedup_image *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (side <= 0 || in->width <= 0 || in->height <= 0 || !in->pixels)
        return cs_error_set(err, CS_EINVAL, "resize: nothing to resize to %d", side);
    int crop = in->width < in->height ? in->width : in->height;
    int x0 = (in->width - crop) / 2, y0 = (in->height - crop) / 2, c = in->channels;
    axis_weights ax = {0}, ay = {0};
    float *rows = NULL;
    int rc = axis_make(crop, side, &ax);
    if (rc == CS_OK) rc = axis_make(crop, side, &ay);
    if (rc == CS_OK) {
        rows = malloc((size_t)crop * (size_t)side * (size_t)c * sizeof *rows);
        out->pixels = malloc((size_t)side * (size_t)side * (size_t)c);
        if (!rows || !out->pixels) rc = CS_ENOMEM;
    }
    /* rows: each cropped input row resampled to side columns */
    for (int y = 0; rc == CS_OK && y < crop; y++) {
        const unsigned char *src =
            in->pixels + ((size_t)(y0 + y) * (size_t)in->width + (size_t)x0) * (size_t)c;
        float *dst = rows + (size_t)y * (size_t)side * (size_t)c;
        for (int i = 0; i < side; i++)
            for (int ch = 0; ch < c; ch++) {
                float sum = 0;
                const float *w = ax.weights + (size_t)i * (size_t)ax.max_taps;
                for (int k = 0; k < ax.count[i]; k++)
                    sum += w[k] * src[(size_t)(ax.first[i] + k) * (size_t)c + (size_t)ch];
                dst[(size_t)i * (size_t)c + (size_t)ch] = sum;
            }
    }
    /* columns: each output row is a weighted sum of resampled rows */
    for (int j = 0; rc == CS_OK && j < side; j++) {
        unsigned char *dst = out->pixels + (size_t)j * (size_t)side * (size_t)c;
        const float *w = ay.weights + (size_t)j * (size_t)ay.max_taps;
        for (size_t x = 0; x < (size_t)side * (size_t)c; x++) {
            float sum = 0;
            for (int k = 0; k < ay.count[j]; k++)
                sum += w[k] * rows[(size_t)(ay.first[j] + k) * (size_t)side * (size_t)c + x];
            long v = lrintf(sum);
            dst[x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(rows);
    axis_free(&ax);
    axis_free(&ay);
    if (rc != CS_OK) {
        free(out->pixels);
        memset(out, 0, sizeof *out);
        return cs_error_set(err, rc, "resize: out of memory");
    }
    out->width = out->height = side;
    out->channels = c;
    out->source_width = in->source_width;
    out->source_height = in->source_height;
    out->orientation = 1;
    out->format = in->format;
    return CS_OK;
}
