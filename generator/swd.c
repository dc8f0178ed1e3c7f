/*
 * swd.c - sliced Wasserstein distance between two image sets, the sample
 * quality measure of Karras et al. 2018 ("Progressive growing of GANs",
 * section 5 and appendix D), written from the paper's description:
 *
 *  1. Each image becomes a Laplacian pyramid: Gaussian pyramid by the 5x5
 *     binomial filter [1 4 6 4 1]^2/256 (mirrored borders) and decimation by 2,
 *     down to 16x16; each level minus the upsampled next one (zeros inserted,
 *     same filter x4), the coarsest level kept as it is.
 *  2. From every level of every image, 128 patches of 7x7 pixels (all
 *     channels) at uniformly random positions fully inside the level.
 *  3. Per level and per set, every channel of the patches is normalised to
 *     mean 0 and standard deviation 1 over all patches and pixels.
 *  4. The distance between the two sets' patches: 512 random unit directions
 *     (4 x 128); project, sort, mean absolute difference of the sorted
 *     projections, averaged over directions. Reported x 1e3 per level.
 *
 * The projections are one SGEMM per block of directions; sorting uses an LSD
 * radix sort on the floats' order-preserving bit patterns.
 */
#include "generator/generator_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SWD_PATCH             7 /* neighbourhood size */
#define SWD_PATCHES_PER_IMAGE 128
#define SWD_DIRECTIONS        512 /* 4 repeats of 128 */
#define SWD_DIRECTION_BLOCK   128
#define SWD_MIN_RESOLUTION    16 /* pyramid stops at 16x16, as in the paper */
#define SWD_MAX_IMAGES        (1 << 20)

static const float binomial5[5] = {1.0f / 16, 4.0f / 16, 6.0f / 16, 4.0f / 16, 1.0f / 16};

/* Mirror (reflect without repeating the edge) index into [0, n). */
static int mirror(int i, int n)
{
    while (i < 0 || i >= n)
        i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

/* Separable 5x5 binomial filter of an n x n plane, times `gain`. */
static void blur(const float *in, int n, float gain, float *tmp, float *out)
{
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            float s = 0.0f;
            for (int k = -2; k <= 2; k++)
                s += binomial5[k + 2] * in[y * n + mirror(x + k, n)];
            tmp[y * n + x] = s;
        }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            float s = 0.0f;
            for (int k = -2; k <= 2; k++)
                s += binomial5[k + 2] * tmp[mirror(y + k, n) * n + x];
            out[y * n + x] = gain * s;
        }
}

/*
 * Laplacian pyramid of one n x n plane into levels[l] (n>>l square each);
 * work holds 3 n x n floats.
 */
static void laplacian_pyramid(const float *plane, int n, int levels, float **level, float *work)
{
    float *tmp = work, *blurred = work + n * n, *up = work + 2 * n * n;
    memcpy(level[0], plane, (size_t)n * n * sizeof(float));
    for (int l = 1; l < levels; l++) {
        int size = n >> (l - 1), half = size / 2;
        blur(level[l - 1], size, 1.0f, tmp, blurred);
        for (int y = 0; y < half; y++)
            for (int x = 0; x < half; x++)
                level[l][y * half + x] = blurred[2 * y * size + 2 * x];
        memset(up, 0, (size_t)size * size * sizeof(float));
        for (int y = 0; y < half; y++)
            for (int x = 0; x < half; x++)
                up[2 * y * size + 2 * x] = level[l][y * half + x];
        blur(up, size, 4.0f, tmp, blurred);
        for (int i = 0; i < size * size; i++)
            level[l - 1][i] -= blurred[i];
    }
}

/*
 * Patch descriptors of one image set for every level: desc[l] holds
 * n*128 rows of channels*49 floats, normalised per channel.
 */
static int descriptors(const float *images, int n, int channels, int size, int levels, gen_rng *rng,
                       float **desc)
{
    const int dim = channels * SWD_PATCH * SWD_PATCH;
    float *pyr = malloc((size_t)channels * size * size * 2 * sizeof(float));
    float *work = malloc((size_t)3 * size * size * sizeof(float));
    if (pyr == NULL || work == NULL) {
        free(pyr);
        free(work);
        return CS_ENOMEM;
    }
    /* pyr: for each channel, the levels one after another. */
    size_t chan_stride = (size_t)size * size * 2;
    float *lv[GAN_SWD_MAX_LEVELS];
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < channels; c++) {
            float *base = pyr + c * chan_stride;
            size_t off = 0;
            for (int l = 0; l < levels; l++) {
                lv[l] = base + off;
                off += (size_t)(size >> l) * (size >> l);
            }
            laplacian_pyramid(images + ((size_t)i * channels + c) * size * size, size, levels, lv,
                              work);
        }
        size_t off = 0;
        for (int l = 0; l < levels; l++) {
            int res = size >> l;
            for (int p = 0; p < SWD_PATCHES_PER_IMAGE; p++) {
                int x0 = (int)gen_rng_below(rng, (uint32_t)(res - SWD_PATCH + 1));
                int y0 = (int)gen_rng_below(rng, (uint32_t)(res - SWD_PATCH + 1));
                float *d = desc[l] + ((size_t)i * SWD_PATCHES_PER_IMAGE + p) * dim;
                for (int c = 0; c < channels; c++) {
                    const float *src = pyr + c * chan_stride + off;
                    for (int y = 0; y < SWD_PATCH; y++)
                        for (int x = 0; x < SWD_PATCH; x++)
                            *d++ = src[(y0 + y) * res + x0 + x];
                }
            }
            off += (size_t)res * res;
        }
    }
    free(pyr);
    free(work);

    /* Normalise each channel over all patches and pixels of this set and level. */
    size_t rows = (size_t)n * SWD_PATCHES_PER_IMAGE;
    const int cdim = SWD_PATCH * SWD_PATCH;
    for (int l = 0; l < levels; l++) {
        for (int c = 0; c < channels; c++) {
            double sum = 0.0, sq = 0.0;
            for (size_t r = 0; r < rows; r++) {
                const float *d = desc[l] + r * dim + c * cdim;
                for (int j = 0; j < cdim; j++) {
                    sum += d[j];
                    sq += (double)d[j] * d[j];
                }
            }
            double count = (double)rows * cdim, mean = sum / count;
            double var = sq / count - mean * mean;
            float inv = var > 0 ? (float)(1.0 / sqrt(var)) : 1.0f;
            for (size_t r = 0; r < rows; r++) {
                float *d = desc[l] + r * dim + c * cdim;
                for (int j = 0; j < cdim; j++)
                    d[j] = (float)((d[j] - mean) * inv);
            }
        }
    }
    return CS_OK;
}

/* Order-preserving map of a float's bits to an unsigned integer. */
static uint32_t float_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* Sorts n floats ascending (by key) using tmp (n uint32) and keys (n uint32). */
static void radix_sort(float *values, size_t n, uint32_t *keys, uint32_t *tmp)
{
    for (size_t i = 0; i < n; i++)
        keys[i] = float_key(values[i]);
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((keys[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            tmp[count[(keys[i] >> shift) & 0xff]++] = keys[i];
        uint32_t *t = keys;
        keys = tmp;
        tmp = t;
    }
    /* 4 passes: the sorted keys are back in the first buffer; turn them into floats. */
    for (size_t i = 0; i < n; i++) {
        uint32_t u = keys[i];
        u = (u & 0x80000000u) ? (u & 0x7fffffffu) : ~u;
        memcpy(&values[i], &u, 4);
    }
}

/* SWD between two descriptor sets of rows x dim. */
static int sliced_wasserstein(const float *a, const float *b, size_t rows, int dim, gen_rng *rng,
                              double *out)
{
    float *dirs = malloc((size_t)SWD_DIRECTION_BLOCK * dim * sizeof(float));
    float *proj_a = malloc((size_t)SWD_DIRECTION_BLOCK * rows * sizeof(float));
    float *proj_b = malloc((size_t)SWD_DIRECTION_BLOCK * rows * sizeof(float));
    uint32_t *keys = malloc(rows * sizeof(uint32_t)), *tmp = malloc(rows * sizeof(uint32_t));
    int rc = CS_OK;
    if (!dirs || !proj_a || !proj_b || !keys || !tmp) {
        rc = CS_ENOMEM;
        goto done;
    }
    double total = 0.0;
    for (int block = 0; block < SWD_DIRECTIONS / SWD_DIRECTION_BLOCK; block++) {
        gen_rng_normal(rng, dirs, (size_t)SWD_DIRECTION_BLOCK * dim, 0.0f, 1.0f);
        for (int d = 0; d < SWD_DIRECTION_BLOCK; d++) {
            float *v = dirs + (size_t)d * dim;
            double sq = 0.0;
            for (int j = 0; j < dim; j++)
                sq += (double)v[j] * v[j];
            float inv = (float)(1.0 / sqrt(sq));
            for (int j = 0; j < dim; j++)
                v[j] *= inv;
        }
        /* proj[d][r] = dirs[d] . desc[r] */
        gen_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, SWD_DIRECTION_BLOCK, (int)rows, dim,
                  1.0f, dirs, dim, a, dim, 0.0f, proj_a, (int)rows);
        gen_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, SWD_DIRECTION_BLOCK, (int)rows, dim,
                  1.0f, dirs, dim, b, dim, 0.0f, proj_b, (int)rows);
        for (int d = 0; d < SWD_DIRECTION_BLOCK; d++) {
            float *pa = proj_a + (size_t)d * rows, *pb = proj_b + (size_t)d * rows;
            radix_sort(pa, rows, keys, tmp);
            radix_sort(pb, rows, keys, tmp);
            double sum = 0.0;
            for (size_t r = 0; r < rows; r++)
                sum += fabs((double)pa[r] - pb[r]);
            total += sum / (double)rows;
        }
    }
    *out = total / SWD_DIRECTIONS;
done:
    free(dirs);
    free(proj_a);
    free(proj_b);
    free(keys);
    free(tmp);
    return rc;
}

int gan_swd(const float *images_a, const float *images_b, int n, int channels, int size,
            uint64_t seed, gan_swd_result *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > SWD_MAX_IMAGES || channels < 1 || channels > 4 || size < SWD_MIN_RESOLUTION ||
        (size & (size - 1)) != 0)
        return cs_error_set(err, CS_EINVAL,
                            "swd: need 1..%d images per set, 1..4 channels and a power-of-two "
                            "size >= %d (got %d, %d, %d)",
                            SWD_MAX_IMAGES, SWD_MIN_RESOLUTION, n, channels, size);
    if (gen_blas_open(err) != CS_OK) return CS_EUNSUPPORTED;
    int levels = 0;
    for (int res = size; res >= SWD_MIN_RESOLUTION && levels < GAN_SWD_MAX_LEVELS; res /= 2)
        out->resolution[levels++] = res;
    out->levels = levels;

    const int dim = channels * SWD_PATCH * SWD_PATCH;
    size_t rows = (size_t)n * SWD_PATCHES_PER_IMAGE;
    float *desc_a[GAN_SWD_MAX_LEVELS] = {0}, *desc_b[GAN_SWD_MAX_LEVELS] = {0};
    int rc = CS_OK;
    for (int l = 0; l < levels; l++) {
        desc_a[l] = malloc(rows * dim * sizeof(float));
        desc_b[l] = malloc(rows * dim * sizeof(float));
        if (desc_a[l] == NULL || desc_b[l] == NULL) rc = CS_ENOMEM;
    }
    gen_rng rng;
    gen_rng_seed(&rng, seed);
    if (rc == CS_OK) rc = descriptors(images_a, n, channels, size, levels, &rng, desc_a);
    if (rc == CS_OK) rc = descriptors(images_b, n, channels, size, levels, &rng, desc_b);
    double sum = 0.0;
    for (int l = 0; l < levels && rc == CS_OK; l++) {
        rc = sliced_wasserstein(desc_a[l], desc_b[l], rows, dim, &rng, &out->distance[l]);
        out->distance[l] *= 1e3;
        sum += out->distance[l];
    }
    out->mean = sum / levels;
    for (int l = 0; l < levels; l++) {
        free(desc_a[l]);
        free(desc_b[l]);
    }
    if (rc != CS_OK) return cs_error_set(err, rc, "swd: out of memory for %d images", n);
    return CS_OK;
}
