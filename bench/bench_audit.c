/*
 * bench/bench_audit.c - the similarity checker (`clearset audit`'s library:
 * dedup_analyze, dedup_works, dedup_audit) measured on its own evaluation,
 * built here from real photos:
 *
 * - Protected works: PDQ fixture photos (tests/fixtures/pdq) and sample photos
 *   of Debian's python3-skimage and python3-sklearn (PROTECTED below).
 * - Queries: every protected work edited by tests/imagegen (crop 5/10/20/30%,
 *   rotation by 2/5/10/90 degrees, flips, JPEG quality 30, resize to 25%,
 *   brightness, contrast, a caption bar, a logo, and three collages pasting it
 *   over 25%, 35% and 50% of an unrelated photo). Each is encoded as JPEG
 *   (quality 90; 30 for the re-encode) and analysed from the bytes, as a user's
 *   file would be.
 * - Negatives that must come out `none`: edits of photos that are not
 *   protected (NEGATIVE below; crops, rescales, rotations, flips, tone) and
 *   generated images.
 * - Distractor works filling the set to 1k and 10k: procedural images
 *   (ig_generate) with real SIFT keypoints.
 *
 * Prints recall per edit for stage 1 alone and both stages, the false
 * positive rate, where a query's time goes, queries per second at 1k and 10k
 * works, indexing time, stored bytes per work, the set's memory and the size
 * of a real catalog holding the works. One
 * thread throughout. A missing photo is named and skipped.
 *
 *   bench/run audit [DISTRACTORS]   (default 10000: sets of 1k and 10k works)
 */
#include "dataset/catalog.h"
#include "dedup/dedup.h"
#include "tests/imagegen/imagegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SKIMAGE "/usr/lib/python3/dist-packages/skimage/data/"
#define SKLEARN "/usr/lib/python3/dist-packages/sklearn/datasets/images/"
#define PDQ_DIR "tests/fixtures/pdq/" /* bench/audit.sh runs from the repository's top */

static const char *const PROTECTED[] = {
    PDQ_DIR "bridge-1-original.jpg",
    PDQ_DIR "q0122.jpg",
    PDQ_DIR "q2821.jpg",
    SKIMAGE "astronaut.png",
    SKIMAGE "camera.png",
    SKIMAGE "chelsea.png",
    SKIMAGE "coffee.png",
    SKIMAGE "rocket.jpg",
    SKIMAGE "coins.png",
    SKIMAGE "motorcycle_left.png",
    SKLEARN "china.jpg",
    SKIMAGE "ihc.png",
};
/* Not protected: the negatives are made from these (motorcycle_right is the other half of a
 * stereo pair whose left half is protected: the same scene, so it is left out altogether). */
static const char *const NEGATIVE[] = {
    PDQ_DIR "wee.jpg",
    SKLEARN "flower.jpg",
    SKIMAGE "moon.png",
    SKIMAGE "brick.png",
    SKIMAGE "grass.png",
    SKIMAGE "gravel.png",
    SKIMAGE "hubble_deep_field.jpg",
    SKIMAGE "retina.jpg",
    SKIMAGE "cell.png",
    SKIMAGE "clock_motion.png",
    SKIMAGE "color.png",
    SKIMAGE "page.png",
    SKIMAGE "text.png",
    SKIMAGE "phantom.png",
    SKIMAGE "horse.png",
    SKIMAGE "logo.png",
    SKIMAGE "bw_text.png",
};

#define MAX_PHOTOS      32
#define GENERATED_NEGS  60
#define DEFAULT_WORKS   10000
#define SMALL_WORKS     1000
#define DISTRACTOR_SEED 1000000u
#define NEGATIVE_SEED   2000000u

enum family {
    F_CROP5,
    F_CROP10,
    F_CROP20,
    F_CROP30,
    F_ROT2,
    F_ROT5,
    F_ROT10,
    F_ROT90,
    F_FLIP_LR,
    F_FLIP_TB,
    F_JPEG30,
    F_RESIZE25,
    F_BRIGHT,
    F_CONTRAST,
    F_CAPTION,
    F_LOGO,
    F_COLLAGE,
    F_NEGATIVE,
    F_COUNT
};
static const char *const FAMILY[F_COUNT] = {
    "crop 5%",      "crop 10%",       "crop 20%",       "crop 30%",         "rotate 2 deg",
    "rotate 5 deg", "rotate 10 deg",  "rotate 90 deg",  "mirror (flip LR)", "flip top-bottom",
    "JPEG q30",     "resize to 25%",  "brightness +40", "contrast x1.4",    "caption bar",
    "logo",         "collage 25-50%", "negatives"};

typedef struct photo {
    const char *path;
    unsigned char *bytes;
    size_t len;
    dedup_image img; /* fast-path decode, what dedup_analyze sees */
} photo;

typedef struct query {
    enum family family;
    int work; /* index into the protected photos, -1 for a negative */
    dedup_risk expect;
    unsigned char *bytes;
    size_t len;
    char label[64];
} query;

typedef struct outcome {
    int stage1_hit, hit, right_risk, false_positive;
    dedup_risk risk;
    char why[160];
} outcome;

typedef struct timing {
    double decode, hashes, sift, stage1, stage2, verify, total;
    long n;
} timing;

static double ms(int64_t ns)
{
    return ns / 1e6;
}

static void die(const char *what, const cs_error *err)
{
    fprintf(stderr, "bench_audit: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static int load_photo(const char *path, photo *p)
{
    cs_error err;
    memset(p, 0, sizeof *p);
    p->path = path;
    if (cs_read_file(path, 64u << 20, &p->bytes, &p->len, &err) != CS_OK) {
        printf("missing: %s (skipped: %s)\n", path, err.message);
        return 0;
    }
    dedup_decode_options opts = {.min_short_side = DEDUP_FAST_MIN_SHORT_SIDE,
                                 .apply_orientation = 1};
    if (dedup_decode(p->bytes, p->len, &opts, &p->img, &err) != CS_OK) {
        printf("unreadable: %s (skipped: %s)\n", path, err.message);
        free(p->bytes);
        return 0;
    }
    return 1;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void encode(const dedup_image *img, int quality, unsigned char **bytes, size_t *len)
{
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err;
    if (dedup_encode_jpeg(img, quality, &buf, &err) != CS_OK) die("encode", &err);
    *bytes = cs_buf_take(&buf, len);
}

/* Appends a query made from img (freed here). */
static void add_query(query **qs, size_t *n, size_t *cap, enum family f, int work, dedup_image *img,
                      int quality, const char *label)
{
    if (cs_array_reserve((void **)qs, cap, *n, sizeof **qs, 0) != CS_OK) die("queries", NULL);
    query *q = &(*qs)[(*n)++];
    q->family = f;
    q->work = work;
    q->expect = f == F_NEGATIVE  ? DEDUP_RISK_NONE
                : f == F_COLLAGE ? DEDUP_RISK_PARTIAL
                                 : DEDUP_RISK_COPY;
    encode(img, quality, &q->bytes, &q->len);
    snprintf(q->label, sizeof q->label, "%s", label);
    dedup_image_free(img);
}

/* Everything the audit needs of one image, computed as dedup_analyze does, step by step. */
static void analyze_timed(const unsigned char *bytes, size_t len, dedup_hashes *h,
                          dedup_local **local, timing *t)
{
    cs_error err;
    memset(h, 0, sizeof *h);
    int64_t t0 = cs_monotonic_ns();
    dedup_decode_options opts = {.min_short_side = DEDUP_FAST_MIN_SHORT_SIDE,
                                 .apply_orientation = 1};
    dedup_image img;
    if (dedup_decode(bytes, len, &opts, &img, &err) != CS_OK) die("decode", &err);
    int64_t t1 = cs_monotonic_ns();
    pdq_result pdq;
    if (pdq_from_image(&img, &pdq, &err) != CS_OK) die("pdq", &err);
    cs_sha256_hex(bytes, len, h->sha256);
    h->pdq = pdq.hash;
    h->pdq_quality = pdq.quality;
    pdq_dihedral(&pdq, h->dihedral);
    h->phash = phash_from_image(&img);
    h->width = img.source_width;
    h->height = img.source_height;
    h->format = img.format;
    int64_t t2 = cs_monotonic_ns();
    if (dedup_local_extract(&img, local, &err) != CS_OK) die("extract", &err);
    int64_t t3 = cs_monotonic_ns();
    dedup_image_free(&img);
    t->decode += ms(t1 - t0);
    t->hashes += ms(t2 - t1);
    t->sift += ms(t3 - t2);
}

typedef struct works_store {
    dedup_work_desc *descs;
    unsigned char **blobs;
    size_t *blob_len;
    size_t count;
} works_store;

static void store_add(works_store *s, size_t cap, const dedup_hashes *h, const dedup_local *l)
{
    if (s->count >= cap) die("store full", NULL);
    s->descs[s->count] = (dedup_work_desc){.pdq = h->pdq,
                                           .pdq_quality = h->pdq_quality,
                                           .phash = h->phash,
                                           .width = h->width,
                                           .height = h->height};
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err;
    if (dedup_local_serialize(l, &buf, &err) != CS_OK) die("serialize", &err);
    s->blobs[s->count] = cs_buf_take(&buf, &s->blob_len[s->count]);
    s->count++;
}

/*
 * What n works cost in a real catalog: each stored the way `clearset protect`
 * stores one (an image row, its registration, its hashes row and its local
 * features), in a fresh SQLite catalog in a temporary folder. The image bytes
 * are an 8-byte stand-in (a work's own bytes are its owner's business, not the
 * store's), so the file size is what the audit's store adds. Returns bytes.
 */
static long long catalog_bytes(const works_store *s, size_t n)
{
    char dir[] = "/tmp/clearset-bench-audit-XXXXXX", path[sizeof dir + 16];
    if (!mkdtemp(dir)) die("mkdtemp", NULL);
    snprintf(path, sizeof path, "%s/c.db", dir);
    catalog *cat;
    cs_error err;
    if (catalog_open(path, &cat, &err) != CS_OK) die("catalog", &err);
    if (catalog_begin(cat, &err) != CS_OK) die("begin", &err);
    for (size_t i = 0; i < n; i++) {
        unsigned char stand_in[8];
        for (int b = 0; b < 8; b++)
            stand_in[b] = (unsigned char)(i >> (8 * b));
        char label[32];
        snprintf(label, sizeof label, "/works/%zu.png", i);
        catalog_protect_info info = {.path = label, .owner = "bench", .media_type = "image/png"};
        int64_t id;
        if (catalog_protect(cat, stand_in, sizeof stand_in, &info, &id, NULL, &err) != CS_OK)
            die("protect", &err);
        catalog_hash_row row = {.image_id = id,
                                .pdq_quality = s->descs[i].pdq_quality,
                                .width = s->descs[i].width,
                                .height = s->descs[i].height};
        pdq_hash_to_hex(&s->descs[i].pdq, row.pdq);
        phash_to_hex(s->descs[i].phash, row.phash);
        if (catalog_put_hashes(cat, &row, &err) != CS_OK) die("hashes", &err);
        if (catalog_put_local_features(cat, id, s->blobs[i], s->blob_len[i], 0, &err) != CS_OK)
            die("features", &err);
    }
    if (catalog_commit(cat, &err) != CS_OK) die("commit", &err);
    catalog_close(cat); /* checkpoints the WAL into the file */
    struct stat st;
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    char command[sizeof dir + 16];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    if (system(command) != 0) fprintf(stderr, "bench_audit: could not remove %s\n", dir);
    return bytes;
}

/* A set of the first n stored works (their features read back from the blobs). */
static dedup_works *build_set(const works_store *s, size_t n, double *build_ms)
{
    dedup_works *w;
    cs_error err;
    if (dedup_works_new(&w, &err) != CS_OK) die("works", &err);
    for (size_t i = 0; i < n; i++) {
        dedup_local *l;
        if (dedup_local_deserialize(s->blobs[i], s->blob_len[i], &l, &err) != CS_OK)
            die("deserialize", &err);
        if (dedup_works_add(w, &s->descs[i], l, NULL, &err) != CS_OK) die("add", &err);
    }
    int64_t t0 = cs_monotonic_ns();
    if (dedup_works_build(w, &err) != CS_OK) die("build", &err);
    *build_ms = ms(cs_monotonic_ns() - t0);
    return w;
}

/* Runs every query against w; fills outcomes (if not NULL) and the timing. */
static void run_queries(const dedup_works *w, const query *qs, size_t n, size_t protected_works,
                        outcome *out, timing *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const query *q = &qs[i];
        dedup_hashes h;
        dedup_local *local;
        int64_t start = cs_monotonic_ns();
        analyze_timed(q->bytes, q->len, &h, &local, t);
        cs_error err;
        dedup_audit_result r1, r2;
        dedup_query stage1_only = {.hashes = &h, .local = NULL},
                    both = {.hashes = &h, .local = local};
        int64_t a0 = cs_monotonic_ns();
        if (dedup_audit(w, &stage1_only, 0, &r1, &err) != CS_OK) die("audit", &err);
        int64_t a1 = cs_monotonic_ns();
        if (dedup_audit(w, &both, 0, &r2, &err) != CS_OK) die("audit", &err);
        int64_t a2 = cs_monotonic_ns();
        t->stage1 += ms(a1 - a0);
        t->stage2 += ms((a2 - a1) - (a1 - a0));   /* the full audit minus its stage 1 */
        t->total += ms((a0 - start) + (a2 - a1)); /* analysis and the full audit */
        if (out) {
            outcome *o = &out[i];
            memset(o, 0, sizeof *o);
            o->risk = r2.risk;
            if (q->work >= 0) {
                o->stage1_hit = r1.count && r1.matches[0].work == (uint32_t)q->work;
                o->hit = r2.count && r2.risk != DEDUP_RISK_NONE &&
                         r2.matches[0].work == (uint32_t)q->work;
                o->right_risk = o->hit && r2.risk == q->expect;
            } else
                o->false_positive = r2.risk != DEDUP_RISK_NONE;
            if (r2.count)
                snprintf(o->why, sizeof o->why, "work %u%s: %s", r2.matches[0].work,
                         r2.matches[0].work >= protected_works ? " (a distractor)" : "",
                         r2.matches[0].why);
        }
        dedup_audit_result_free(&r1);
        dedup_audit_result_free(&r2);
        dedup_local_free(local);
        t->n++;
    }
}

/*
 * Time of DEDUP_AUDIT_CANDIDATES verifications per side, per query, against random
 * distractor works of the store (every third query); also the inliers such unrelated pairs reach
 * (*chance_max, and how many pairs were tried): what VERIFY_MIN_INLIERS must stay above.
 */
static double verify_share(const query *qs, size_t n, const works_store *s, size_t first,
                           size_t works, int *chance_max, long *pairs, long chance_hist[4])
{
    uint64_t seed = 7;
    int64_t spent = 0;
    size_t sampled = 0;
    for (size_t i = 0; i < n; i += 3, sampled++) {
        dedup_hashes h;
        dedup_local *local, *mirror;
        timing ignore = {0};
        analyze_timed(qs[i].bytes, qs[i].len, &h, &local, &ignore);
        cs_error err;
        if (dedup_local_mirror(local, &mirror, &err) != CS_OK) die("mirror", &err);
        dedup_local *sets[2 * DEDUP_AUDIT_CANDIDATES];
        for (int k = 0; k < 2 * DEDUP_AUDIT_CANDIDATES; k++) {
            size_t id = first + (size_t)(ig_random(&seed) % (works - first)); /* distractors */
            if (dedup_local_deserialize(s->blobs[id], s->blob_len[id], &sets[k], &err) != CS_OK)
                die("deserialize", &err);
        }
        int64_t t0 = cs_monotonic_ns();
        dedup_local_match m[2 * DEDUP_AUDIT_CANDIDATES];
        for (int k = 0; k < 2 * DEDUP_AUDIT_CANDIDATES; k++)
            dedup_local_verify(k < DEDUP_AUDIT_CANDIDATES ? local : mirror, sets[k], &m[k]);
        spent += cs_monotonic_ns() - t0;
        for (int k = 0; k < 2 * DEDUP_AUDIT_CANDIDATES; k++) {
            (*pairs)++;
            *chance_max = CS_MAX(*chance_max, m[k].inliers);
            chance_hist[m[k].inliers < 4 ? 0 : m[k].inliers < 6 ? 1 : m[k].inliers < 8 ? 2 : 3]++;
        }
        for (int k = 0; k < 2 * DEDUP_AUDIT_CANDIDATES; k++)
            dedup_local_free(sets[k]);
        dedup_local_free(local);
        dedup_local_free(mirror);
    }
    return sampled ? ms(spent) / sampled : 0;
}

int main(int argc, char **argv)
{
    size_t total_works = argc > 1 ? (size_t)atol(argv[1]) : DEFAULT_WORKS;
    if (total_works < SMALL_WORKS) total_works = SMALL_WORKS;
    photo prot[MAX_PHOTOS], neg[MAX_PHOTOS];
    size_t nprot = 0, nneg = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(PROTECTED); i++)
        nprot += load_photo(PROTECTED[i], &prot[nprot]);
    for (size_t i = 0; i < CS_ARRAY_LEN(NEGATIVE); i++)
        nneg += load_photo(NEGATIVE[i], &neg[nneg]);
    if (nprot == 0 || nneg == 0) {
        fprintf(stderr, "bench_audit: no photos (protected %zu, negative %zu)\n", nprot, nneg);
        return 1;
    }
    printf("protected works: %zu photos; negative pool: %zu photos\n", nprot, nneg);

    /* ------------------------------------------------------------- the works */
    works_store store = {0};
    store.descs = calloc(total_works, sizeof *store.descs);
    store.blobs = calloc(total_works, sizeof *store.blobs);
    store.blob_len = calloc(total_works, sizeof *store.blob_len);
    if (!store.descs || !store.blobs || !store.blob_len) die("memory", NULL);
    cs_error err;
    for (size_t i = 0; i < nprot; i++) {
        dedup_hashes h;
        dedup_local *l;
        if (dedup_analyze(prot[i].bytes, prot[i].len, 0, &h, &l, &err) != CS_OK)
            die(prot[i].path, &err);
        store_add(&store, total_works, &h, l);
        dedup_local_free(l);
    }
    int64_t t0 = cs_monotonic_ns();
    for (size_t i = nprot; i < total_works; i++) {
        dedup_image g;
        int landscape = i % 3 != 0;
        if (ig_generate(DISTRACTOR_SEED + i, landscape ? 320 : 240, landscape ? 240 : 320, &g) !=
            CS_OK)
            die("generate", NULL);
        pdq_result pdq;
        if (pdq_from_image(&g, &pdq, &err) != CS_OK) die("pdq", &err);
        dedup_hashes h = {.pdq = pdq.hash,
                          .pdq_quality = pdq.quality,
                          .phash = phash_from_image(&g),
                          .width = g.width,
                          .height = g.height};
        dedup_local *l;
        if (dedup_local_extract(&g, &l, &err) != CS_OK) die("extract", &err);
        store_add(&store, total_works, &h, l);
        dedup_local_free(l);
        dedup_image_free(&g);
    }
    double extract_ms = ms(cs_monotonic_ns() - t0) / (double)(total_works - nprot);
    size_t bytes_sum = 0, bytes_max = 0;
    for (size_t i = 0; i < store.count; i++) {
        bytes_sum += store.blob_len[i];
        bytes_max = CS_MAX(bytes_max, store.blob_len[i]);
    }

    /* ----------------------------------------------------------- the queries */
    query *qs = NULL;
    size_t nq = 0, qcap = 0;
    for (size_t i = 0; i < nprot; i++) {
        const dedup_image *src = &prot[i].img;
        const char *name = base_name(prot[i].path);
        char label[64];
        dedup_image e;
#define EDIT(fam, quality, call)                                                                   \
    do {                                                                                           \
        if ((call) != CS_OK) die(#call, NULL);                                                     \
        snprintf(label, sizeof label, "%s, %s", name, FAMILY[fam]);                                \
        add_query(&qs, &nq, &qcap, fam, (int)i, &e, quality, label);                               \
    } while (0)
        EDIT(F_CROP5, 90, ig_crop(src, 5, &e));
        EDIT(F_CROP10, 90, ig_crop(src, 10, &e));
        EDIT(F_CROP20, 90, ig_crop(src, 20, &e));
        EDIT(F_CROP30, 90, ig_crop(src, 30, &e));
        EDIT(F_ROT2, 90, ig_rotate(src, 2, &e));
        EDIT(F_ROT5, 90, ig_rotate(src, -5, &e));
        EDIT(F_ROT10, 90, ig_rotate(src, 10, &e));
        EDIT(F_ROT90, 90, ig_rotate90(src, 1, &e));
        EDIT(F_FLIP_LR, 90, ig_flip_lr(src, &e));
        EDIT(F_FLIP_TB, 90, ig_flip_tb(src, &e));
        EDIT(F_JPEG30, 30, ig_rgb(src, &e));
        EDIT(F_RESIZE25, 90, ig_resize(src, 0.25, &e));
        EDIT(F_BRIGHT, 90, ig_tone(src, 40, 1.0, &e));
        EDIT(F_CONTRAST, 90, ig_tone(src, 0, 1.4, &e));
        EDIT(F_CAPTION, 90, ig_caption(src, i, &e));
        EDIT(F_LOGO, 90, ig_logo(src, i, &e));
        const double covers[] = {0.25, 0.35, 0.5};
        for (size_t c = 0; c < CS_ARRAY_LEN(covers); c++)
            EDIT(F_COLLAGE, 90,
                 ig_collage(src, &neg[(i * 3 + c) % nneg].img, covers[c], i * 3 + c, &e));
#undef EDIT
    }
    size_t positives = nq;
    for (size_t i = 0; i < nneg; i++) {
        const dedup_image *src = &neg[i].img;
        char label[64];
        dedup_image e;
#define NEG(what, call)                                                                            \
    do {                                                                                           \
        if ((call) != CS_OK) die(#call, NULL);                                                     \
        snprintf(label, sizeof label, "%s, %s", base_name(neg[i].path), what);                     \
        add_query(&qs, &nq, &qcap, F_NEGATIVE, -1, &e, 90, label);                                 \
    } while (0)
        NEG("as it is", ig_rgb(src, &e));
        NEG("crop 25%", ig_crop(src, 25, &e));
        NEG("crop 50%", ig_crop(src, 50, &e));
        NEG("half size", ig_resize(src, 0.5, &e));
        NEG("rotate 7 deg", ig_rotate(src, 7, &e));
        NEG("mirror", ig_flip_lr(src, &e));
        NEG("tone", ig_tone(src, 20, 1.2, &e));
        NEG("rotate 90 deg", ig_rotate90(src, 3, &e));
        NEG("JPEG q50", ig_jpeg(src, 50, &e));
        NEG("caption bar", ig_caption(src, i + 100, &e));
#undef NEG
    }
    for (int g = 0; g < GENERATED_NEGS; g++) {
        dedup_image e;
        if (ig_generate(NEGATIVE_SEED + g, 480, 360, &e) != CS_OK) die("generate", NULL);
        add_query(&qs, &nq, &qcap, F_NEGATIVE, -1, &e, 90, "generated");
    }
    size_t negatives = nq - positives;
    printf("queries: %zu edits of protected works, %zu negatives\n\n", positives, negatives);

    /* ----------------------------------------------------------------- runs */
    double build_small, build_large;
    dedup_works *small = build_set(&store, SMALL_WORKS, &build_small);
    dedup_works *large = build_set(&store, total_works, &build_large);
    outcome *out_large = calloc(nq, sizeof *out_large), *out_small = calloc(nq, sizeof *out_small);
    if (!out_large || !out_small) die("memory", NULL);
    timing t_small, t_large;
    run_queries(small, qs, nq, nprot, out_small, &t_small);
    run_queries(large, qs, nq, nprot, out_large, &t_large);
    int chance_max = 0;
    long chance_pairs = 0, chance_hist[4] = {0};
    double verify_ms =
        verify_share(qs, nq, &store, nprot, total_works, &chance_max, &chance_pairs, chance_hist);

    printf("%-18s %7s  %14s  %14s  %14s\n", "edit", "queries", "stage 1 recall", "both stages",
           "right risk");
    int below = 0;
    for (int f = 0; f < F_NEGATIVE; f++) {
        int n = 0, s1 = 0, hit = 0, risk = 0;
        for (size_t i = 0; i < positives; i++)
            if ((int)qs[i].family == f) {
                n++;
                s1 += out_large[i].stage1_hit;
                hit += out_large[i].hit;
                risk += out_large[i].right_risk;
            }
        if (!n) continue;
        double target = f == F_COLLAGE ? 0.80 : 0.95;
        if ((double)hit / n < target) below = 1;
        printf("%-18s %7d  %13.1f%%  %13.1f%%  %13.1f%%%s\n", FAMILY[f], n, 100.0 * s1 / n,
               100.0 * hit / n, 100.0 * risk / n, (double)hit / n < target ? "  < target" : "");
    }
    int fp = 0, fp_small = 0, recall_differs = 0;
    for (size_t i = positives; i < nq; i++) {
        fp += out_large[i].false_positive;
        fp_small += out_small[i].false_positive;
    }
    for (size_t i = 0; i < positives; i++)
        recall_differs += out_large[i].hit != out_small[i].hit;
    printf("%-18s %7zu  false positives at %zu works: %d (%.2f%%); at %d works: %d (%.2f%%)\n",
           "negatives", negatives, total_works, fp, 100.0 * fp / (double)negatives, SMALL_WORKS,
           fp_small, 100.0 * fp_small / (double)negatives);
    printf("unrelated query-work pairs verified: %ld; inliers 0-3: %ld, 4-5: %ld, 6-7: %ld, "
           "8+: %ld; most %d (a match needs 10)\n",
           chance_pairs, chance_hist[0], chance_hist[1], chance_hist[2], chance_hist[3],
           chance_max);
    printf("(recall and false positives at %zu works; %d edits are found at %d works but not at "
           "%zu, or the reverse)\n\n",
           total_works, recall_differs, SMALL_WORKS, total_works);

    printf("misses and false positives at %zu works:\n", total_works);
    for (size_t i = 0; i < nq; i++) {
        const outcome *o = &out_large[i];
        if (i < positives && o->right_risk) continue;
        if (i >= positives && !o->false_positive) continue;
        printf("  %-40s %s, expected %s%s%s\n", qs[i].label, dedup_risk_name(o->risk),
               dedup_risk_name(qs[i].expect), o->why[0] ? ": " : "", o->why);
    }

    const struct {
        const char *name;
        size_t works;
        const timing *t;
        double build;
    } runs[] = {{"1k", SMALL_WORKS, &t_small, build_small},
                {"10k", total_works, &t_large, build_large}};
    printf("\nper query, one thread (ms)   decode  hashes    SIFT  stage 1  stage 2   total  "
           "queries/s\n");
    for (size_t r = 0; r < CS_ARRAY_LEN(runs); r++) {
        const timing *t = runs[r].t;
        double n = (double)t->n;
        printf("%-6s (%5zu works)           %6.2f  %6.2f  %6.2f  %7.3f  %7.3f  %6.2f  %9.1f\n",
               runs[r].name, runs[r].works, t->decode / n, t->hashes / n, t->sift / n,
               t->stage1 / n, t->stage2 / n, t->total / n, 1000.0 * n / t->total);
    }
    double audit_small = (t_small.stage1 + t_small.stage2) / (double)t_small.n;
    double audit_large = (t_large.stage1 + t_large.stage2) / (double)t_large.n;
    printf("stage 2 at %zu works: %.3f ms retrieval (feature index) + %.3f ms verification "
           "(%d candidates x 2 sides, timed apart)\n",
           total_works, t_large.stage2 / (double)t_large.n - verify_ms, verify_ms,
           DEDUP_AUDIT_CANDIDATES);
    printf("audit alone (stages 1 + 2): %.3f ms at 1k, %.3f ms at %zu: %.2fx; whole query "
           "%.2fx\n",
           audit_small, audit_large, total_works, audit_large / audit_small,
           (t_large.total / (double)t_large.n) / (t_small.total / (double)t_small.n));
    printf("indexing: %.1f ms per work to extract (generated %dx%d); build %.0f ms at 1k, "
           "%.0f ms at %zu\n",
           extract_ms, 320, 240, build_small, build_large, total_works);
    printf("store: %.0f bytes per work on average, %zu at most (limit %d)\n",
           (double)bytes_sum / (double)store.count, bytes_max, DEDUP_LOCAL_MAX_BYTES);
    printf("memory of dedup_works: %.1f MB at %zu works (%.0f bytes per work); %.1f MB at 1k\n",
           dedup_works_memory(large) / 1e6, total_works,
           (double)dedup_works_memory(large) / (double)total_works,
           dedup_works_memory(small) / 1e6);
    long long db_small = catalog_bytes(&store, SMALL_WORKS);
    long long db_large = catalog_bytes(&store, total_works);
    printf("catalog (SQLite, works registered with hashes and features): %.1f MB at %zu works "
           "(%.0f bytes per work); %.1f MB at 1k\n",
           db_large / 1e6, total_works, (double)db_large / (double)total_works, db_small / 1e6);
    printf("targets: recall >= 95%% per edit (collage >= 80%%): %s; false positives <= 1%%: %s; "
           "audit at 10k within 2x of 1k: %s; >= 5 queries/s: %s; <= 4 KB per work: %s\n",
           below ? "MISSED" : "met", fp <= 0.01 * (double)negatives ? "met" : "MISSED",
           audit_large <= 2 * audit_small ? "met" : "MISSED",
           1000.0 * (double)t_large.n / t_large.total >= 5 ? "met" : "MISSED",
           bytes_max <= 4096 ? "met" : "MISSED");

    dedup_works_free(small);
    dedup_works_free(large);
    for (size_t i = 0; i < nq; i++)
        free(qs[i].bytes);
    free(qs);
    free(out_large);
    free(out_small);
    for (size_t i = 0; i < store.count; i++)
        free(store.blobs[i]);
    free(store.blobs);
    free(store.blob_len);
    free(store.descs);
    for (size_t i = 0; i < nprot; i++)
        free(prot[i].bytes), dedup_image_free(&prot[i].img);
    for (size_t i = 0; i < nneg; i++)
        free(neg[i].bytes), dedup_image_free(&neg[i].img);
    return 0;
}
