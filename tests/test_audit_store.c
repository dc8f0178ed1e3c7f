/*
 * test_audit_store.c - the catalog's audit section: registering, listing
 * and removing protected works, storing local features, walking the works an
 * audit compares against (registered works and images blocked for a rights
 * claim or an opt-out, never for laundering), and local matches.
 */
#include "tests/support/testsupport.h"

#include "dataset/catalog.h"

#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[TS_PATH_MAX];
    char db[TS_PATH_MAX];
    catalog *cat;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ts_tempdir(f->dir);
    ts_join(f->db, f->dir, "clearset.db");
    cs_error err;
    assert_int_equal(catalog_open(f->db, &f->cat, &err), CS_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    catalog_close(f->cat);
    ts_rmtree(f->dir);
    free(f);
    return 0;
}

static int64_t protect(catalog *cat, const char *bytes, const char *path, const char *owner,
                       int *added)
{
    catalog_protect_info info = {.path = path, .owner = owner, .media_type = "image/png"};
    int64_t id = 0;
    cs_error err;
    assert_int_equal(catalog_protect(cat, bytes, strlen(bytes), &info, &id, added, &err), CS_OK);
    return id;
}

static void test_protect_registers_once_and_updates_the_owner(void **state)
{
    fixture *f = *state;
    int added = -1;
    int64_t a = protect(f->cat, "work a", "/photos/a.png", NULL, &added);
    assert_int_equal(added, 1);
    int64_t again = protect(f->cat, "work a", "/elsewhere/a.png", "Ana", &added);
    assert_int_equal(added, 0);
    assert_true(again == a);
    int64_t b = protect(f->cat, "work b", "/photos/b.png", "Bo", &added);

    catalog_protected_work *works;
    size_t n;
    cs_error err;
    assert_int_equal(catalog_protected_list(f->cat, &works, &n, &err), CS_OK);
    assert_int_equal(n, 2);
    assert_true(works[0].image_id == a);
    assert_string_equal(works[0].path, "/photos/a.png"); /* the first registration's path */
    assert_string_equal(works[0].owner, "Ana");          /* the owner given later */
    assert_null(works[0].note);
    assert_string_equal(works[1].owner, "Bo");
    assert_int_equal(strlen(works[1].sha256), 64);
    catalog_protected_works_free(works, n);

    assert_int_equal(catalog_protected_remove(f->cat, b, &err), CS_OK);
    assert_int_equal(catalog_protected_remove(f->cat, b, &err), CS_ENOTFOUND);
    assert_non_null(strstr(err.message, "no protected work"));
    assert_int_equal(catalog_protected_list(f->cat, &works, &n, &err), CS_OK);
    assert_int_equal(n, 1);
    catalog_protected_works_free(works, n);
}

static void test_local_features_are_stored_and_missing_ones_listed(void **state)
{
    fixture *f = *state;
    cs_error err;
    int64_t a = protect(f->cat, "work a", "a.png", NULL, NULL);
    int64_t b = protect(f->cat, "work b", "b.png", NULL, NULL);
    catalog_unhashed *todo;
    size_t n;
    assert_int_equal(catalog_list_unhashed(f->cat, &todo, &n, &err), CS_OK);
    assert_int_equal(n, 2); /* neither hashes nor features */
    free(todo);
    for (int64_t id = a; id <= b; id++) {
        catalog_hash_row h = {.image_id = id, .pdq_quality = 90, .width = 10, .height = 10};
        memset(h.pdq, 'a', 64);
        memset(h.phash, 'b', 16);
        assert_int_equal(catalog_put_hashes(f->cat, &h, &err), CS_OK);
    }
    const unsigned char blob[5] = {1, 0, 2, 0, 3};
    assert_int_equal(catalog_put_local_features(f->cat, a, blob, sizeof blob, 7, &err), CS_OK);
    assert_int_equal(catalog_list_unhashed(f->cat, &todo, &n, &err), CS_OK);
    assert_int_equal(n, 1); /* b has hashes but no features: dedup still has work */
    assert_true(todo[0].image_id == b);
    free(todo);

    unsigned char *data;
    size_t len;
    assert_int_equal(catalog_get_local_features(f->cat, a, &data, &len, &err), CS_OK);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(data, blob, sizeof blob); /* the NUL inside survives */
    free(data);
    assert_int_equal(catalog_get_local_features(f->cat, b, &data, &len, &err), CS_ENOTFOUND);
}

typedef struct seen {
    char kinds[8][16];
    char labels[8][64];
    char why[8][64];
    int64_t ids[8];
    int with_features;
    size_t n;
} seen;

static int remember(void *arg, const catalog_work_row *row)
{
    seen *s = arg;
    if (s->n == 8) return CS_ELIMIT;
    cs_strlcpy(s->kinds[s->n], row->kind, sizeof s->kinds[0]);
    cs_strlcpy(s->labels[s->n], row->label ? row->label : "", sizeof s->labels[0]);
    cs_strlcpy(s->why[s->n], row->why ? row->why : "", sizeof s->why[0]);
    s->ids[s->n++] = row->image_id;
    s->with_features += row->local != NULL;
    return 0;
}

static int stop_at_once(void *arg, const catalog_work_row *row)
{
    (void)arg, (void)row;
    return CS_EEXIST;
}

static void test_works_are_protected_and_blocked_but_not_laundered_images(void **state)
{
    fixture *f = *state;
    cs_error err;
    int64_t work = protect(f->cat, "registered", "reg.png", "Ana", NULL);
    catalog_image_info crawled = {.media_type = "image/jpeg"};
    int64_t claimed, opted_out, laundered, cleared;
    assert_int_equal(catalog_add_image(f->cat, "claimed", 7, &crawled, &claimed, NULL, &err),
                     CS_OK);
    assert_int_equal(catalog_add_image(f->cat, "opted", 5, &crawled, &opted_out, NULL, &err),
                     CS_OK);
    assert_int_equal(catalog_add_image(f->cat, "laundered", 9, &crawled, &laundered, NULL, &err),
                     CS_OK);
    assert_int_equal(catalog_add_image(f->cat, "cleared", 7, &crawled, &cleared, NULL, &err),
                     CS_OK);
    assert_int_equal(catalog_put_verdict(f->cat, claimed, "strict", "blocked", NULL, NULL,
                                         "[{\"rule\":\"license\"},{\"rule\":\"laundering\"}]",
                                         &err),
                     CS_OK);
    assert_int_equal(catalog_put_verdict(f->cat, opted_out, "strict", "blocked", NULL, NULL,
                                         "[{\"rule\":\"optout\"}]", &err),
                     CS_OK);
    assert_int_equal(catalog_put_verdict(f->cat, laundered, "strict", "blocked", NULL, NULL,
                                         "[{\"rule\":\"laundering\"}]", &err),
                     CS_OK);
    assert_int_equal(
        catalog_put_verdict(f->cat, cleared, "strict", "cleared", "CC0-1.0", NULL, "[]", &err),
        CS_OK);
    /* blocked under another policy only: not a work under strict */
    assert_int_equal(catalog_put_verdict(f->cat, cleared, "research", "blocked", NULL, NULL,
                                         "[{\"rule\":\"optout\"}]", &err),
                     CS_OK);
    const unsigned char blob[3] = {9, 9, 9};
    assert_int_equal(catalog_put_local_features(f->cat, claimed, blob, 3, 1, &err), CS_OK);

    seen s = {0};
    assert_int_equal(catalog_each_work(f->cat, "strict", remember, &s, &err), CS_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.kinds[0], "protected");
    assert_true(s.ids[0] == work);
    assert_string_equal(s.labels[0], "reg.png");
    assert_string_equal(s.kinds[1], "blocked");
    assert_true(s.ids[1] == claimed);
    assert_string_equal(s.why[1], "license"); /* the laundering reason is not why it is a work */
    assert_true(s.ids[2] == opted_out);
    assert_string_equal(s.why[2], "optout");
    assert_int_equal(s.with_features, 1);

    seen only_registered = {0};
    assert_int_equal(catalog_each_work(f->cat, NULL, remember, &only_registered, &err), CS_OK);
    assert_int_equal(only_registered.n, 1);

    assert_int_equal(catalog_each_work(f->cat, "strict", stop_at_once, NULL, &err), CS_EEXIST);

    catalog_local_match m = {.image_id = cleared,
                             .work_image_id = claimed,
                             .inliers = 40,
                             .work_coverage = 0.5,
                             .query_coverage = 0.75,
                             .pdq_distance = 90};
    assert_int_equal(catalog_add_local_match(f->cat, "strict", &m, &err), CS_OK);
    assert_int_equal(catalog_add_local_match(f->cat, "strict", &m, &err), CS_OK); /* replaces */
    assert_int_equal(catalog_clear_local_matches(f->cat, "strict", &err), CS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_protect_registers_once_and_updates_the_owner, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_local_features_are_stored_and_missing_ones_listed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_works_are_protected_and_blocked_but_not_laundered_images, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
