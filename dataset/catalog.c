/*
 * catalog.c - opening a catalog, migrating its schema, transactions.
 *
 * Opening: SQLite in WAL mode (readers never block the writer, a crash never
 * corrupts), foreign keys on, a busy timeout so several clearset processes
 * can share one catalog. The schema version lives in PRAGMA user_version;
 * pending migrations (schema.c) run in one BEGIN IMMEDIATE transaction, so a
 * concurrent opener either sees the old schema or the new one, never half.
 * How statements are run (and their errors reported) is query.c's.
 */
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_BUSY_TIMEOUT_MS 10000 /* wait this long for another writer */
#define CATALOG_STALE_TEMP_MS                                                                      \
    (60 * 60 * 1000) /* a blob temp file this old is from a dead writer                            \
                      */

int catalog_begin(catalog *cat, cs_error *err)
{
    return catalog_exec(cat, "BEGIN IMMEDIATE", err);
}

int catalog_commit(catalog *cat, cs_error *err)
{
    return catalog_exec(cat, "COMMIT", err);
}

void catalog_rollback(catalog *cat)
{
    if (!sqlite3_get_autocommit(cat->db)) sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
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

static int read_user_version(catalog *cat, int *version, cs_error *err)
{
    int64_t v = 0;
    int rc = catalog_query_int64(cat, "PRAGMA user_version", &v, err);
    if (rc == CS_OK) *version = (int)v;
    return rc;
}

static int refuse_newer(catalog *cat, int version, cs_error *err)
{
    return cs_error_set(err, CS_EVERSION,
                        "catalog %s has schema version %d, newer than this clearset reads (%d); "
                        "use a newer clearset",
                        cat->path, version, CATALOG_SCHEMA_VERSION);
}

static int migrate(catalog *cat, cs_error *err)
{
    int version = 0;
    int rc = read_user_version(cat, &version, err);
    if (rc != CS_OK) return rc;
    if (version > CATALOG_SCHEMA_VERSION) return refuse_newer(cat, version, err);
    if (version == CATALOG_SCHEMA_VERSION) {
        cat->schema_version = version;
        return CS_OK;
    }
    if ((rc = catalog_begin(cat, err)) != CS_OK) return rc;
    /* Another process may have migrated between our read and the lock. */
    if ((rc = read_user_version(cat, &version, err)) != CS_OK) goto fail;
    if (version > CATALOG_SCHEMA_VERSION) {
        rc = refuse_newer(cat, version, err);
        goto fail;
    }
    for (size_t i = 0; i < catalog_migration_count; i++) {
        const catalog_migration *m = &catalog_migrations[i];
        if (m->version <= version) continue;
        if ((rc = catalog_exec(cat, m->sql, err)) != CS_OK) goto fail;
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
        if ((rc = catalog_exec(cat, pragma, err)) != CS_OK) goto fail;
        version = m->version;
    }
    if ((rc = catalog_commit(cat, err)) != CS_OK) goto fail;
    cat->schema_version = version;
    return CS_OK;
fail:
    catalog_rollback(cat);
    return rc;
}

int catalog_open(const char *path, catalog **out, cs_error *err)
{
    *out = NULL;
    catalog *cat = calloc(1, sizeof *cat);
    if (cat == NULL || (cat->path = strdup(path)) == NULL) {
        free(cat);
        return cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", path);
    }
    int rc = CS_OK;
    if (sqlite3_open_v2(path, &cat->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = cs_error_set(err, CS_EIO, "catalog %s: cannot open: %s", path,
                          cat->db ? sqlite3_errmsg(cat->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(cat->db, CATALOG_BUSY_TIMEOUT_MS);
    /* The first statement to touch the file tells us whether it is a database at all,
     * and a newer catalog is refused before anything (even the journal mode) changes. */
    int version = 0;
    if (read_user_version(cat, &version, err) != CS_OK) {
        rc = cs_error_set(err, sqlite3_errcode(cat->db) == SQLITE_NOTADB ? CS_EFORMAT : CS_EDB,
                          "catalog %s: %s", path, sqlite3_errmsg(cat->db));
        goto fail;
    }
    if (version > CATALOG_SCHEMA_VERSION) {
        rc = refuse_newer(cat, version, err);
        goto fail;
    }
    rc = catalog_exec(cat,
                      "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; "
                      "PRAGMA synchronous = NORMAL",
                      err);
    if (rc != CS_OK) goto fail;
    if ((rc = migrate(cat, err)) != CS_OK) goto fail;

    char *blob_dir = catalog_blob_dir_for(path);
    if (blob_dir == NULL) {
        rc = cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", path);
        goto fail;
    }
    rc = blob_store_open(blob_dir, &cat->blobs, err);
    free(blob_dir);
    if (rc != CS_OK) goto fail;
    blob_store_sweep_temporaries(cat->blobs, CATALOG_STALE_TEMP_MS, NULL);
    *out = cat;
    return CS_OK;
fail:
    catalog_close(cat);
    return rc;
}

void catalog_close(catalog *cat)
{
    if (cat == NULL) return;
    if (cat->db) sqlite3_close_v2(cat->db);
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
