/*
 * local.c - the local features of one image for stage 2 of the similarity
 * check: SIFT keypoints (VLFeat) with a 64-bit binary code each, their
 * serialised form, and the set of the mirrored image.
 *
 * Extraction. The image is resampled with resize.c's area filter so that its
 * longest side is LOCAL_SIDE pixels (up or down: features then live on one
 * scale whatever the source size), turned into float luma in 0..1, and run
 * through VLFeat's SIFT (3 levels per octave, first octave 0). Every
 * detected keypoint gets its DoG response, its orientations (up to four) and
 * a descriptor. The LOCAL_MAX_POINTS kept are the strongest responses taken
 * round-robin over a LOCAL_GRID x LOCAL_GRID grid, so a crop, a caption or a
 * logo that hides part of the image still leaves keypoints elsewhere; the
 * coarse ones are chosen first (up to LOCAL_COARSE_POINTS), so a thumbnail,
 * which has no fine ones, still finds partners.
 *
 * The code. The 128-bin descriptor becomes RootSIFT (square root of the
 * L1-normalised bins), is centred on its own mean, and projected on 64
 * fixed pseudo-random directions (a splitmix64 stream from LOCAL_SEED, so
 * the same on every machine and no data file); bit j is the sign of
 * projection j. The directions come in pairs (r, P r), where P is the
 * permutation of descriptor bins that mirroring the image applies. So the
 * mirrored image's code is the code with each pair's two bits swapped, and
 * dedup_local_mirror derives the mirrored set exactly, without the pixels.
 *
 * Mirroring: x becomes width - x, the angle pi - angle, and in the
 * descriptor (bin t + 8 bx + 32 by, bx along the keypoint's orientation)
 * the cell row by becomes 3 - by and the orientation bin t becomes -t mod 8.
 *
 * Threads: each call has its own VLFeat filter; VLFeat's only shared state
 * on this path is a static exp() table that vl_sift_new refills with the
 * same values each time (benign: every writer stores identical doubles).
 *
 * Serialised form (little-endian, version 1): "CSLF", version, code bits (64),
 * count (u16), width and height (u32), then per point the code (u64), x and y
 * as u16 fractions of the width and height, log2 scale in 1/16 octave steps
 * (u8) and the angle in 1/256 turns (u8): 14 bytes a point, 16 of header.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <vl/sift.h>

/* Longest side of the image SIFT sees: 384 px keeps the detail a photo's
 * structure needs while SIFT stays near 45 ms a query on one core (bench_audit). */
#define LOCAL_SIDE 384
/* Below this short side (after normalising) there is nothing to detect. */
#define LOCAL_MIN_SIDE 16
/* Pixels an image must have on its short side to get keypoints at all: blown up 20x, two
 * unrelated 20 px gradients (the crawler fixtures plasma.jpg and third.jpg) agreed on 11
 * keypoints; a 64 px thumbnail still carries its photo's structure. Below 64 px the
 * keypoints are mostly the interpolation's, and extracting them from a 12x blow-up cost
 * 40 ms per 32 x 32 image (dedup of 10,000 Fashion-MNIST images: 400 s of 420). PDQ
 * covers the rest. */
#define LOCAL_MIN_SOURCE_SIDE 64
/* Points kept: 256 x 14 bytes + 16 fits DEDUP_LOCAL_MAX_BYTES (4096). */
#define LOCAL_MAX_POINTS 256
/* Points reserved for coarse keypoints (sigma >= LOCAL_COARSE_SIGMA at the normalised
 * size, octave 2 and up): a thumbnail of a work shows only those, and by response alone a
 * detailed work keeps too few of them (a 64 px copy of q0122 then verified 7 points). */
#define LOCAL_COARSE_POINTS 64
#define LOCAL_COARSE_SIGMA  6.4f
/* Grid over which the points are spread: 4 x 4 cells. */
#define LOCAL_GRID 4
/* VLFeat's DoG peak threshold on 0..1 luma: low, since the strongest are chosen afterwards. */
#define LOCAL_PEAK_THRESH 0.001
/* VLFeat's edge threshold (Lowe's 10): rejects keypoints on straight edges. */
#define LOCAL_EDGE_THRESH 10.0
/* Candidates examined at most (bounds memory and time on very busy images). */
#define LOCAL_MAX_CANDIDATES 6000
#define LOCAL_DESC_BINS      128
#define LOCAL_CODE_BITS      64
#define LOCAL_SEED           0x636c656172736574ull /* "clearset" */

#define LOCAL_MAGIC       "CSLF"
#define LOCAL_VERSION     1
#define LOCAL_HEADER      16
#define LOCAL_POINT_BYTES 14
/* Source sides read back: what DEDUP_DEFAULT_MAX_PIXELS allows on one side and more. */
#define LOCAL_MAX_SOURCE_SIDE (1 << 26)
/* Scale code: sigma = 2^(q / 16 - 1) source pixels, 0.5 to about 30000. */
#define LOCAL_SCALE_STEPS 16.0
#define LOCAL_SCALE_BIAS  1.0

#define LOCAL_PI 3.14159265358979323846

typedef struct candidate {
    float x, y, sigma, angle; /* normalised-image pixels */
    float response;
    int cell;
    float desc[LOCAL_DESC_BINS];
} candidate;

/* The descriptor bin mirroring sends bin i to. */
static int mirror_bin(int i)
{
    int t = i % 8, bx = (i / 8) % 4, by = i / 32;
    return (8 - t) % 8 + 8 * bx + 32 * (3 - by);
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The 64 projection directions: pairs (r, P r), r uniform in -1..1 per bin. */
static void make_projections(float proj[LOCAL_CODE_BITS][LOCAL_DESC_BINS])
{
    uint64_t state = LOCAL_SEED;
    for (int j = 0; j < LOCAL_CODE_BITS; j += 2)
        for (int i = 0; i < LOCAL_DESC_BINS; i++) {
            float r = (float)((double)(splitmix64(&state) >> 11) / 9007199254740992.0 * 2 - 1);
            proj[j][i] = r;
            proj[j + 1][mirror_bin(i)] = r;
        }
}

static uint64_t code_of(const float *desc, float proj[LOCAL_CODE_BITS][LOCAL_DESC_BINS])
{
    double sum = 0;
    for (int i = 0; i < LOCAL_DESC_BINS; i++)
        sum += desc[i];
    float root[LOCAL_DESC_BINS];
    double mean = 0;
    for (int i = 0; i < LOCAL_DESC_BINS; i++) {
        root[i] = sum > 0 ? sqrtf((float)(desc[i] / sum)) : 0;
        mean += root[i];
    }
    mean /= LOCAL_DESC_BINS;
    for (int i = 0; i < LOCAL_DESC_BINS; i++)
        root[i] -= (float)mean;
    uint64_t code = 0;
    for (int j = 0; j < LOCAL_CODE_BITS; j++) {
        float dot = 0;
        for (int i = 0; i < LOCAL_DESC_BINS; i++)
            dot += proj[j][i] * root[i];
        if (dot > 0) code |= 1ull << j;
    }
    return code;
}

void local_geometry(const dedup_local *f, local_geom *out)
{
    for (size_t i = 0; i < f->count; i++) {
        const local_point *p = &f->points[i];
        out[i].x = (float)(p->qx * (double)f->width / 65535.0);
        out[i].y = (float)(p->qy * (double)f->height / 65535.0);
        out[i].scale = (float)exp2(p->qscale / LOCAL_SCALE_STEPS - LOCAL_SCALE_BIAS);
        out[i].angle = (float)(p->qangle * (2 * LOCAL_PI / 256.0));
    }
}

static long clampl(double v, long lo, long hi)
{
    long r = lrint(v);
    return r < lo ? lo : r > hi ? hi : r;
}

static void point_encode(local_point *p, double x, double y, double scale, double angle, int width,
                         int height)
{
    p->qx = (uint16_t)clampl(x / width * 65535.0, 0, 65535);
    p->qy = (uint16_t)clampl(y / height * 65535.0, 0, 65535);
    p->qscale = (uint8_t)clampl(
        (log2(scale > 0 ? scale : 1e-6) + LOCAL_SCALE_BIAS) * LOCAL_SCALE_STEPS, 0, 255);
    p->qangle = (uint8_t)(clampl(angle / (2 * LOCAL_PI) * 256.0, -100000, 100000) & 255);
}

static int by_response(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->response != y->response) return x->response > y->response ? -1 : 1;
    if (x->y != y->y) return x->y < y->y ? -1 : 1;
    if (x->x != y->x) return x->x < y->x ? -1 : 1;
    if (x->sigma != y->sigma) return x->sigma < y->sigma ? -1 : 1;
    return (x->angle > y->angle) - (x->angle < y->angle);
}

/* Float luma 0..1 of img at the normalised size w x h. */
static float *normalised_luma(const dedup_image *img, int w, int h, cs_error *err)
{
    dedup_image small;
    if (dedup_resize(img, w, h, &small, err) != CS_OK) return NULL;
    float *luma = malloc(sizeof(float) * (size_t)w * (size_t)h);
    if (luma) {
        const unsigned char *p = small.pixels;
        for (size_t i = 0; i < (size_t)w * (size_t)h; i++, p += small.channels)
            luma[i] = small.channels == 1
                          ? p[0] / 255.0f
                          : (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f;
    } else
        cs_error_set(err, CS_ENOMEM, "local features: out of memory");
    dedup_image_free(&small);
    return luma;
}

/* Every keypoint and orientation of the luma image, appended to *cands. */
static int detect(const float *luma, int w, int h, candidate **cands, size_t *count, size_t *cap)
{
    VlSiftFilt *f = vl_sift_new(w, h, -1, 3, 0);
    if (!f) return CS_ENOMEM;
    vl_sift_set_peak_thresh(f, LOCAL_PEAK_THRESH);
    vl_sift_set_edge_thresh(f, LOCAL_EDGE_THRESH);
    int rc = CS_OK;
    for (int status = vl_sift_process_first_octave(f, luma); status == VL_ERR_OK && rc == CS_OK;
         status = vl_sift_process_next_octave(f)) {
        vl_sift_detect(f);
        const VlSiftKeypoint *keys = vl_sift_get_keypoints(f);
        int nkeys = vl_sift_get_nkeypoints(f);
        int ow = vl_sift_get_octave_width(f), oh = vl_sift_get_octave_height(f);
        for (int k = 0; k < nkeys && rc == CS_OK; k++) {
            const VlSiftKeypoint *kp = &keys[k];
            if (kp->ix < 0 || kp->iy < 0 || kp->ix >= ow || kp->iy >= oh || kp->is < f->s_min ||
                kp->is >= f->s_max)
                continue;
            float response = fabsf(f->dog[(size_t)(kp->is - f->s_min) * (size_t)ow * (size_t)oh +
                                          (size_t)kp->iy * (size_t)ow + (size_t)kp->ix]);
            double angles[4];
            int nangles = vl_sift_calc_keypoint_orientations(f, angles, kp);
            for (int a = 0; a < nangles && rc == CS_OK; a++) {
                if (*count >= LOCAL_MAX_CANDIDATES) break;
                rc = cs_array_reserve((void **)cands, cap, *count, sizeof **cands,
                                      LOCAL_MAX_CANDIDATES);
                if (rc != CS_OK) break;
                candidate *c = &(*cands)[(*count)++];
                c->x = kp->x;
                c->y = kp->y;
                c->sigma = kp->sigma;
                c->angle = (float)angles[a];
                c->response = response;
                int gx = (int)(kp->x * LOCAL_GRID / w), gy = (int)(kp->y * LOCAL_GRID / h);
                gx = gx < 0 ? 0 : gx >= LOCAL_GRID ? LOCAL_GRID - 1 : gx;
                gy = gy < 0 ? 0 : gy >= LOCAL_GRID ? LOCAL_GRID - 1 : gy;
                c->cell = gy * LOCAL_GRID + gx;
                vl_sift_calc_keypoint_descriptor(f, c->desc, kp, angles[a]);
            }
        }
    }
    vl_sift_delete(f);
    return rc;
}

/*
 * Chooses up to `limit` of the sorted candidates with sigma >= min_sigma not
 * chosen yet: in rounds, each cell gives its strongest remaining one, so every
 * part of the image is represented before any part gets a second point.
 * Marks them in keep[]; returns how many are marked in all.
 */
static size_t choose(const candidate *cands, size_t n, unsigned char *keep, size_t chosen,
                     size_t limit, float min_sigma)
{
    size_t next[LOCAL_GRID * LOCAL_GRID] = {0};
    for (;;) {
        int any = 0;
        for (int cell = 0; cell < LOCAL_GRID * LOCAL_GRID && chosen < limit; cell++) {
            while (next[cell] < n && (cands[next[cell]].cell != cell || keep[next[cell]] ||
                                      cands[next[cell]].sigma < min_sigma))
                next[cell]++;
            if (next[cell] < n) {
                keep[next[cell]++] = 1;
                chosen++;
                any = 1;
            }
        }
        if (!any || chosen >= limit) return chosen;
    }
}

static int local_new(int width, int height, size_t count, dedup_local **out)
{
    dedup_local *f = calloc(1, sizeof *f);
    if (!f) return CS_ENOMEM;
    f->width = width;
    f->height = height;
    if (count) {
        f->points = calloc(count, sizeof *f->points);
        if (!f->points) {
            free(f);
            return CS_ENOMEM;
        }
    }
    f->count = count;
    *out = f;
    return CS_OK;
}

int dedup_local_extract(const dedup_image *img, dedup_local **out, cs_error *err)
{
    *out = NULL;
    int src_w = img->source_width > 0 ? img->source_width : img->width;
    int src_h = img->source_height > 0 ? img->source_height : img->height;
    int longest = CS_MAX(img->width, img->height);
    int w = longest > 0 ? (int)lrint((double)img->width * LOCAL_SIDE / longest) : 0;
    int h = longest > 0 ? (int)lrint((double)img->height * LOCAL_SIDE / longest) : 0;
    if (w < LOCAL_MIN_SIDE || h < LOCAL_MIN_SIDE || !img->pixels ||
        CS_MIN(img->width, img->height) < LOCAL_MIN_SOURCE_SIDE)
        return local_new(CS_MAX(src_w, 1), CS_MAX(src_h, 1), 0, out) == CS_OK
                   ? CS_OK
                   : cs_error_set(err, CS_ENOMEM, "local features: out of memory");
    float *luma = normalised_luma(img, w, h, err);
    if (!luma) return err ? err->code : CS_ENOMEM;
    candidate *cands = NULL;
    size_t count = 0, cap = 0;
    int rc = detect(luma, w, h, &cands, &count, &cap);
    free(luma);
    unsigned char *keep = count ? calloc(count, 1) : NULL;
    if (rc == CS_OK && count && !keep) rc = CS_ENOMEM;
    size_t chosen = 0;
    if (rc == CS_OK) {
        if (count) qsort(cands, count, sizeof *cands, by_response);
        /* the coarse points first (a thumbnail has no others), then the strongest of all */
        chosen = choose(cands, count, keep, 0, LOCAL_COARSE_POINTS, LOCAL_COARSE_SIGMA);
        chosen = choose(cands, count, keep, chosen, LOCAL_MAX_POINTS, 0);
        rc = local_new(src_w, src_h, chosen, out);
    }
    if (rc == CS_OK && chosen) {
        float(*proj)[LOCAL_DESC_BINS] = malloc(sizeof(float) * LOCAL_CODE_BITS * LOCAL_DESC_BINS);
        if (!proj) {
            dedup_local_free(*out);
            *out = NULL;
            rc = CS_ENOMEM;
        } else {
            make_projections(proj);
            double fx = (double)src_w / w, fy = (double)src_h / h, fs = sqrt(fx * fy);
            size_t k = 0;
            for (size_t i = 0; i < count; i++) {
                if (!keep[i]) continue;
                local_point *p = &(*out)->points[k++];
                p->code = code_of(cands[i].desc, proj);
                point_encode(p, (cands[i].x + 0.5) * fx, (cands[i].y + 0.5) * fy,
                             cands[i].sigma * fs, cands[i].angle, src_w, src_h);
            }
            free(proj);
        }
    }
    free(keep);
    free(cands);
    return rc == CS_OK ? CS_OK : cs_error_set(err, rc, "local features: out of memory");
}

int dedup_local_mirror(const dedup_local *in, dedup_local **out, cs_error *err)
{
    if (local_new(in->width, in->height, in->count, out) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "local features: out of memory");
    for (size_t i = 0; i < in->count; i++) {
        const local_point *p = &in->points[i];
        local_point *m = &(*out)->points[i];
        uint64_t even = p->code & 0x5555555555555555ull, odd = p->code & 0xAAAAAAAAAAAAAAAAull;
        m->code = (even << 1) | (odd >> 1);
        m->qx = (uint16_t)(65535 - p->qx);
        m->qy = p->qy;
        m->qscale = p->qscale;
        m->qangle = (uint8_t)((128 - p->qangle) & 255);
    }
    return CS_OK;
}

size_t dedup_local_count(const dedup_local *f)
{
    return f ? f->count : 0;
}

void dedup_local_size(const dedup_local *f, int *width, int *height)
{
    *width = f ? f->width : 0;
    *height = f ? f->height : 0;
}

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int dedup_local_serialize(const dedup_local *f, cs_buf *out, cs_error *err)
{
    if (f->count > LOCAL_MAX_POINTS)
        return cs_error_set(err, CS_ELIMIT, "local features: %zu points exceed %d", f->count,
                            LOCAL_MAX_POINTS);
    unsigned char bytes[LOCAL_HEADER + LOCAL_MAX_POINTS * LOCAL_POINT_BYTES];
    memcpy(bytes, LOCAL_MAGIC, 4);
    bytes[4] = LOCAL_VERSION;
    bytes[5] = LOCAL_CODE_BITS;
    put_le(bytes + 6, f->count, 2);
    put_le(bytes + 8, (uint32_t)f->width, 4);
    put_le(bytes + 12, (uint32_t)f->height, 4);
    unsigned char *p = bytes + LOCAL_HEADER;
    for (size_t i = 0; i < f->count; i++, p += LOCAL_POINT_BYTES) {
        const local_point *pt = &f->points[i];
        put_le(p, pt->code, 8);
        put_le(p + 8, pt->qx, 2);
        put_le(p + 10, pt->qy, 2);
        p[12] = pt->qscale;
        p[13] = pt->qangle;
    }
    int rc = cs_buf_append(out, bytes, (size_t)(p - bytes));
    return rc == CS_OK ? CS_OK : cs_error_set(err, rc, "local features: cannot append");
}

int dedup_local_deserialize(const unsigned char *bytes, size_t len, dedup_local **out,
                            cs_error *err)
{
    *out = NULL;
    if (!bytes || len < LOCAL_HEADER || memcmp(bytes, LOCAL_MAGIC, 4) != 0)
        return cs_error_set(err, CS_EFORMAT, "local features: not a feature set (%zu bytes)", len);
    if (bytes[4] != LOCAL_VERSION) /* a newer layout is still bytes this build cannot read */
        return cs_error_set(err, CS_EFORMAT, "local features: version %d, this build reads %d",
                            bytes[4], LOCAL_VERSION);
    size_t count = (size_t)get_le(bytes + 6, 2);
    uint64_t width = get_le(bytes + 8, 4), height = get_le(bytes + 12, 4);
    if (bytes[5] != LOCAL_CODE_BITS || count > LOCAL_MAX_POINTS ||
        len != LOCAL_HEADER + count * LOCAL_POINT_BYTES || width < 1 ||
        width > LOCAL_MAX_SOURCE_SIDE || height < 1 || height > LOCAL_MAX_SOURCE_SIDE)
        return cs_error_set(err, CS_EFORMAT,
                            "local features: bad header (%zu points, %llux%llu, %zu bytes)", count,
                            (unsigned long long)width, (unsigned long long)height, len);
    if (local_new((int)width, (int)height, count, out) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "local features: out of memory");
    const unsigned char *p = bytes + LOCAL_HEADER;
    for (size_t i = 0; i < count; i++, p += LOCAL_POINT_BYTES) {
        local_point *pt = &(*out)->points[i];
        pt->code = get_le(p, 8);
        pt->qx = (uint16_t)get_le(p + 8, 2);
        pt->qy = (uint16_t)get_le(p + 10, 2);
        pt->qscale = p[12];
        pt->qangle = p[13];
    }
    return CS_OK;
}

void dedup_local_free(dedup_local *f)
{
    if (!f) return;
    free(f->points);
    free(f);
}
