/*
 * catalog.c - opening a catalog, migrating its schema, transactions.
 *
 * A location that is a postgresql:// URL is opened by catalog_pg.c; anything
 * else is a SQLite file, opened here.
 *
 * Opening: SQLite in WAL mode (readers never block the writer, a crash never
 * corrupts), foreign keys on, a busy timeout so several clearset processes
 * can share one catalog. The schema version lives in PRAGMA user_version;
 * pending migrations (schema.c) run in one BEGIN IMMEDIATE transaction, so a
 * concurrent opener either sees the old schema or the new one, never half.
 * How statements are run (and their errors reported) is query.c's.
 */
#include "dataset/dataset_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CATALOG_BUSY_TIMEOUT_MS 10000 /* wait this long for another writer */
#define CATALOG_STALE_TEMP_MS                                                                      \
    (60 * 60 * 1000) /* a blob temp file this old is from a dead writer                            \
                      */

int catalog_location_is_postgres(const char *location)
{
    return strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0;
}

int catalog_exists(const char *location)
{
    return catalog_location_is_postgres(location) || access(location, F_OK) == 0;
}

int catalog_is_shared(const char *location)
{
    return catalog_location_is_postgres(location);
}

int catalog_begin(catalog *cat, cs_error *err)
{
    /* SQLite: take the write lock now, so two writers never deadlock upgrading it */
    return catalog_exec(cat, cat->pg ? "BEGIN" : "BEGIN IMMEDIATE", err);
}

int catalog_commit(catalog *cat, cs_error *err)
{
    return catalog_exec(cat, "COMMIT", err);
}

void catalog_rollback(catalog *cat)
{
    if (cat->pg) {
        if (PQtransactionStatus(cat->pg) != PQTRANS_IDLE) PQclear(PQexec(cat->pg, "ROLLBACK"));
    } else if (!sqlite3_get_autocommit(cat->db)) {
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

char *catalog_blob_dir_for(const char *catalog_path)
{
    size_t len = strlen(catalog_path);
    size_t stem = len >= 3 && strcmp(catalog_path + len - 3, ".db") == 0 ? len - 3 : len;
    char *dir = malloc(stem + sizeof ".blobs");
    if (dir == NULL) return NULL;
    memcpy(dir, catalog_path, stem);
    memcpy(dir + stem, ".blobs", sizeof ".blobs");
    return dir;
}

/* The schema version: SQLite's PRAGMA user_version; PostgreSQL's clearset_schema row. */
int catalog_schema_version_read(catalog *cat, int *version, cs_error *err)
{
    int64_t v = 0;
    int rc = CS_OK;
    if (cat->pg) { /* no clearset_schema table yet: a new catalog, version 0 */
        rc = catalog_query_int64(cat, "SELECT to_regclass('clearset_schema') IS NOT NULL", &v, err);
        if (rc == CS_OK && v)
            rc = catalog_query_int64(cat, "SELECT coalesce(max(version), 0) FROM clearset_schema",
                                     &v, err);
    } else {
        rc = catalog_query_int64(cat, "PRAGMA user_version", &v, err);
    }
    if (rc == CS_OK) *version = (int)v;
    return rc;
}

static int write_user_version(catalog *cat, int version, cs_error *err)
{
    char sql[128];
    if (cat->pg)
        snprintf(sql, sizeof sql,
                 "DELETE FROM clearset_schema; INSERT INTO clearset_schema VALUES (%d)", version);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    return catalog_exec(cat, sql, err);
}

int catalog_refuse_newer(catalog *cat, int version, cs_error *err)
{
    return cs_error_set(err, CS_EVERSION,
                        "catalog %s has schema version %d, newer than this clearset reads (%d); "
                        "use a newer clearset",
                        cat->path, version, CATALOG_SCHEMA_VERSION);
}

/*
 * Takes the lock that makes migrating one process's job: SQLite's write lock
 * (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock, and
 * the version table made if it is missing.
 */
static int begin_migration(catalog *cat, cs_error *err)
{
    int rc = catalog_begin(cat, err);
    if (rc == CS_OK && cat->pg)
        rc = catalog_exec(cat,
                          "SELECT pg_advisory_xact_lock(" CATALOG_PG_MIGRATION_LOCK "); "
                          "CREATE TABLE IF NOT EXISTS clearset_schema (\n"
                          "  version BIGINT NOT NULL -- the last migration applied (one row)\n"
                          ")",
                          err);
    return rc;
}

/* Runs migration m on cat's backend. */
static int run_migration(catalog *cat, const catalog_migration *m, cs_error *err)
{
    if (!cat->pg) return catalog_exec(cat, m->sql, err);
    if (m->pg_sql) return catalog_exec(cat, m->pg_sql, err);
    char *sql = catalog_pg_schema_sql(m->sql);
    if (sql == NULL) return cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", cat->path);
    int rc = catalog_exec(cat, sql, err);
    free(sql);
    return rc;
}

/*
 * SQLite runs the migrations with foreign keys off (a table rebuilt to change
 * a constraint is dropped while other tables still name it: SQLite's own
 * procedure for ALTER TABLE), so before they commit every reference is
 * checked here, as the foreign keys would have.
 */
static int check_foreign_keys(catalog *cat, cs_error *err)
{
    int64_t dangling = 0;
    int rc =
        catalog_query_int64(cat, "SELECT count(*) FROM pragma_foreign_key_check", &dangling, err);
    if (rc == CS_OK && dangling > 0)
        rc = cs_error_set(err, CS_ECORRUPT,
                          "catalog %s: the schema migration would leave rows naming missing rows "
                          "(%lld); nothing was changed",
                          cat->path, (long long)dangling);
    return rc;
}

int catalog_migrate(catalog *cat, cs_error *err)
{
    int version = 0;
    int rc = catalog_schema_version_read(cat, &version, err);
    if (rc != CS_OK) return rc;
    if (version > CATALOG_SCHEMA_VERSION) return catalog_refuse_newer(cat, version, err);
    if (version == CATALOG_SCHEMA_VERSION) {
        cat->schema_version = version;
        return CS_OK;
    }
    if ((rc = begin_migration(cat, err)) != CS_OK) goto fail;
    /* Another process may have migrated between our read and the lock. */
    if ((rc = catalog_schema_version_read(cat, &version, err)) != CS_OK) goto fail;
    if (version > CATALOG_SCHEMA_VERSION) {
        rc = catalog_refuse_newer(cat, version, err);
        goto fail;
    }
    if (version == 0 && !cat->pg && catalog_schema_current_version == CATALOG_SCHEMA_VERSION) {
        /* a new catalog: the schema the migrations end with, in one step (a fifth of the
           time: they create tables only to rebuild them) */
        if ((rc = catalog_exec(cat, catalog_schema_current, err)) != CS_OK) goto fail;
        if ((rc = write_user_version(cat, CATALOG_SCHEMA_VERSION, err)) != CS_OK) goto fail;
        version = CATALOG_SCHEMA_VERSION;
    }
    for (size_t i = 0; i < catalog_migration_count; i++) {
        const catalog_migration *m = &catalog_migrations[i];
        if (m->version <= version) continue;
        if ((rc = run_migration(cat, m, err)) != CS_OK) goto fail;
        if ((rc = write_user_version(cat, m->version, err)) != CS_OK) goto fail;
        version = m->version;
    }
    if (!cat->pg && (rc = check_foreign_keys(cat, err)) != CS_OK) goto fail;
    if ((rc = catalog_commit(cat, err)) != CS_OK) goto fail;
    cat->schema_version = version;
    return CS_OK;
fail:
    catalog_rollback(cat);
    return rc;
}

catalog *catalog_new_handle(const char *path, cs_error *err)
{
    catalog *cat = calloc(1, sizeof *cat);
    if (cat == NULL || (cat->path = strdup(path)) == NULL) {
        free(cat);
        cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", path);
        return NULL;
    }
    return cat;
}

/*
 * Opens the SQLite file (name: a path, or a "file:" URI when flags say so)
 * and reads its schema version: the first statement to touch the file tells
 * whether it is a database at all, and a newer catalog is refused before
 * anything (even the journal mode) changes.
 */
static void configure_sqlite(void)
{
    /* SQLite's own accounting of its memory takes a mutex on every allocation; nothing
       here reads it. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_database(catalog *cat, const char *name, int flags, int *version, cs_error *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, configure_sqlite); /* before SQLite initialises itself */
    /* NOMUTEX: a catalog handle is used by one thread at a time (dataset/catalog.h),
       so SQLite need not lock the connection around every call. */
    if (sqlite3_open_v2(name, &cat->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return cs_error_set(err, CS_EIO, "catalog %s: cannot open: %s", cat->path,
                            cat->db ? sqlite3_errmsg(cat->db) : "out of memory");
    sqlite3_busy_timeout(cat->db, CATALOG_BUSY_TIMEOUT_MS);
    if (catalog_schema_version_read(cat, version, NULL) != CS_OK)
        return cs_error_set(err, sqlite3_errcode(cat->db) == SQLITE_NOTADB ? CS_EFORMAT : CS_EDB,
                            "catalog %s: %s", cat->path, sqlite3_errmsg(cat->db));
    if (*version > CATALOG_SCHEMA_VERSION) return catalog_refuse_newer(cat, *version, err);
    return CS_OK;
}

int catalog_open_blob_dir(catalog *cat, const char *dir, int create, cs_error *err)
{
    int rc = create ? cs_mkdir_p(dir, err) : CS_OK;
    if (rc == CS_OK) rc = blob_store_open(dir, &cat->blobs, err);
    return rc;
}

/* Opens the blob store at blob_dir, or beside the catalog file when blob_dir is NULL. */
static int open_blobs(catalog *cat, const char *blob_dir, int create, cs_error *err)
{
    if (blob_dir) return catalog_open_blob_dir(cat, blob_dir, create, err);
    char *beside = catalog_blob_dir_for(cat->path);
    if (beside == NULL) return cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", cat->path);
    int rc = catalog_open_blob_dir(cat, beside, create, err);
    free(beside);
    return rc;
}

int catalog_open(const char *path, catalog **out, cs_error *err)
{
    return catalog_open_at(path, NULL, out, err);
}

int catalog_open_readonly(const char *path, catalog **out, cs_error *err)
{
    return catalog_open_readonly_at(path, NULL, out, err);
}

int catalog_open_at(const char *path, const char *blob_dir, catalog **out, cs_error *err)
{
    *out = NULL;
    if (catalog_location_is_postgres(path)) return catalog_pg_open(path, blob_dir, 0, out, err);
    catalog *cat = catalog_new_handle(path, err);
    if (cat == NULL) return CS_ENOMEM;
    int version = 0;
    int rc = open_database(cat, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &version, err);
    if (rc == CS_OK)
        rc = catalog_exec(cat,
                          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                          "PRAGMA foreign_keys = OFF",
                          err);
    if (rc == CS_OK) rc = catalog_migrate(cat, err); /* foreign keys off: check_foreign_keys */
    if (rc == CS_OK) rc = catalog_exec(cat, "PRAGMA foreign_keys = ON", err);
    if (rc == CS_OK) rc = open_blobs(cat, blob_dir, 1, err);
    if (rc != CS_OK) {
        catalog_close(cat);
        return rc;
    }
    blob_store_sweep_temporaries(cat->blobs, CATALOG_STALE_TEMP_MS, NULL);
    *out = cat;
    return CS_OK;
}

/* path with "-wal" or "-shm" appended, into out. */
static const char *sibling(char *out, size_t size, const char *path, const char *suffix)
{
    snprintf(out, size, "%s%s", path, suffix);
    return out;
}

/* 1 when this user may create files in the folder that holds path. */
static int folder_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) return access(".", W_OK) == 0;
    if (slash == path) return access("/", W_OK) == 0;
    char *folder = cs_strndup(path, (size_t)(slash - path));
    int writable = folder && access(folder, W_OK) == 0;
    free(folder);
    return writable;
}

/* "file:PATH?immutable=1", every byte but [A-Za-z0-9/._~-] percent-encoded (RFC 3986). */
static char *immutable_uri(const char *path)
{
    cs_buf uri;
    cs_buf_init(&uri, 0);
    int rc = cs_buf_append_str(&uri, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; rc == CS_OK && *p; p++) {
        if (strchr("/._~-", *p) || (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= 'a' && *p <= 'z'))
            rc = cs_buf_append(&uri, p, 1);
        else
            rc = cs_buf_printf(&uri, "%%%02X", *p);
    }
    if (rc == CS_OK) rc = cs_buf_append_str(&uri, "?immutable=1");
    if (rc != CS_OK) {
        cs_buf_free(&uri);
        return NULL;
    }
    return (char *)cs_buf_take(&uri, NULL);
}

/* The catalog could not be read with its write-ahead log: say why and what helps. */
static int refuse_unreadable_log(catalog *cat, cs_error *err)
{
    char shm[4096];
    return cs_error_set(err, CS_EIO,
                        "catalog %s: cannot be read here: its write-ahead log %s-wal may hold "
                        "changes not yet in the file, and reading them needs %s, which this "
                        "user can neither open nor create there (%s); open the catalog once "
                        "where it can be written (any clearset command that writes folds the "
                        "log into the file)",
                        cat->path, cat->path, sibling(shm, sizeof shm, cat->path, "-shm"),
                        sqlite3_errmsg(cat->db));
}

int catalog_open_readonly_at(const char *path, const char *blob_dir, catalog **out, cs_error *err)
{
    *out = NULL;
    if (catalog_location_is_postgres(path)) return catalog_pg_open(path, blob_dir, 1, out, err);
    struct stat st;
    if (stat(path, &st) != 0)
        return cs_error_set(err, errno == ENOENT ? CS_ENOTFOUND : CS_EIO, "catalog %s: %s", path,
                            strerror(errno));
    catalog *cat = catalog_new_handle(path, err);
    if (cat == NULL) return CS_ENOMEM;
    char wal[4096];
    int has_log = access(sibling(wal, sizeof wal, path, "-wal"), F_OK) == 0;
    int writable = folder_writable(path);
    int version = 0, rc;
    if (has_log) {
        rc = open_database(cat, path, SQLITE_OPEN_READONLY, &version, err);
        if (rc != CS_OK && cat->db && (sqlite3_errcode(cat->db) & 0xff) == SQLITE_CANTOPEN)
            rc = refuse_unreadable_log(cat, err);
    } else {
        char *uri = immutable_uri(path);
        rc = uri ? open_database(cat, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, &version, err)
                 : cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", path);
        free(uri);
    }
    if (rc == CS_OK && version < CATALOG_SCHEMA_VERSION) {
        catalog_close(cat);
        if (writable && access(path, W_OK) == 0) return catalog_open_at(path, blob_dir, out, err);
        return cs_error_set(err, CS_EVERSION,
                            "catalog %s has schema version %d, older than this clearset reads "
                            "(%d), and cannot be migrated by this user; open it once with write "
                            "access (any clearset command that writes migrates it)",
                            path, version, CATALOG_SCHEMA_VERSION);
    }
    cat->schema_version = version;
    if (rc == CS_OK) rc = open_blobs(cat, blob_dir, 0, err);
    if (rc != CS_OK) {
        catalog_close(cat);
        return rc;
    }
    *out = cat;
    return CS_OK;
}

void catalog_close(catalog *cat)
{
    if (cat == NULL) return;
    catalog_sqlite_forget_statements(cat);
    catalog_pg_forget_statements(cat);
    if (cat->db) sqlite3_close_v2(cat->db);
    if (cat->pg) PQfinish(cat->pg);
    blob_store_close(cat->blobs);
    free(cat->path);
    free(cat);
}

int catalog_schema_version(const catalog *cat)
{
    return cat->schema_version;
}

const char *catalog_path(const catalog *cat)
{
    return cat->path;
}

blob_store *catalog_blobs(catalog *cat)
{
    return cat->blobs;
}
