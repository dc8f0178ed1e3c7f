/*
 * pdq.c - Meta's PDQ perceptual hash, computed the way the reference C++
 * (facebook/ThreatExchange pdq/cpp, described in pdqhash-2017-10-09.pdf)
 * computes it, so that the same luma gives the same 256 bits:
 *
 *   1. luma = 0.299 R + 0.587 G + 0.114 B in float (grey images: the grey value);
 *   2. a tent filter made of two rounds of 1-D box filters (Jarosz), along rows
 *      with window ceil(cols/128) and along columns with window ceil(rows/128);
 *      each box pass grows its window at the start and shrinks it at the end,
 *      dividing the running float sum by the current window length;
 *   3. decimation to 64x64 by sampling the centres of a 64x64 grid;
 *   4. the quality metric: summed, quantised neighbour gradients of the 64x64;
 *   5. a 2-D DCT keeping frequencies 1..16 in both directions (D A D^T with a
 *      16x64 DCT-II matrix), summed in float in ascending k;
 *   6. bit k = 16*row + col is set when the coefficient exceeds the median, the
 *      128th smallest of the 256 (what the reference's Torben median returns).
 *
 * Bit exactness depends on doing every float operation in the same order and
 * precision: no fused multiply-add (dedup/ builds with -ffp-contract=off), no
 * reassociation. The column pass of the box filter sweeps all columns at once,
 * row by row, which changes memory order but not any column's arithmetic.
 *
 * The eight dihedral hashes come from the DCT alone: mirroring an image
 * negates its odd-index frequencies (here: even 0-based indices, since index i
 * is frequency i+1) and a transpose transposes the coefficient matrix.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PDQ_MIN_HASHABLE_DIM 5 /* the reference's minimum; smaller images hash to zero */
#define PDQ_JAROSZ_PASSES    2 /* two X,Y rounds of box filters make a tent filter */
#define PDQ_DOWNSAMPLE       64
#define PDQ_DCT_SIZE         16

/* The 16x64 DCT-II rows for frequencies 1..16; computed once, then read-only. */
static float dct_matrix[PDQ_DCT_SIZE][PDQ_DOWNSAMPLE];
static pthread_once_t dct_matrix_once = PTHREAD_ONCE_INIT;

static void dct_matrix_init(void)
{
    const double pi = 3.14159265358979323846;
    const float scale = (float)sqrt(2.0 / (double)PDQ_DOWNSAMPLE);
    for (int i = 0; i < PDQ_DCT_SIZE; i++)
        for (int j = 0; j < PDQ_DOWNSAMPLE; j++)
            dct_matrix[i][j] = (float)(scale * cos((pi / 2.0 / (double)PDQ_DOWNSAMPLE) *
                                                   (double)(i + 1) * (double)(2 * j + 1)));
}

/* ceil(old / (2 * new)): half a block per pass, since two passes make the tent. */
static int jarosz_window(int old_dim, int new_dim)
{
    return (old_dim + 2 * new_dim - 1) / (2 * new_dim);
}

/*
 * One box pass along a row of n floats (stride 1). The window grows from
 * half+... at the left edge to `window`, slides, then shrinks at the right edge.
 */
static void box_row(const float *in, float *out, int n, int window)
{
    int half = (window + 2) / 2;
    int grow_reads = half - 1, first_writes = window - half + 1;
    int full_writes = n - window, last_writes = half - 1;
    float sum = 0.0f;
    int count = 0, ri = 0, li = 0, oi = 0;
    for (int i = 0; i < grow_reads; i++) {
        sum += in[ri++];
        count++;
    }
    for (int i = 0; i < first_writes; i++) {
        sum += in[ri++];
        count++;
        out[oi++] = sum / count;
    }
    for (int i = 0; i < full_writes; i++) {
        sum += in[ri++];
        sum -= in[li++];
        out[oi++] = sum / count;
    }
    for (int i = 0; i < last_writes; i++) {
        sum -= in[li++];
        count--;
        out[oi++] = sum / count;
    }
}

/* The same pass down every column at once: sums[] holds one running sum per column. */
static void box_columns(const float *in, float *out, int rows, int cols, int window, float *sums)
{
    int half = (window + 2) / 2;
    int grow_reads = half - 1, first_writes = window - half + 1;
    int full_writes = rows - window, last_writes = half - 1;
    int count = 0, ri = 0, li = 0, oi = 0;
    for (int j = 0; j < cols; j++)
        sums[j] = 0.0f;
    for (int i = 0; i < grow_reads; i++, ri++) {
        const float *r = in + (size_t)ri * cols;
        for (int j = 0; j < cols; j++)
            sums[j] += r[j];
        count++;
    }
    for (int i = 0; i < first_writes; i++, ri++, oi++) {
        const float *r = in + (size_t)ri * cols;
        float *o = out + (size_t)oi * cols;
        count++;
        for (int j = 0; j < cols; j++) {
            sums[j] += r[j];
            o[j] = sums[j] / count;
        }
    }
    for (int i = 0; i < full_writes; i++, ri++, li++, oi++) {
        const float *r = in + (size_t)ri * cols;
        const float *l = in + (size_t)li * cols;
        float *o = out + (size_t)oi * cols;
        for (int j = 0; j < cols; j++) {
            sums[j] += r[j];
            sums[j] -= l[j];
            o[j] = sums[j] / count;
        }
    }
    for (int i = 0; i < last_writes; i++, li++, oi++) {
        const float *l = in + (size_t)li * cols;
        float *o = out + (size_t)oi * cols;
        count--;
        for (int j = 0; j < cols; j++) {
            sums[j] -= l[j];
            o[j] = sums[j] / count;
        }
    }
}

static int quality_metric(float a[PDQ_DOWNSAMPLE][PDQ_DOWNSAMPLE])
{
    int gradient_sum = 0;
    for (int i = 0; i < PDQ_DOWNSAMPLE - 1; i++)
        for (int j = 0; j < PDQ_DOWNSAMPLE; j++) {
            int d = (int)(((a[i][j] - a[i + 1][j]) * 100.0f) / 255.0f);
            gradient_sum += abs(d);
        }
    for (int i = 0; i < PDQ_DOWNSAMPLE; i++)
        for (int j = 0; j < PDQ_DOWNSAMPLE - 1; j++) {
            int d = (int)(((a[i][j] - a[i][j + 1]) * 100.0f) / 255.0f);
            gradient_sum += abs(d);
        }
    int quality = gradient_sum / 90; /* the reference's heuristic scale */
    return quality > 100 ? 100 : quality;
}

static void dct_64_to_16(float a[PDQ_DOWNSAMPLE][PDQ_DOWNSAMPLE],
                         float out[PDQ_DCT_SIZE][PDQ_DCT_SIZE])
{
    float t[PDQ_DCT_SIZE][PDQ_DOWNSAMPLE]; /* t = D a */
    for (int i = 0; i < PDQ_DCT_SIZE; i++)
        for (int j = 0; j < PDQ_DOWNSAMPLE; j++) {
            float sum = 0.0f;
            for (int k = 0; k < PDQ_DOWNSAMPLE; k++)
                sum += dct_matrix[i][k] * a[k][j];
            t[i][j] = sum;
        }
    for (int i = 0; i < PDQ_DCT_SIZE; i++) /* out = t D^T */
        for (int j = 0; j < PDQ_DCT_SIZE; j++) {
            float sum = 0.0f;
            for (int k = 0; k < PDQ_DOWNSAMPLE; k++)
                sum += t[i][k] * dct_matrix[j][k];
            out[i][j] = sum;
        }
}

static int float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void dct_to_bits(float dct[PDQ_DCT_SIZE][PDQ_DCT_SIZE], pdq_hash *h)
{
    float sorted[PDQ_DCT_SIZE * PDQ_DCT_SIZE];
    memcpy(sorted, dct, sizeof(sorted));
    qsort(sorted, CS_ARRAY_LEN(sorted), sizeof(float), float_cmp);
    float median = sorted[CS_ARRAY_LEN(sorted) / 2 - 1]; /* the lower median, as Torben's */
    memset(h, 0, sizeof(*h));
    for (int i = 0; i < PDQ_DCT_SIZE; i++)
        for (int j = 0; j < PDQ_DCT_SIZE; j++)
            if (dct[i][j] > median) {
                int k = i * PDQ_DCT_SIZE + j;
                h->w[k >> 6] |= 1ull << (k & 63);
            }
}

int pdq_from_luma(float *luma, float *scratch, int rows, int cols, pdq_result *out)
{
    memset(out, 0, sizeof(*out));
    if (rows < PDQ_MIN_HASHABLE_DIM || cols < PDQ_MIN_HASHABLE_DIM) return CS_OK;
    pthread_once(&dct_matrix_once, dct_matrix_init);

    float down[PDQ_DOWNSAMPLE][PDQ_DOWNSAMPLE];
    if (rows == PDQ_DOWNSAMPLE && cols == PDQ_DOWNSAMPLE) {
        memcpy(down, luma, sizeof(down)); /* already 64x64: the reference skips the filter */
    } else {
        int window_along_rows = jarosz_window(cols, PDQ_DOWNSAMPLE);
        int window_along_cols = jarosz_window(rows, PDQ_DOWNSAMPLE);
        float *sums = malloc(sizeof(float) * (size_t)cols);
        if (!sums) return CS_ENOMEM;
        for (int pass = 0; pass < PDQ_JAROSZ_PASSES; pass++) {
            for (int r = 0; r < rows; r++)
                box_row(luma + (size_t)r * cols, scratch + (size_t)r * cols, cols,
                        window_along_rows);
            box_columns(scratch, luma, rows, cols, window_along_cols, sums);
        }
        free(sums);
        for (int oi = 0; oi < PDQ_DOWNSAMPLE; oi++) { /* sample the centres, not corners */
            int ii = (int)(((oi + 0.5) * rows) / PDQ_DOWNSAMPLE);
            for (int oj = 0; oj < PDQ_DOWNSAMPLE; oj++) {
                int jj = (int)(((oj + 0.5) * cols) / PDQ_DOWNSAMPLE);
                down[oi][oj] = luma[(size_t)ii * cols + jj];
            }
        }
    }
    out->quality = quality_metric(down);
    dct_64_to_16(down, out->dct);
    dct_to_bits(out->dct, &out->hash);
    return CS_OK;
}

int pdq_from_image(const dedup_image *img, pdq_result *out, cs_error *err)
{
    /* The reference's coefficients are float constants initialised from doubles. */
    const float luma_r = (float)0.299, luma_g = (float)0.587, luma_b = (float)0.114;
    size_t n = (size_t)img->width * img->height;
    float *luma = malloc(sizeof(float) * n);
    float *scratch = malloc(sizeof(float) * n);
    if (!luma || !scratch) {
        free(luma);
        free(scratch);
        return cs_error_set(err, CS_ENOMEM, "out of memory hashing a %dx%d image", img->width,
                            img->height);
    }
    const unsigned char *p = img->pixels;
    if (img->channels == 1) {
        for (size_t i = 0; i < n; i++)
            luma[i] = (float)p[i];
    } else {
        for (size_t i = 0; i < n; i++, p += 3)
            luma[i] = luma_r * (float)p[0] + luma_g * (float)p[1] + luma_b * (float)p[2];
    }
    int rc = pdq_from_luma(luma, scratch, img->height, img->width, out);
    free(luma);
    free(scratch);
    if (rc != CS_OK)
        return cs_error_set(err, rc, "out of memory hashing a %dx%d image", img->width,
                            img->height);
    return CS_OK;
}

/*
 * How each dihedral transform acts on the 16x16 coefficients: whether it
 * transposes them, and which coefficients change sign. negate(i, j) is
 * evaluated on the source indices.
 */
static int dihedral_negates(int transform, int i, int j)
{
    switch (transform) {
    case PDQ_DIH_ROTATE_90:
        return !(j & 1);
    case PDQ_DIH_ROTATE_180:
        return (i + j) & 1;
    case PDQ_DIH_ROTATE_270:
        return !(i & 1);
    case PDQ_DIH_FLIP_X:
        return !(i & 1);
    case PDQ_DIH_FLIP_Y:
        return !(j & 1);
    case PDQ_DIH_FLIP_MINUS1:
        return (i + j) & 1;
    default: /* original, flip +1 */
        return 0;
    }
}

static int dihedral_transposes(int transform)
{
    return transform == PDQ_DIH_ROTATE_90 || transform == PDQ_DIH_ROTATE_270 ||
           transform == PDQ_DIH_FLIP_PLUS1 || transform == PDQ_DIH_FLIP_MINUS1;
}

void pdq_dihedral(const pdq_result *res, pdq_hash out[PDQ_DIH_COUNT])
{
    for (int t = 0; t < PDQ_DIH_COUNT; t++) {
        float b[PDQ_DCT_SIZE][PDQ_DCT_SIZE];
        int transpose = dihedral_transposes(t);
        for (int i = 0; i < PDQ_DCT_SIZE; i++)
            for (int j = 0; j < PDQ_DCT_SIZE; j++) {
                float v = res->dct[i][j];
                if (dihedral_negates(t, i, j)) v = -v;
                if (transpose)
                    b[j][i] = v;
                else
                    b[i][j] = v;
            }
        dct_to_bits(b, &out[t]);
    }
}

/* w[3] w[2] w[1] w[0], each most significant byte first: the order the hex form reads. */
void pdq_hash_to_hex(const pdq_hash *h, char out[PDQ_HEX_LEN + 1])
{
    unsigned char bytes[PDQ_HEX_LEN / 2];
    for (int i = 0; i < PDQ_HEX_LEN / 2; i++)
        bytes[i] = (unsigned char)(h->w[3 - i / 8] >> (56 - 8 * (i % 8)));
    cs_hex_encode(bytes, sizeof bytes, out);
}

int pdq_hash_from_hex(const char *hex, size_t len, pdq_hash *out)
{
    unsigned char bytes[PDQ_HEX_LEN / 2];
    memset(out, 0, sizeof(*out));
    int rc = cs_hex_decode(hex, len, bytes, sizeof bytes);
    if (rc != CS_OK) return rc;
    for (int i = 0; i < PDQ_HEX_LEN / 2; i++)
        out->w[3 - i / 8] = out->w[3 - i / 8] << 8 | bytes[i];
    return CS_OK;
}

int pdq_distance(const pdq_hash *a, const pdq_hash *b)
{
    return __builtin_popcountll(a->w[0] ^ b->w[0]) + __builtin_popcountll(a->w[1] ^ b->w[1]) +
           __builtin_popcountll(a->w[2] ^ b->w[2]) + __builtin_popcountll(a->w[3] ^ b->w[3]);
}
