/*
 * test_catalog_pg.c - the catalog on PostgreSQL: a new database migrated to
 * the current schema (once, however many open it at the same moment), a
 * newer one refused, read-only opens, the password kept out of messages,
 * bytes that come back as they went in, text made UTF-8 (also on SQLite),
 * failures that name the catalog and
 * what was done, host leases (also on SQLite, where the same functions serve
 * workers on one machine), and the claim that keeps a plain crawl and
 * workers apart.
 *
 * Needs a server: CLEARSET_TEST_PG_URL, which tests/support/with_postgres.sh
 * sets after starting one of its own (tests/CMakeLists.txt runs this test
 * through it). Each test starts from an empty database (schema public made
 * anew with libpq directly).
 */
#include "tests/support/testsupport.h"

#include "dataset/catalog.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct fixture {
    char dir[TS_PATH_MAX];
    char blobs[TS_PATH_MAX];
    const char *url;
} fixture;

static void drop_notice(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* Runs SQL on the test database with libpq, outside the catalog; fails the test on error. */
static void sql(const char *url, const char *statement)
{
    PGconn *conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) fail_msg("%s: %s", url, PQerrorMessage(conn));
    PQsetNoticeProcessor(conn, drop_notice, NULL); /* DROP ... CASCADE lists what it drops */
    PGresult *res = PQexec(conn, statement);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail_msg("%s: %s", statement, PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
}

static int64_t sql_int(const char *url, const char *query)
{
    PGconn *conn = PQconnectdb(url);
    PGresult *res = PQexec(conn, query);
    int64_t value = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0
                        ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                        : -1;
    PQclear(res);
    PQfinish(conn);
    return value;
}

/* The first row's column values of query as one text ("a|b|..."), NULL written as "<null>". */
static char *sql_row(const char *url, const char *query)
{
    PGconn *conn = PQconnectdb(url);
    PGresult *res = PQexec(conn, query);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1)
        fail_msg("%s: %s", query, PQerrorMessage(conn));
    size_t cap = 1;
    for (int c = 0; c < PQnfields(res); c++)
        cap += (size_t)PQgetlength(res, 0, c) + 8;
    char *out = calloc(1, cap);
    for (int c = 0; c < PQnfields(res); c++) {
        if (c) strcat(out, "|");
        strcat(out, PQgetisnull(res, 0, c) ? "<null>" : PQgetvalue(res, 0, c));
    }
    PQclear(res);
    PQfinish(conn);
    return out;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->url = getenv("CLEARSET_TEST_PG_URL");
    if (f->url == NULL) fail_msg("CLEARSET_TEST_PG_URL is not set: run through with_postgres.sh");
    sql(f->url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    ts_tempdir(f->dir);
    ts_join(f->blobs, f->dir, "blobs");
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

static void test_a_new_database_is_migrated_to_the_current_schema(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK);
    assert_int_equal(catalog_schema_version(cat), CATALOG_SCHEMA_VERSION);
    catalog_close(cat);
    assert_int_equal(sql_int(f->url, "SELECT version FROM clearset_schema"),
                     CATALOG_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM information_schema.tables WHERE "
                                     "table_schema = 'public'"),
                     20); /* the 19 tables of schema.c and clearset_schema */
    /* types as schema.c translates them: ms times need 64 bits, bytes are bytea */
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM information_schema.columns WHERE "
                                     "table_name = 'hosts' AND ((column_name = 'next_fetch_at' "
                                     "AND data_type = 'bigint') OR (column_name = 'robots_body' "
                                     "AND data_type = 'bytea'))"),
                     2);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK); /* again: no-op */
    catalog_close(cat);
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM clearset_schema"), 1);
}

static void test_openers_at_the_same_moment_migrate_once(void **state)
{
    fixture *f = *state;
    pid_t pids[4];
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            catalog *cat = NULL;
            int rc = catalog_open_at(f->url, f->blobs, &cat, NULL);
            catalog_close(cat);
            _exit(rc == CS_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM clearset_schema"), 1);
    assert_int_equal(sql_int(f->url, "SELECT version FROM clearset_schema"),
                     CATALOG_SCHEMA_VERSION);
}

static void test_a_newer_schema_is_refused_untouched(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK);
    catalog_close(cat);
    sql(f->url, "UPDATE clearset_schema SET version = 99");
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_EVERSION);
    assert_null(cat);
    assert_non_null(strstr(err.message, "newer"));
    assert_int_equal(catalog_open_readonly_at(f->url, f->blobs, &cat, &err), CS_EVERSION);
    assert_int_equal(sql_int(f->url, "SELECT version FROM clearset_schema"), 99);
}

static void test_read_only_opens_refuse_writes_and_create_nothing(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    /* a database no clearset has written: not found, and left empty */
    assert_int_equal(catalog_open_readonly_at(f->url, f->blobs, &cat, &err), CS_ENOTFOUND);
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM information_schema.tables WHERE "
                                     "table_schema = 'public'"),
                     0);
    assert_int_equal(access(f->blobs, F_OK), -1);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK);
    catalog_close(cat);
    assert_int_equal(catalog_open_readonly_at(f->url, f->blobs, &cat, &err), CS_OK);
    catalog_host host;
    assert_int_equal(catalog_host_get_or_add(cat, "http://a.example", &host, &err), CS_EDB);
    assert_non_null(strstr(err.message, "read-only"));
    catalog_close(cat);
    assert_int_equal(sql_int(f->url, "SELECT count(*) FROM hosts"), 0);
}

static void test_the_password_stays_out_of_the_catalog_name(void **state)
{
    fixture *f = *state;
    /* postgresql://USER@HOST... -> postgresql://USER:sesame@HOST... (trust ignores it) */
    const char *at = strchr(f->url, '@');
    assert_non_null(at);
    char url[512];
    snprintf(url, sizeof url, "%.*s:sesame%s", (int)(at - f->url), f->url, at);
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(url, f->blobs, &cat, &err), CS_OK);
    assert_null(strstr(catalog_path(cat), "sesame"));
    assert_non_null(strstr(catalog_path(cat), ":***@"));
    catalog_close(cat);
}

static void test_bytes_and_rows_come_back_as_they_went_in(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK);
    catalog_host host;
    assert_int_equal(catalog_host_get_or_add(cat, "http://a.example", &host, &err), CS_OK);
    const unsigned char body[] = {'U', 0, 0xff, '\\', '\'', 'x', 0, 0x80, '\n'};
    assert_int_equal(catalog_host_save_robots(cat, host.id, 200, body, sizeof body, 1700000000000,
                                              1700086400000, -1, &err),
                     CS_OK);
    catalog_host_clear(&host);
    assert_int_equal(catalog_host_get_or_add(cat, "http://a.example", &host, &err), CS_OK);
    assert_int_equal(host.robots_len, sizeof body);
    assert_memory_equal(host.robots_body, body, sizeof body);
    assert_int_equal(host.robots_expires_at, 1700086400000); /* past 32 bits */
    assert_int_equal(host.crawl_delay_ms, -1);               /* NULL reads as "none" */
    int64_t id = 0, again = 0;
    int is_new = 0;
    assert_int_equal(catalog_frontier_add(cat, "http://a.example/?q='x'", host.id, CATALOG_URL_PAGE,
                                          0, 0, CATALOG_URL_QUEUED, &id, &is_new, &err),
                     CS_OK);
    assert_true(is_new && id > 0);
    assert_int_equal(catalog_frontier_add(cat, "http://a.example/?q='x'", host.id, CATALOG_URL_PAGE,
                                          0, 0, CATALOG_URL_QUEUED, &again, &is_new, &err),
                     CS_OK);
    assert_true(!is_new && again == id);
    int64_t count = 0;
    assert_int_equal(
        catalog_frontier_count(cat, 0, CATALOG_URL_ANY_KIND, CATALOG_URL_QUEUED, &count, &err),
        CS_OK);
    assert_int_equal(count, 1);
    catalog_frontier_item item;
    assert_int_equal(catalog_frontier_next(cat, host.id, cs_now_ms(), &item, &err), CS_OK);
    assert_string_equal(item.url, "http://a.example/?q='x'");
    assert_int_equal(item.state, CATALOG_URL_QUEUED);
    catalog_frontier_item_clear(&item);
    catalog_host_clear(&host);
    catalog_close(cat);
}

static void test_a_failed_statement_names_the_catalog_and_what_was_done(void **state)
{
    fixture *f = *state;
    catalog *cat = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(f->url, f->blobs, &cat, &err), CS_OK);
    int64_t id = 0;
    int rc = catalog_frontier_add(cat, "http://nowhere.example/", 12345, CATALOG_URL_PAGE, 0, 0,
                                  CATALOG_URL_QUEUED, &id, NULL, &err);
    assert_int_equal(rc, CS_EDB); /* no host 12345: the foreign key says no */
    assert_non_null(strstr(err.message, "catalog postgresql://"));
    assert_non_null(strstr(err.message, "adding a URL"));
    assert_non_null(strstr(err.message, "foreign key"));
    catalog_close(cat);
}

/* Three hosts with a queued URL each, in the catalog at location. */
static catalog *catalog_with_three_hosts(const char *location, const char *blobs, int64_t ids[3])
{
    catalog *cat = NULL;
    cs_error err;
    if (catalog_open_at(location, blobs, &cat, &err) != CS_OK) fail_msg("%s", err.message);
    for (int i = 0; i < 3; i++) {
        char origin[64], url[80];
        snprintf(origin, sizeof origin, "http://h%d.example", i);
        snprintf(url, sizeof url, "%s/", origin);
        catalog_host host;
        int64_t url_id;
        assert_int_equal(catalog_host_get_or_add(cat, origin, &host, &err), CS_OK);
        ids[i] = host.id;
        assert_int_equal(catalog_frontier_add(cat, url, host.id, CATALOG_URL_PAGE, 0, 0,
                                              CATALOG_URL_QUEUED, &url_id, NULL, &err),
                         CS_OK);
        catalog_host_clear(&host);
    }
    return cat;
}

static int held_by(catalog_lease *leases, size_t n, int64_t host_id)
{
    for (size_t i = 0; i < n; i++)
        if (leases[i].host_id == host_id) return 1;
    return 0;
}

static void leases_behave(const char *location, const char *blobs)
{
    int64_t hosts[3];
    catalog *cat = catalog_with_three_hosts(location, blobs, hosts);
    cs_error err;
    int64_t now = 1800000000000, lease = 1000;
    catalog_lease *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(catalog_lease_acquire(cat, "A", now, lease, 2, &a, &na, &err), CS_OK);
    assert_int_equal(na, 2);
    assert_int_equal(catalog_lease_acquire(cat, "B", now, lease, 5, &b, &nb, &err), CS_OK);
    assert_int_equal(nb, 1); /* only the host A does not hold */
    assert_false(held_by(a, na, b[0].host_id));
    assert_false(b[0].taken_over);
    /* A starts a URL, then dies: B renews, A does not */
    catalog_frontier_item item;
    assert_int_equal(catalog_frontier_next(cat, a[0].host_id, now, &item, &err), CS_OK);
    assert_int_equal(
        catalog_frontier_set_state(cat, item.id, CATALOG_URL_IN_FLIGHT, 1, 0, NULL, &err), CS_OK);
    int64_t *ids = NULL;
    size_t n = 0;
    assert_int_equal(catalog_lease_renew(cat, "B", now + 900, lease, &ids, &n, &err), CS_OK);
    assert_int_equal(n, 1);
    free(ids);
    catalog_lease *c = NULL;
    size_t nc = 0;
    assert_int_equal(catalog_lease_acquire(cat, "C", now + 500, lease, 5, &c, &nc, &err), CS_OK);
    assert_int_equal(nc, 0); /* nothing lapsed yet */
    catalog_leases_free(c, nc);
    assert_int_equal(catalog_lease_acquire(cat, "C", now + 1500, lease, 5, &c, &nc, &err), CS_OK);
    assert_int_equal(nc, 2); /* A's two; B's was renewed */
    assert_true(held_by(c, nc, a[0].host_id) && held_by(c, nc, a[1].host_id));
    assert_true(c[0].taken_over && c[1].taken_over);
    catalog_leases_free(c, nc);
    catalog_frontier_item again;
    assert_int_equal(catalog_frontier_get(cat, item.url, &again, &err), CS_OK);
    assert_int_equal(again.state, CATALOG_URL_QUEUED); /* A's in-flight URL goes back */
    catalog_frontier_item_clear(&again);
    catalog_frontier_item_clear(&item);
    assert_int_equal(catalog_lease_renew(cat, "A", now + 1600, lease, &ids, &n, &err), CS_OK);
    assert_int_equal(n, 0); /* A, back from the dead, holds nothing */
    free(ids);
    int64_t left = 0;
    assert_int_equal(catalog_lease_work_left(cat, &left, &err), CS_OK);
    assert_int_equal(left, 3);
    /* one host at a time, for a request on another host's behalf (a robots.txt redirect) */
    int taken = 0, taken_over = 0;
    assert_int_equal(catalog_begin(cat, &err), CS_OK);
    assert_int_equal(
        catalog_lease_take(cat, "B", a[0].host_id, now + 1600, lease, &taken, &taken_over, &err),
        CS_OK);
    assert_false(taken); /* C's, and alive */
    assert_int_equal(
        catalog_lease_take(cat, "B", b[0].host_id, now + 1600, lease, &taken, &taken_over, &err),
        CS_OK);
    assert_true(taken && !taken_over); /* B's own */
    assert_int_equal(
        catalog_lease_take(cat, "B", a[0].host_id, now + 2600, lease, &taken, &taken_over, &err),
        CS_OK);
    assert_true(taken && taken_over); /* C's, lapsed */
    assert_int_equal(catalog_commit(cat, &err), CS_OK);
    assert_int_equal(catalog_lease_release(cat, "B", 0, &err), CS_OK);
    assert_int_equal(catalog_lease_release(cat, "C", 0, &err), CS_OK);
    assert_int_equal(catalog_lease_acquire(cat, "D", now + 1600, lease, 5, &c, &nc, &err), CS_OK);
    catalog_leases_free(c, nc);
    assert_int_equal(nc, 3); /* all released: free at once, none lapsed yet */
    catalog_leases_free(a, na);
    catalog_leases_free(b, nb);
    catalog_close(cat);
}

static void test_a_host_lease_has_one_owner_and_lapses_to_another(void **state)
{
    fixture *f = *state;
    leases_behave(f->url, f->blobs);
}

static void test_a_plain_crawl_and_workers_keep_each_other_out(void **state)
{
    fixture *f = *state;
    catalog *plain = NULL, *a = NULL, *b = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(f->url, f->blobs, &plain, &err), CS_OK);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &a, &err), CS_OK);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &b, &err), CS_OK);
    assert_int_equal(catalog_claim_crawl(plain, 0, &err), CS_OK);
    assert_int_equal(catalog_claim_crawl(a, 1, &err), CS_EIO);
    assert_non_null(strstr(err.message, "without --worker"));
    catalog_close(plain); /* the server drops the claim when it sees the connection end */
    int rc = CS_EIO;
    for (int tries = 0; tries < 100 && rc == CS_EIO; tries++) {
        rc = catalog_claim_crawl(a, 1, &err);
        if (rc == CS_EIO) usleep(50 * 1000);
    }
    assert_int_equal(rc, CS_OK);
    assert_int_equal(catalog_claim_crawl(b, 1, &err), CS_OK); /* workers share it */
    assert_int_equal(catalog_open_at(f->url, f->blobs, &plain, &err), CS_OK);
    assert_int_equal(catalog_claim_crawl(plain, 0, &err), CS_EIO);
    catalog_close(plain);
    catalog_close(a);
    catalog_close(b);
}

static void test_host_leases_work_the_same_on_sqlite(void **state)
{
    fixture *f = *state;
    char db[TS_PATH_MAX];
    leases_behave(ts_join(db, f->dir, "clearset.db"), f->blobs);
}

/*
 * migrate streams rows into PostgreSQL with COPY's text format, which escapes
 * backslash, tab, newline and carriage return, writes NULL as \N and bytea as
 * hex: every one of those, an empty text beside a NULL, a literal "\N" text,
 * all 256 byte values and reals that need 17 digits must arrive as they were.
 */
/*
 * Text is stored as UTF-8 on both backends: a header value in ISO-8859-1
 * (one byte é) is written with '?' in its place, where PostgreSQL refused the
 * statement (and a worker's crawl with it) and SQLite kept bytes no JSON
 * export can carry. Valid UTF-8 is untouched. An older SQLite catalog that
 * holds such bytes migrates the same way.
 */
static void test_text_that_is_not_utf8_is_stored_made_valid(void **state)
{
    fixture *f = *state;
    char db[TS_PATH_MAX];
    ts_join(db, f->dir, "from.db");
    const char *targets[] = {f->url, db};
    for (size_t t = 0; t < 2; t++) {
        catalog *cat = NULL;
        cs_error err;
        assert_int_equal(catalog_open_at(targets[t], f->blobs, &cat, &err), CS_OK);
        catalog_host host;
        assert_int_equal(catalog_host_get_or_add(cat, "http://a.example", &host, &err), CS_OK);
        int64_t url_id = 0;
        assert_int_equal(catalog_frontier_add(cat, "http://a.example/", host.id, CATALOG_URL_PAGE,
                                              0, 0, CATALOG_URL_DONE, &url_id, NULL, &err),
                         CS_OK);
        catalog_fetch_record rec = {.url_id = url_id,
                                    .started_at = 1,
                                    .http_status = 200,
                                    .content_type = "text/html; charset=caf\xe9 \xff",
                                    .error = "caf\xc3\xa9 \xf0\x9f\x98\x80"};
        assert_int_equal(catalog_record_fetch(cat, &rec, NULL, &err), CS_OK);
        catalog_host_clear(&host);
        catalog_close(cat);
    }
    char *row = sql_row(f->url, "SELECT content_type, error FROM fetches");
    assert_string_equal(row, "text/html; charset=caf? ?|caf\xc3\xa9 \xf0\x9f\x98\x80");
    free(row);
    /* SQLite the same; then bytes written around the catalog, as an older clearset did */
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT content_type FROM fetches", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "text/html; charset=caf? ?");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(s,
                                  "UPDATE fetches SET content_type = 'old ' || CAST(x'e9' AS TEXT)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(s);
    sql(f->url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    catalog *from = NULL, *to = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(db, f->blobs, &from, &err), CS_OK);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &to, &err), CS_OK);
    assert_int_equal(catalog_copy(from, to, NULL, NULL, &err), CS_OK);
    catalog_close(from);
    catalog_close(to);
    row = sql_row(f->url, "SELECT content_type FROM fetches");
    assert_string_equal(row, "old ?");
    free(row);
}

static void test_migrate_carries_every_byte_and_null_across(void **state)
{
    fixture *f = *state;
    char db[TS_PATH_MAX];
    ts_join(db, f->dir, "from.db");
    catalog *from = NULL, *to = NULL;
    cs_error err;
    assert_int_equal(catalog_open_at(db, f->blobs, &from, &err), CS_OK);
    catalog_close(from);
    const char *path = "tab\there back\\slash new\nline cr\rend \\N";
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s,
                                  "INSERT INTO images (id, sha256, blob_path, media_type, "
                                  "byte_size, first_seen_at) VALUES (1, 'aa', 'aa/a', 'image/png', "
                                  "3, 1), (2, 'bb', 'bb/b', 'image/png', 3, 2);"
                                  "INSERT INTO local_matches (image_id, work_image_id, policy, "
                                  "inliers, work_coverage, query_coverage, pdq_distance, found_at) "
                                  "VALUES (2, 1, 'strict', 12, 0.1, 1.0 / 3.0, 4, 6)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "INSERT INTO protected_works (image_id, path, owner, note, "
                                        "registered_at) VALUES (1, ?1, NULL, '', 5)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(s,
                                        "INSERT INTO local_features (image_id, keypoints, data, "
                                        "computed_at) VALUES (1, 7, ?1, 9)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(st, 1, all, sizeof all, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(s);

    assert_int_equal(catalog_open_at(db, f->blobs, &from, &err), CS_OK);
    assert_int_equal(catalog_open_at(f->url, f->blobs, &to, &err), CS_OK);
    assert_int_equal(catalog_copy(from, to, NULL, NULL, &err), CS_OK);
    catalog_close(from);
    catalog_close(to);

    char *row = sql_row(f->url, "SELECT path, owner, note = '', note FROM protected_works");
    char expect[256];
    snprintf(expect, sizeof expect, "%s|<null>|t|", path);
    assert_string_equal(row, expect);
    free(row);
    char hex[2 * 256 + 1];
    for (int i = 0; i < 256; i++)
        snprintf(hex + 2 * i, 3, "%02x", i);
    row = sql_row(f->url, "SELECT encode(data, 'hex') FROM local_features");
    assert_string_equal(row, hex);
    free(row);
    row = sql_row(f->url, "SELECT work_coverage = 0.1::float8, "
                          "query_coverage = 1.0::float8 / 3.0::float8 FROM local_matches");
    assert_string_equal(row, "t|t");
    free(row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_new_database_is_migrated_to_the_current_schema,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_openers_at_the_same_moment_migrate_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_newer_schema_is_refused_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_opens_refuse_writes_and_create_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_password_stays_out_of_the_catalog_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bytes_and_rows_come_back_as_they_went_in, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_statement_names_the_catalog_and_what_was_done,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_host_lease_has_one_owner_and_lapses_to_another,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_plain_crawl_and_workers_keep_each_other_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_host_leases_work_the_same_on_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_that_is_not_utf8_is_stored_made_valid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migrate_carries_every_byte_and_null_across, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
