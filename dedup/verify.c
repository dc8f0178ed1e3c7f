/*
 * verify.c - geometric verification of a work's keypoints against a query's:
 * do enough correspondences agree on one transform of the work into the
 * query? The answer behind every stage-2 verdict, so it is deterministic
 * (no random sampling): the same two sets always give the same match.
 *
 * 1. Correspondences. Each query point's nearest work point by Hamming
 *    distance of the codes, kept when it is close (VERIFY_MAX_DISTANCE).
 *    There is no ratio test: with 64-bit codes on thumbnails and fine texture
 *    the second nearest is often as near (a ratio of 0.8 lost a 64 px
 *    thumbnail in bench_audit). Uniqueness is enforced where chance pairs
 *    pile up instead: a transform counts each work point and each query
 *    point once, so many query points on one work blob count as one.
 * 2. Hypotheses. A SIFT keypoint carries position, scale and orientation, so
 *    one correspondence alone fixes a similarity transform (scale ratio,
 *    angle difference, then the translation). Every correspondence is tried
 *    as the hypothesis, in order; each counts the correspondences it
 *    explains: reprojection within VERIFY_COARSE_TOL of the query's longest
 *    side, scale within VERIFY_SCALE_TOL octaves, angle within
 *    VERIFY_ANGLE_TOL. The first with the most wins (ties: the lower index).
 * 3. Refinement. An affine transform fitted by least squares to the inliers,
 *    and the inliers counted again by reprojection alone, within the tighter
 *    VERIFY_FINE_TOL; twice. The affine fit is kept only while it stays close
 *    to a similarity (no mirroring, axis ratio within VERIFY_MAX_ANISOTROPY):
 *    a photo is re-cropped, scaled and rotated, not sheared.
 * 4. A match needs VERIFY_MIN_INLIERS inliers spread over at least
 *    VERIFY_MIN_SPREAD of both images (convex hull): chance agreements
 *    cluster on a speck of repeated texture or text.
 * 5. Measures: inliers, the bounding boxes of the inliers on both sides, and
 *    the coverages: the area of the inliers' convex hull over the image's
 *    area, on each side. The work's outline is its corners mapped by the
 *    transform; the overlaps are the area of the work's outline clipped to
 *    the query (Sutherland-Hodgman) over each image's area: how much of the
 *    query is the work, and how much of the work the query shows. They say
 *    "copy or collage" better than the hulls, which depend on where the
 *    keypoints happen to be.
 */
#include "dedup/dedup_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bits of 64 two codes of one physical point differ by at most, in practice: on four
 * photos rotated 10 degrees, re-encoded at q30, cropped 30% or resized to 25%, 89% of the
 * geometrically true pairs were within 7 bits and 98% within 16. */
#define VERIFY_MAX_DISTANCE 16
/* Hypothesis counting: a single keypoint's scale and angle extrapolate badly
 * far from it, so generous, as a fraction of the query's longest side. */
#define VERIFY_COARSE_TOL 0.05
/* After the affine fit on many points: 2% of the longest side (8 px at 384). */
#define VERIFY_FINE_TOL 0.02
/* Scale and angle agreement for a hypothesis: 0.5 octave, 25 degrees. */
#define VERIFY_SCALE_TOL 0.5
#define VERIFY_ANGLE_TOL (25.0 * 3.14159265358979323846 / 180.0)
/* The affine fit stays when its two axes differ by at most this factor. */
#define VERIFY_MAX_ANISOTROPY 1.5
/* Refinement rounds. */
#define VERIFY_ROUNDS 2
/* Fewer inliers than this is chance: unrelated pairs reach at most 8 (bench_audit). */
#define VERIFY_MIN_INLIERS 10
/* The inliers' hull must cover this share of each image: the chance agreements bench_audit
 * found covered under 0.5% of one side; a work pasted over 25% of a collage, 8%. */
#define VERIFY_MIN_SPREAD 0.01

#define VERIFY_PI 3.14159265358979323846

typedef struct pair {
    const local_geom *q, *w;
    size_t work_point; /* index of w, for uniqueness */
} pair;

DEDUP_POPCOUNT_HOT static size_t correspondences(const dedup_local *query, const dedup_local *work,
                                                 const local_geom *qg, const local_geom *wg,
                                                 pair *pairs)
{
    size_t n = 0;
    for (size_t i = 0; i < query->count; i++) {
        const local_point *q = &query->points[i];
        int best = VERIFY_MAX_DISTANCE + 1;
        size_t best_j = 0;
        for (size_t j = 0; j < work->count; j++) {
            int d = local_distance(q->code, work->points[j].code);
            if (d < best) best = d, best_j = j;
        }
        if (best <= VERIFY_MAX_DISTANCE) pairs[n++] = (pair){&qg[i], &wg[best_j], best_j};
    }
    return n;
}

static void apply(const double t[6], double x, double y, double *qx, double *qy)
{
    *qx = t[0] * x + t[1] * y + t[2];
    *qy = t[3] * x + t[4] * y + t[5];
}

static double angle_diff(double a, double b)
{
    double d = fmod(fabs(a - b), 2 * VERIFY_PI);
    return d > VERIFY_PI ? 2 * VERIFY_PI - d : d;
}

/* The similarity transform one correspondence implies. */
static void hypothesis(const pair *p, double t[6])
{
    double s = p->q->scale / p->w->scale, a = p->q->angle - p->w->angle;
    double c = s * cos(a), sn = s * sin(a);
    t[0] = c, t[1] = -sn, t[3] = sn, t[4] = c;
    t[2] = p->q->x - (c * p->w->x - sn * p->w->y);
    t[5] = p->q->y - (sn * p->w->x + c * p->w->y);
}

/*
 * Marks (if mask) and counts the pairs t explains within tol; with_shape also
 * asks scale and angle to agree with the hypothesis' own. Each work point
 * counts once (used: one byte per work point, scratch).
 */
static int count_inliers(const pair *pairs, size_t n, const double t[6], double tol, int with_shape,
                         unsigned char *mask, unsigned char *used, size_t points)
{
    double scale = sqrt(fabs(t[0] * t[4] - t[1] * t[3])), angle = atan2(t[3], t[0]);
    int inliers = 0;
    memset(used, 0, points);
    for (size_t k = 0; k < n; k++) {
        double x, y;
        apply(t, pairs[k].w->x, pairs[k].w->y, &x, &y);
        double dx = x - pairs[k].q->x, dy = y - pairs[k].q->y;
        int ok = !used[pairs[k].work_point] && dx * dx + dy * dy <= tol * tol;
        if (ok && with_shape)
            ok = fabs(log2(pairs[k].q->scale / (pairs[k].w->scale * scale))) <= VERIFY_SCALE_TOL &&
                 angle_diff(pairs[k].q->angle - pairs[k].w->angle, angle) <= VERIFY_ANGLE_TOL;
        if (mask) mask[k] = (unsigned char)ok;
        if (ok) used[pairs[k].work_point] = 1;
        inliers += ok;
    }
    return inliers;
}

/* Solves the 3x3 system m x = b (Gaussian elimination with pivoting); 0 if singular. */
static int solve3(double m[3][3], double b[3], double x[3])
{
    for (int c = 0; c < 3; c++) {
        int p = c;
        for (int r = c + 1; r < 3; r++)
            if (fabs(m[r][c]) > fabs(m[p][c])) p = r;
        if (fabs(m[p][c]) < 1e-9) return 0;
        for (int k = 0; k < 3; k++) {
            double tmp = m[c][k];
            m[c][k] = m[p][k], m[p][k] = tmp;
        }
        double tmp = b[c];
        b[c] = b[p], b[p] = tmp;
        for (int r = c + 1; r < 3; r++) {
            double f = m[r][c] / m[c][c];
            for (int k = c; k < 3; k++)
                m[r][k] -= f * m[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = 2; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < 3; k++)
            s -= m[r][k] * x[k];
        x[r] = s / m[r][r];
    }
    return 1;
}

/* Least-squares affine transform of the masked pairs; 0 when degenerate or not photo-like. */
static int fit_affine(const pair *pairs, size_t n, const unsigned char *mask, double t[6])
{
    double cx = 0, cy = 0;
    int used = 0;
    for (size_t k = 0; k < n; k++)
        if (mask[k]) cx += pairs[k].w->x, cy += pairs[k].w->y, used++;
    if (used < 3) return 0;
    cx /= used, cy /= used;
    double m[3][3] = {{0}}, bx[3] = {0}, by[3] = {0};
    for (size_t k = 0; k < n; k++) {
        if (!mask[k]) continue;
        double v[3] = {pairs[k].w->x - cx, pairs[k].w->y - cy, 1};
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++)
                m[r][c] += v[r] * v[c];
            bx[r] += v[r] * pairs[k].q->x;
            by[r] += v[r] * pairs[k].q->y;
        }
    }
    double m2[3][3], rx[3], ry[3];
    memcpy(m2, m, sizeof m);
    if (!solve3(m, bx, rx) || !solve3(m2, by, ry)) return 0;
    /* the singular values of [a b; d e]: no mirroring, no strong shear */
    double a = rx[0], b = rx[1], d = ry[0], e = ry[1];
    double det = a * e - b * d;
    double frob = a * a + b * b + d * d + e * e;
    double disc = sqrt(fmax(frob * frob - 4 * det * det, 0));
    double s1 = sqrt((frob + disc) / 2), s2 = sqrt(fmax((frob - disc) / 2, 0));
    if (det <= 0 || s2 <= 0 || s1 / s2 > VERIFY_MAX_ANISOTROPY) return 0;
    t[0] = a, t[1] = b, t[2] = rx[2] - a * cx - b * cy;
    t[3] = d, t[4] = e, t[5] = ry[2] - d * cx - e * cy;
    return 1;
}

static double cross(const double o[2], const double a[2], const double b[2])
{
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

static int by_xy(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Area of the convex hull of n points (sorted in place; hull is scratch of 2n + 1). */
static double hull_area(double (*pts)[2], size_t n, double (*hull)[2])
{
    if (n < 3) return 0;
    qsort(pts, n, sizeof *pts, by_xy);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) { /* Andrew's monotone chain */
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        memcpy(hull[k++], pts[i], sizeof *pts);
    }
    for (size_t i = n - 1, lower = k + 1; i-- > 0;) {
        while (k >= lower && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0)
            k--;
        memcpy(hull[k++], pts[i], sizeof *pts);
    }
    double area = 0;
    for (size_t i = 0; i + 1 < k; i++)
        area += hull[i][0] * hull[i + 1][1] - hull[i + 1][0] * hull[i][1];
    return fabs(area) / 2;
}

/* Coverage, box and hull of the inliers on one side (which = 0: work, 1: query). */
static double side_measures(const pair *pairs, size_t n, const unsigned char *mask, int which,
                            double area, double box[4], double (*pts)[2], double (*hull)[2])
{
    size_t m = 0;
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        if (!mask[k]) continue;
        const local_geom *p = which ? pairs[k].q : pairs[k].w;
        pts[m][0] = p->x, pts[m][1] = p->y, m++;
        box[0] = fmin(box[0], p->x), box[1] = fmin(box[1], p->y);
        box[2] = fmax(box[2], p->x), box[3] = fmax(box[3], p->y);
    }
    if (!m) memset(box, 0, 4 * sizeof *box);
    double cover = area > 0 ? hull_area(pts, m, hull) / area : 0;
    return cover > 1 ? 1 : cover;
}

/* Polygon poly (n corners, room for n + 4) clipped to x in [0, w], y in [0, h]; returns corners. */
static int clip_to_rect(double (*poly)[2], int n, double w, double h)
{
    double tmp[12][2];
    for (int edge = 0; edge < 4 && n > 0; edge++) {
        int axis = edge & 1, keep_below = edge >= 2;
        double limit = keep_below ? (axis ? h : w) : 0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            const double *a = poly[i], *b = poly[(i + 1) % n];
            double da = keep_below ? limit - a[axis] : a[axis] - limit;
            double db = keep_below ? limit - b[axis] : b[axis] - limit;
            if (da >= 0) memcpy(tmp[m++], a, sizeof tmp[0]);
            if ((da >= 0) != (db >= 0)) {
                double f = da / (da - db);
                tmp[m][0] = a[0] + f * (b[0] - a[0]);
                tmp[m][1] = a[1] + f * (b[1] - a[1]);
                m++;
            }
        }
        memcpy(poly, tmp, (size_t)m * sizeof tmp[0]);
        n = m;
    }
    return n;
}

static double polygon_area(const double (*poly)[2], int n)
{
    double area = 0;
    for (int i = 0; i < n; i++)
        area += poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1];
    return fabs(area) / 2;
}

/* Area of the rectangle 0..w x 0..h mapped by t, inside 0..cw x 0..ch. */
static double mapped_overlap(const double t[6], double w, double h, double cw, double ch)
{
    double poly[12][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
    for (int c = 0; c < 4; c++) {
        double x = poly[c][0], y = poly[c][1];
        apply(t, x, y, &poly[c][0], &poly[c][1]);
    }
    int n = clip_to_rect(poly, 4, cw, ch);
    return polygon_area((const double(*)[2])poly, n);
}

int dedup_local_verify(const dedup_local *query, const dedup_local *work, dedup_local_match *out)
{
    memset(out, 0, sizeof *out);
    if (!query || !work || !query->count || !work->count) return 0;
    size_t cap = query->count;
    pair *pairs = malloc(cap * sizeof *pairs);
    unsigned char *mask = malloc(cap);
    double(*pts)[2] = malloc(cap * sizeof *pts);
    double(*hull)[2] = malloc((2 * cap + 1) * sizeof *hull);
    local_geom *qg = malloc(query->count * sizeof *qg), *wg = malloc(work->count * sizeof *wg);
    unsigned char *used = malloc(work->count);
    int verified = 0;
    if (!pairs || !mask || !pts || !hull || !qg || !wg || !used) goto done; /* no memory */
    local_geometry(query, qg);
    local_geometry(work, wg);
    size_t n = correspondences(query, work, qg, wg, pairs);
    double longest = CS_MAX(query->width, query->height);
    int best = 0;
    double t[6] = {0};
    for (size_t k = 0; k < n; k++) {
        double h[6];
        hypothesis(&pairs[k], h);
        int c = count_inliers(pairs, n, h, VERIFY_COARSE_TOL * longest, 1, NULL, used, work->count);
        if (c > best) best = c, memcpy(t, h, sizeof t);
    }
    if (best < 3) goto done;
    int inliers =
        count_inliers(pairs, n, t, VERIFY_COARSE_TOL * longest, 1, mask, used, work->count);
    for (int round = 0; round < VERIFY_ROUNDS; round++) {
        double fitted[6];
        if (!fit_affine(pairs, n, mask, fitted)) break;
        int c =
            count_inliers(pairs, n, fitted, VERIFY_FINE_TOL * longest, 0, NULL, used, work->count);
        if (c < 3) break;
        memcpy(t, fitted, sizeof t);
        inliers = count_inliers(pairs, n, t, VERIFY_FINE_TOL * longest, 0, mask, used, work->count);
    }
    out->inliers = inliers;
    memcpy(out->transform, t, sizeof t);
    out->work_coverage = side_measures(pairs, n, mask, 0, (double)work->width * work->height,
                                       out->work_box, pts, hull);
    out->query_coverage = side_measures(pairs, n, mask, 1, (double)query->width * query->height,
                                        out->query_box, pts, hull);
    double corners[4][2] = {
        {0, 0}, {work->width, 0}, {work->width, work->height}, {0, work->height}};
    for (int c = 0; c < 4; c++)
        apply(t, corners[c][0], corners[c][1], &out->outline[c][0], &out->outline[c][1]);
    double qw = query->width, qh = query->height, ww = work->width, wh = work->height;
    double det = t[0] * t[4] - t[1] * t[3];
    if (det > 0) {
        double inv[6] = {t[4] / det, -t[1] / det, 0, -t[3] / det, t[0] / det, 0};
        inv[2] = -(inv[0] * t[2] + inv[1] * t[5]);
        inv[5] = -(inv[3] * t[2] + inv[4] * t[5]);
        out->query_overlap = fmin(1, mapped_overlap(t, ww, wh, qw, qh) / (qw * qh));
        out->work_overlap = fmin(1, mapped_overlap(inv, qw, qh, ww, wh) / (ww * wh));
    }
    verified = inliers >= VERIFY_MIN_INLIERS && out->work_coverage >= VERIFY_MIN_SPREAD &&
               out->query_coverage >= VERIFY_MIN_SPREAD;
done:
    free(used);
    free(qg);
    free(wg);
    free(pairs);
    free(mask);
    free(pts);
    free(hull);
    return verified;
}
