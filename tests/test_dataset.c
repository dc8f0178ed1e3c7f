/*
 * test_dataset.c - the catalog and the blob store: creation and migration,
 * refusal of newer or foreign files, status counts, content addressing, and
 * crash safety of blob writes under SIGKILL.
 */
#include "tests/support/testsupport.h"

#include "dataset/catalog.h"
#include "dataset/dataset_internal.h" /* the migration table, to build an old catalog */

#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct fixture {
    char dir[TS_PATH_MAX];
    char db[TS_PATH_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ts_tempdir(f->dir);
    ts_join(f->db, f->dir, "clearset.db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_rmtree(f->dir);
    free(f);
    return 0;
}

/* The test's own connections wait for a writer (or a killed writer's WAL
 * recovery) the way the catalog does, instead of failing with SQLITE_BUSY. */
static sqlite3 *open_db(const char *db_path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 30 * 1000);
    return db;
}

static void sql(const char *db_path, const char *statement)
{
    sqlite3 *db = open_db(db_path);
    char *message = NULL;
    if (sqlite3_exec(db, statement, NULL, NULL, &message) != SQLITE_OK)
        fail_msg("%s: %s", statement, message);
    sqlite3_close(db);
}

static int64_t sql_int(const char *db_path, const char *query)
{
    sqlite3 *db = open_db(db_path);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, query, -1, &stmt, NULL), SQLITE_OK);
    int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

static void test_open_creates_every_table_at_current_version(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_OK);
    assert_int_equal(catalog_schema_version(cat), CATALOG_SCHEMA_VERSION);
    catalog_close(cat);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
    static const char *tables[] = {"hosts",          "urls",       "fetches",   "pages",
                                   "images",         "image_urls", "sightings", "rights_evidence",
                                   "optout_signals", "hashes",     "clusters",  "cluster_members",
                                   "verdicts"};
    for (size_t i = 0; i < CS_ARRAY_LEN(tables); i++) {
        char query[128];
        snprintf(query, sizeof query,
                 "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='%s'", tables[i]);
        assert_int_equal(sql_int(f->db, query), 1);
    }
    sqlite3 *db = open_db(f->db);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    struct stat st;
    char blobs[TS_PATH_MAX];
    assert_int_equal(stat(ts_join(blobs, f->dir, "clearset.blobs"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

static void test_reopen_keeps_data(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    int64_t id = 0;
    const char bytes[] = "not really an image, but bytes all the same";
    catalog_image_info info = {.media_type = "image/png", .width = 3, .height = 2};
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    assert_int_equal(catalog_add_image(cat, bytes, sizeof bytes, &info, &id, NULL, NULL), CS_OK);
    catalog_close(cat);
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_image image;
    assert_int_equal(catalog_get_image(cat, id, &image, NULL), CS_OK);
    assert_string_equal(image.media_type, "image/png");
    assert_int_equal(image.byte_size, sizeof bytes);
    assert_int_equal(image.width, 3);
    char expected[CS_SHA256_HEX];
    cs_sha256_hex(bytes, sizeof bytes, expected);
    assert_string_equal(image.sha256, expected);
    catalog_image_clear(&image);
    catalog_close(cat);
}

/* A catalog at schema 1 (built here from migration 1 alone) opens at the current
 * version with every row it had; columns added later start out NULL. */
static void test_migration_from_version_1_keeps_every_row(void **state)
{
    fixture *f = *state;
    assert_int_equal(catalog_migrations[0].version, 1);
    sql(f->db, catalog_migrations[0].sql);
    sql(f->db,
        "PRAGMA user_version = 1;"
        "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2', 5);"
        "INSERT INTO urls (id, url, host_id, kind, discovered_at) VALUES"
        " (1, 'http://127.0.0.2/', 1, 'page', 5), (2, 'http://127.0.0.2/a.jpg', 1, 'image', 5);"
        "INSERT INTO pages (id, url_id, fetched_at) VALUES (1, 1, 6);"
        "INSERT INTO sightings (page_id, image_url_id, license_url, license_scope) VALUES"
        " (1, 2, 'https://creativecommons.org/licenses/by/4.0/', 'figure');"
        "INSERT INTO optout_signals (id, scope, host_id, url_id, kind, raw_value, effect, found_at,"
        " recorded_at) VALUES (7, 'page', 1, 1, 'meta-robots', 'noindex', 'none', 'x', 6),"
        " (8, 'page', 1, 1, 'x-robots-tag', 'noai', 'opt-out', 'x', 6);");
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    assert_int_equal(catalog_schema_version(cat), CATALOG_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM urls"), 2);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sightings WHERE license_scope = 'figure'"
                                    " AND license_url LIKE 'https://creativecommons.org/%'"
                                    " AND license_spdx IS NULL"),
                     1);
    assert_int_equal(sql_int(f->db, "SELECT first_seen_at FROM hosts WHERE id = 1"), 5);
    /* v4 tells a policy-only directive from one that says nothing, keeping ids */
    assert_int_equal(sql_int(f->db,
                             "SELECT count(*) FROM optout_signals WHERE"
                             " (id = 7 AND effect = 'policy') OR (id = 8 AND effect = 'opt-out')"),
                     2);
    /* v3 carries the sighting's licence over as its page-side evidence ... */
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sighting_evidence WHERE page_id = 1 AND"
                                    " image_url_id = 2 AND scope = 'figure' AND"
                                    " field = 'sighting:figure' AND confidence = 'high'"),
                     1);
    /* ... which becomes one rights_evidence row when the image arrives, once */
    const char bytes[] = "the image a.jpg";
    int64_t image_id;
    assert_int_equal(catalog_add_image(cat, bytes, sizeof bytes, NULL, &image_id, NULL, NULL),
                     CS_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(catalog_link_image_url(cat, 2, image_id, 0, NULL), CS_OK);
    catalog_close(cat);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rights_evidence WHERE page_id = 1 AND"
                                    " scope = 'figure' AND origin = 'rel-license' AND"
                                    " raw_value LIKE 'https://creativecommons.org/%'"),
                     1);
}

/* Every statement a page makes about an image is kept, and replaced when the page is read again. */
static void test_sighting_keeps_every_page_statement(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    sql(f->db,
        "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2', 5);"
        "INSERT INTO urls (id, url, host_id, kind, discovered_at) VALUES"
        " (1, 'http://127.0.0.2/', 1, 'page', 5), (2, 'http://127.0.0.2/a.jpg', 1, 'image', 5);"
        "INSERT INTO pages (id, url_id, fetched_at) VALUES (1, 1, 6);");
    catalog_rights said[] = {
        {.origin = "rel-license",
         .scope = "rdfa-about",
         .field = "rel=license",
         .raw_value = "https://creativecommons.org/licenses/by/4.0/",
         .license_spdx = "CC-BY-4.0",
         .confidence = "high"},
        {.origin = "json-ld",
         .scope = "json-ld",
         .field = "JSON-LD ImageObject.copyrightNotice",
         .raw_value = "All rights reserved",
         .rights_claim = "all-rights-reserved",
         .confidence = "high"},
    };
    catalog_sighting s = {.page_id = 1,
                          .image_url_id = 2,
                          .license_url = said[0].raw_value,
                          .license_scope = "rdfa-about",
                          .evidence = said,
                          .evidence_count = 2};
    assert_int_equal(catalog_record_sighting(cat, &s, NULL), CS_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sighting_evidence"), 2);
    const char bytes[] = "the image a.jpg";
    int64_t image_id;
    assert_int_equal(catalog_add_image(cat, bytes, sizeof bytes, NULL, &image_id, NULL, NULL),
                     CS_OK);
    assert_int_equal(catalog_link_image_url(cat, 2, image_id, 0, NULL), CS_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rights_evidence WHERE page_id = 1 AND"
                                    " ((scope = 'json-ld' AND rights_claim = 'all-rights-reserved')"
                                    " OR (scope = 'rdfa-about' AND license_spdx = 'CC-BY-4.0'))"),
                     2);
    /* the page read again says only the licence: the sighting's statements follow it,
     * the image's recorded evidence stays (it was said) and nothing is copied twice */
    s.evidence_count = 1;
    assert_int_equal(catalog_record_sighting(cat, &s, NULL), CS_OK);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sighting_evidence"), 1);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM rights_evidence"), 2);
    catalog_close(cat);
}

static void add_statement(catalog *cat, int64_t image_id, const char *spdx, const char *claim)
{
    catalog_rights r = {.image_id = image_id,
                        .origin = "xmp",
                        .field = "XMP-dc:Rights",
                        .raw_value = spdx ? spdx : claim,
                        .license_spdx = spdx,
                        .rights_claim = claim};
    assert_int_equal(catalog_record_rights(cat, &r, NULL), CS_OK);
}

static char *rights_of(catalog *cat, int64_t image_id, char *out, size_t size)
{
    char **rights;
    size_t count;
    assert_int_equal(catalog_image_rights(cat, image_id, &rights, &count, NULL), CS_OK);
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? "," : "", rights[i]);
    catalog_strings_free(rights, count);
    return out;
}

/* What dedup compares: a copyright notice beside a licence names the licensor. */
static void test_image_rights_leave_out_a_notice_beside_a_licence(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        char bytes[16];
        snprintf(bytes, sizeof bytes, "image %d", i);
        assert_int_equal(catalog_add_image(cat, bytes, strlen(bytes), NULL, &ids[i], NULL, NULL),
                         CS_OK);
    }
    add_statement(cat, ids[0], "CC-BY-4.0", NULL);
    add_statement(cat, ids[0], NULL, "copyright");
    add_statement(cat, ids[1], NULL, "copyright");
    add_statement(cat, ids[2], "CC-BY-4.0", NULL);
    add_statement(cat, ids[2], NULL, "all-rights-reserved");
    char text[256];
    assert_string_equal(rights_of(cat, ids[0], text, sizeof text), "CC-BY-4.0");
    assert_string_equal(rights_of(cat, ids[1], text, sizeof text), "copyright");
    assert_string_equal(rights_of(cat, ids[2], text, sizeof text), "CC-BY-4.0,all-rights-reserved");
    catalog_close(cat);
}

/* Builds the catalog at f->db at schema version `version` from the migrations alone. */
static void build_catalog_at(const char *db, int version)
{
    for (size_t i = 0; i < catalog_migration_count && catalog_migrations[i].version <= version; i++)
        sql(db, catalog_migrations[i].sql);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version);
    sql(db, pragma);
}

/* Every schema object of db as "type name tbl_name sql" lines, sorted: what to compare. */
static char *schema_of(const char *db_path)
{
    sqlite3 *db = open_db(db_path);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || "
                                        "coalesce(sql, '') FROM sqlite_master ORDER BY type, name",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    cs_buf out;
    cs_buf_init(&out, 0);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        assert_int_equal(cs_buf_append_str(&out, (const char *)sqlite3_column_text(stmt, 0)),
                         CS_OK);
        assert_int_equal(cs_buf_append(&out, "\n", 1), CS_OK);
    }
    assert_int_equal(cs_buf_append(&out, "", 1), CS_OK);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return (char *)cs_buf_take(&out, NULL);
}

/* A new catalog is made from the generated current schema in one step: it must
 * be exactly what running every migration in turn makes, object for object. */
static void test_new_catalog_has_the_schema_the_migrations_build(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    char migrated[TS_PATH_MAX];
    ts_join(migrated, f->dir, "migrated.db");
    build_catalog_at(migrated, CATALOG_SCHEMA_VERSION);
    assert_int_equal(catalog_schema_current_version, CATALOG_SCHEMA_VERSION);
    char *fresh = schema_of(f->db), *stepwise = schema_of(migrated);
    assert_true(strlen(fresh) > 1000); /* tables, indexes, their comments */
    assert_string_equal(fresh, stepwise);
    free(fresh);
    free(stepwise);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
}

/* Rows of a version 11 catalog that reference urls, optout_signals and verdicts'
 * neighbours: migration 12 rebuilds those three tables around them. */
static const char v11_rows[] =
    "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2', 5);"
    "INSERT INTO urls (id, url, host_id, kind, state, depth, referrer_id, attempts,"
    " next_attempt_at, last_error, discovered_at) VALUES"
    " (3, 'http://127.0.0.2/', 1, 'page', 'done', 0, NULL, 1, 0, NULL, 5),"
    " (9, 'http://127.0.0.2/a.jpg', 1, 'image', 'failed', 1, 3, 4, 77, 'HTTP 503', 6),"
    " (12, 'http://127.0.0.2/robots.txt', 1, 'robots', 'queued', 0, NULL, 0, 0, NULL, 7);"
    "INSERT INTO fetches (id, url_id, started_at) VALUES (21, 3, 8), (22, 9, 9);"
    "INSERT INTO pages (id, url_id, fetch_id, fetched_at) VALUES (4, 3, 21, 8);"
    "INSERT INTO images (id, sha256, blob_path, media_type, byte_size, first_seen_at) VALUES"
    " (5, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'e3/b0c4',"
    " 'image/png', 0, 9);"
    "INSERT INTO image_urls (url_id, image_id, fetch_id) VALUES (9, 5, 22);"
    "INSERT INTO sightings (id, page_id, image_url_id, image_id) VALUES (6, 4, 9, 5);"
    "INSERT INTO optout_signals (id, scope, host_id, url_id, image_id, kind, raw_value, effect,"
    " found_at, recorded_at) VALUES (7, 'image', 1, 9, 5, 'tdm-header', '1', 'opt-out', 'x', 9);"
    "INSERT INTO verdicts (id, image_id, policy, verdict, reasons, decided_at) VALUES"
    " (8, 5, 'strict', 'blocked', '[]', 10);";

/* A version 11 catalog opens at the current version with every row, id and
 * reference it had, and the rebuilt tables still refuse a word not allowed. */
static void test_migration_12_rebuilds_tables_keeping_rows_ids_and_references(void **state)
{
    fixture *f = *state;
    build_catalog_at(f->db, 11);
    sql(f->db, v11_rows);
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), CATALOG_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM urls WHERE (id = 3 AND state = 'done'"
                                    " AND referrer_id IS NULL) OR (id = 9 AND kind = 'image' AND"
                                    " state = 'failed' AND depth = 1 AND referrer_id = 3 AND"
                                    " attempts = 4 AND next_attempt_at = 77 AND last_error ="
                                    " 'HTTP 503' AND discovered_at = 6) OR (id = 12 AND kind ="
                                    " 'robots' AND state = 'queued')"),
                     3);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM urls"), 3);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM optout_signals WHERE id = 7 AND"
                                    " scope = 'image' AND url_id = 9 AND effect = 'opt-out'"),
                     1);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM verdicts WHERE id = 8 AND image_id = 5"
                                    " AND verdict = 'blocked'"),
                     1);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    /* urls_by_state holds the URLs still to fetch only */
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name ="
                                    " 'urls_by_state' AND sql LIKE"
                                    " '%WHERE state = ''queued'' OR state = ''in_flight''%'"),
                     1);
    /* the indexes the frontier reads come back with the table */
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND"
                                    " name IN ('urls_by_state', 'urls_next', 'optout_by_url',"
                                    " 'optout_by_image', 'optout_by_host')"),
                     5);
    /* the CHECKs allow the same words as before, and no other */
    sqlite3 *db = open_db(f->db);
    static const char *const refused[] = {
        "UPDATE urls SET state = 'parked' WHERE id = 3",
        "UPDATE urls SET kind = 'video' WHERE id = 3",
        "UPDATE optout_signals SET scope = 'site' WHERE id = 7",
        "UPDATE optout_signals SET effect = 'maybe' WHERE id = 7",
        "UPDATE verdicts SET verdict = 'cleared?' WHERE id = 8",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(refused); i++)
        assert_int_equal(sqlite3_exec(db, refused[i], NULL, NULL, NULL), SQLITE_CONSTRAINT);
    assert_int_equal(
        sqlite3_exec(db,
                     "UPDATE urls SET state = 'skipped', kind = 'ai_txt' WHERE id = 12;"
                     "UPDATE optout_signals SET scope = 'url', effect = 'none';"
                     "UPDATE verdicts SET verdict = 'unknown'",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    /* foreign keys are back on for the catalog's own writes after migrating */
    catalog_fetch_record rec = {.url_id = 999, .started_at = 1};
    assert_int_equal(catalog_record_fetch(cat, &rec, NULL, NULL), CS_EDB);
    catalog_close(cat);
}

/* A reference to a missing row stops the migration: the catalog stays at 11, whole. */
static void test_migration_refuses_to_commit_a_dangling_reference(void **state)
{
    fixture *f = *state;
    build_catalog_at(f->db, 11);
    sql(f->db, v11_rows);
    sql(f->db, "INSERT INTO fetches (id, url_id, started_at) VALUES (30, 404, 11)");
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_ECORRUPT);
    assert_null(cat);
    assert_non_null(strstr(err.message, "rows naming missing rows (1)"));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 11);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM urls"), 3);
    assert_int_equal(sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%_v12'"),
                     0);
}

/*
 * The rows a crawl writes for every URL check their words without a temporary
 * b-tree (SQLite builds one for "IN" with three or more constants, each time
 * the statement runs): EXPLAIN shows no OpenEphemeral.
 */
static void test_frontier_writes_build_no_temporary_btree(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    static const char *const writes[] = {
        "INSERT INTO urls (url, host_id, kind, state, depth, referrer_id, discovered_at) VALUES "
        "(?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
        "UPDATE urls SET state = ?, attempts = attempts + ?, next_attempt_at = ?, last_error = ? "
        "WHERE id = ?",
        "INSERT INTO optout_signals (scope, host_id, url_id, image_id, kind, raw_value, effect, "
        "found_at, recorded_at) VALUES (?,?,?,?,?,?,?,?,?)",
        "INSERT INTO verdicts (image_id, policy, verdict, reasons, decided_at) VALUES (?,?,?,?,?)",
    };
    sqlite3 *db = open_db(f->db);
    for (size_t i = 0; i < CS_ARRAY_LEN(writes); i++) {
        char explain[512];
        snprintf(explain, sizeof explain, "EXPLAIN %s", writes[i]);
        sqlite3_stmt *stmt;
        assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &stmt, NULL), SQLITE_OK);
        int ops = 0;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            ops++;
            if (strcmp((const char *)sqlite3_column_text(stmt, 1), "OpenEphemeral") == 0)
                fail_msg("%s opens a temporary b-tree", writes[i]);
        }
        assert_true(ops > 5); /* a real program was read */
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
}

static int count_steps(void *counter)
{
    ++*(long *)counter;
    return 0;
}

/*
 * What the crawl asks of the frontier reads the URLs it asks about: with
 * 20,000 URLs of another host, all but five fetched, each question about a
 * host with three URLs queued, and about the five and three still queued in
 * all, runs about as many SQLite instructions as it would alone (counted with
 * a progress handler, not timed).
 */
static void test_frontier_questions_read_only_the_urls_they_ask_about(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    sql(f->db,
        "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2', 1),"
        " (2, 'http://127.0.0.3', 1);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
        " INSERT INTO urls (url, host_id, kind, state, next_attempt_at, discovered_at)"
        " SELECT 'http://127.0.0.2/' || i, 1, 'page', CASE WHEN i > 19995 THEN 'queued'"
        " ELSE 'done' END, i % 7, 1 FROM n;"
        "INSERT INTO urls (url, host_id, kind, next_attempt_at, discovered_at) VALUES"
        " ('http://127.0.0.3/a', 2, 'page', 50, 1), ('http://127.0.0.3/b', 2, 'page', 40, 1),"
        " ('http://127.0.0.3/c', 2, 'image', 60, 1);");
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    long steps = 0;
    /* every 64 instructions: a scan of 20,000 index entries is thousands of calls */
    sqlite3_progress_handler(cat->db, 64, count_steps, &steps);
    int64_t earliest = 0, queued = 0;
    assert_int_equal(catalog_frontier_earliest(cat, 2, &earliest, NULL), CS_OK);
    assert_int_equal(earliest, 40);
    assert_int_equal(
        catalog_frontier_count(cat, 2, CATALOG_URL_ANY_KIND, CATALOG_URL_QUEUED, &queued, NULL),
        CS_OK);
    assert_int_equal(queued, 3);
    catalog_frontier_item item;
    assert_int_equal(catalog_frontier_next(cat, 2, 1000, &item, NULL), CS_OK);
    assert_string_equal(item.url, "http://127.0.0.3/a");
    catalog_frontier_item_clear(&item);
    /* the whole frontier's: the progress line's count, the earliest due anywhere */
    assert_int_equal(
        catalog_frontier_count(cat, 0, CATALOG_URL_ANY_KIND, CATALOG_URL_QUEUED, &queued, NULL),
        CS_OK);
    assert_int_equal(queued, 8);
    assert_int_equal(
        catalog_frontier_count(cat, 0, CATALOG_URL_IMAGE, CATALOG_URL_QUEUED, &queued, NULL),
        CS_OK);
    assert_int_equal(queued, 1);
    assert_int_equal(catalog_frontier_earliest(cat, 0, &earliest, NULL), CS_OK);
    assert_int_equal(earliest, 0); /* 19999 % 7, host 1's URL 19999 */
    assert_true(steps < 60);
    /* the fetched ones are still counted right, reading them */
    assert_int_equal(
        catalog_frontier_count(cat, 1, CATALOG_URL_PAGE, CATALOG_URL_DONE, &queued, NULL), CS_OK);
    assert_int_equal(queued, 19995);
    sqlite3_progress_handler(cat->db, 0, NULL, NULL);
    catalog_close(cat);
}

static void test_newer_schema_is_refused_untouched(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    sql(f->db, "PRAGMA user_version = 99");
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_EVERSION);
    assert_null(cat);
    assert_non_null(strstr(err.message, "99"));
    assert_int_equal(sql_int(f->db, "PRAGMA user_version"), 99);

    ts_run_result r;
    const char *argv[] = {"clearset", "--catalog", f->db, "status", NULL};
    ts_run_clearset(&r, f->dir, argv);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "schema version 99"));
    assert_int_equal(r.out_len, 0);
    ts_run_result_free(&r);
}

static void test_foreign_file_is_refused_as_bad_input(void **state)
{
    fixture *f = *state;
    const char junk[] = "this is a text file, not a catalog, and it is long enough to matter....."
                        "...................................................................";
    ts_write_file(f->db, junk, sizeof junk - 1);
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_EFORMAT);
    size_t len;
    char *after = ts_read_file(f->db, &len);
    assert_int_equal(len, sizeof junk - 1);
    assert_memory_equal(after, junk, len);
    free(after);
}

static void test_status_on_new_catalog_prints_zeros_and_is_repeatable(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    size_t len1, len2;
    char *before = ts_read_file(f->db, &len1);

    const char *argv[] = {"clearset", "--catalog", f->db, "status", NULL};
    ts_run_result first, second;
    ts_run_clearset(&first, f->dir, argv);
    ts_run_clearset(&second, f->dir, argv);
    assert_int_equal(first.status, 0);
    assert_int_equal(second.status, 0);
    assert_string_equal(first.out, second.out);
    assert_non_null(strstr(first.out, "\"images\":0"));
    assert_non_null(strstr(first.out, "\"hosts\":0"));
    assert_non_null(strstr(first.out, "\"urls\":0"));
    assert_non_null(strstr(first.out, "\"verdicts\":{}"));
    char *after = ts_read_file(f->db, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(before, after, len1);
    /* read in place: no write-ahead log or shared-memory file was made beside it */
    char wal[TS_PATH_MAX + 8], shm[TS_PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    snprintf(shm, sizeof shm, "%s-shm", f->db);
    assert_int_equal(access(wal, F_OK), -1);
    assert_int_equal(access(shm, F_OK), -1);
    free(before);
    free(after);
    ts_run_result_free(&first);
    ts_run_result_free(&second);
}

static void test_status_of_missing_catalog_does_not_create_it(void **state)
{
    fixture *f = *state;
    const char *argv[] = {"clearset", "status", NULL};
    ts_run_result r;
    ts_run_clearset(&r, f->dir, argv);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\"exists\":false"));
    assert_int_equal(access(f->db, F_OK), -1);
    ts_run_result_free(&r);
}

static void test_status_counts_per_host_verdict_and_licence(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    int64_t a = 0, b = 0;
    catalog_image_info info = {.media_type = "image/jpeg"};
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    assert_int_equal(catalog_add_image(cat, "aaaa", 4, &info, &a, NULL, NULL), CS_OK);
    assert_int_equal(catalog_add_image(cat, "bbbbbb", 6, &info, &b, NULL, NULL), CS_OK);
    catalog_close(cat);
    char statements[2048];
    snprintf(statements, sizeof statements,
             "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2:8080', 0);"
             "INSERT INTO urls (id, url, host_id, kind, state, discovered_at) VALUES"
             " (1, 'http://127.0.0.2:8080/', 1, 'page', 'done', 0),"
             " (2, 'http://127.0.0.2:8080/a.jpg', 1, 'image', 'done', 0),"
             " (3, 'http://127.0.0.2:8080/b.jpg', 1, 'image', 'done', 0),"
             " (4, 'http://127.0.0.2:8080/private/', 1, 'page', 'disallowed', 0);"
             "INSERT INTO image_urls (url_id, image_id) VALUES (2, %lld), (3, %lld);"
             "INSERT INTO rights_evidence (image_id, origin, field, raw_value, license_spdx,"
             " recorded_at) VALUES (%lld, 'xmp', 'XMP-cc:License',"
             " 'https://creativecommons.org/licenses/by/4.0/', 'CC-BY-4.0', 0);"
             "INSERT INTO verdicts (image_id, policy, verdict, reasons, decided_at) VALUES"
             " (%lld, 'strict', 'unknown', '[]', 0);",
             (long long)a, (long long)b, (long long)a, (long long)b);
    sql(f->db, statements);

    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_status *s = NULL;
    assert_int_equal(catalog_status_read(cat, &s, NULL), CS_OK);
    assert_int_equal(s->images, 2);
    assert_int_equal(s->image_bytes, 10);
    assert_int_equal(s->host_count, 1);
    assert_string_equal(s->per_host[0].origin, "http://127.0.0.2:8080");
    assert_int_equal(s->per_host[0].urls, 4);
    assert_int_equal(s->per_host[0].images, 2);
    assert_int_equal(s->per_host[0].disallowed, 1);
    assert_int_equal(s->url_states[CATALOG_URL_DONE], 3);
    assert_int_equal(s->url_states[CATALOG_URL_DISALLOWED], 1);
    assert_int_equal(s->url_states[CATALOG_URL_QUEUED], 0);
    assert_int_equal(s->verdict_count, 1);
    assert_string_equal(s->verdicts[0].name, "strict:unknown");
    assert_int_equal(s->license_count, 2);
    assert_string_equal(s->licenses[0].name, "CC-BY-4.0");
    assert_int_equal(s->licenses[0].count, 1);
    assert_string_equal(s->licenses[1].name, "none");
    catalog_status_free(s);
    catalog_close(cat);
}

static void test_frontier_kinds_and_states_are_enums_stored_as_words(void **state)
{
    fixture *f = *state;
    static const struct {
        catalog_url_kind kind;
        const char *word;
    } kinds[] = {{CATALOG_URL_PAGE, "page"},
                 {CATALOG_URL_IMAGE, "image"},
                 {CATALOG_URL_ROBOTS, "robots"},
                 {CATALOG_URL_TDMREP, "tdmrep"},
                 {CATALOG_URL_AI_TXT, "ai_txt"}};
    static const char *const states[CATALOG_URL_STATE_COUNT] = {
        [CATALOG_URL_QUEUED] = "queued",
        [CATALOG_URL_IN_FLIGHT] = "in_flight",
        [CATALOG_URL_DONE] = "done",
        [CATALOG_URL_FAILED] = "failed",
        [CATALOG_URL_DISALLOWED] = "disallowed",
        [CATALOG_URL_SKIPPED] = "skipped"};
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_OK);
    catalog_host host;
    assert_int_equal(catalog_host_get_or_add(cat, "http://127.0.0.2", &host, &err), CS_OK);
    for (size_t k = 0; k < CS_ARRAY_LEN(kinds); k++) {
        for (int st = 0; st < CATALOG_URL_STATE_COUNT; st++) {
            char url[64], words[160];
            snprintf(url, sizeof url, "http://127.0.0.2/%zu/%d", k, st);
            int64_t id = 0;
            int is_new = 0;
            assert_int_equal(catalog_frontier_add(cat, url, host.id, kinds[k].kind, 1, 0,
                                                  CATALOG_URL_QUEUED, &id, &is_new, &err),
                             CS_OK);
            assert_true(is_new);
            assert_int_equal(
                catalog_frontier_set_state(cat, id, (catalog_url_state)st, 1, 0, NULL, &err),
                CS_OK);
            catalog_frontier_item item;
            assert_int_equal(catalog_frontier_get(cat, url, &item, &err), CS_OK);
            assert_int_equal(item.kind, kinds[k].kind);
            assert_int_equal(item.state, st);
            assert_int_equal(item.attempts, 1);
            catalog_frontier_item_clear(&item);
            snprintf(words, sizeof words, /* the words, read behind the catalog's back */
                     "SELECT kind = '%s' AND state = '%s' FROM urls WHERE id = %lld", kinds[k].word,
                     states[st], (long long)id);
            assert_int_equal(sql_int(f->db, words), 1);
            assert_string_equal(catalog_url_state_name((catalog_url_state)st), states[st]);
        }
    }
    int64_t n = 0;
    assert_int_equal(catalog_frontier_count(cat, 0, CATALOG_URL_IMAGE, CATALOG_URL_DONE, &n, &err),
                     CS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        catalog_frontier_count(cat, host.id, CATALOG_URL_ANY_KIND, CATALOG_URL_SKIPPED, &n, &err),
        CS_OK);
    assert_int_equal(n, (int64_t)CS_ARRAY_LEN(kinds));
    assert_int_equal(
        catalog_frontier_count(cat, 0, CATALOG_URL_TDMREP, CATALOG_URL_ANY_STATE, &n, &err), CS_OK);
    assert_int_equal(n, CATALOG_URL_STATE_COUNT);
    catalog_status *s = NULL;
    assert_int_equal(catalog_status_read(cat, &s, &err), CS_OK);
    for (int st = 0; st < CATALOG_URL_STATE_COUNT; st++)
        assert_int_equal(s->url_states[st], (int64_t)CS_ARRAY_LEN(kinds));
    catalog_status_free(s);
    assert_string_equal(catalog_url_state_name((catalog_url_state)CATALOG_URL_STATE_COUNT), "?");
    catalog_host_clear(&host);
    catalog_close(cat);
}

/* What was never fetched: grouped by state and reason, largest first, limited; done left out. */
static void test_unfetched_urls_are_counted_per_state_and_reason(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, &err), CS_OK);
    catalog_host host;
    assert_int_equal(catalog_host_get_or_add(cat, "http://127.0.0.2", &host, &err), CS_OK);
    static const struct {
        catalog_url_state state;
        const char *why;
        int urls;
    } rows[] = {{CATALOG_URL_DISALLOWED, "robots.txt line 2 disallows it for clearsetbot", 3},
                {CATALOG_URL_FAILED, "HTTP 404", 2},
                {CATALOG_URL_SKIPPED, "--max-pages-per-host 1 reached", 1},
                {CATALOG_URL_QUEUED, NULL, 1},
                {CATALOG_URL_DONE, NULL, 4}};
    int n = 0;
    for (size_t r = 0; r < CS_ARRAY_LEN(rows); r++)
        for (int i = 0; i < rows[r].urls; i++) {
            char url[64];
            snprintf(url, sizeof url, "http://127.0.0.2/%d", n++);
            int64_t id = 0;
            assert_int_equal(catalog_frontier_add(cat, url, host.id, CATALOG_URL_PAGE, 0, 0,
                                                  CATALOG_URL_QUEUED, &id, NULL, &err),
                             CS_OK);
            assert_int_equal(
                catalog_frontier_set_state(cat, id, rows[r].state, 0, 0, rows[r].why, &err), CS_OK);
        }
    catalog_count *counts = NULL;
    size_t count = 0;
    assert_int_equal(catalog_unfetched_counts(cat, 10, &counts, &count, &err), CS_OK);
    assert_int_equal(count, 4);
    assert_string_equal(counts[0].name,
                        "disallowed: robots.txt line 2 disallows it for clearsetbot");
    assert_int_equal(counts[0].count, 3);
    assert_string_equal(counts[1].name, "failed: HTTP 404");
    assert_int_equal(counts[1].count, 2);
    assert_int_equal(counts[2].count, 1);
    assert_int_equal(counts[3].count, 1);
    assert_string_equal(counts[2].name, "queued: not reached (a limit or a stop came first)");
    assert_string_equal(counts[3].name, "skipped: --max-pages-per-host 1 reached");
    catalog_counts_free(counts, count);
    assert_int_equal(catalog_unfetched_counts(cat, 1, &counts, &count, &err), CS_OK);
    assert_int_equal(count, 1);
    assert_int_equal(counts[0].count, 3);
    catalog_counts_free(counts, count);
    catalog_host_clear(&host);
    catalog_close(cat);
}

/* The catalog at db_path (made if needed) after statements ran on it behind its back. */
static catalog *open_after(const char *db_path, const char *statements)
{
    catalog *cat = NULL;
    assert_int_equal(catalog_open(db_path, &cat, NULL), CS_OK);
    catalog_close(cat);
    sql(db_path, statements);
    assert_int_equal(catalog_open(db_path, &cat, NULL), CS_OK);
    return cat;
}

static void test_a_state_the_schema_does_not_allow_is_reported_not_guessed(void **state)
{
    fixture *f = *state;
    catalog *cat = open_after(
        f->db, "PRAGMA ignore_check_constraints = ON;"
               "INSERT INTO hosts (id, origin, first_seen_at) VALUES (1, 'http://127.0.0.2', 0);"
               "INSERT INTO urls (url, host_id, kind, state, discovered_at) VALUES"
               " ('http://127.0.0.2/a', 1, 'page', 'paused', 0),"
               " ('http://127.0.0.2/b', 1, 'video', 'done', 0);");
    cs_error err;
    catalog_frontier_item item;
    assert_int_equal(catalog_frontier_get(cat, "http://127.0.0.2/a", &item, &err), CS_ECORRUPT);
    catalog_frontier_item_clear(&item);
    assert_non_null(strstr(err.message, f->db));
    assert_non_null(strstr(err.message, "looking a URL up"));
    assert_int_equal(catalog_frontier_get(cat, "http://127.0.0.2/b", &item, &err), CS_ECORRUPT);
    catalog_frontier_item_clear(&item);
    catalog_status *s = NULL;
    assert_int_equal(catalog_status_read(cat, &s, &err), CS_ECORRUPT);
    assert_null(s);
    assert_non_null(strstr(err.message, "reading frontier states"));
    catalog_close(cat);
}

static void test_a_failed_query_names_the_catalog_what_failed_and_why(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_host host;
    assert_int_equal(catalog_host_get_or_add(cat, "http://127.0.0.2", &host, &err), CS_OK);
    int64_t id = 0;
    assert_int_equal(catalog_frontier_add(cat, "http://127.0.0.2/", host.id, CATALOG_URL_PAGE, 0, 0,
                                          CATALOG_URL_QUEUED, &id, NULL, &err),
                     CS_OK);
    /* a URL of a host that does not exist breaks the foreign key: the insert fails */
    assert_int_equal(catalog_frontier_add(cat, "http://127.0.0.3/", host.id + 100, CATALOG_URL_PAGE,
                                          0, 0, CATALOG_URL_QUEUED, &id, NULL, &err),
                     CS_EDB);
    char expected[TS_PATH_MAX + 64];
    snprintf(expected, sizeof expected, "catalog %s: adding a URL: FOREIGN KEY constraint failed",
             f->db);
    assert_string_equal(err.message, expected);
    catalog_host_clear(&host);
    catalog_close(cat);
    /* a table gone from under the catalog: every list reports it, and hands back nothing */
    cat = open_after(f->db, "DROP TABLE verdicts");
    catalog_verdict_row sentinel, *rows = &sentinel; /* must come back NULL */
    size_t count = 7;
    assert_int_equal(catalog_get_verdicts(cat, 1, &rows, &count, &err), CS_EDB);
    assert_null(rows);
    assert_int_equal(count, 0);
    snprintf(expected, sizeof expected, "catalog %s: reading verdicts: no such table: verdicts",
             f->db);
    assert_string_equal(err.message, expected);
    catalog_close(cat);
}

static void test_read_only_open_reads_in_place_whatever_the_name(void **state)
{
    fixture *f = *state;
    /* '?', '#' and '%' mean something in the "file:" URI an immutable open uses */
    char db[TS_PATH_MAX], wal[TS_PATH_MAX + 8], blobs[TS_PATH_MAX];
    ts_join(db, f->dir, "odd ?#%20 name.db");
    catalog *cat = NULL;
    cs_error err;
    int64_t id = 0;
    catalog_image_info info = {.media_type = "image/png"};
    assert_int_equal(catalog_open(db, &cat, &err), CS_OK);
    assert_int_equal(catalog_add_image(cat, "png bytes", 9, &info, &id, NULL, &err), CS_OK);
    catalog_close(cat);
    snprintf(wal, sizeof wal, "%s-wal", db);
    assert_int_equal(access(wal, F_OK), -1);

    assert_int_equal(catalog_open_readonly(db, &cat, &err), CS_OK);
    assert_int_equal(catalog_schema_version(cat), CATALOG_SCHEMA_VERSION);
    catalog_image image;
    assert_int_equal(catalog_get_image(cat, id, &image, &err), CS_OK);
    assert_string_equal(image.media_type, "image/png");
    catalog_image_clear(&image);
    /* a write fails instead of creating a log */
    assert_int_equal(catalog_put_verdict(cat, id, "strict", "cleared", NULL, NULL, NULL, &err),
                     CS_EDB);
    catalog_close(cat);
    assert_int_equal(access(wal, F_OK), -1);

    /* a missing catalog is not created, nor its blob folder */
    ts_join(db, f->dir, "missing.db");
    assert_int_equal(catalog_open_readonly(db, &cat, &err), CS_ENOTFOUND);
    assert_null(cat);
    assert_int_equal(access(db, F_OK), -1);
    assert_int_equal(access(ts_join(blobs, f->dir, "missing.blobs"), F_OK), -1);
}

static void test_blob_store_is_content_addressed(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    blob_store *blobs = catalog_blobs(cat);
    char sha[CS_SHA256_HEX], again[CS_SHA256_HEX];
    /* SHA-256("abc"), FIPS 180-2 appendix B.1 */
    assert_int_equal(blob_store_put(blobs, "abc", 3, sha, NULL), CS_OK);
    assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char path[TS_PATH_MAX], expected[TS_PATH_MAX];
    assert_int_equal(blob_store_path(blobs, sha, path, sizeof path), CS_OK);
    snprintf(expected, sizeof expected, "%s/clearset.blobs/ba/%s", f->dir, sha + 2);
    assert_string_equal(path, expected);
    assert_int_equal(blob_store_put(blobs, "abc", 3, again, NULL), CS_OK);
    assert_string_equal(sha, again);
    unsigned char *bytes;
    size_t len;
    assert_int_equal(blob_store_get(blobs, sha, 1024, &bytes, &len, NULL), CS_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(bytes, "abc", 3);
    free(bytes);
    assert_int_equal(blob_store_get(blobs, sha, 2, &bytes, &len, NULL), CS_ELIMIT);
    assert_int_equal(blob_store_get(blobs, "../../etc/passwd", 1024, &bytes, &len, NULL),
                     CS_EINVAL);
    int64_t id1 = 0, id2 = 0;
    int new1 = 0, new2 = 1;
    assert_int_equal(catalog_add_image(cat, "abc", 3, NULL, &id1, &new1, NULL), CS_OK);
    assert_int_equal(catalog_add_image(cat, "abc", 3, NULL, &id2, &new2, NULL), CS_OK);
    assert_int_equal(id1, id2);
    assert_int_equal(new1, 1);
    assert_int_equal(new2, 0);
    catalog_close(cat);
}

/* The child of the crash test: stores distinct images of growing size until killed. */
/* Runs in a forked child until the test kills it; it dies with the test too,
 * so a failed assertion in the parent never leaves it writing (and ctest
 * waiting on its inherited stdout). */
static void write_images_forever(const char *db_path)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(5);
    catalog *cat = NULL;
    if (catalog_open(db_path, &cat, NULL) != CS_OK) _exit(3);
    size_t size = 1 << 20;
    unsigned char *bytes = malloc(size);
    for (uint32_t i = 0;; i++) {
        size_t n = 1000 + (i * 7919u) % (size - 1000);
        for (size_t j = 0; j < n; j++)
            bytes[j] = (unsigned char)(i * 31 + j * 17 + (j >> 8));
        memcpy(bytes, &i, sizeof i);
        int64_t id;
        if (catalog_add_image(cat, bytes, n, NULL, &id, NULL, NULL) != CS_OK) _exit(4);
    }
}

static void check_blob_file(const char *path, const char *name_hex)
{
    size_t len;
    char *bytes = ts_read_file(path, &len);
    char sha[CS_SHA256_HEX];
    cs_sha256_hex(bytes, len, sha);
    free(bytes);
    assert_string_equal(sha, name_hex);
}

static void test_sigkill_during_blob_writes_leaves_no_partial_blob(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    catalog_close(cat);
    for (int round = 0; round < 3; round++) {
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) write_images_forever(f->db);
        /* Let it write a few dozen images, then kill it wherever it is. */
        int64_t target = sql_int(f->db, "SELECT count(*) FROM images") + 20 + round * 7;
        struct timespec pause = {0, 2 * 1000 * 1000};
        time_t deadline = time(NULL) + 120;
        while (sql_int(f->db, "SELECT count(*) FROM images") < target) {
            if (time(NULL) > deadline || waitpid(child, NULL, WNOHANG) == child) {
                kill(child, SIGKILL);
                fail_msg("the writer did not reach %lld images", (long long)target);
            }
            nanosleep(&pause, NULL);
        }
        nanosleep(&(struct timespec){0, (round + 1) * 3 * 1000 * 1000}, NULL);
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFSIGNALED(status));
    }

    /* Every row points at a complete blob whose bytes hash to its name. */
    assert_int_equal(catalog_open(f->db, &cat, NULL), CS_OK);
    sqlite3 *db = open_db(f->db);
    sqlite3_stmt *stmt;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT sha256, blob_path, byte_size FROM images", -1, &stmt, NULL),
        SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *sha = (const char *)sqlite3_column_text(stmt, 0);
        char path[TS_PATH_MAX];
        snprintf(path, sizeof path, "%s/clearset.blobs/%s", f->dir, sqlite3_column_text(stmt, 1));
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, sqlite3_column_int64(stmt, 2));
        check_blob_file(path, sha);
        rows++;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_true(rows >= 20);

    /* Every file under its final name is complete; only *.tmp.* files may be partial. */
    char blobs[TS_PATH_MAX];
    snprintf(blobs, sizeof blobs, "%s/clearset.blobs", f->dir);
    DIR *top = opendir(blobs);
    assert_non_null(top);
    struct dirent *sub;
    int files = 0;
    while ((sub = readdir(top)) != NULL) {
        if (sub->d_name[0] == '.') continue;
        char subdir[TS_PATH_MAX];
        snprintf(subdir, sizeof subdir, "%s/%s", blobs, sub->d_name);
        DIR *d = opendir(subdir);
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp.")) continue;
            char path[TS_PATH_MAX], hex[CS_SHA256_HEX + 8];
            snprintf(path, sizeof path, "%s/%s", subdir, e->d_name);
            snprintf(hex, sizeof hex, "%s%s", sub->d_name, e->d_name);
            check_blob_file(path, hex);
            files++;
        }
        closedir(d);
    }
    closedir(top);
    assert_true(files >= rows);
    /* Killed writers' temporaries are swept once they are old enough. */
    assert_int_equal(blob_store_sweep_temporaries(catalog_blobs(cat), 0, NULL), CS_OK);
    catalog_close(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_every_table_at_current_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_version_1_keeps_every_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_new_catalog_has_the_schema_the_migrations_build, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_migration_12_rebuilds_tables_keeping_rows_ids_and_references, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_refuses_to_commit_a_dangling_reference,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_frontier_writes_build_no_temporary_btree, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frontier_questions_read_only_the_urls_they_ask_about,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sighting_keeps_every_page_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_rights_leave_out_a_notice_beside_a_licence,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_file_is_refused_as_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_on_new_catalog_prints_zeros_and_is_repeatable,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_of_missing_catalog_does_not_create_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_status_counts_per_host_verdict_and_licence, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_frontier_kinds_and_states_are_enums_stored_as_words,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfetched_urls_are_counted_per_state_and_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_state_the_schema_does_not_allow_is_reported_not_guessed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_query_names_the_catalog_what_failed_and_why,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_open_reads_in_place_whatever_the_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blob_store_is_content_addressed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_during_blob_writes_leaves_no_partial_blob,
                                        setup, teardown),
    };
    return cmocka_run_group_tests_name("dataset", tests, NULL, NULL);
}
