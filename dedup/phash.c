/*
 * phash.c - the classic 64-bit DCT perceptual hash (pHash): luma area-averaged
 * to 32x32, a 32x32 DCT-II, the 8x8 block of frequencies 1..8 in both
 * directions (the DC row and column left out, since they carry brightness,
 * not structure), and one bit per coefficient above the median of the 64.
 *
 * Bit k = 8*(u-1) + (v-1) is bit 63-k of the result, so the hex form reads
 * row by row from the lowest frequencies. It complements PDQ as a second,
 * cheaper opinion; nothing about it needs to match another implementation.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PHASH_SIZE 32
#define PHASH_KEEP 8

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Mean luma of each cell of a 32x32 grid over the image (cells of at least one
 * pixel). Luma in integer thousandths (299 R + 587 G + 114 B) keeps the sum
 * exact and the loop cheap on full-resolution images.
 */
static void area_average(const dedup_image *img, double out[PHASH_SIZE][PHASH_SIZE])
{
    int w = img->width, h = img->height, ch = img->channels;
    for (int gy = 0; gy < PHASH_SIZE; gy++) {
        int y0 = (int)((long long)gy * h / PHASH_SIZE);
        int y1 = (int)((long long)(gy + 1) * h / PHASH_SIZE);
        if (y1 <= y0) y1 = y0 + 1;
        for (int gx = 0; gx < PHASH_SIZE; gx++) {
            int x0 = (int)((long long)gx * w / PHASH_SIZE);
            int x1 = (int)((long long)(gx + 1) * w / PHASH_SIZE);
            if (x1 <= x0) x1 = x0 + 1;
            uint64_t sum = 0;
            for (int y = y0; y < y1; y++) {
                const unsigned char *p = img->pixels + ((size_t)y * w + x0) * ch;
                if (ch == 1) {
                    for (int x = x0; x < x1; x++)
                        sum += 1000u * p[x - x0];
                } else {
                    for (int x = x0; x < x1; x++, p += 3)
                        sum += 299u * p[0] + 587u * p[1] + 114u * p[2];
                }
            }
            out[gy][gx] = (double)sum / (1000.0 * (double)(y1 - y0) * (x1 - x0));
        }
    }
}

uint64_t phash_from_image(const dedup_image *img)
{
    if (!img || !img->pixels || img->width < 1 || img->height < 1) return 0;
    double a[PHASH_SIZE][PHASH_SIZE];
    area_average(img, a);
    double basis[PHASH_KEEP + 1][PHASH_SIZE]; /* frequencies 0..8 */
    for (int u = 0; u <= PHASH_KEEP; u++)
        for (int x = 0; x < PHASH_SIZE; x++)
            basis[u][x] = cos(M_PI / PHASH_SIZE * (x + 0.5) * u);
    double rowdct[PHASH_SIZE][PHASH_KEEP + 1]; /* along x for every row */
    for (int y = 0; y < PHASH_SIZE; y++)
        for (int v = 1; v <= PHASH_KEEP; v++) {
            double s = 0;
            for (int x = 0; x < PHASH_SIZE; x++)
                s += a[y][x] * basis[v][x];
            rowdct[y][v] = s;
        }
    double coef[PHASH_KEEP * PHASH_KEEP], sorted[PHASH_KEEP * PHASH_KEEP];
    for (int u = 1; u <= PHASH_KEEP; u++)
        for (int v = 1; v <= PHASH_KEEP; v++) {
            double s = 0;
            for (int y = 0; y < PHASH_SIZE; y++)
                s += rowdct[y][v] * basis[u][y];
            coef[(u - 1) * PHASH_KEEP + (v - 1)] = s;
        }
    memcpy(sorted, coef, sizeof(sorted));
    qsort(sorted, CS_ARRAY_LEN(sorted), sizeof(double), double_cmp);
    double median = (sorted[31] + sorted[32]) / 2;
    uint64_t hash = 0;
    for (int k = 0; k < PHASH_KEEP * PHASH_KEEP; k++)
        if (coef[k] > median) hash |= 1ull << (63 - k);
    return hash;
}

int phash_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

void phash_to_hex(uint64_t phash, char out[PHASH_HEX_LEN + 1])
{
    unsigned char bytes[PHASH_HEX_LEN / 2];
    for (int i = 0; i < PHASH_HEX_LEN / 2; i++)
        bytes[i] = (unsigned char)(phash >> (56 - 8 * i));
    cs_hex_encode(bytes, sizeof bytes, out);
}

int phash_from_hex(const char *hex, size_t len, uint64_t *out)
{
    unsigned char bytes[PHASH_HEX_LEN / 2];
    int rc = cs_hex_decode(hex, len, bytes, sizeof bytes);
    if (rc != CS_OK) return rc;
    *out = 0;
    for (int i = 0; i < PHASH_HEX_LEN / 2; i++)
        *out = *out << 8 | bytes[i];
    return CS_OK;
}
