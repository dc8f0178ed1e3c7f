/*
 * query_sqlite.c - query.c's statements on SQLite: prepare, bind typed
 * arguments to ?1..?N, step, finalize, and SQLite's failures as CS_E codes
 * with SQLite's own words.
 *
 * Preparing is most of the cost of a small statement (a crawl's catalog time
 * was 40% sqlite3_prepare), and the catalog runs the same few dozen texts
 * over and over, so each handle keeps up to CATALOG_SQLITE_KEPT prepared
 * statements, found by their SQL text (the caller's pointer first, a string
 * literal nearly always, confirmed with strcmp; then strcmp alone): a call takes the
 * kept one when it is free (reset, bindings cleared) and hands it back reset
 * when it finishes, so no kept statement holds a lock or a read transaction
 * between calls. A text asked for while its kept statement is in use (a
 * query run inside a loop over its own rows), or once the table is full, is
 * prepared and finalized per call, as before. SQLite re-prepares a kept
 * statement itself after a schema change (a migration).
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

/* Statements kept per handle: the catalog has fewer distinct texts in one hot loop. */
#define CATALOG_SQLITE_KEPT 128

struct catalog_sqlite_stmt {
    char *sql;       /* owned copy of the text; NULL: a free slot */
    const char *key; /* the pointer it was asked for with (a hint: checked with strcmp) */
    sqlite3_stmt *stmt;
    int busy; /* a cursor holds it */
};

/* The kept statement for sql, by the caller's pointer first; NULL when none is kept. */
static struct catalog_sqlite_stmt *find_kept(catalog *cat, const char *sql)
{
    for (size_t i = 0; i < CATALOG_SQLITE_KEPT; i++)
        if (cat->stmts[i].key == sql && cat->stmts[i].sql && strcmp(cat->stmts[i].sql, sql) == 0)
            return &cat->stmts[i];
    for (size_t i = 0; i < CATALOG_SQLITE_KEPT; i++)
        if (cat->stmts[i].sql && strcmp(cat->stmts[i].sql, sql) == 0) return &cat->stmts[i];
    return NULL;
}

/* Takes the free kept statement for sql for cur; 0 when there is none. */
static int take_kept(catalog *cat, const char *sql, catalog_cursor *cur)
{
    struct catalog_sqlite_stmt *e = cat->stmts ? find_kept(cat, sql) : NULL;
    if (e == NULL || e->busy) return 0; /* busy: in use further up the stack */
    e->busy = 1;
    cur->stmt = e->stmt;
    cur->stmt_slot = (size_t)(e - cat->stmts) + 1;
    return 1;
}

/* Keeps cur's new statement, prepared from sql, in a free slot if there is one. */
static void keep(catalog *cat, const char *sql, catalog_cursor *cur)
{
    if (cat->stmts == NULL) {
        cat->stmts = calloc(CATALOG_SQLITE_KEPT, sizeof *cat->stmts);
        if (cat->stmts == NULL) return; /* no memory: run it unkept */
    }
    for (size_t i = 0; i < CATALOG_SQLITE_KEPT; i++) {
        struct catalog_sqlite_stmt *e = &cat->stmts[i];
        if (e->sql != NULL) continue;
        e->sql = strdup(sql);
        if (e->sql == NULL) return;
        e->key = sql;
        e->stmt = cur->stmt;
        e->busy = 1;
        cur->stmt_slot = i + 1;
        return;
    }
}

void catalog_sqlite_forget_statements(catalog *cat)
{
    if (cat == NULL || cat->stmts == NULL) return;
    for (size_t i = 0; i < CATALOG_SQLITE_KEPT; i++) {
        sqlite3_finalize(cat->stmts[i].stmt);
        free(cat->stmts[i].sql);
    }
    free(cat->stmts);
    cat->stmts = NULL;
}

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
    /* SQLITE_STATIC: the caller's bytes outlive the statement's use, which ends
       (reset, bindings cleared) before catalog_run & co. return; no copy per value */
    case CATALOG_VALUE_TEXT: {
        char *copy;
        const char *text = catalog_text_utf8(v->bytes, &copy);
        if (text == NULL) return SQLITE_NOMEM;
        /* a made-valid copy is SQLite's to free once it is done with it */
        return sqlite3_bind_text(stmt, index, text, -1, copy ? free : SQLITE_STATIC);
    }
    case CATALOG_VALUE_REAL:
        return sqlite3_bind_double(stmt, index, v->real);
    case CATALOG_VALUE_BLOB:
        if (v->len > (size_t)INT32_MAX) return SQLITE_TOOBIG;
        return sqlite3_bind_blob(stmt, index, v->bytes, (int)v->len, SQLITE_STATIC);
    case CATALOG_VALUE_NULL:
        break;
    }
    return sqlite3_bind_null(stmt, index);
}

int catalog_sqlite_start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                         size_t nargs, catalog_cursor *cur, cs_error *err)
{
    if (!take_kept(cat, sql, cur)) {
        if (sqlite3_prepare_v3(cat->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &cur->stmt, NULL) !=
            SQLITE_OK) {
            sqlite3_finalize(cur->stmt);
            cur->stmt = NULL;
            return catalog_sqlite_error(cat, err, what);
        }
        keep(cat, sql, cur);
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
    if (cur->stmt_slot == 0) {
        sqlite3_finalize(cur->stmt);
    } else {
        sqlite3_reset(cur->stmt); /* ends its read or write: no lock held between calls */
        sqlite3_clear_bindings(cur->stmt);
        cur->cat->stmts[cur->stmt_slot - 1].busy = 0;
    }
    cur->stmt = NULL;
    cur->stmt_slot = 0;
}
