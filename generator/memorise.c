/*
 * memorise.c - has the generator copied a training image? The nearest-neighbour
 * distance ratio of Carlini et al. 2023, "Extracting Training Data from
 * Diffusion Models" (section 5, the CIFAR-10 experiments), in pixel space.
 *
 * For a generated image x and the training images S: d1 is the l2 distance
 * from x to its nearest training image, and the ratio is d1 divided by the
 * mean l2 distance from x to its k nearest training images (d1 among them).
 * A generated image that copies one training image sits far closer to it than
 * to the rest (ratio near 0); a new image sits about as far from all of its
 * neighbours (ratio near 1). Dividing by the neighbourhood's scale is what
 * makes one threshold work for busy and flat images alike, which a bare l2
 * threshold does not.
 *
 * Carlini et al. call x extracted when l2(x, nn) / (alpha * mean over the
 * n=50 nearest) < delta; we use the plain ratio with k = GAN_MEMORISE_K and
 * the threshold GAN_MEMORISE_COPY_RATIO (generator.h says why). With fewer
 * than k training images all of them are the neighbourhood; with fewer than
 * two there is no neighbourhood to compare with and the ratio is 1 (no
 * finding). Brute force: queries x training x dim operations, which for the
 * 32x32 images this generator makes is milliseconds per thousand pairs.
 */
#include "generator/generator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int gan_nn_ratios(const float *queries, size_t query_count, const float *training,
                  size_t training_count, size_t dim, int k, gan_nn_ratio *out, cs_error *err)
{
    if (!queries || !out || dim == 0 || k < 1 || (training_count && !training))
        return cs_error_set(err, CS_EINVAL, "memorisation: no images or k < 1");
    double *dist = malloc(sizeof *dist * (training_count ? training_count : 1));
    if (!dist) return cs_error_set(err, CS_ENOMEM, "memorisation: out of memory");
    size_t neighbours = CS_MIN((size_t)k, training_count);
    for (size_t q = 0; q < query_count; q++) {
        const float *x = queries + q * dim;
        gan_nn_ratio *r = &out[q];
        memset(r, 0, sizeof *r);
        r->ratio = 1.0;
        r->k = (int)neighbours;
        for (size_t t = 0; t < training_count; t++) {
            const float *y = training + t * dim;
            double sum = 0;
            for (size_t i = 0; i < dim; i++) {
                double d = (double)x[i] - (double)y[i];
                sum += d * d;
            }
            dist[t] = sqrt(sum);
            if (t == 0 || dist[t] < r->distance) r->distance = dist[t], r->nearest = t;
        }
        if (neighbours < 2) continue;
        /* the k smallest: a sorted copy is fast enough at the sizes an audit meets */
        qsort(dist, training_count, sizeof *dist, compare_double);
        double mean = 0;
        for (size_t i = 0; i < neighbours; i++)
            mean += dist[i];
        r->mean_distance = mean / (double)neighbours;
        r->ratio = r->mean_distance > 0 ? r->distance / r->mean_distance : 0.0;
    }
    free(dist);
    return CS_OK;
}
