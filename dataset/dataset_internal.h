/*
 * dataset_internal.h - what the files of dataset/ share and other folders
 * never include: the catalog struct, the migration table, and the one way
 * every file of dataset/ runs a query (query.c), so that binding, stepping
 * and error handling read the same everywhere.
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

/* The state for a urls.state word; CS_ECORRUPT for a word the schema does not allow. */
int catalog_url_state_parse(const unsigned char *word, catalog_url_state *out);

/* ---- Queries (query.c) ----------------------------------------------------
 * Every statement in dataset/ goes through these: prepare, bind typed
 * arguments, step, finalize, and on failure one cs_error that names the
 * catalog, what was being done and SQLite's message:
 *     "catalog PATH: adding a URL: UNIQUE constraint failed: urls.url".
 * `what` is that middle part, a short phrase ("reading hosts"). SQLite's
 * out-of-memory becomes CS_ENOMEM, "not a database" CS_EFORMAT, everything
 * else CS_EDB.
 */

/* One argument for a statement's next ?N; make them with catalog_int() & co. */
typedef struct catalog_value {
    enum {
        CATALOG_VALUE_NULL,
        CATALOG_VALUE_INT,
        CATALOG_VALUE_REAL,
        CATALOG_VALUE_TEXT,
        CATALOG_VALUE_BLOB
    } type;
    int64_t integer;
    double real;
    const void *bytes; /* text (NUL-terminated) or blob; not copied until bound */
    size_t len;        /* blob length */
} catalog_value;

static inline catalog_value catalog_int(int64_t v)
{
    return (catalog_value){.type = CATALOG_VALUE_INT, .integer = v};
}
static inline catalog_value catalog_real(double v)
{
    return (catalog_value){.type = CATALOG_VALUE_REAL, .real = v};
}
/* Text, or SQL NULL when s is NULL. */
static inline catalog_value catalog_text(const char *s)
{
    return (catalog_value){.type = s ? CATALOG_VALUE_TEXT : CATALOG_VALUE_NULL, .bytes = s};
}
/* Bytes, or SQL NULL when bytes is NULL (an empty non-NULL blob stays a blob). */
static inline catalog_value catalog_blob(const void *bytes, size_t len)
{
    return (catalog_value){
        .type = bytes ? CATALOG_VALUE_BLOB : CATALOG_VALUE_NULL, .bytes = bytes, .len = len};
}
/* A row id or a size, or SQL NULL when v <= 0 (no referrer, unknown width, ...). */
static inline catalog_value catalog_positive_or_null(int64_t v)
{
    return v > 0 ? catalog_int(v) : (catalog_value){.type = CATALOG_VALUE_NULL};
}
/* An int64 that is SQL NULL when it is negative (-1: unknown). */
static inline catalog_value catalog_int_or_null(int64_t v)
{
    return v >= 0 ? catalog_int(v) : (catalog_value){.type = CATALOG_VALUE_NULL};
}

/* The arguments of a statement, in ?1, ?2, ... order: expands to (array, count). */
#define CATALOG_ARGS(...)                                                                          \
    (const catalog_value[]){__VA_ARGS__},                                                          \
        sizeof((const catalog_value[]){__VA_ARGS__}) / sizeof(catalog_value)
#define CATALOG_NO_ARGS NULL, 0

/*
 * Reads the current row into target (a struct of the caller's, or the new
 * zeroed item of catalog_rows_into). Returns CS_OK, or a CS_E code to stop:
 * CS_ENOMEM and CS_ECORRUPT (a stored word the schema does not allow) get a
 * message naming the query; any other code is passed back as it is.
 */
typedef int (*catalog_row_reader)(sqlite3_stmt *row, void *target);

/* Fills err with "catalog PATH: what: sqlite's message" and returns its CS_E code. */
int catalog_db_error(catalog *cat, cs_error *err, const char *what);
/* Runs SQL without arguments or results (may hold several statements). */
int catalog_exec(catalog *cat, const char *sql, cs_error *err);
/* Runs one statement that returns no rows (INSERT, UPDATE, DELETE). */
int catalog_run(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, cs_error *err);
/*
 * Runs a query and reads its first row with read(row, target). CS_ENOTFOUND,
 * with err untouched, when there is no row: the caller says what was missing.
 */
int catalog_row(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, catalog_row_reader read, void *target, cs_error *err);
/* Runs a query and calls read(row, target) for every row, on the same target. */
int catalog_rows(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                 size_t nargs, catalog_row_reader read, void *target, cs_error *err);
/*
 * Runs a query and reads every row into a new array of item_size items
 * (*items, *count; the caller frees). Each item is zeroed before read fills
 * it. On failure every item read so far is released with clear_item (may be
 * NULL when items own nothing), the array is freed and *items, *count are
 * NULL and 0.
 */
int catalog_rows_into(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                      size_t nargs, catalog_row_reader read, void (*clear_item)(void *item),
                      size_t item_size, void **items, size_t *count, cs_error *err);

/* A query whose first row's first column is an integer; 0 if no row. */
int catalog_query_int64(catalog *cat, const char *sql, int64_t *out, cs_error *err);
/* A query whose rows' first column is an id, into a new array the caller frees. */
int catalog_query_ids(catalog *cat, const char *sql, int64_t **ids, size_t *count, cs_error *err);

/* Column readers for catalog_row_reader functions. */
/* A copy of a text column (caller frees), or NULL when the column is NULL. */
char *catalog_column_strdup(sqlite3_stmt *stmt, int column);
/*
 * Copies text columns first, first + 1, ... into *fields[0], *fields[1], ...
 * (NULL for SQL NULL); CS_ENOMEM when a copy failed (the others are made).
 */
int catalog_column_texts(sqlite3_stmt *stmt, int first, char **const fields[], size_t n);
/* Frees *fields[0..n-1] and sets them to NULL. */
void catalog_free_texts(char **const fields[], size_t n);
/* A text column copied into out (size bytes, always terminated); "" when NULL. */
void catalog_column_copy(sqlite3_stmt *stmt, int column, char *out, size_t size);
/* An integer column, or fallback when the column is NULL. */
int64_t catalog_column_int_or(sqlite3_stmt *stmt, int column, int64_t fallback);
/* A copy of a blob column plus a NUL (caller frees), *len its size; NULL when NULL. */
unsigned char *catalog_column_blob(sqlite3_stmt *stmt, int column, size_t *len);
/* A row reader for one integer column: column 0 into *(int64_t *)target. */
int catalog_read_int64(sqlite3_stmt *row, void *target);
/* A row reader for one text column: column 0 into *(char **)target ("" when NULL). */
int catalog_read_string(sqlite3_stmt *row, void *target);
/* A clear_item for arrays of strings. */
void catalog_clear_string(void *item);
/* A row reader for (name, count) rows into a catalog_count (a NULL name reads "none"). */
int catalog_read_count(sqlite3_stmt *row, void *target);
/* The clear_item of catalog_count arrays. */
void catalog_clear_count(void *item);

#endif
