/*
 * test_pipeline.c - the application layer's promises: the crawl lock is
 * exclusive until released; the clearance run hands back exactly the verdicts
 * it stored, once per image in the catalog's order; an explanation finds its
 * image by id, SHA-256 (any case) or not at all; an export keeps one image
 * per near-duplicate cluster, the best by pixels, PDQ quality, then id. Real SQLite catalogs in a
 * temporary directory, made through dataset/'s own calls.
 */
#include "tests/support/testsupport.h"

#include "pipeline/pipeline.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void test_crawl_lock_is_exclusive_until_released(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "clearset.db");
    pipeline_crawl_lock *first = NULL, *second = NULL;
    cs_error err;
    assert_int_equal(pipeline_crawl_lock_acquire(path, 0, &first, &err), CS_OK);
    assert_non_null(first);
    assert_int_equal(pipeline_crawl_lock_acquire(path, 0, &second, &err), CS_EIO);
    assert_null(second);
    assert_non_null(strstr(err.message, "another crawl is running"));
    assert_int_equal(pipeline_crawl_lock_acquire(path, 1, &second, &err), CS_EIO); /* a worker */
    pipeline_crawl_lock_release(first);
    assert_int_equal(pipeline_crawl_lock_acquire(path, 0, &second, &err), CS_OK);
    pipeline_crawl_lock_release(second);
    pipeline_crawl_lock_release(NULL);
}

static void test_workers_share_the_crawl_lock_and_keep_a_plain_crawl_out(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(path, dir, "clearset.db");
    pipeline_crawl_lock *a = NULL, *b = NULL, *plain = NULL;
    cs_error err;
    assert_int_equal(pipeline_crawl_lock_acquire(path, 1, &a, &err), CS_OK);
    assert_int_equal(pipeline_crawl_lock_acquire(path, 1, &b, &err), CS_OK);
    assert_int_equal(pipeline_crawl_lock_acquire(path, 0, &plain, &err), CS_EIO);
    assert_null(plain);
    pipeline_crawl_lock_release(a);
    pipeline_crawl_lock_release(b);
    assert_int_equal(pipeline_crawl_lock_acquire(path, 0, &plain, &err), CS_OK);
    pipeline_crawl_lock_release(plain);
    ts_rmtree(dir);
    ts_rmtree(dir);
}

static int64_t add_image(catalog *cat, const char *bytes, const char *spdx, const char *claim)
{
    int64_t id;
    cs_error err;
    catalog_image_info info = {.media_type = "image/png"};
    if (catalog_add_image(cat, bytes, strlen(bytes), &info, &id, NULL, &err) != CS_OK)
        fail_msg("%s", err.message);
    if (!spdx && !claim) return id;
    catalog_rights r = {.image_id = id,
                        .origin = "xmp",
                        .field = "XMP-xmpRights:UsageTerms",
                        .raw_value = spdx ? spdx : claim,
                        .license_spdx = spdx,
                        .rights_claim = claim};
    if (catalog_record_rights(cat, &r, &err) != CS_OK) fail_msg("%s", err.message);
    return id;
}

typedef struct seen_verdicts {
    int64_t ids[8];
    char kinds[8][16];
    size_t count;
} seen_verdicts;

static void collect(void *arg, const pipeline_verdict *v)
{
    seen_verdicts *seen = arg;
    assert_true(seen->count < 8);
    seen->ids[seen->count] = v->image_id;
    cs_strlcpy(seen->kinds[seen->count], license_verdict_name(v->verdict.kind), 16);
    seen->count++;
}

static void test_clear_hands_back_the_verdicts_it_stored(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    catalog *cat = ts_catalog_temp(dir, path);
    cs_error err;
    int64_t cc0 = add_image(cat, "bytes of a CC0 image", "CC0-1.0", NULL);
    int64_t reserved = add_image(cat, "bytes of a reserved image", NULL, "all-rights-reserved");
    int64_t bare = add_image(cat, "bytes of an image nobody said anything about", NULL, NULL);

    license_policy *policy;
    if (license_policy_builtin("strict", &policy, &err) != CS_OK) fail_msg("%s", err.message);
    seen_verdicts seen = {0};
    pipeline_clear_stats stats;
    if (pipeline_clear_catalog(cat, policy, collect, &seen, &stats, &err) != CS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(stats.images, 3);
    assert_int_equal(stats.verdicts[LICENSE_VERDICT_CLEARED], 1);
    assert_int_equal(stats.verdicts[LICENSE_VERDICT_BLOCKED], 1);
    assert_int_equal(stats.verdicts[LICENSE_VERDICT_UNKNOWN], 1);

    /* once per image, ascending ids, each exactly the verdict the catalog now holds */
    assert_int_equal(seen.count, 3);
    const int64_t want_ids[] = {cc0, reserved, bare};
    const char *want_kinds[] = {"cleared", "blocked", "unknown"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(seen.ids[i], want_ids[i]);
        assert_string_equal(seen.kinds[i], want_kinds[i]);
        catalog_verdict_row *rows = NULL;
        size_t n = 0;
        if (catalog_get_verdicts(cat, seen.ids[i], &rows, &n, &err) != CS_OK)
            fail_msg("%s", err.message);
        assert_int_equal(n, 1);
        assert_string_equal(rows[0].policy, "strict");
        assert_string_equal(rows[0].verdict, seen.kinds[i]);
        catalog_verdict_rows_free(rows, n);
    }

    /* a NULL callback is allowed: the run still stores */
    if (pipeline_clear_catalog(cat, policy, NULL, NULL, &stats, &err) != CS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(stats.images, 3);
    license_policy_free(policy);
    catalog_close(cat);
    ts_rmtree(dir);
}

static void test_explain_finds_the_image_by_id_or_sha256(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX];
    catalog *cat = ts_catalog_temp(dir, path);
    cs_error err;
    int64_t id = add_image(cat, "bytes of a CC0 image", "CC0-1.0", NULL);
    license_policy *policy;
    if (license_policy_builtin("strict", &policy, &err) != CS_OK) fail_msg("%s", err.message);

    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)id);
    json_t *obj = NULL;
    if (pipeline_explain(cat, policy, key, &obj, &err) != CS_OK) fail_msg("%s", err.message);
    assert_string_equal(json_string_value(json_object_get(obj, "verdict")), "cleared");
    assert_true(json_is_null(json_object_get(obj, "stored_verdict")));
    const char *first = json_string_value(json_array_get(json_object_get(obj, "words"), 0));
    assert_non_null(first);
    assert_non_null(strstr(first, "is cleared under policy strict."));
    char sha[CS_SHA256_HEX];
    cs_strlcpy(sha, json_string_value(json_object_get(obj, "sha256")), sizeof sha);
    json_decref(obj);

    for (char *p = sha; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    obj = NULL;
    if (pipeline_explain(cat, policy, sha, &obj, &err) != CS_OK) fail_msg("%s", err.message);
    assert_int_equal(json_integer_value(json_object_get(obj, "image_id")), id);
    json_decref(obj);

    obj = NULL;
    assert_int_equal(pipeline_explain(cat, policy, "999999", &obj, &err), CS_ENOTFOUND);
    assert_null(obj);
    license_policy_free(policy);
    catalog_close(cat);
    ts_rmtree(dir);
}

/* A cleared image with hashes, in cluster (0: none), of the given size and PDQ quality. */
static int64_t add_cleared(catalog *cat, const char *bytes, int width, int height, int quality)
{
    int64_t id;
    catalog_image_info info = {.media_type = "image/png", .width = width, .height = height};
    assert_int_equal(catalog_add_image(cat, bytes, strlen(bytes), &info, &id, NULL, NULL), CS_OK);
    catalog_hash_row row = {
        .image_id = id, .pdq_quality = quality, .width = width, .height = height};
    memset(row.pdq, '0', 64);
    memset(row.phash, '0', 16);
    assert_int_equal(catalog_put_hashes(cat, &row, NULL), CS_OK);
    assert_int_equal(catalog_put_verdict(cat, id, "strict", "cleared", "CC0-1.0", NULL, "[]", NULL),
                     CS_OK);
    return id;
}

static void add_cluster(catalog *cat, const int64_t *ids, size_t n)
{
    int64_t cluster;
    assert_int_equal(catalog_add_cluster(cat, "near", 31, &cluster, NULL), CS_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(catalog_add_cluster_member(cat, cluster, ids[i], 0, NULL), CS_OK);
}

/* The sha256s metadata.jsonl lists, in key order, joined by spaces. */
static void exported(const char *dir, char *out, size_t size)
{
    char path[TS_PATH_MAX];
    ts_join(path, dir, "metadata.jsonl");
    size_t len;
    char *text = ts_read_file(path, &len);
    out[0] = '\0';
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *row = json_loads(line, 0, NULL);
        assert_non_null(row);
        if (out[0]) strncat(out, " ", size - strlen(out) - 1);
        strncat(out, json_string_value(json_object_get(row, "sha256")), size - strlen(out) - 1);
        json_decref(row);
    }
    free(text);
}

static void test_export_keeps_the_best_of_each_cluster(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX], out[TS_PATH_MAX];
    catalog *cat = ts_catalog_temp(dir, path);
    /* cluster 1: most pixels wins over PDQ quality and id */
    int64_t small = add_cleared(cat, "small", 100, 100, 100);
    int64_t large = add_cleared(cat, "large", 200, 100, 60);
    /* cluster 2: same pixels, PDQ quality decides; cluster 3: all tied, lowest id */
    int64_t low_q = add_cleared(cat, "low-q", 50, 50, 55);
    int64_t high_q = add_cleared(cat, "high-q", 50, 50, 90);
    int64_t first = add_cleared(cat, "first", 10, 10, 70);
    int64_t second = add_cleared(cat, "second", 10, 10, 70);
    add_cleared(cat, "alone", 1, 1, 0); /* in no cluster: exported */
    add_cluster(cat, (int64_t[]){small, large}, 2);
    add_cluster(cat, (int64_t[]){low_q, high_q}, 2);
    add_cluster(cat, (int64_t[]){second, first}, 2);
    license_policy *policy = NULL;
    assert_int_equal(license_policy_load("strict", &policy, NULL), CS_OK);
    ts_join(out, dir, "export");
    pipeline_export_options opts = {.out_dir = out, .policy = policy};
    pipeline_export_stats stats;
    cs_error err = {0};
    assert_int_equal(pipeline_export(cat, &opts, &stats, &err), CS_OK);
    assert_int_equal(stats.images, 4);
    assert_int_equal(stats.cleared, 7);
    assert_int_equal(stats.duplicates, 3);
    char want[5 * CS_SHA256_HEX], got[8 * CS_SHA256_HEX], sha[CS_SHA256_HEX];
    want[0] = '\0';
    const char *kept[] = {"large", "high-q", "first", "alone"}; /* in id order */
    for (size_t i = 0; i < 4; i++) {
        cs_sha256_hex(kept[i], strlen(kept[i]), sha);
        if (i) strcat(want, " ");
        strcat(want, sha);
    }
    exported(out, got, sizeof got);
    assert_string_equal(got, want);
    /* a second export with --force over the first is the same */
    pipeline_export_stats_free(&stats);
    opts.force = 1;
    assert_int_equal(pipeline_export(cat, &opts, &stats, &err), CS_OK);
    exported(out, got, sizeof got);
    assert_string_equal(got, want);
    pipeline_export_stats_free(&stats);
    license_policy_free(policy);
    catalog_close(cat);
    ts_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crawl_lock_is_exclusive_until_released),
        cmocka_unit_test(test_workers_share_the_crawl_lock_and_keep_a_plain_crawl_out),
        cmocka_unit_test(test_clear_hands_back_the_verdicts_it_stored),
        cmocka_unit_test(test_explain_finds_the_image_by_id_or_sha256),
        cmocka_unit_test(test_export_keeps_the_best_of_each_cluster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
