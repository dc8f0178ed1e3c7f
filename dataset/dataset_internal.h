/*
 * dataset_internal.h - what the files of dataset/ share and other folders
 * never include: the catalog struct, the migration table, and the small
 * SQLite helpers every *_store.c file uses so that error handling reads the
 * same everywhere.
 */
#ifndef CLEARSET_DATASET_INTERNAL_H
#define CLEARSET_DATASET_INTERNAL_H

#include "dataset/catalog.h"

#include <sqlite3.h>

struct catalog {
    sqlite3 *db;
    char *path; /* the catalog file */
    blob_store *blobs;
    int schema_version;
};

/* One schema migration: from version - 1 to version, in one transaction. */
typedef struct catalog_migration {
    int version;
    const char *summary;
    const char *sql;
} catalog_migration;

extern const catalog_migration catalog_migrations[];
extern const size_t catalog_migration_count;

/* Fills err with "catalog PATH: what: sqlite's message" and returns CS_EDB. */
int catalog_db_error(catalog *cat, cs_error *err, const char *what);
/* Runs SQL without results (may hold several statements). */
int catalog_exec(catalog *cat, const char *sql, cs_error *err);
/* Prepares one statement; on failure fills err and returns CS_EDB. */
int catalog_prepare(catalog *cat, const char *sql, sqlite3_stmt **stmt, cs_error *err);
/* Runs a query whose first row's first column is an integer; 0 if no row. */
int catalog_query_int64(catalog *cat, const char *sql, int64_t *out, cs_error *err);
/* Binds text that may be NULL (binds SQL NULL then). */
int catalog_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text);
/* Runs a query whose rows' first column is an id, into a new array the caller frees. */
int catalog_query_ids(catalog *cat, const char *sql, int64_t **ids, size_t *count, cs_error *err);
/* A copy of a text column (caller frees), or NULL when the column is NULL. */
char *catalog_column_strdup(sqlite3_stmt *stmt, int column);

#endif
