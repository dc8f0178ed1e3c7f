/*
 * copy.c - copying a whole catalog into an empty one (`clearset migrate`):
 * SQLite to PostgreSQL, or either way, since both hold the same schema.
 *
 * Every table is copied row by row in the order of copy_tables (parents
 * before children, each table in primary-key order, so every foreign key
 * points at a row already there; into PostgreSQL through COPY, copy_pg.c, one
 * stream per table instead of a round trip per row) with every column by name, ids included: a
 * verdict, an explanation or an export reads the same from the copy. The
 * columns are whatever the source's rows have (SELECT *), so both catalogs
 * must be at the same schema version, which opening them makes sure of. A
 * source table missing from copy_tables stops the copy before anything is
 * written, so a new table cannot be left behind silently. All of it is one
 * transaction on the destination: a failed copy leaves it empty. Afterwards
 * PostgreSQL's identity sequences are moved past the copied ids. Blobs are
 * files named by their hash and are not touched: the copy reads them where
 * they are (give the new catalog that folder with --blobs).
 */
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_MAX_COLUMNS 64 /* more than any catalog table has (hosts: 18) */
#define COPY_MAX_SQL     4096

/* Every table of the schema, parents first; has_id: an "id INTEGER PRIMARY KEY" table. */
static const struct {
    const char *name;
    int has_id;
} copy_tables[] = {
    {"hosts", 1},           {"urls", 1},           {"fetches", 1},         {"pages", 1},
    {"images", 1},          {"image_urls", 0},     {"sightings", 1},       {"sighting_evidence", 1},
    {"rights_evidence", 1}, {"optout_signals", 1}, {"hashes", 0},          {"clusters", 1},
    {"cluster_members", 0}, {"verdicts", 1},       {"protected_works", 0}, {"local_features", 0},
    {"local_matches", 0},   {"image_checks", 0},   {"rsl_documents", 1},
};

static int known_table(const char *name)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(copy_tables); i++)
        if (strcmp(copy_tables[i].name, name) == 0) return 1;
    return 0;
}

/* CS_EINVAL when the source has a table copy_tables does not name. */
static int check_tables(catalog *from, cs_error *err)
{
    char **names = NULL;
    size_t n = 0;
    int rc = catalog_rows_into(
        from, "listing tables",
        catalog_sql(from,
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'",
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name != 'clearset_schema'"),
        CATALOG_NO_ARGS, catalog_read_string, catalog_clear_string, sizeof *names, (void **)&names,
        &n, err);
    for (size_t i = 0; rc == CS_OK && i < n; i++)
        if (!known_table(names[i]))
            rc = cs_error_set(err, CS_EINVAL,
                              "catalog %s: table %s is not one migrate knows how to copy; "
                              "nothing was copied",
                              from->path, names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

typedef struct copy_state {
    catalog *to;
    const char *table;
    char insert[COPY_MAX_SQL]; /* SQLite: the INSERT, made from the first row's column names */
    catalog_pg_copy *pg_copy;  /* PostgreSQL: the table's COPY, once its first row came */
    int64_t rows;
    cs_error *err;
} copy_state;

/* "a, b, c": the row's column names. */
static int column_list(catalog_cursor *row, int columns, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < columns && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "",
                                catalog_column_name(row, i));
    return len < size ? CS_OK : CS_ELIMIT;
}

/* "INSERT INTO table (a, b, ...) VALUES (?1, ?2, ...)" for the column list names. */
static int make_insert(copy_state *s, const char *names, int columns)
{
    int len =
        snprintf(s->insert, sizeof s->insert, "INSERT INTO %s (%s) VALUES (", s->table, names);
    for (int i = 0; i < columns && len < (int)sizeof s->insert; i++)
        len += snprintf(s->insert + len, sizeof s->insert - (size_t)len, "%s?%d", i ? ", " : "",
                        i + 1);
    if (len < (int)sizeof s->insert)
        len += snprintf(s->insert + len, sizeof s->insert - (size_t)len, ")");
    return len < (int)sizeof s->insert ? CS_OK : CS_ELIMIT;
}

/* The destination's statement for the table, from its first row: an INSERT, or a COPY begun. */
static int start_table(copy_state *s, catalog_cursor *row, int columns)
{
    char names[COPY_MAX_SQL];
    if (column_list(row, columns, names, sizeof names) != CS_OK ||
        (!s->to->pg && make_insert(s, names, columns) != CS_OK))
        return cs_error_set(s->err, CS_ELIMIT, "catalog %s: table %s: column names too long",
                            row->cat->path, s->table);
    return s->to->pg ? catalog_pg_copy_begin(s->to, s->table, names, &s->pg_copy, s->err) : CS_OK;
}

static int copy_row(catalog_cursor *row, void *target)
{
    copy_state *s = target;
    int columns = catalog_column_count(row);
    if (columns > COPY_MAX_COLUMNS)
        return cs_error_set(s->err, CS_ELIMIT, "catalog %s: table %s has %d columns, more than %d",
                            row->cat->path, s->table, columns, COPY_MAX_COLUMNS);
    if (s->insert[0] == '\0' && s->pg_copy == NULL) {
        int rc = start_table(s, row, columns);
        if (rc != CS_OK) return rc;
    }
    catalog_value args[COPY_MAX_COLUMNS];
    for (int i = 0; i < columns; i++) {
        args[i] = catalog_column_value(row, i);
        if (args[i].type == CATALOG_VALUE_NULL && !catalog_column_is_null(row, i)) return CS_ENOMEM;
    }
    int rc = s->pg_copy
                 ? catalog_pg_copy_row(s->pg_copy, args, (size_t)columns, s->err)
                 : catalog_run(s->to, "copying a row", s->insert, args, (size_t)columns, s->err);
    if (rc == CS_OK) s->rows++;
    return rc;
}

/* The destination's identity sequence of table past its largest id (PostgreSQL only). */
static int move_sequence(catalog *to, const char *table, cs_error *err)
{
    if (!to->pg) return CS_OK; /* SQLite's next rowid is max(id) + 1 already */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) "
             "FROM %s",
             table, table);
    return catalog_exec(to, sql, err);
}

int catalog_copy(catalog *from, catalog *to,
                 void (*on_table)(void *arg, const char *table, int64_t rows), void *arg,
                 cs_error *err)
{
    int rc = check_tables(from, err);
    int64_t rows_there = 0;
    if (rc == CS_OK)
        rc = catalog_row(to, "counting what is there",
                         "SELECT (SELECT count(*) FROM hosts) + (SELECT count(*) FROM images) + "
                         "(SELECT count(*) FROM verdicts)",
                         CATALOG_NO_ARGS, catalog_read_int64, &rows_there, err);
    if (rc == CS_OK && rows_there > 0)
        rc = cs_error_set(err, CS_EINVAL,
                          "catalog %s already holds hosts, images or verdicts; migrate copies "
                          "into an empty catalog only",
                          to->path);
    if (rc == CS_OK) rc = catalog_begin(to, err);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; rc == CS_OK && i < CS_ARRAY_LEN(copy_tables); i++) {
        copy_state s = {.to = to, .table = copy_tables[i].name, .err = err};
        char select[128];
        snprintf(select, sizeof select, "SELECT * FROM %s%s", s.table,
                 copy_tables[i].has_id ? " ORDER BY id" : "");
        rc = catalog_rows(from, "reading a table to copy", select, CATALOG_NO_ARGS, copy_row, &s,
                          err);
        if (s.pg_copy) { /* the table's COPY ends here; a failed one is given up */
            int end = catalog_pg_copy_end(s.pg_copy, rc != CS_OK, err);
            if (rc == CS_OK) rc = end;
        }
        if (rc == CS_OK && copy_tables[i].has_id) rc = move_sequence(to, s.table, err);
        if (rc == CS_OK && on_table) on_table(arg, s.table, s.rows);
    }
    if (rc == CS_OK) rc = catalog_commit(to, err);
    if (rc != CS_OK) catalog_rollback(to);
    return rc;
}
