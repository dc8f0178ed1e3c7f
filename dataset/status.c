/*
 * status.c - the counts behind `clearset status`: totals, frontier states,
 * verdicts per policy, distinct images per normalised licence, a row per
 * host, and the URLs never fetched grouped by state and reason. Read-only; every query is an
 * aggregate over indexed columns.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

/* Runs a two-column (name, count) query into a new array. */
static int read_counts(catalog *cat, const char *sql, catalog_count **out, size_t *count,
                       cs_error *err)
{
    return catalog_rows_into(cat, "reading counts", sql, CATALOG_NO_ARGS, catalog_read_count,
                             catalog_clear_count, sizeof **out, (void **)out, count, err);
}

static int read_state_count(catalog_cursor *row, void *target)
{
    catalog_status *status = target;
    catalog_url_state state;
    int rc = catalog_url_state_parse(catalog_column_text(row, 0), &state);
    if (rc == CS_OK) status->url_states[state] = catalog_column_int64(row, 1);
    return rc;
}

static int read_host_status(catalog_cursor *row, void *target)
{
    catalog_host_status *h = target;
    int64_t *const counts[] = {&h->urls, &h->pages, &h->images, &h->failed, &h->disallowed};
    for (size_t i = 0; i < CS_ARRAY_LEN(counts); i++)
        *counts[i] = catalog_column_int64(row, (int)i + 1);
    char **const origin[] = {&h->origin};
    return catalog_column_texts(row, 0, origin, 1);
}

static void clear_host_status(void *item)
{
    free(((catalog_host_status *)item)->origin);
}

static int read_hosts(catalog *cat, catalog_status *status, cs_error *err)
{
    return catalog_rows_into(
        cat, "reading hosts",
        "SELECT h.origin,"
        " (SELECT count(*) FROM urls u WHERE u.host_id = h.id),"
        " (SELECT count(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.host_id = h.id),"
        " (SELECT count(DISTINCT iu.image_id) FROM image_urls iu JOIN urls u ON u.id = iu.url_id"
        "   WHERE u.host_id = h.id),"
        " (SELECT count(*) FROM urls u WHERE u.host_id = h.id AND u.state = 'failed'),"
        " (SELECT count(*) FROM urls u WHERE u.host_id = h.id AND u.state = 'disallowed')"
        " FROM hosts h ORDER BY h.origin",
        CATALOG_NO_ARGS, read_host_status, clear_host_status, sizeof *status->per_host,
        (void **)&status->per_host, &status->host_count, err);
}

int catalog_status_read(catalog *cat, catalog_status **out, cs_error *err)
{
    *out = NULL;
    catalog_status *status = calloc(1, sizeof *status);
    if (status == NULL) return cs_error_set(err, CS_ENOMEM, "catalog %s: out of memory", cat->path);
    status->schema_version = cat->schema_version;
    static const struct {
        const char *sql;
        size_t offset;
    } totals[] = {
        {"SELECT count(*) FROM hosts", offsetof(catalog_status, hosts)},
        {"SELECT count(*) FROM urls", offsetof(catalog_status, urls)},
        {"SELECT count(*) FROM pages", offsetof(catalog_status, pages)},
        {"SELECT count(*) FROM images", offsetof(catalog_status, images)},
        {"SELECT coalesce(sum(byte_size), 0) FROM images", offsetof(catalog_status, image_bytes)},
        {"SELECT count(*) FROM hashes", offsetof(catalog_status, hashed)},
        {"SELECT count(*) FROM clusters", offsetof(catalog_status, clusters)},
        {"SELECT count(*) FROM optout_signals", offsetof(catalog_status, signals)},
    };
    int rc = CS_OK;
    for (size_t i = 0; i < CS_ARRAY_LEN(totals) && rc == CS_OK; i++)
        rc = catalog_query_int64(cat, totals[i].sql, (int64_t *)((char *)status + totals[i].offset),
                                 err);
    if (rc == CS_OK)
        rc = catalog_rows(cat, "reading frontier states",
                          "SELECT state, count(*) FROM urls GROUP BY state", CATALOG_NO_ARGS,
                          read_state_count, status, err);
    if (rc == CS_OK)
        rc = read_counts(cat,
                         "SELECT policy || ':' || verdict, count(*) FROM verdicts "
                         "GROUP BY policy, verdict ORDER BY policy, verdict",
                         &status->verdicts, &status->verdict_count, err);
    if (rc == CS_OK)
        rc = read_counts(
            cat,
            "SELECT licence, count(*) FROM ("
            /* the licence the latest verdict rests on, else the evidence's */
            " SELECT coalesce((SELECT v.license_spdx FROM verdicts v"
            "   WHERE v.image_id = i.id ORDER BY v.decided_at DESC LIMIT 1),"
            "  (SELECT min(e.license_spdx) FROM rights_evidence e"
            "   WHERE e.image_id = i.id)) AS licence"
            " FROM images i) AS licences GROUP BY licence ORDER BY licence IS NULL, licence",
            &status->licenses, &status->license_count, err);
    if (rc == CS_OK) rc = read_hosts(cat, status, err);
    if (rc != CS_OK) {
        catalog_status_free(status);
        return rc;
    }
    *out = status;
    return CS_OK;
}

int catalog_unfetched_counts(catalog *cat, int64_t limit, catalog_count **out, size_t *count,
                             cs_error *err)
{
    *out = NULL;
    *count = 0;
    return catalog_rows_into(
        cat, "reading what was not fetched",
        "SELECT why, count(*) FROM ("
        " SELECT u.state || ': ' || coalesce(u.last_error,"
        /* a URL left queued with no error: its host's robots.txt keeps everything waiting
           (RFC 9309: a 5xx or no answer is a full disallow until it answers), or a limit
           or a stop came first */
        "  CASE WHEN h.robots_status = 0 THEN 'its host''s robots.txt was unreachable'"
        "   WHEN h.robots_status >= 500 THEN 'its host''s robots.txt answered HTTP '"
        "    || CAST(h.robots_status AS TEXT)"
        "   ELSE 'not reached (a limit or a stop came first)' END) AS why"
        " FROM urls u JOIN hosts h ON h.id = u.host_id WHERE u.state <> 'done') AS unfetched"
        " GROUP BY why ORDER BY count(*) DESC, why LIMIT ?1",
        CATALOG_ARGS(catalog_int(limit)), catalog_read_count, catalog_clear_count, sizeof **out,
        (void **)out, count, err);
}

void catalog_counts_free(catalog_count *counts, size_t count)
{
    for (size_t i = 0; counts && i < count; i++)
        free(counts[i].name);
    free(counts);
}

void catalog_status_free(catalog_status *status)
{
    if (status == NULL) return;
    catalog_counts_free(status->verdicts, status->verdict_count);
    catalog_counts_free(status->licenses, status->license_count);
    for (size_t i = 0; i < status->host_count; i++)
        free(status->per_host[i].origin);
    free(status->per_host);
    free(status);
}
