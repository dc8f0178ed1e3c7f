/*
 * query.c - the one way dataset/ runs a statement: prepare, bind typed
 * arguments, step, finalize, and turn any SQLite failure into a CS_E code
 * plus a cs_error naming the catalog, what was being done and SQLite's words.
 *
 * Four shapes cover every query: catalog_run (no rows: INSERT, UPDATE,
 * DELETE), catalog_row (the first row, CS_ENOTFOUND when there is none),
 * catalog_rows (every row into one target, e.g. counts by key) and
 * catalog_rows_into (every row into a new array, grown with cs_array_reserve
 * and released again on failure). Callers give a row reader that copies
 * columns into their struct, so no caller holds a statement. Statements are
 * prepared per call and none outlives it, so a catalog handle holds no
 * statement between calls (and catalog_close has nothing to finalize).
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

static int code_of(int sqlite_code)
{
    switch (sqlite_code & 0xff) { /* the primary code, without extended bits */
    case SQLITE_NOMEM:
        return CS_ENOMEM;
    case SQLITE_NOTADB:
        return CS_EFORMAT;
    default:
        return CS_EDB;
    }
}

int catalog_db_error(catalog *cat, cs_error *err, const char *what)
{
    return cs_error_set(err, code_of(sqlite3_errcode(cat->db)), "catalog %s: %s: %s", cat->path,
                        what, sqlite3_errmsg(cat->db));
}

int catalog_exec(catalog *cat, const char *sql, cs_error *err)
{
    char *message = NULL;
    int step = sqlite3_exec(cat->db, sql, NULL, NULL, &message);
    if (step == SQLITE_OK) return CS_OK;
    int rc = cs_error_set(err, code_of(step), "catalog %s: %s", cat->path,
                          message ? message : sqlite3_errmsg(cat->db));
    sqlite3_free(message);
    return rc;
}

static int bind(sqlite3_stmt *stmt, int index, const catalog_value *v)
{
    switch (v->type) {
    case CATALOG_VALUE_INT:
        return sqlite3_bind_int64(stmt, index, v->integer);
    case CATALOG_VALUE_TEXT:
        return sqlite3_bind_text(stmt, index, v->bytes, -1, SQLITE_TRANSIENT);
    case CATALOG_VALUE_REAL:
        return sqlite3_bind_double(stmt, index, v->real);
    case CATALOG_VALUE_BLOB:
        if (v->len > (size_t)INT32_MAX) return SQLITE_TOOBIG;
        return sqlite3_bind_blob(stmt, index, v->bytes, (int)v->len, SQLITE_TRANSIENT);
    case CATALOG_VALUE_NULL:
        break;
    }
    return sqlite3_bind_null(stmt, index);
}

/* Prepares sql and binds args to ?1..?nargs; on failure fills err and finalizes. */
static int start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                 size_t nargs, sqlite3_stmt **stmt, cs_error *err)
{
    if (sqlite3_prepare_v2(cat->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return catalog_db_error(cat, err, what);
    }
    for (size_t i = 0; i < nargs; i++) {
        if (bind(*stmt, (int)i + 1, &args[i]) != SQLITE_OK) {
            int rc = catalog_db_error(cat, err, what);
            sqlite3_finalize(*stmt);
            *stmt = NULL;
            return rc;
        }
    }
    return CS_OK;
}

/* Finalizes stmt; a step that ended in neither ROW nor DONE becomes err. */
static int finish(catalog *cat, const char *what, sqlite3_stmt *stmt, int step, int rc,
                  cs_error *err)
{
    if (rc == CS_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = catalog_db_error(cat, err, what);
    sqlite3_finalize(stmt);
    return rc;
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
    sqlite3_stmt *stmt;
    int rc = start(cat, what, sql, args, nargs, &stmt, err);
    if (rc != CS_OK) return rc;
    return finish(cat, what, stmt, sqlite3_step(stmt), CS_OK, err);
}

int catalog_row(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                size_t nargs, catalog_row_reader read, void *target, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = start(cat, what, sql, args, nargs, &stmt, err);
    if (rc != CS_OK) return rc;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_DONE) {
        rc = CS_ENOTFOUND;
    } else if (step == SQLITE_ROW) {
        rc = reader_error(cat, what, read(stmt, target), err);
    }
    return finish(cat, what, stmt, step, rc, err);
}

int catalog_rows(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                 size_t nargs, catalog_row_reader read, void *target, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = start(cat, what, sql, args, nargs, &stmt, err);
    if (rc != CS_OK) return rc;
    int step = SQLITE_DONE;
    while (rc == CS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = reader_error(cat, what, read(stmt, target), err);
    return finish(cat, what, stmt, step, rc, err);
}

int catalog_rows_into(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                      size_t nargs, catalog_row_reader read, void (*clear_item)(void *item),
                      size_t item_size, void **items, size_t *count, cs_error *err)
{
    *items = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    int rc = start(cat, what, sql, args, nargs, &stmt, err);
    if (rc != CS_OK) return rc;
    size_t cap = 0;
    int step = SQLITE_DONE;
    while (rc == CS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rc = cs_array_reserve(items, &cap, *count, item_size, 0);
        if (rc != CS_OK) break;
        void *item = (char *)*items + *count * item_size;
        memset(item, 0, item_size);
        (*count)++; /* counted before reading, so a half-read item is cleared too */
        rc = read(stmt, item);
    }
    rc = reader_error(cat, what, rc, err);
    rc = finish(cat, what, stmt, step, rc, err);
    if (rc != CS_OK) {
        for (size_t i = 0; clear_item && i < *count; i++)
            clear_item((char *)*items + i * item_size);
        free(*items);
        *items = NULL;
        *count = 0;
    }
    return rc;
}

int catalog_read_int64(sqlite3_stmt *row, void *target)
{
    *(int64_t *)target = sqlite3_column_int64(row, 0);
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

char *catalog_column_strdup(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? strdup((const char *)text) : NULL;
}

int catalog_column_texts(sqlite3_stmt *stmt, int first, char **const fields[], size_t n)
{
    int rc = CS_OK;
    for (size_t i = 0; i < n; i++) {
        int column = first + (int)i;
        *fields[i] = catalog_column_strdup(stmt, column);
        if (*fields[i] == NULL && sqlite3_column_type(stmt, column) != SQLITE_NULL) rc = CS_ENOMEM;
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

void catalog_column_copy(sqlite3_stmt *stmt, int column, char *out, size_t size)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    cs_strlcpy(out, text ? (const char *)text : "", size);
}

int64_t catalog_column_int_or(sqlite3_stmt *stmt, int column, int64_t fallback)
{
    return sqlite3_column_type(stmt, column) == SQLITE_NULL ? fallback
                                                            : sqlite3_column_int64(stmt, column);
}

unsigned char *catalog_column_blob(sqlite3_stmt *stmt, int column, size_t *len)
{
    *len = 0;
    if (sqlite3_column_type(stmt, column) == SQLITE_NULL) return NULL;
    const void *data = sqlite3_column_blob(stmt, column);
    int n = sqlite3_column_bytes(stmt, column);
    unsigned char *copy = malloc((size_t)n + 1);
    if (copy == NULL) return NULL;
    if (n > 0) memcpy(copy, data, (size_t)n);
    copy[n] = '\0';
    *len = (size_t)n;
    return copy;
}

int catalog_read_string(sqlite3_stmt *row, void *target)
{
    const unsigned char *text = sqlite3_column_text(row, 0);
    char *copy = strdup(text ? (const char *)text : "");
    *(char **)target = copy;
    return copy ? CS_OK : CS_ENOMEM;
}

void catalog_clear_string(void *item)
{
    free(*(char **)item);
}

int catalog_read_count(sqlite3_stmt *row, void *target)
{
    catalog_count *c = target;
    c->name = catalog_column_strdup(row, 0);
    if (c->name == NULL) c->name = strdup("none");
    c->count = sqlite3_column_int64(row, 1);
    return c->name ? CS_OK : CS_ENOMEM;
}

void catalog_clear_count(void *item)
{
    free(((catalog_count *)item)->name);
}
