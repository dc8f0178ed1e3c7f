/*
 * test_pipeline_audit.c - the promises of protect and audit's application
 * layer that the shell test (it_audit.sh) cannot pin down as exactly: the
 * walk over PATHs (files passed as given, folders in name order by content,
 * links to folders not followed); a work registered by pipeline_protect has
 * its hashes and local features stored with it; pipeline_audit with no work
 * at all writes nothing, and its report is one JSON document whatever the
 * file names, listing the file it could not read. Images are the PDQ
 * reference photos; catalogs are real SQLite files in a temporary directory.
 */
#include "tests/support/testsupport.h"

#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct seen {
    char paths[16][TS_PATH_MAX];
    int problems[16];
    size_t count;
} seen;

static int remember(void *arg, const char *path, const cs_error *problem)
{
    seen *s = arg;
    assert_true(s->count < 16);
    cs_strlcpy(s->paths[s->count], path, TS_PATH_MAX);
    s->problems[s->count++] = problem != NULL;
    return CS_OK;
}

static void copy_fixture(const char *name, const char *to)
{
    char from[TS_PATH_MAX];
    size_t n = 0;
    char *bytes = ts_read_file(ts_fixture(from, "pdq", name), &n);
    ts_write_file(to, bytes, n);
    free(bytes);
}

static void test_walk_gives_files_as_named_and_folders_by_content_in_order(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], p[TS_PATH_MAX], target[TS_PATH_MAX];
    ts_tempdir(dir);
    assert_int_equal(mkdir(ts_join(p, dir, "works"), 0755), 0);
    assert_int_equal(mkdir(ts_join(p, dir, "works/b"), 0755), 0);
    assert_int_equal(mkdir(ts_join(p, dir, "elsewhere"), 0755), 0);
    copy_fixture("q0122.jpg", ts_join(p, dir, "works/z.jpg"));
    copy_fixture("q2821.jpg", ts_join(p, dir, "works/b/a.jpg"));
    copy_fixture("wee.jpg", ts_join(p, dir, "works/a-no-extension"));
    copy_fixture("wee.jpg", ts_join(p, dir, "elsewhere/hidden.jpg"));
    ts_write_file(ts_join(p, dir, "works/README.jpg"), "not an image", 12);
    ts_write_file(ts_join(p, dir, "notes.txt"), "not an image", 12);
    assert_int_equal(symlink(ts_join(target, dir, "elsewhere"), ts_join(p, dir, "works/c")), 0);
    assert_int_equal(symlink(ts_join(target, dir, "works/z.jpg"), ts_join(p, dir, "works/d.jpg")),
                     0);

    char works[TS_PATH_MAX], notes[TS_PATH_MAX];
    const char *paths[] = {ts_join(notes, dir, "notes.txt"), ts_join(works, dir, "works")};
    seen s = {0};
    assert_int_equal(pipeline_each_image_file(paths, 2, remember, &s), CS_OK);
    const char *expected[] = {"notes.txt", "works/a-no-extension", "works/b/a.jpg", "works/d.jpg",
                              "works/z.jpg"};
    assert_int_equal(s.count, CS_ARRAY_LEN(expected));
    for (size_t i = 0; i < s.count; i++) {
        assert_string_equal(s.paths[i], ts_join(p, dir, expected[i]));
        assert_false(s.problems[i]);
    }
    ts_rmtree(dir);
}

static void test_protect_stores_the_work_with_its_hashes_and_features(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], path[TS_PATH_MAX], file[TS_PATH_MAX];
    catalog *cat = ts_catalog_temp(dir, path);
    copy_fixture("bridge-1-original.jpg", ts_join(file, dir, "bridge.jpg"));
    const char *paths[] = {file};
    pipeline_protect_options opts = {.owner = "Ann Example"};
    pipeline_protect_stats stats;
    cs_error err = {0};
    assert_int_equal(pipeline_protect(cat, paths, 1, &opts, &stats, &err), CS_OK);
    assert_int_equal(stats.registered, 1);
    assert_int_equal(stats.failed, 0);

    catalog_protected_work *works = NULL;
    size_t count = 0;
    assert_int_equal(catalog_protected_list(cat, &works, &count, &err), CS_OK);
    assert_int_equal(count, 1);
    assert_string_equal(works[0].path, file);
    assert_string_equal(works[0].owner, "Ann Example");
    int64_t id = works[0].image_id;
    catalog_protected_works_free(works, count);

    catalog_hash_row *rows = NULL;
    assert_int_equal(catalog_list_hashes(cat, &rows, &count, &err), CS_OK);
    assert_int_equal(count, 1);
    assert_int_equal(rows[0].image_id, id);
    assert_int_equal(rows[0].width, 1600);
    free(rows);
    unsigned char *data = NULL;
    size_t n = 0;
    assert_int_equal(catalog_get_local_features(cat, id, &data, &n, &err), CS_OK);
    dedup_local *local = NULL;
    assert_int_equal(dedup_local_deserialize(data, n, &local, &err), CS_OK);
    assert_true(dedup_local_count(local) > 20);
    dedup_local_free(local);
    free(data);
    catalog_close(cat);
    ts_rmtree(dir);
}

static void test_audit_without_works_writes_nothing(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], report[TS_PATH_MAX], query[TS_PATH_MAX];
    ts_tempdir(dir);
    copy_fixture("q0122.jpg", ts_join(query, dir, "q.jpg"));
    const char *queries[] = {query};
    pipeline_audit_options opts = {
        .report_dir = ts_join(report, dir, "report"), .queries = queries, .query_count = 1};
    pipeline_audit_stats stats;
    cs_error err = {0};
    assert_int_equal(pipeline_audit(NULL, &opts, &stats, &err), CS_ENOTFOUND);
    assert_non_null(strstr(err.message, "no protected works"));
    struct stat st;
    assert_int_not_equal(stat(report, &st), 0);
    ts_rmtree(dir);
}

static void test_audit_report_is_one_json_document_whatever_the_names(void **state)
{
    (void)state;
    char dir[TS_PATH_MAX], p[TS_PATH_MAX], works[TS_PATH_MAX], report[TS_PATH_MAX];
    char copy[TS_PATH_MAX], broken[TS_PATH_MAX];
    ts_tempdir(dir);
    assert_int_equal(mkdir(ts_join(works, dir, "works"), 0755), 0);
    copy_fixture("q2821.jpg", ts_join(p, dir, "works/w.jpg"));
    /* a name that is not UTF-8 and is full of markup */
    copy_fixture("q2821.jpg", ts_join(copy, dir, "\xff<i>\"copy\"&amp;.jpg"));
    ts_write_file(ts_join(broken, dir, "broken.jpg"), "not an image", 12);
    const char *queries[] = {copy, broken};
    pipeline_audit_options opts = {.report_dir = ts_join(report, dir, "report"),
                                   .queries = queries,
                                   .query_count = 2,
                                   .protected_dir = works};
    pipeline_audit_stats stats;
    cs_error err = {0};
    assert_int_equal(pipeline_audit(NULL, &opts, &stats, &err), CS_OK);
    assert_int_equal(stats.works, 1);
    assert_int_equal(stats.images, 1);
    assert_int_equal(stats.risk[DEDUP_RISK_COPY], 1);
    assert_int_equal(stats.unreadable, 1);

    json_error_t jerr;
    json_t *doc = json_load_file(ts_join(p, report, "report.json"), 0, &jerr);
    assert_non_null(doc);
    json_t *image = json_array_get(json_object_get(doc, "images"), 0);
    assert_string_equal(json_string_value(json_object_get(image, "risk")), "copy");
    assert_non_null(strstr(json_string_value(json_object_get(image, "file")), "?<i>\"copy\""));
    json_t *match = json_array_get(json_object_get(image, "matches"), 0);
    char work[TS_PATH_MAX];
    assert_string_equal(json_string_value(json_object_get(match, "work")),
                        ts_join(work, works, "w.jpg"));
    assert_string_equal(json_string_value(json_object_get(match, "kind")), "file");
    json_t *unreadable = json_array_get(json_object_get(doc, "unreadable"), 0);
    assert_string_equal(json_string_value(json_object_get(unreadable, "file")), broken);
    assert_string_equal(json_string_value(json_object_get(unreadable, "role")), "query");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "works")),
                     1);
    json_decref(doc);

    size_t n = 0;
    char *html = ts_read_file(ts_join(p, report, "report.html"), &n);
    assert_null(strstr(html, "<i>\"copy"));
    assert_non_null(strstr(html, "?&lt;i&gt;&quot;copy&quot;&amp;amp;.jpg"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    free(html);
    assert_int_not_equal(access(ts_join(p, report, "report.json.partial"), F_OK), 0);
    ts_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_gives_files_as_named_and_folders_by_content_in_order),
        cmocka_unit_test(test_protect_stores_the_work_with_its_hashes_and_features),
        cmocka_unit_test(test_audit_without_works_writes_nothing),
        cmocka_unit_test(test_audit_report_is_one_json_document_whatever_the_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
