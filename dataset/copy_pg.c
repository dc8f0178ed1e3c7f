/*
 * copy_pg.c - rows into a PostgreSQL table through COPY ... FROM STDIN, for
 * `clearset migrate` (copy.c): one INSERT per row was a round trip per row,
 * about 12,000 rows a second; COPY streams them.
 *
 * The text format (PostgreSQL's COPY documentation): one line per row, columns
 * separated by a tab, NULL written \N; in a value, backslash, newline,
 * carriage return and tab are escaped (\\, \n, \r, \t). Integers are written
 * in decimal, reals with 17 significant digits (a double read back is the
 * same double), blobs as bytea's hex form, whose leading backslash is itself
 * escaped (\\x0a1b...). Rows are gathered in a buffer and sent with
 * PQputCopyData a COPY_PG_CHUNK at a time; PQputCopyEnd and the command's
 * result say whether the server took them (a constraint is checked as rows
 * arrive, so an error names the table, and the caller's transaction is then
 * rolled back whole). Values are limited only by what the source holds: the
 * buffer grows with one row at most beyond the chunk.
 */
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_PG_CHUNK (256 * 1024) /* bytes gathered before each PQputCopyData */

struct catalog_pg_copy {
    catalog *cat;
    char table[64];
    cs_buf buf;
};

static int copy_error(catalog_pg_copy *c, const char *what, const char *message, cs_error *err)
{
    return cs_error_set(err, CS_EDB, "catalog %s: copying table %s: %s: %s", c->cat->path, c->table,
                        what, message && message[0] ? message : "failed");
}

int catalog_pg_copy_begin(catalog *cat, const char *table, const char *columns,
                          catalog_pg_copy **out, cs_error *err)
{
    *out = NULL;
    catalog_pg_copy *c = calloc(1, sizeof *c);
    if (c == NULL) return cs_error_set(err, CS_ENOMEM, "out of memory");
    c->cat = cat;
    cs_strlcpy(c->table, table, sizeof c->table);
    cs_buf_init(&c->buf, SIZE_MAX);
    size_t n = strlen(table) + strlen(columns) + 64;
    char *sql = malloc(n);
    if (sql == NULL) {
        free(c);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    snprintf(sql, n, "COPY %s (%s) FROM STDIN", table, columns);
    PGresult *res = PQexec(cat->pg, sql);
    free(sql);
    int rc = CS_OK;
    if (PQresultStatus(res) != PGRES_COPY_IN)
        rc = copy_error(c, "starting", PQresultErrorMessage(res), err);
    PQclear(res);
    if (rc != CS_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return CS_OK;
}

/* Appends text, escaped for the COPY text format. */
static int put_text(cs_buf *b, const char *text)
{
    const char *run = text, *p = text;
    for (; *p; p++) {
        const char *escaped = *p == '\\'   ? "\\\\"
                              : *p == '\n' ? "\\n"
                              : *p == '\r' ? "\\r"
                              : *p == '\t' ? "\\t"
                                           : NULL;
        if (escaped == NULL) continue;
        if (cs_buf_append(b, run, (size_t)(p - run)) != CS_OK ||
            cs_buf_append(b, escaped, 2) != CS_OK)
            return CS_ENOMEM;
        run = p + 1;
    }
    return cs_buf_append(b, run, (size_t)(p - run));
}

static int put_blob(cs_buf *b, const unsigned char *bytes, size_t len)
{
    if (cs_buf_append(b, "\\\\x", 3) != CS_OK || cs_buf_reserve(b, 2 * len) != CS_OK)
        return CS_ENOMEM;
    cs_hex_encode(bytes, len, (char *)b->data + b->len); /* its NUL in the room reserve keeps */
    b->len += 2 * len;
    return CS_OK;
}

static int put_value(cs_buf *b, const catalog_value *v)
{
    char number[40];
    switch (v->type) {
    case CATALOG_VALUE_INT:
        snprintf(number, sizeof number, "%lld", (long long)v->integer);
        return cs_buf_append(b, number, strlen(number));
    case CATALOG_VALUE_REAL:
        snprintf(number, sizeof number, "%.17g", v->real);
        return cs_buf_append(b, number, strlen(number));
    case CATALOG_VALUE_TEXT: { /* an older SQLite catalog may hold bytes that are not UTF-8 */
        char *copy;
        const char *text = catalog_text_utf8(v->bytes, &copy);
        int rc = text ? put_text(b, text) : CS_ENOMEM;
        free(copy);
        return rc;
    }
    case CATALOG_VALUE_BLOB:
        return put_blob(b, v->bytes, v->len);
    case CATALOG_VALUE_NULL:
        break;
    }
    return cs_buf_append(b, "\\N", 2);
}

/* Sends what the buffer holds. */
static int flush(catalog_pg_copy *c, cs_error *err)
{
    if (c->buf.len == 0) return CS_OK;
    if (c->buf.len > INT32_MAX) return copy_error(c, "sending rows", "a row over 2 GiB", err);
    if (PQputCopyData(c->cat->pg, (const char *)c->buf.data, (int)c->buf.len) != 1)
        return copy_error(c, "sending rows", PQerrorMessage(c->cat->pg), err);
    c->buf.len = 0;
    return CS_OK;
}

int catalog_pg_copy_row(catalog_pg_copy *c, const catalog_value *values, size_t n, cs_error *err)
{
    int rc = CS_OK;
    for (size_t i = 0; rc == CS_OK && i < n; i++) {
        if (i > 0) rc = cs_buf_append(&c->buf, "\t", 1);
        if (rc == CS_OK) rc = put_value(&c->buf, &values[i]);
    }
    if (rc == CS_OK) rc = cs_buf_append(&c->buf, "\n", 1);
    if (rc != CS_OK) return cs_error_set(err, CS_ENOMEM, "out of memory");
    return c->buf.len >= COPY_PG_CHUNK ? flush(c, err) : CS_OK;
}

int catalog_pg_copy_end(catalog_pg_copy *c, int abort, cs_error *err)
{
    if (c == NULL) return CS_OK;
    int rc = abort ? CS_OK : flush(c, err);
    const char *failed = abort || rc != CS_OK ? "copy abandoned" : NULL;
    if (PQputCopyEnd(c->cat->pg, failed) != 1 && rc == CS_OK && !abort)
        rc = copy_error(c, "ending", PQerrorMessage(c->cat->pg), err);
    PGresult *res;
    while ((res = PQgetResult(c->cat->pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == CS_OK && !abort)
            rc = copy_error(c, "the server refused the rows", PQresultErrorMessage(res), err);
        PQclear(res);
    }
    cs_buf_free(&c->buf);
    free(c);
    return rc;
}
