/*
 * test_pipeline.c - the application layer's promises: the crawl lock is
 * exclusive until released; the clearance run hands back exactly the verdicts
 * it stored, once per image in the catalog's order; an explanation finds its
 * image by id, SHA-256 (any case) or not at all. Real SQLite catalogs in a
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
    assert_int_equal(pipeline_crawl_lock_acquire(path, &first, &err), CS_OK);
    assert_non_null(first);
    assert_int_equal(pipeline_crawl_lock_acquire(path, &second, &err), CS_EIO);
    assert_null(second);
    assert_non_null(strstr(err.message, "another crawl is running"));
    pipeline_crawl_lock_release(first);
    assert_int_equal(pipeline_crawl_lock_acquire(path, &second, &err), CS_OK);
    pipeline_crawl_lock_release(second);
    pipeline_crawl_lock_release(NULL);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crawl_lock_is_exclusive_until_released),
        cmocka_unit_test(test_clear_hands_back_the_verdicts_it_stored),
        cmocka_unit_test(test_explain_finds_the_image_by_id_or_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
