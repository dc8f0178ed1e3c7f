/*
 * dataset_internal.h - what the files of dataset/ share and other folders
 * never include: the catalog struct, the migration table, and the one way
 * every file of dataset/ runs a query (query.c), so that binding, stepping
 * and error handling read the same everywhere, whichever backend holds the
 * catalog (SQLite: query_sqlite.c; PostgreSQL: query_pg.c).
 */
#ifndef CLEARSET_DATASET_INTERNAL_H
#define CLEARSET_DATASET_INTERNAL_H

#include "dataset/catalog.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <string.h>

/* Exactly one of db and pg is set: the backend that holds this catalog. */
struct catalog {
    sqlite3 *db; /* SQLite: the catalog file */
    PGconn *pg;  /* PostgreSQL: the connection */
    char *path;  /* the catalog file, or the postgresql:// URL without its password */
    blob_store *blobs;
    int schema_version;
    int64_t pg_changes;                /* PostgreSQL: rows the last statement changed */
    int pg_conflict;                   /* PostgreSQL: a conflict (CS_ECONFLICT) ended the open
                                          transaction (query_pg.c) */
    struct catalog_sqlite_stmt *stmts; /* SQLite: prepared statements kept for reuse
                                          (query_sqlite.c; NULL until the first) */
    struct catalog_pg_stmt *pg_stmts;  /* PostgreSQL: the same, prepared on the server
                                          (query_pg.c; NULL until the first) */
};

/* 1 when location names a PostgreSQL catalog (a postgresql:// or postgres:// URL). */
int catalog_location_is_postgres(const char *location);

/* One schema migration: from version - 1 to version, in one transaction. */
typedef struct catalog_migration {
    int version;
    const char *summary;
    const char *sql;    /* SQLite */
    const char *pg_sql; /* PostgreSQL, where sql does not run there; NULL: sql with its
                           types translated (catalog_pg_schema_sql) */
} catalog_migration;

extern const catalog_migration catalog_migrations[];
extern const size_t catalog_migration_count;

/* The schema the migrations end with, as SQLite keeps it (its CREATE statements in
 * the order the objects were made), and the version it is: generated at build time
 * by dataset/tools/schema_dump.c. A new SQLite catalog is created from it. */
extern const char catalog_schema_current[];
extern const int catalog_schema_current_version;

/*
 * A migration's SQLite text with its column types made PostgreSQL's (a new
 * string the caller frees; NULL when out of memory): "id INTEGER PRIMARY KEY"
 * becomes an identity column, INTEGER BIGINT (times in ms need 64 bits), BLOB
 * BYTEA and REAL DOUBLE PRECISION. Only whole upper-case words change.
 */
char *catalog_pg_schema_sql(const char *sqlite_sql);

/* The state for a urls.state word; CS_ECORRUPT for a word the schema does not allow. */
int catalog_url_state_parse(const char *word, catalog_url_state *out);

/* ---- Queries (query.c) ----------------------------------------------------
 * Every statement in dataset/ goes through these: prepare, bind typed
 * arguments, step, finalize, and on failure one cs_error that names the
 * catalog, what was being done and SQLite's message:
 *     "catalog PATH: adding a URL: UNIQUE constraint failed: urls.url".
 * `what` is that middle part, a short phrase ("reading hosts"). SQLite's
 * out-of-memory becomes CS_ENOMEM, "not a database" CS_EFORMAT, PostgreSQL's
 * deadlocks, serialization failures and lock timeouts CS_ECONFLICT (catalog.h),
 * everything else CS_EDB.
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
/* Text, or SQL NULL when s is NULL. Text is stored as UTF-8: bytes that are not
 * (a header value in ISO-8859-1) become '?' as the statement runs (catalog_text_utf8),
 * where SQLite would keep them as they are and PostgreSQL refuse the statement. */
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
 * A statement's current row, on either backend; row readers see it only
 * through the catalog_column_* functions below.
 */
typedef struct catalog_cursor {
    catalog *cat;
    sqlite3_stmt *stmt;    /* SQLite: the statement, on its current row */
    size_t stmt_slot;      /* SQLite: 1 + stmt's slot among cat's kept statements (reset
                              when finished, not finalized); 0: its own statement */
    PGresult *result;      /* PostgreSQL: every row of the result */
    int row;               /* PostgreSQL: the current row */
    unsigned char **bytea; /* PostgreSQL: the current row's bytea columns, unescaped when
                              first read (one slot per column; freed on the next row) */
    size_t *bytea_len;     /* PostgreSQL: their lengths */
} catalog_cursor;

/*
 * Reads the current row into target (a struct of the caller's, or the new
 * zeroed item of catalog_rows_into). Returns CS_OK, or a CS_E code to stop:
 * CS_ENOMEM and CS_ECORRUPT (a stored word the schema does not allow) get a
 * message naming the query; any other code is passed back as it is.
 */
typedef int (*catalog_row_reader)(catalog_cursor *row, void *target);

/* PostgreSQL's type ids (pg_type.h) for the types the catalog binds and reads. */
#define CATALOG_PG_OID_BOOL   16
#define CATALOG_PG_OID_BYTEA  17
#define CATALOG_PG_OID_INT8   20
#define CATALOG_PG_OID_INT2   21
#define CATALOG_PG_OID_INT4   23
#define CATALOG_PG_OID_TEXT   25
#define CATALOG_PG_OID_FLOAT4 700
#define CATALOG_PG_OID_FLOAT8 701

/* Runs SQL without arguments or results (may hold several statements). */
int catalog_exec(catalog *cat, const char *sql, cs_error *err);
/*
 * s as catalog text: s itself when it is valid UTF-8, otherwise a copy with
 * each byte that starts no valid sequence as '?' (cs_utf8_dup), left in *copy
 * for the caller to free; NULL when out of memory. Both backends bind through it.
 */
static inline const char *catalog_text_utf8(const char *s, char **copy)
{
    size_t len = strlen(s);
    *copy = NULL;
    if (cs_utf8_valid(s, len)) return s;
    *copy = cs_utf8_dup(s, len);
    return *copy;
}

/* Runs one statement that returns no rows (INSERT, UPDATE, DELETE). */
int catalog_run(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, cs_error *err);
/* Rows the last catalog_run or catalog_exec inserted, changed or deleted. */
int64_t catalog_changes(catalog *cat);
/*
 * Runs one INSERT (which may do nothing, ON CONFLICT ... DO NOTHING) into a
 * table whose key is id: *id is the new row's, or CS_ENOTFOUND (err untouched)
 * when no row was added. SQLite reads the rowid back (a RETURNING clause opens
 * a temporary b-tree per statement there, a third of a small INSERT's cost);
 * PostgreSQL adds RETURNING id (one round trip). sql has no RETURNING.
 */
int catalog_insert_id(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                      size_t nargs, int64_t *id, cs_error *err);
/*
 * The SQL of a statement whose text differs between the backends: sqlite_sql
 * or pg_sql, whichever runs this catalog. Both texts stand side by side where
 * the statement is written.
 */
const char *catalog_sql(const catalog *cat, const char *sqlite_sql, const char *pg_sql);
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
/* 1 when the column is SQL NULL. */
int catalog_column_is_null(catalog_cursor *row, int column);
/* An integer column (a PostgreSQL boolean reads 1 or 0); 0 when NULL. */
int64_t catalog_column_int64(catalog_cursor *row, int column);
int catalog_column_int(catalog_cursor *row, int column);
/* A floating-point column; 0 when NULL. */
double catalog_column_double(catalog_cursor *row, int column);
/* A text column, valid until the row changes; NULL when NULL. */
const char *catalog_column_text(catalog_cursor *row, int column);
/*
 * A blob column, valid until the row changes, *len its size; NULL when NULL
 * (and when a PostgreSQL bytea could not be unescaped: out of memory).
 */
const void *catalog_column_bytes(catalog_cursor *row, int column, size_t *len);
/* A copy of a text column (caller frees), or NULL when the column is NULL. */
char *catalog_column_strdup(catalog_cursor *row, int column);
/* How many columns the row has, and the name of one (valid while the statement runs). */
int catalog_column_count(catalog_cursor *row);
const char *catalog_column_name(catalog_cursor *row, int column);
/*
 * A column as an argument for another statement, typed as stored (SQLite) or
 * as declared (PostgreSQL: integers and booleans INT, floats REAL, bytea
 * BLOB, anything else TEXT); its bytes are valid until the row changes.
 * CATALOG_VALUE_NULL also when a bytea could not be unescaped (out of memory).
 */
catalog_value catalog_column_value(catalog_cursor *row, int column);
/*
 * Copies text columns first, first + 1, ... into *fields[0], *fields[1], ...
 * (NULL for SQL NULL); CS_ENOMEM when a copy failed (the others are made).
 */
int catalog_column_texts(catalog_cursor *row, int first, char **const fields[], size_t n);
/* Frees *fields[0..n-1] and sets them to NULL. */
void catalog_free_texts(char **const fields[], size_t n);
/* A text column copied into out (size bytes, always terminated); "" when NULL. */
void catalog_column_copy(catalog_cursor *row, int column, char *out, size_t size);
/* An integer column, or fallback when the column is NULL. */
int64_t catalog_column_int_or(catalog_cursor *row, int column, int64_t fallback);
/* A copy of a blob column plus a NUL (caller frees), *len its size; NULL when NULL. */
unsigned char *catalog_column_blob(catalog_cursor *row, int column, size_t *len);
/* A row reader for one integer column: column 0 into *(int64_t *)target. */
int catalog_read_int64(catalog_cursor *row, void *target);
/* A row reader for one text column: column 0 into *(char **)target ("" when NULL). */
int catalog_read_string(catalog_cursor *row, void *target);
/* A clear_item for arrays of strings. */
void catalog_clear_string(void *item);
/* A row reader for (name, count) rows into a catalog_count (a NULL name reads "none"). */
int catalog_read_count(catalog_cursor *row, void *target);
/* The clear_item of catalog_count arrays. */
void catalog_clear_count(void *item);

/* ---- The backends (query_sqlite.c, query_pg.c) ----------------------------
 * query.c runs every statement through these. _start prepares sql, binds
 * args to ?1..?N (PostgreSQL: rewritten to $1..$N) and, on PostgreSQL, runs
 * it; _next moves to the next row (1: a row, 0: no more, else a CS_E code with
 * err filled); _finish releases the statement. _exec runs a script of
 * statements without arguments. Errors name the catalog, what and the
 * backend's own message: "catalog PATH: adding a URL: UNIQUE constraint ...".
 */
int catalog_sqlite_start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                         size_t nargs, catalog_cursor *cur, cs_error *err);
int catalog_sqlite_next(catalog_cursor *cur, const char *what, cs_error *err);
void catalog_sqlite_finish(catalog_cursor *cur);
int catalog_sqlite_exec(catalog *cat, const char *sql, cs_error *err);
/* Finalizes the statements kept for reuse; catalog_close calls it before closing. */
void catalog_sqlite_forget_statements(catalog *cat);
/* Fills err with "catalog PATH: what: SQLite's message" and returns its CS_E code. */
int catalog_sqlite_error(catalog *cat, cs_error *err, const char *what);

int catalog_pg_start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                     size_t nargs, catalog_cursor *cur, cs_error *err);
int catalog_pg_next(catalog_cursor *cur, const char *what, cs_error *err);
void catalog_pg_finish(catalog_cursor *cur);
int catalog_pg_exec(catalog *cat, const char *sql, cs_error *err);
/* Frees the kept statements' descriptions (the server drops them with the connection). */
void catalog_pg_forget_statements(catalog *cat);

/*
 * Rows into a PostgreSQL table with COPY ... FROM STDIN (copy_pg.c), for
 * migrate: begin names the table and its columns ("a, b, c"); each row gives
 * one value per column, in that order; end sends the rest and reads the
 * server's verdict, or with abort set gives the copy up (the caller rolls its
 * transaction back). end frees the copy either way.
 */
typedef struct catalog_pg_copy catalog_pg_copy;
int catalog_pg_copy_begin(catalog *cat, const char *table, const char *columns,
                          catalog_pg_copy **out, cs_error *err);
int catalog_pg_copy_row(catalog_pg_copy *copy, const catalog_value *values, size_t n,
                        cs_error *err);
int catalog_pg_copy_end(catalog_pg_copy *copy, int abort, cs_error *err);

/* ---- Opening, per backend (catalog.c: SQLite, catalog_pg.c: PostgreSQL) -- */
/*
 * Connects to the PostgreSQL catalog at url, migrates it (readonly: refuses
 * an old schema instead, and every transaction is read-only) and opens the
 * blob store at blob_dir (made when missing and not readonly).
 */
int catalog_pg_open(const char *url, const char *blob_dir, int readonly, catalog **out,
                    cs_error *err);
/* A new catalog handle named path (no database yet); NULL with err filled. */
catalog *catalog_new_handle(const char *path, cs_error *err);
/* Opens cat's blob store at dir, making the folder first when create is set. */
int catalog_open_blob_dir(catalog *cat, const char *dir, int create, cs_error *err);
/*
 * Runs every pending migration in one transaction, so a concurrent opener
 * sees the old schema or the new one; sets cat->schema_version. SQLite keeps
 * the version in PRAGMA user_version, PostgreSQL in the one row of table
 * clearset_schema, and migrates under advisory lock CATALOG_PG_MIGRATION_LOCK.
 */
int catalog_migrate(catalog *cat, cs_error *err);
/* Advisory lock ids (any bigint no other user of the database takes): migrating, crawling. */
#define CATALOG_PG_MIGRATION_LOCK "7221000001"
#define CATALOG_PG_CRAWL_LOCK     "7221000002"
/* Reads cat's schema version (0: a new catalog). */
int catalog_schema_version_read(catalog *cat, int *version, cs_error *err);
/* CS_EVERSION: the catalog's schema is newer than this build's. */
int catalog_refuse_newer(catalog *cat, int version, cs_error *err);

#endif
