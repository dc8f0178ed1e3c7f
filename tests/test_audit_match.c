/*
 * test_audit_match.c - the similarity checker (dedup/local.c, verify.c,
 * local_index.c, audit.c): each edit someone makes to a protected photo
 * (tests/imagegen) is found as the right work with the right risk, unrelated
 * photos are not, and the serialised local features are exact, bounded and
 * safe to read from untrusted bytes.
 *
 * Photos: the PDQ reference JPEGs of tests/fixtures/pdq (bridge, q0122,
 * q2821, wee). wee is 34x42, too small for keypoints: it is a stage-1-only
 * work. The works are indexed from their serialised features (as the catalog
 * would store them) beside DISTRACTORS generated works, so the right one must
 * be picked out, not just the only one. Every query goes through the
 * bytes a user would hand in: the edited image encoded (JPEG quality 90
 * unless the edit is a re-encode) and dedup_analyze.
 */
#include "tests/support/testsupport.h"

#include "dedup/dedup.h"
#include "tests/imagegen/imagegen.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISTRACTORS 12
#define WORKS       4
/* Points the mirrored extraction and the derived mirror share, at least (measured 0.9+). */
#define MIRROR_MIN_SHARED 0.75
/* Translation left between the two, in pixels (quantisation, resampling). */
#define MIRROR_POS_TOL 1.5

static const char *const work_names[WORKS] = {"bridge-1-original.jpg", "q0122.jpg", "q2821.jpg",
                                              "wee.jpg"};
enum { BRIDGE, Q0122, Q2821, WEE };

typedef struct fixture {
    dedup_image photos[WORKS];
    dedup_works *works;     /* the four photos and the distractors */
    uint32_t ids[WORKS];    /* their ids in works */
    dedup_image background; /* an unrelated generated image for collages */
} fixture;

/* What dedup_analyze decodes: the fast path with orientation. */
static dedup_image decode_photo(const char *name)
{
    size_t len;
    unsigned char *bytes = ts_read_pdq_vector(name, &len);
    dedup_decode_options opts = {.min_short_side = DEDUP_FAST_MIN_SHORT_SIDE,
                                 .apply_orientation = 1};
    dedup_image img;
    cs_error err;
    if (dedup_decode(bytes, len, &opts, &img, &err) != CS_OK) fail_msg("%s: %s", name, err.message);
    free(bytes);
    return img;
}

/* Hashes and features of img as a user's file: encoded (JPEG at quality) and analysed. */
static void analyze_image(const dedup_image *img, int quality, dedup_hashes *h, dedup_local **l)
{
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err;
    if (dedup_encode_jpeg(img, quality, &buf, &err) != CS_OK) fail_msg("encode: %s", err.message);
    if (dedup_analyze(buf.data, buf.len, 0, h, l, &err) != CS_OK)
        fail_msg("analyze: %s", err.message);
    cs_buf_free(&buf);
}

/* Adds img as a work through its serialised features, as a catalog-backed store does. */
static uint32_t add_work(dedup_works *works, const dedup_image *img)
{
    dedup_hashes h;
    dedup_local *local;
    analyze_image(img, 90, &h, &local);
    cs_buf blob;
    cs_buf_init(&blob, 0);
    cs_error err;
    assert_int_equal(dedup_local_serialize(local, &blob, &err), CS_OK);
    assert_true(blob.len <= DEDUP_LOCAL_MAX_BYTES);
    dedup_local_free(local);
    assert_int_equal(dedup_local_deserialize(blob.data, blob.len, &local, &err), CS_OK);
    cs_buf_free(&blob);
    dedup_work_desc desc = {.pdq = h.pdq,
                            .pdq_quality = h.pdq_quality,
                            .phash = h.phash,
                            .width = h.width,
                            .height = h.height};
    uint32_t id;
    assert_int_equal(dedup_works_add(works, &desc, local, &id, &err), CS_OK);
    return id;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    cs_error err;
    assert_int_equal(dedup_works_new(&fx->works, &err), CS_OK);
    for (int d = 0; d < DISTRACTORS / 2; d++) {
        dedup_image g;
        assert_int_equal(ig_generate(1000 + d, 320 + 16 * d, 240, &g), CS_OK);
        add_work(fx->works, &g);
        dedup_image_free(&g);
    }
    for (int i = 0; i < WORKS; i++) {
        fx->photos[i] = decode_photo(work_names[i]);
        fx->ids[i] = add_work(fx->works, &fx->photos[i]);
    }
    for (int d = DISTRACTORS / 2; d < DISTRACTORS; d++) {
        dedup_image g;
        assert_int_equal(ig_generate(1000 + d, 240, 320, &g), CS_OK);
        add_work(fx->works, &g);
        dedup_image_free(&g);
    }
    assert_int_equal(dedup_works_build(fx->works, &err), CS_OK);
    assert_int_equal(dedup_works_count(fx->works), WORKS + DISTRACTORS);
    assert_int_equal(ig_generate(77, 640, 480, &fx->background), CS_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < WORKS; i++)
        dedup_image_free(&fx->photos[i]);
    dedup_image_free(&fx->background);
    dedup_works_free(fx->works);
    free(fx);
    return 0;
}

/* Audits img (encoded at quality) against the fixture's works. */
static void audit_image(const fixture *fx, const dedup_image *img, int quality,
                        dedup_audit_result *res)
{
    dedup_hashes h;
    dedup_local *local;
    analyze_image(img, quality, &h, &local);
    dedup_query q = {.hashes = &h, .local = local};
    cs_error err;
    if (dedup_audit(fx->works, &q, 0, res, &err) != CS_OK) fail_msg("audit: %s", err.message);
    dedup_local_free(local);
}

/* The edit of photo `work` is found as that work with risk `risk` (by `stage`, if >= 0). */
static void expect_found(const fixture *fx, const char *edit, int work, const dedup_image *img,
                         int quality, dedup_risk risk, int stage)
{
    dedup_audit_result res;
    audit_image(fx, img, quality, &res);
    if (res.count == 0 || res.matches[0].work != fx->ids[work] || res.risk != risk ||
        (stage >= 0 && (int)res.matches[0].stage != stage))
        fail_msg("%s of %s: expected %s (%s) from work %u, got %s from %s work %u by %s: %s", edit,
                 work_names[work], dedup_risk_name(risk),
                 stage >= 0 ? dedup_stage_name((dedup_stage)stage) : "any stage", fx->ids[work],
                 dedup_risk_name(res.risk), res.count ? "" : "no",
                 res.count ? res.matches[0].work : 0,
                 res.count ? dedup_stage_name(res.matches[0].stage) : "-",
                 res.count ? res.matches[0].why : "");
    assert_true(strlen(res.matches[0].why) > 20);
    dedup_audit_result_free(&res);
}

static void expect_edit(const fixture *fx, const char *name, int work,
                        int (*make)(const dedup_image *, dedup_image *, const fixture *),
                        dedup_risk risk, int stage)
{
    dedup_image edited;
    assert_int_equal(make(&fx->photos[work], &edited, fx), CS_OK);
    expect_found(fx, name, work, &edited, 90, risk, stage);
    dedup_image_free(&edited);
}

static int crop10(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_crop(in, 10, out);
}
static int crop20(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_crop(in, 20, out);
}
static int crop30(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_crop(in, 30, out);
}
static int crop60(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_crop(in, 60, out);
}
static int rotate2(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_rotate(in, 2, out);
}
static int rotate10(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_rotate(in, -10, out);
}
static int rotate90(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_rotate90(in, 1, out);
}
static int flip_lr(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_flip_lr(in, out);
}
static int flip_tb(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_flip_tb(in, out);
}
static int quarter(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_resize(in, 0.25, out);
}
static int brighter(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_tone(in, 40, 1.0, out);
}
static int contrast(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_tone(in, -10, 1.4, out);
}
static int caption(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_caption(in, 5, out);
}
static int logo(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_logo(in, 5, out);
}
static int collage35(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    return ig_collage(in, &fx->background, 0.35, 9, out);
}
static int collage50(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    return ig_collage(in, &fx->background, 0.5, 4, out);
}
static int unchanged(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_rgb(in, out);
}
static int upscale4(const dedup_image *in, dedup_image *out, const fixture *fx)
{
    (void)fx;
    return ig_resize(in, 4, out);
}

static void test_crops_are_copies_of_their_work(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "crop 10%", BRIDGE, crop10, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "crop 30%", BRIDGE, crop30, DEDUP_RISK_COPY, DEDUP_STAGE_LOCAL);
    expect_edit(fx, "crop 20%", Q2821, crop20, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "crop 30%", Q0122, crop30, DEDUP_RISK_COPY, DEDUP_STAGE_LOCAL);
}

static void test_a_small_crop_of_a_work_is_a_partial_match(void **state)
{
    fixture *fx = *state; /* 40% of each side: 16% of the work's area */
    expect_edit(fx, "crop 60%", BRIDGE, crop60, DEDUP_RISK_PARTIAL, DEDUP_STAGE_LOCAL);
}

static void test_rotations_small_and_quarter_are_copies(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "rotate 2 degrees", Q0122, rotate2, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "rotate -10 degrees", BRIDGE, rotate10, DEDUP_RISK_COPY, DEDUP_STAGE_LOCAL);
    expect_edit(fx, "rotate -10 degrees", Q2821, rotate10, DEDUP_RISK_COPY, DEDUP_STAGE_LOCAL);
    expect_edit(fx, "rotate 90 degrees", Q2821, rotate90, DEDUP_RISK_COPY, DEDUP_STAGE_PDQ);
}

static void test_flips_are_copies(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "mirror", BRIDGE, flip_lr, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "upside down", Q0122, flip_tb, DEDUP_RISK_COPY, -1);
}

/* A mirrored crop (PDQ misses it) is found through the mirror and reported in the query's
 * own coordinates: the work's top-left corner lands at the query's top-right. */
static void test_a_mirrored_crop_is_reported_in_the_query_frame(void **state)
{
    fixture *fx = *state;
    dedup_image flipped, edited;
    assert_int_equal(ig_flip_lr(&fx->photos[BRIDGE], &flipped), CS_OK);
    assert_int_equal(ig_crop(&flipped, 20, &edited), CS_OK);
    dedup_audit_result res;
    audit_image(fx, &edited, 90, &res);
    assert_true(res.count >= 1);
    const dedup_similarity *m = &res.matches[0];
    assert_int_equal(m->work, fx->ids[BRIDGE]);
    assert_int_equal(m->stage, DEDUP_STAGE_LOCAL);
    assert_int_equal(m->risk, DEDUP_RISK_COPY);
    assert_true(m->mirrored);
    assert_non_null(strstr(m->why, "mirrored"));
    /* the work was registered from the same decoded pixels the query is cut from, so the
     * transform is x -> right - x, y -> y - top */
    assert_true(fabs(m->local.transform[0] + 1) < 0.02 && fabs(m->local.transform[4] - 1) < 0.02);
    assert_true(fabs(m->local.transform[1]) < 0.02 && fabs(m->local.transform[3]) < 0.02);
    /* x = 0 in the work is the right edge of the uncut mirrored image: cut 2/3 of 20% there */
    double right = edited.width + (fx->photos[BRIDGE].width * 0.2 * 2 / 3);
    assert_true(fabs(m->local.outline[0][0] - right) < 0.02 * edited.width);
    assert_true(m->local.query_box[0] >= 0 && m->local.query_box[2] <= edited.width);
    assert_true(m->local.query_overlap > 0.95);
    assert_true(m->local.work_overlap > 0.55 && m->local.work_overlap < 0.73);
    dedup_audit_result_free(&res);
    dedup_image_free(&flipped);
    dedup_image_free(&edited);
}

static void test_jpeg_q30_resize_and_tone_changes_are_copies(void **state)
{
    fixture *fx = *state;
    dedup_image same;
    assert_int_equal(ig_rgb(&fx->photos[Q2821], &same), CS_OK);
    expect_found(fx, "JPEG quality 30", Q2821, &same, 30, DEDUP_RISK_COPY, -1);
    dedup_image_free(&same);
    expect_edit(fx, "resize to 25%", BRIDGE, quarter, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "brightness +40", Q0122, brighter, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "contrast x1.4", BRIDGE, contrast, DEDUP_RISK_COPY, -1);
}

static void test_caption_and_logo_overlays_are_copies(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "caption bar", BRIDGE, caption, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "caption bar", Q2821, caption, DEDUP_RISK_COPY, -1);
    expect_edit(fx, "logo", Q0122, logo, DEDUP_RISK_COPY, -1);
}

static void test_a_work_pasted_in_a_collage_is_a_partial_match(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "collage (35%)", BRIDGE, collage35, DEDUP_RISK_PARTIAL, DEDUP_STAGE_LOCAL);
    expect_edit(fx, "collage (50%)", Q2821, collage50, DEDUP_RISK_PARTIAL, DEDUP_STAGE_LOCAL);
}

static void test_the_tiny_work_is_found_by_pdq_alone(void **state)
{
    fixture *fx = *state;
    expect_edit(fx, "as it is", WEE, unchanged, DEDUP_RISK_COPY, DEDUP_STAGE_PDQ);
    expect_edit(fx, "upscaled 4x", WEE, upscale4, DEDUP_RISK_COPY, DEDUP_STAGE_PDQ);
}

/* Each photo, and edits of it, against a set of the other photos: nothing. */
static void test_unrelated_photos_are_not_matched(void **state)
{
    fixture *fx = *state;
    cs_error err;
    for (int left_out = 0; left_out < WORKS; left_out++) {
        dedup_works *others;
        assert_int_equal(dedup_works_new(&others, &err), CS_OK);
        for (int i = 0; i < WORKS; i++)
            if (i != left_out) add_work(others, &fx->photos[i]);
        assert_int_equal(dedup_works_build(others, &err), CS_OK);
        fixture view = *fx;
        view.works = others;
        int (*edits[])(const dedup_image *, dedup_image *, const fixture *) = {unchanged, flip_lr,
                                                                               crop20, collage50};
        for (size_t e = 0; e < CS_ARRAY_LEN(edits); e++) {
            dedup_image edited;
            assert_int_equal(edits[e](&fx->photos[left_out], &edited, fx), CS_OK);
            dedup_audit_result res;
            audit_image(&view, &edited, 90, &res);
            if (res.risk != DEDUP_RISK_NONE || res.count != 0)
                fail_msg("%s (edit %zu) matched work %u: %s", work_names[left_out], e,
                         res.matches[0].work, res.matches[0].why);
            dedup_audit_result_free(&res);
            dedup_image_free(&edited);
        }
        dedup_works_free(others);
    }
}

static dedup_local *extract(const dedup_image *img)
{
    dedup_local *l;
    cs_error err;
    if (dedup_local_extract(img, &l, &err) != CS_OK) fail_msg("extract: %s", err.message);
    return l;
}

static void serialize(const dedup_local *l, cs_buf *out)
{
    cs_buf_init(out, 0);
    cs_error err;
    assert_int_equal(dedup_local_serialize(l, out, &err), CS_OK);
}

/* With CLEARSET_WRITE_LOCAL_SEEDS=DIR, the fuzz target's seeds: each photo's set, its
 * first half and its header alone (tests/fuzz/corpus/fuzz_dedup_local). */
static void write_seeds(const char *name, const cs_buf *blob)
{
    const char *dir = getenv("CLEARSET_WRITE_LOCAL_SEEDS");
    if (!dir || !dir[0]) return;
    char base[64], path[TS_PATH_MAX];
    snprintf(base, sizeof base, "%.*s", (int)strcspn(name, "."), name);
    const struct {
        const char *suffix;
        size_t len;
    } cuts[] = {{"", blob->len}, {"-half", blob->len / 2}, {"-header", 16}};
    for (size_t c = 0; c < CS_ARRAY_LEN(cuts); c++) {
        char file[96];
        snprintf(file, sizeof file, "%s%s", base, cuts[c].suffix);
        ts_write_file(ts_join(path, dir, file), blob->data, cuts[c].len);
    }
}

static void test_serialised_features_round_trip_within_4096_bytes(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < WORKS; i++) {
        dedup_local *l = extract(&fx->photos[i]);
        if (i != WEE) assert_true(dedup_local_count(l) >= 200);
        int w, h;
        dedup_local_size(l, &w, &h);
        assert_int_equal(w, fx->photos[i].source_width);
        assert_int_equal(h, fx->photos[i].source_height);
        cs_buf a, b;
        serialize(l, &a);
        assert_true(a.len <= DEDUP_LOCAL_MAX_BYTES);
        write_seeds(work_names[i], &a);
        dedup_local *back;
        cs_error err;
        assert_int_equal(dedup_local_deserialize(a.data, a.len, &back, &err), CS_OK);
        assert_int_equal(dedup_local_count(back), dedup_local_count(l));
        serialize(back, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        /* what was read back verifies like what was extracted */
        dedup_local_match m1, m2;
        int v1 = dedup_local_verify(l, l, &m1), v2 = dedup_local_verify(back, l, &m2);
        assert_int_equal(v1, v2);
        assert_int_equal(m1.inliers, m2.inliers);
        if (i != WEE) {
            assert_true(v1);
            assert_true(m1.inliers >= 200);
            assert_true(fabs(m1.transform[0] - 1) < 0.01 && fabs(m1.transform[2]) < 2);
            assert_true(m1.query_overlap > 0.99 && m1.work_overlap > 0.99);
        }
        cs_buf_free(&a);
        cs_buf_free(&b);
        dedup_local_free(l);
        dedup_local_free(back);
    }
}

/* The derived mirror of a set is (nearly) the set of the mirrored pixels. */
static void test_mirror_derives_the_features_of_the_mirrored_image(void **state)
{
    fixture *fx = *state;
    const int photos[] = {BRIDGE, Q2821};
    for (size_t k = 0; k < CS_ARRAY_LEN(photos); k++) {
        const dedup_image *img = &fx->photos[photos[k]];
        dedup_image flipped;
        assert_int_equal(ig_flip_lr(img, &flipped), CS_OK);
        flipped.source_width = img->source_width; /* the same frame: bridge is decoded smaller */
        flipped.source_height = img->source_height;
        dedup_local *l = extract(img), *real = extract(&flipped), *derived, *twice;
        cs_error err;
        assert_int_equal(dedup_local_mirror(l, &derived, &err), CS_OK);
        assert_int_equal(dedup_local_mirror(derived, &twice, &err), CS_OK);
        /* mirroring twice is the identity, byte for byte */
        cs_buf a, b;
        serialize(l, &a);
        serialize(twice, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        /* most points pair up (same place, scale, angle, code within the verifier's
         * distance) under one transform: the identity */
        dedup_local_match m;
        assert_true(dedup_local_verify(derived, real, &m));
        size_t n = dedup_local_count(derived);
        assert_true(m.inliers >= (int)(MIRROR_MIN_SHARED * (double)n));
        assert_true(fabs(m.transform[0] - 1) < 0.01 && fabs(m.transform[1]) < 0.01 &&
                    fabs(m.transform[3]) < 0.01 && fabs(m.transform[4] - 1) < 0.01);
        assert_true(fabs(m.transform[2]) < MIRROR_POS_TOL && fabs(m.transform[5]) < MIRROR_POS_TOL);
        /* and the un-mirrored set does not verify against the mirrored pixels as well */
        dedup_local_match wrong;
        dedup_local_verify(l, real, &wrong);
        assert_true(wrong.inliers < m.inliers / 4);
        cs_buf_free(&a), cs_buf_free(&b);
        dedup_local_free(l), dedup_local_free(real), dedup_local_free(derived);
        dedup_local_free(twice);
        dedup_image_free(&flipped);
    }
}

static void test_deserialize_rejects_truncated_and_garbled_bytes(void **state)
{
    fixture *fx = *state;
    dedup_local *l = extract(&fx->photos[Q2821]), *back = NULL;
    cs_buf good;
    serialize(l, &good);
    cs_error err;
    for (size_t len = 0; len < good.len; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
        memcpy(copy, good.data, len);
        assert_int_equal(dedup_local_deserialize(copy, len, &back, &err), CS_EFORMAT);
        assert_null(back);
        free(copy);
    }
    unsigned char *bad = malloc(good.len + 1);
    /* one byte too many; a wrong magic, version, code length, count, width and height */
    const struct {
        size_t at;
        unsigned char value;
    } edits[] = {{0, 'X'}, {4, 2}, {4, 0},     {5, 128}, {6, 0xFF}, {7, 0xFF},
                 {8, 0},   {9, 0}, {11, 0x40}, {12, 0},  {15, 0x80}};
    memcpy(bad, good.data, good.len);
    bad[good.len] = 0;
    assert_int_equal(dedup_local_deserialize(bad, good.len + 1, &back, &err), CS_EFORMAT);
    for (size_t e = 0; e < CS_ARRAY_LEN(edits); e++) {
        memcpy(bad, good.data, good.len);
        if (edits[e].at == 8) bad[9] = bad[10] = bad[11] = 0; /* width 0 */
        if (edits[e].at == 12) bad[13] = bad[14] = bad[15] = 0;
        bad[edits[e].at] = edits[e].value;
        int rc = dedup_local_deserialize(bad, good.len, &back, &err);
        if (rc != CS_EFORMAT) fail_msg("edit %zu at byte %zu was accepted", e, edits[e].at);
        assert_true(strlen(err.message) > 0);
    }
    assert_int_equal(dedup_local_deserialize(NULL, 0, &back, &err), CS_EFORMAT);
    /* any point bytes are valid points: garbled ones read, and verify without harm */
    memcpy(bad, good.data, good.len);
    uint64_t s = 42;
    for (size_t i = 16; i < good.len; i++)
        if (ig_uniform(&s) < 0.3) bad[i] = (unsigned char)ig_random(&s);
    assert_int_equal(dedup_local_deserialize(bad, good.len, &back, &err), CS_OK);
    dedup_local_match m;
    dedup_local_verify(back, l, &m);
    assert_true(m.inliers < (int)dedup_local_count(l));
    dedup_local_free(back);
    free(bad);
    cs_buf_free(&good);
    dedup_local_free(l);
}

static void test_flat_and_tiny_images_have_no_keypoints_and_no_error(void **state)
{
    (void)state;
    unsigned char grey[64 * 48];
    memset(grey, 90, sizeof grey);
    dedup_image flat = {.width = 64,
                        .height = 48,
                        .channels = 1,
                        .source_width = 64,
                        .source_height = 48,
                        .pixels = grey};
    dedup_local *l = extract(&flat);
    assert_int_equal(dedup_local_count(l), 0);
    cs_buf buf;
    serialize(l, &buf);
    assert_int_equal(buf.len, 16);
    dedup_local *back;
    cs_error err;
    assert_int_equal(dedup_local_deserialize(buf.data, buf.len, &back, &err), CS_OK);
    dedup_local_match m;
    assert_false(dedup_local_verify(back, l, &m));
    assert_int_equal(m.inliers, 0);
    dedup_local_free(back);
    dedup_local_free(l);
    cs_buf_free(&buf);
    dedup_image tiny = flat;
    tiny.width = tiny.source_width = 3;
    tiny.height = tiny.source_height = 2;
    l = extract(&tiny);
    assert_int_equal(dedup_local_count(l), 0);
    dedup_local_free(l);
    /* a detailed image under 64 px on a side has no keypoints either (blown up 6x and
     * more, its keypoints are mostly the interpolation's), at 64 px it has */
    dedup_image small;
    assert_int_equal(ig_generate(3, 63, 80, &small), CS_OK);
    l = extract(&small);
    assert_int_equal(dedup_local_count(l), 0);
    dedup_local_free(l);
    dedup_image_free(&small);
    assert_int_equal(ig_generate(3, 64, 80, &small), CS_OK);
    l = extract(&small);
    assert_true(dedup_local_count(l) > 0);
    dedup_local_free(l);
    dedup_image_free(&small);
}

static void test_analyze_hashes_like_dedup_hash_bytes(void **state)
{
    (void)state;
    size_t len;
    unsigned char *bytes = ts_read_pdq_vector("bridge-1-original.jpg", &len);
    dedup_hashes a, b;
    dedup_local *l;
    cs_error err;
    assert_int_equal(dedup_hash_bytes(bytes, len, 0, 0, &a, &err), CS_OK);
    assert_int_equal(dedup_analyze(bytes, len, 0, &b, &l, &err), CS_OK);
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(dedup_local_count(l) > 200);
    int w, h;
    dedup_local_size(l, &w, &h);
    assert_int_equal(w, a.width);
    assert_int_equal(h, a.height);
    dedup_local_free(l);
    assert_int_equal(dedup_analyze(bytes, 100, 0, &b, &l, &err), CS_EFORMAT);
    assert_null(l);
    free(bytes);
}

typedef struct audit_job {
    const fixture *fx;
    dedup_hashes hashes;
    dedup_local *local;
    dedup_similarity first;
    int failed;
} audit_job;

static void *audit_many(void *arg)
{
    audit_job *job = arg;
    for (int round = 0; round < 4; round++) {
        dedup_query q = {.hashes = &job->hashes, .local = job->local};
        dedup_audit_result res;
        if (dedup_audit(job->fx->works, &q, 3, &res, NULL) != CS_OK || res.count == 0) {
            job->failed = 1;
            return NULL;
        }
        if (round == 0)
            job->first = res.matches[0];
        else if (memcmp(&job->first, &res.matches[0], sizeof job->first) != 0)
            job->failed = 1;
        dedup_audit_result_free(&res);
    }
    return NULL;
}

static void test_a_built_set_is_queried_from_several_threads(void **state)
{
    fixture *fx = *state;
    audit_job jobs[3] = {{.fx = fx}, {.fx = fx}, {.fx = fx}};
    dedup_image edits[3];
    assert_int_equal(ig_rotate(&fx->photos[BRIDGE], 7, &edits[0]), CS_OK);
    assert_int_equal(ig_crop(&fx->photos[Q2821], 25, &edits[1]), CS_OK);
    assert_int_equal(ig_collage(&fx->photos[Q0122], &fx->background, 0.4, 2, &edits[2]), CS_OK);
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        analyze_image(&edits[i], 90, &jobs[i].hashes, &jobs[i].local);
        assert_int_equal(pthread_create(&threads[i], NULL, audit_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_false(jobs[i].failed);
        dedup_local_free(jobs[i].local);
        dedup_image_free(&edits[i]);
    }
    assert_int_equal(jobs[0].first.work, fx->ids[BRIDGE]);
    assert_int_equal(jobs[1].first.work, fx->ids[Q2821]);
    assert_int_equal(jobs[2].first.work, fx->ids[Q0122]);
    assert_int_equal(jobs[2].first.risk, DEDUP_RISK_PARTIAL);
}

static void test_names_and_add_after_build(void **state)
{
    fixture *fx = *state;
    assert_string_equal(dedup_risk_name(DEDUP_RISK_NONE), "none");
    assert_string_equal(dedup_risk_name(DEDUP_RISK_PARTIAL), "partial");
    assert_string_equal(dedup_risk_name(DEDUP_RISK_COPY), "copy");
    assert_string_equal(dedup_stage_name(DEDUP_STAGE_PDQ), "pdq");
    assert_string_equal(dedup_stage_name(DEDUP_STAGE_LOCAL), "local");
    dedup_work_desc desc = {0};
    cs_error err;
    assert_int_equal(dedup_works_add(fx->works, &desc, NULL, NULL, &err), CS_EINVAL);
    assert_true(dedup_works_memory(fx->works) > (WORKS + DISTRACTORS) * 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crops_are_copies_of_their_work),
        cmocka_unit_test(test_a_small_crop_of_a_work_is_a_partial_match),
        cmocka_unit_test(test_rotations_small_and_quarter_are_copies),
        cmocka_unit_test(test_flips_are_copies),
        cmocka_unit_test(test_a_mirrored_crop_is_reported_in_the_query_frame),
        cmocka_unit_test(test_jpeg_q30_resize_and_tone_changes_are_copies),
        cmocka_unit_test(test_caption_and_logo_overlays_are_copies),
        cmocka_unit_test(test_a_work_pasted_in_a_collage_is_a_partial_match),
        cmocka_unit_test(test_the_tiny_work_is_found_by_pdq_alone),
        cmocka_unit_test(test_unrelated_photos_are_not_matched),
        cmocka_unit_test(test_serialised_features_round_trip_within_4096_bytes),
        cmocka_unit_test(test_mirror_derives_the_features_of_the_mirrored_image),
        cmocka_unit_test(test_deserialize_rejects_truncated_and_garbled_bytes),
        cmocka_unit_test(test_flat_and_tiny_images_have_no_keypoints_and_no_error),
        cmocka_unit_test(test_analyze_hashes_like_dedup_hash_bytes),
        cmocka_unit_test(test_a_built_set_is_queried_from_several_threads),
        cmocka_unit_test(test_names_and_add_after_build),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
