/*
 * query_sqlite.c - query.c's statements on SQLite: prepare, bind typed
 * arguments to ?1..?N, step, finalize, and SQLite's failures as CS_E codes
 * with SQLite's own words. A statement is prepared per call and finalized
 * before the call returns, so a catalog handle holds no statement between
 * calls.
 */
#include "dataset/dataset_internal.h"

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

int catalog_sqlite_error(catalog *cat, cs_error *err, const char *what)
{
    return cs_error_set(err, code_of(sqlite3_errcode(cat->db)), "catalog %s: %s: %s", cat->path,
                        what, sqlite3_errmsg(cat->db));
}

int catalog_sqlite_exec(catalog *cat, const char *sql, cs_error *err)
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

int catalog_sqlite_start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                         size_t nargs, catalog_cursor *cur, cs_error *err)
{
    if (sqlite3_prepare_v2(cat->db, sql, -1, &cur->stmt, NULL) != SQLITE_OK) {
        cur->stmt = NULL;
        return catalog_sqlite_error(cat, err, what);
    }
    for (size_t i = 0; i < nargs; i++) {
        if (bind(cur->stmt, (int)i + 1, &args[i]) != SQLITE_OK) {
            int rc = catalog_sqlite_error(cat, err, what);
            catalog_sqlite_finish(cur);
            return rc;
        }
    }
    return CS_OK;
}

int catalog_sqlite_next(catalog_cursor *cur, const char *what, cs_error *err)
{
    int step = sqlite3_step(cur->stmt);
    if (step == SQLITE_ROW) return 1;
    if (step == SQLITE_DONE) return 0;
    return catalog_sqlite_error(cur->cat, err, what);
}

void catalog_sqlite_finish(catalog_cursor *cur)
{
    sqlite3_finalize(cur->stmt);
    cur->stmt = NULL;
}
