/*
 * query.c - the one way dataset/ runs a statement, whichever backend holds
 * the catalog: start it (prepare and bind; query_sqlite.c, query_pg.c), read
 * its rows, finish it, and turn any failure into a CS_E code plus a cs_error
 * naming the catalog, what was being done and the backend's words.
 *
 * Four shapes cover every query: catalog_run (no rows: INSERT, UPDATE,
 * DELETE), catalog_row (the first row, CS_ENOTFOUND when there is none),
 * catalog_rows (every row into one target, e.g. counts by key) and
 * catalog_rows_into (every row into a new array, grown with cs_array_reserve
 * and released again on failure). Callers give a row reader that copies
 * columns into their struct through the catalog_column_* functions here, so
 * no caller holds a statement or knows the backend. Statements are prepared
 * per call and none outlives it, so a catalog handle holds no statement
 * between calls (and catalog_close has nothing to finalize).
 *
 * SQL is written once where both backends take it: ?1..?N parameters (made
 * $1..$N for PostgreSQL), ON CONFLICT ... DO NOTHING / DO UPDATE, RETURNING
 * (SQLite >= 3.35). Where a statement differs, catalog_sql picks one of the
 * two texts written side by side.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

static int start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                 size_t nargs, catalog_cursor *cur, cs_error *err)
{
    memset(cur, 0, sizeof *cur);
    cur->cat = cat;
    return cat->pg ? catalog_pg_start(cat, what, sql, args, nargs, cur, err)
                   : catalog_sqlite_start(cat, what, sql, args, nargs, cur, err);
}

/* 1: on a row; 0: no more rows; else a CS_E code, err filled. */
static int next(catalog_cursor *cur, const char *what, cs_error *err)
{
    return cur->cat->pg ? catalog_pg_next(cur, what, err) : catalog_sqlite_next(cur, what, err);
}

static void finish(catalog_cursor *cur)
{
    if (cur->cat->pg)
        catalog_pg_finish(cur);
    else
        catalog_sqlite_finish(cur);
}

const char *catalog_sql(const catalog *cat, const char *sqlite_sql, const char *pg_sql)
{
    return cat->pg ? pg_sql : sqlite_sql;
}

int catalog_exec(catalog *cat, const char *sql, cs_error *err)
{
    return cat->pg ? catalog_pg_exec(cat, sql, err) : catalog_sqlite_exec(cat, sql, err);
}

int64_t catalog_changes(catalog *cat)
{
    return cat->pg ? cat->pg_changes : (int64_t)sqlite3_changes(cat->db);
}

int catalog_insert_id(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                      size_t nargs, int64_t *id, cs_error *err)
{
    if (cat->pg) {
        char returning[4096];
        if ((size_t)snprintf(returning, sizeof returning, "%s RETURNING id", sql) >=
            sizeof returning)
            return cs_error_set(err, CS_ELIMIT, "catalog %s: %s: statement too long", cat->path,
                                what);
        return catalog_row(cat, what, returning, args, nargs, catalog_read_int64, id, err);
    }
    int rc = catalog_run(cat, what, sql, args, nargs, err);
    if (rc != CS_OK) return rc;
    if (sqlite3_changes(cat->db) == 0) return CS_ENOTFOUND;
    *id = (int64_t)sqlite3_last_insert_rowid(cat->db);
    return CS_OK;
}

/* A row reader's failure, for a person (CS_ENOTFOUND & co. pass through untouched). */
static int reader_error(catalog *cat, const char *what, int rc, cs_error *err)
{
    if (rc == CS_ENOMEM)
        return cs_error_set(err, rc, "catalog %s: %s: out of memory", cat->path, what);
    if (rc == CS_ECORRUPT)
        return cs_error_set(err, rc, "catalog %s: %s: a stored value the schema does not allow",
                            cat->path, what);
    return rc;
}

int catalog_run(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, cs_error *err)
{
    catalog_cursor cur;
    int rc = start(cat, what, sql, args, nargs, &cur, err);
    if (rc != CS_OK) return rc;
    int step = next(&cur, what, err);
    finish(&cur);
    return step < 0 ? step : CS_OK;
}

int catalog_row(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, catalog_row_reader read, void *target, cs_error *err)
{
    catalog_cursor cur;
    int rc = start(cat, what, sql, args, nargs, &cur, err);
    if (rc != CS_OK) return rc;
    int step = next(&cur, what, err);
    if (step < 0)
        rc = step;
    else if (step == 0)
        rc = CS_ENOTFOUND;
    else
        rc = reader_error(cat, what, read(&cur, target), err);
    finish(&cur);
    return rc;
}

int catalog_rows(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                 size_t nargs, catalog_row_reader read, void *target, cs_error *err)
{
    catalog_cursor cur;
    int rc = start(cat, what, sql, args, nargs, &cur, err);
    if (rc != CS_OK) return rc;
    int step;
    while (rc == CS_OK && (step = next(&cur, what, err)) != 0)
        rc = step < 0 ? step : reader_error(cat, what, read(&cur, target), err);
    finish(&cur);
    return rc;
}

int catalog_rows_into(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                      size_t nargs, catalog_row_reader read, void (*clear_item)(void *item),
                      size_t item_size, void **items, size_t *count, cs_error *err)
{
    *items = NULL;
    *count = 0;
    catalog_cursor cur;
    int rc = start(cat, what, sql, args, nargs, &cur, err);
    if (rc != CS_OK) return rc;
    size_t cap = 0;
    int step;
    while (rc == CS_OK && (step = next(&cur, what, err)) != 0) {
        if (step < 0) {
            rc = step;
            break;
        }
        rc = cs_array_reserve(items, &cap, *count, item_size, 0);
        if (rc != CS_OK) break;
        void *item = (char *)*items + *count * item_size;
        memset(item, 0, item_size);
        (*count)++; /* counted before reading, so a half-read item is cleared too */
        rc = reader_error(cat, what, read(&cur, item), err);
    }
    if (rc == CS_ENOMEM) rc = reader_error(cat, what, rc, err);
    finish(&cur);
    if (rc != CS_OK) {
        for (size_t i = 0; clear_item && i < *count; i++)
            clear_item((char *)*items + i * item_size);
        free(*items);
        *items = NULL;
        *count = 0;
    }
    return rc;
}

int catalog_read_int64(catalog_cursor *row, void *target)
{
    *(int64_t *)target = catalog_column_int64(row, 0);
    return CS_OK;
}

int catalog_query_int64(catalog *cat, const char *sql, int64_t *out, cs_error *err)
{
    *out = 0;
    int rc =
        catalog_row(cat, "reading a count", sql, CATALOG_NO_ARGS, catalog_read_int64, out, err);
    return rc == CS_ENOTFOUND ? CS_OK : rc;
}

int catalog_query_ids(catalog *cat, const char *sql, int64_t **ids, size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "listing ids", sql, CATALOG_NO_ARGS, catalog_read_int64, NULL,
                             sizeof **ids, (void **)ids, count, err);
}

/* ---- Columns ------------------------------------------------------------ */

int catalog_column_is_null(catalog_cursor *row, int column)
{
    if (row->result) return PQgetisnull(row->result, row->row, column);
    return sqlite3_column_type(row->stmt, column) == SQLITE_NULL;
}

int64_t catalog_column_int64(catalog_cursor *row, int column)
{
    if (row->result == NULL) return sqlite3_column_int64(row->stmt, column);
    if (PQgetisnull(row->result, row->row, column)) return 0;
    const char *text = PQgetvalue(row->result, row->row, column);
    if (text[0] == 't' && text[1] == '\0') return 1; /* a boolean: EXISTS, a comparison */
    if (text[0] == 'f' && text[1] == '\0') return 0;
    return strtoll(text, NULL, 10); /* numeric (sum) reads its integer part */
}

int catalog_column_int(catalog_cursor *row, int column)
{
    return (int)catalog_column_int64(row, column);
}

double catalog_column_double(catalog_cursor *row, int column)
{
    if (row->result == NULL) return sqlite3_column_double(row->stmt, column);
    if (PQgetisnull(row->result, row->row, column)) return 0;
    return strtod(PQgetvalue(row->result, row->row, column), NULL);
}

const char *catalog_column_text(catalog_cursor *row, int column)
{
    if (row->result == NULL) return (const char *)sqlite3_column_text(row->stmt, column);
    if (PQgetisnull(row->result, row->row, column)) return NULL;
    return PQgetvalue(row->result, row->row, column);
}

const void *catalog_column_bytes(catalog_cursor *row, int column, size_t *len)
{
    *len = 0;
    if (row->result == NULL) {
        const void *data = sqlite3_column_blob(row->stmt, column);
        if (data) *len = (size_t)sqlite3_column_bytes(row->stmt, column);
        return data;
    }
    if (PQgetisnull(row->result, row->row, column)) return NULL;
    if (row->bytea[column] == NULL) {
        size_t n = 0;
        row->bytea[column] =
            PQunescapeBytea((const unsigned char *)PQgetvalue(row->result, row->row, column), &n);
        if (row->bytea[column] == NULL) return NULL;
        row->bytea_len[column] = n;
    }
    *len = row->bytea_len[column];
    return row->bytea[column];
}

int catalog_column_count(catalog_cursor *row)
{
    return row->result ? PQnfields(row->result) : sqlite3_column_count(row->stmt);
}

const char *catalog_column_name(catalog_cursor *row, int column)
{
    return row->result ? PQfname(row->result, column) : sqlite3_column_name(row->stmt, column);
}

catalog_value catalog_column_value(catalog_cursor *row, int column)
{
    int kind;
    if (catalog_column_is_null(row, column)) return (catalog_value){.type = CATALOG_VALUE_NULL};
    if (row->result) {
        Oid type = PQftype(row->result, column);
        kind = type == CATALOG_PG_OID_BYTEA                                     ? SQLITE_BLOB
               : type == CATALOG_PG_OID_FLOAT4 || type == CATALOG_PG_OID_FLOAT8 ? SQLITE_FLOAT
               : type == CATALOG_PG_OID_INT8 || type == CATALOG_PG_OID_INT4 ||
                       type == CATALOG_PG_OID_INT2 || type == CATALOG_PG_OID_BOOL
                   ? SQLITE_INTEGER
                   : SQLITE_TEXT;
    } else {
        kind = sqlite3_column_type(row->stmt, column);
    }
    switch (kind) {
    case SQLITE_INTEGER:
        return catalog_int(catalog_column_int64(row, column));
    case SQLITE_FLOAT:
        return catalog_real(catalog_column_double(row, column));
    case SQLITE_BLOB: {
        size_t len = 0;
        const void *bytes = catalog_column_bytes(row, column, &len);
        if (bytes == NULL && row->result) return (catalog_value){.type = CATALOG_VALUE_NULL};
        return catalog_blob(bytes ? bytes : "", len); /* SQLite: NULL for a 0-byte blob */
    }
    default:
        return catalog_text(catalog_column_text(row, column));
    }
}

char *catalog_column_strdup(catalog_cursor *row, int column)
{
    const char *text = catalog_column_text(row, column);
    return text ? strdup(text) : NULL;
}

int catalog_column_texts(catalog_cursor *row, int first, char **const fields[], size_t n)
{
    int rc = CS_OK;
    for (size_t i = 0; i < n; i++) {
        int column = first + (int)i;
        *fields[i] = catalog_column_strdup(row, column);
        if (*fields[i] == NULL && !catalog_column_is_null(row, column)) rc = CS_ENOMEM;
    }
    return rc;
}

void catalog_free_texts(char **const fields[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}

void catalog_column_copy(catalog_cursor *row, int column, char *out, size_t size)
{
    const char *text = catalog_column_text(row, column);
    cs_strlcpy(out, text ? text : "", size);
}

int64_t catalog_column_int_or(catalog_cursor *row, int column, int64_t fallback)
{
    return catalog_column_is_null(row, column) ? fallback : catalog_column_int64(row, column);
}

unsigned char *catalog_column_blob(catalog_cursor *row, int column, size_t *len)
{
    size_t n = 0;
    const void *data = catalog_column_bytes(row, column, &n);
    *len = 0;
    if (data == NULL) return NULL;
    unsigned char *copy = malloc(n + 1);
    if (copy == NULL) return NULL;
    if (n > 0) memcpy(copy, data, n);
    copy[n] = '\0';
    *len = n;
    return copy;
}

int catalog_read_string(catalog_cursor *row, void *target)
{
    const char *text = catalog_column_text(row, 0);
    char *copy = strdup(text ? text : "");
    *(char **)target = copy;
    return copy ? CS_OK : CS_ENOMEM;
}

void catalog_clear_string(void *item)
{
    free(*(char **)item);
}

int catalog_read_count(catalog_cursor *row, void *target)
{
    catalog_count *c = target;
    c->name = catalog_column_strdup(row, 0);
    if (c->name == NULL) c->name = strdup("none");
    c->count = catalog_column_int64(row, 1);
    return c->name ? CS_OK : CS_ENOMEM;
}

void catalog_clear_count(void *item)
{
    free(((catalog_count *)item)->name);
}
