/*
 * query_pg.c - query.c's statements on PostgreSQL (libpq).
 *
 * Each statement is sent with PQexecParams: the SQL of dataset/ is written
 * with SQLite's ?N (and bare ?) parameters, which pg_sql() rewrites to $N
 * outside quoted text and comments. Integers go as int8, reals as float8,
 * text as text, blobs in binary as bytea, so any byte passes. A NULL goes untyped: the server takes
 * the type from where the parameter is used, so SQL that tests a parameter for NULL alone casts it
 * (CAST(?2 AS TEXT) IS NULL), which both backends read. Results come back in text form and stay in
 * the PGresult until the statement finishes; query.c's column readers read them from there (a bytea
 * is unescaped when first read). A statement's whole result is held in memory, which every query of
 * dataset/ bounds (LIMIT, or a size the caller holds anyway).
 *
 * The catalog runs the same few dozen statements over and over, and parsing and
 * planning each one again was server time on every call. So each connection
 * keeps up to PG_KEPT of them prepared on the server (PQprepare, named by
 * slot), found by their SQL text and their parameters' types (a NULL is
 * untyped, so one text may be prepared once per pattern of NULLs); a call
 * that finds one runs it with PQexecPrepared. Once the slots are full, a new
 * text runs with PQexecParams as before. Prepared statements belong to the
 * session, not to a transaction, so a rollback keeps them; the server drops
 * them when the connection closes. (A pooler in transaction mode, which
 * hands a session's statements to other sessions, does not suit this.)
 *
 * Server notices (IF NOT EXISTS skips and the like) are dropped: library code
 * never prints, and a notice is never an error.
 *
 * Errors are told apart by their SQLSTATE. A deadlock (40P01), a
 * serialization failure (40001) and a lock not available (55P03) end the
 * transaction through no fault of its own: they are CS_ECONFLICT, and the
 * caller may roll back and run the transaction again. Once one has ended a
 * transaction, every later statement of it fails with "current transaction
 * is aborted" (25P02); that is CS_ECONFLICT too (cat->pg_conflict remembers
 * it until the transaction is over), so a caller that ran on after the
 * first failure still learns the transaction may be retried.
 */
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_MAX_ARGS         64      /* the most ?N any statement of dataset/ binds (36 today) */
#define PG_SQLSTATE_NOMEM   "53200" /* out_of_memory */
#define PG_SQLSTATE_ABORTED "25P02" /* in_failed_sql_transaction: an earlier statement failed */
#define PG_KEPT             128     /* statements kept prepared per connection */

struct catalog_pg_stmt {
    char *sql; /* the text as dataset/ wrote it (owned); NULL: a free slot */
    int nargs;
    Oid types[PG_MAX_ARGS];
};

/* The slot of the statement kept for (sql, types), or -1. */
static int find_kept(const catalog *cat, const char *sql, int nargs, const Oid *types)
{
    for (int i = 0; cat->pg_stmts && i < PG_KEPT; i++) {
        const struct catalog_pg_stmt *e = &cat->pg_stmts[i];
        if (e->sql && e->nargs == nargs && strcmp(e->sql, sql) == 0 &&
            memcmp(e->types, types, (size_t)nargs * sizeof *types) == 0)
            return i;
    }
    return -1;
}

/* A free slot for a new statement, or -1 when the slots are full (or no memory). */
static int free_slot(catalog *cat)
{
    if (cat->pg_stmts == NULL) {
        cat->pg_stmts = calloc(PG_KEPT, sizeof *cat->pg_stmts);
        if (cat->pg_stmts == NULL) return -1;
    }
    for (int i = 0; i < PG_KEPT; i++)
        if (cat->pg_stmts[i].sql == NULL) return i;
    return -1;
}

void catalog_pg_forget_statements(catalog *cat)
{
    if (cat == NULL || cat->pg_stmts == NULL) return;
    for (int i = 0; i < PG_KEPT; i++)
        free(cat->pg_stmts[i].sql);
    free(cat->pg_stmts);
    cat->pg_stmts = NULL;
}

/* 1 for a SQLSTATE that says another transaction was in the way: try again. */
static int is_conflict(const char *state)
{
    static const char *const conflicts[] = {
        "40P01", /* deadlock_detected */
        "40001", /* serialization_failure */
        "55P03", /* lock_not_available */
    };
    for (size_t i = 0; state && i < CS_ARRAY_LEN(conflicts); i++)
        if (strcmp(state, conflicts[i]) == 0) return 1;
    return 0;
}

/* The CS_E code for a failed result (NULL: no result at all). */
static int code_of(catalog *cat, const PGresult *res)
{
    if (PQstatus(cat->pg) != CONNECTION_OK) return CS_EIO;
    if (res == NULL) return CS_ENOMEM;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, PG_SQLSTATE_NOMEM) == 0) return CS_ENOMEM;
    if (is_conflict(state)) {
        cat->pg_conflict = 1;
        return CS_ECONFLICT;
    }
    if (cat->pg_conflict && state && strcmp(state, PG_SQLSTATE_ABORTED) == 0) return CS_ECONFLICT;
    return CS_EDB;
}

/* Forgets an earlier transaction's conflict once no transaction is open any more. */
static void note_transaction(catalog *cat)
{
    if (PQtransactionStatus(cat->pg) == PQTRANS_IDLE) cat->pg_conflict = 0;
}

/* The server's one-line message for res (or the connection's), without its newline. */
static int pg_error(catalog *cat, const PGresult *res, const char *what, cs_error *err)
{
    const char *message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (message == NULL) message = PQerrorMessage(cat->pg);
    int len = (int)strcspn(message, "\n");
    if (what)
        return cs_error_set(err, code_of(cat, res), "catalog %s: %s: %.*s", cat->path, what, len,
                            message);
    return cs_error_set(err, code_of(cat, res), "catalog %s: %.*s", cat->path, len, message);
}

static int result_ok(const PGresult *res)
{
    ExecStatusType status = PQresultStatus(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/*
 * sql with ?N made $N and a bare ? made $(largest so far + 1), as SQLite
 * numbers them; quoted text, quoted names and comments are copied as they
 * are. NULL when out of memory.
 */
static char *pg_sql(const char *sql)
{
    cs_buf out;
    cs_buf_init(&out, 0);
    int rc = cs_buf_reserve(&out, strlen(sql) + 16);
    long largest = 0;
    for (const char *p = sql; rc == CS_OK && *p;) {
        const char *from = p;
        if (*p == '\'' || *p == '"') { /* to the closing quote; a doubled quote stays inside */
            char quote = *p++;
            while (*p && !(*p == quote && p[1] != quote))
                p += *p == quote ? 2 : 1;
            if (*p) p++;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else if (*p == '?') {
            char *end;
            long n = strtol(p + 1, &end, 10);
            if (end == p + 1) n = largest + 1;
            if (n > largest) largest = n;
            rc = cs_buf_printf(&out, "$%ld", n);
            p = end;
            continue;
        } else {
            p++;
        }
        rc = cs_buf_append(&out, from, (size_t)(p - from));
    }
    if (rc == CS_OK) rc = cs_buf_append(&out, "", 1);
    if (rc != CS_OK) {
        cs_buf_free(&out);
        return NULL;
    }
    return (char *)cs_buf_take(&out, NULL);
}

/*
 * Runs sql: its kept prepared statement, or a new one prepared in a free slot,
 * or (slots full) PQexecParams. NULL only when out of memory.
 */
static PGresult *run(catalog *cat, const char *sql, int nargs, const Oid *types,
                     const char *const *values, const int *lengths, const int *formats)
{
    char name[16];
    int slot = find_kept(cat, sql, nargs, types);
    if (slot >= 0) {
        snprintf(name, sizeof name, "cs%d", slot);
        return PQexecPrepared(cat->pg, name, nargs, values, lengths, formats, 0);
    }
    char *text = pg_sql(sql);
    if (text == NULL) return NULL;
    PGresult *res;
    slot = free_slot(cat);
    char *kept = slot >= 0 ? strdup(sql) : NULL;
    if (kept == NULL) {
        res = PQexecParams(cat->pg, text, nargs, types, values, lengths, formats, 0);
        free(text);
        return res;
    }
    snprintf(name, sizeof name, "cs%d", slot);
    res = PQprepare(cat->pg, name, text, nargs, types);
    free(text);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        free(kept);
        return res; /* the server's words on the statement (or no memory) */
    }
    PQclear(res);
    struct catalog_pg_stmt *e = &cat->pg_stmts[slot];
    e->sql = kept;
    e->nargs = nargs;
    memcpy(e->types, types, (size_t)nargs * sizeof *types);
    return PQexecPrepared(cat->pg, name, nargs, values, lengths, formats, 0);
}

static void free_copies(char **copies, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(copies[i]);
}

int catalog_pg_start(catalog *cat, const char *what, const char *sql, const catalog_value *args,
                     size_t nargs, catalog_cursor *cur, cs_error *err)
{
    if (nargs > PG_MAX_ARGS)
        return cs_error_set(err, CS_EINVAL, "catalog %s: %s: %zu arguments, more than %d",
                            cat->path, what, nargs, PG_MAX_ARGS);
    char numbers[PG_MAX_ARGS][32];
    char *copies[PG_MAX_ARGS] = {0}; /* texts made valid UTF-8, freed after the statement */
    const char *values[PG_MAX_ARGS];
    Oid types[PG_MAX_ARGS];
    int lengths[PG_MAX_ARGS], formats[PG_MAX_ARGS];
    for (size_t i = 0; i < nargs; i++) {
        const catalog_value *v = &args[i];
        values[i] = NULL;
        types[i] = 0;
        lengths[i] = 0;
        formats[i] = 0;
        switch (v->type) {
        case CATALOG_VALUE_INT:
            snprintf(numbers[i], sizeof numbers[i], "%lld", (long long)v->integer);
            values[i] = numbers[i];
            types[i] = CATALOG_PG_OID_INT8;
            break;
        case CATALOG_VALUE_REAL:
            snprintf(numbers[i], sizeof numbers[i], "%.17g", v->real);
            values[i] = numbers[i];
            types[i] = CATALOG_PG_OID_FLOAT8;
            break;
        case CATALOG_VALUE_TEXT:
            values[i] = catalog_text_utf8(v->bytes, &copies[i]);
            types[i] = CATALOG_PG_OID_TEXT;
            if (values[i] == NULL) {
                free_copies(copies, i);
                return cs_error_set(err, CS_ENOMEM, "catalog %s: %s: out of memory", cat->path,
                                    what);
            }
            break;
        case CATALOG_VALUE_BLOB:
            if (v->len > (size_t)INT32_MAX) {
                free_copies(copies, i);
                return cs_error_set(err, CS_EINVAL, "catalog %s: %s: a blob of %zu bytes",
                                    cat->path, what, v->len);
            }
            values[i] = v->len ? v->bytes : "";
            lengths[i] = (int)v->len;
            formats[i] = 1;
            types[i] = CATALOG_PG_OID_BYTEA;
            break;
        case CATALOG_VALUE_NULL:
            break;
        }
    }
    note_transaction(cat);
    PGresult *res = run(cat, sql, (int)nargs, types, values, lengths, formats);
    free_copies(copies, nargs);
    if (res == NULL && PQstatus(cat->pg) == CONNECTION_OK)
        return cs_error_set(err, CS_ENOMEM, "catalog %s: %s: out of memory", cat->path, what);
    if (res == NULL || !result_ok(res)) {
        int rc = pg_error(cat, res, what, err);
        PQclear(res);
        return rc;
    }
    cat->pg_changes = strtoll(PQcmdTuples(res), NULL, 10);
    int fields = PQnfields(res);
    if (fields > 0) {
        cur->bytea = calloc((size_t)fields, sizeof *cur->bytea);
        cur->bytea_len = calloc((size_t)fields, sizeof *cur->bytea_len);
        if (cur->bytea == NULL || cur->bytea_len == NULL) {
            free(cur->bytea), free(cur->bytea_len);
            PQclear(res);
            return cs_error_set(err, CS_ENOMEM, "catalog %s: %s: out of memory", cat->path, what);
        }
    }
    cur->result = res;
    cur->row = -1;
    return CS_OK;
}

/* Frees the current row's unescaped bytea columns. */
static void release_bytea(catalog_cursor *cur)
{
    int fields = cur->result ? PQnfields(cur->result) : 0;
    for (int i = 0; cur->bytea && i < fields; i++) {
        PQfreemem(cur->bytea[i]);
        cur->bytea[i] = NULL;
    }
}

int catalog_pg_next(catalog_cursor *cur, const char *what, cs_error *err)
{
    release_bytea(cur);
    if (cur->row + 1 >= PQntuples(cur->result)) return 0;
    cur->row++;
    return 1;
}

void catalog_pg_finish(catalog_cursor *cur)
{
    release_bytea(cur);
    free(cur->bytea);
    free(cur->bytea_len);
    PQclear(cur->result);
    cur->bytea = NULL;
    cur->bytea_len = NULL;
    cur->result = NULL;
}

int catalog_pg_exec(catalog *cat, const char *sql, cs_error *err)
{
    note_transaction(cat);
    PGresult *res = PQexec(cat->pg, sql);
    int rc = CS_OK;
    if (res == NULL || !result_ok(res))
        rc = pg_error(cat, res, NULL, err);
    else
        cat->pg_changes = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return rc;
}
