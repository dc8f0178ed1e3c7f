/*
 * frontier_store.c - the crawler's hosts and frontier in the catalog.
 *
 * The frontier is the urls table: every URL the crawler ever meant to fetch,
 * with its state. Because a URL is unique there, discovering it again is a
 * no-op, and because each state change is one committed statement, a crawl
 * killed at any point resumes from the catalog alone: in_flight rows go back
 * to queued (they may or may not have been fetched; fetching them again is
 * the only repetition a kill can cause), everything done stays done.
 * The hosts table keeps the robots.txt cache and the politeness state
 * (next_fetch_at, pause, error count, parked), so a resumed crawl is as polite
 * as the one that was killed.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

static unsigned char *column_blob(sqlite3_stmt *stmt, int col, size_t *len)
{
    *len = 0;
    if (sqlite3_column_type(stmt, col) == SQLITE_NULL) return NULL;
    const void *data = sqlite3_column_blob(stmt, col);
    int n = sqlite3_column_bytes(stmt, col);
    unsigned char *copy = malloc((size_t)n + 1);
    if (copy == NULL) return NULL;
    if (n > 0) memcpy(copy, data, (size_t)n);
    copy[n] = '\0';
    *len = (size_t)n;
    return copy;
}

static int column_int_or(sqlite3_stmt *stmt, int col, int fallback)
{
    return sqlite3_column_type(stmt, col) == SQLITE_NULL ? fallback : sqlite3_column_int(stmt, col);
}

void catalog_host_clear(catalog_host *host)
{
    if (host == NULL) return;
    free(host->origin);
    free(host->robots_body);
    free(host->tdmrep_body);
    free(host->ai_txt_body);
    memset(host, 0, sizeof *host);
}

int catalog_host_get_or_add(catalog *cat, const char *origin, catalog_host *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO hosts (origin, first_seen_at) VALUES (?, ?) "
                             "ON CONFLICT(origin) DO NOTHING",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, origin, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "adding a host");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    rc = catalog_prepare(cat,
                         "SELECT id, origin, robots_status, robots_body, robots_fetched_at, "
                         "robots_expires_at, crawl_delay_ms, tdmrep_status, tdmrep_body, "
                         "ai_txt_status, ai_txt_body, next_fetch_at, paused_until, "
                         "consecutive_errors, parked FROM hosts WHERE origin = ?",
                         &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, origin, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = catalog_db_error(cat, err, "reading a host");
    } else {
        out->id = sqlite3_column_int64(stmt, 0);
        out->origin = catalog_column_strdup(stmt, 1);
        out->robots_status = column_int_or(stmt, 2, -1);
        out->robots_body = column_blob(stmt, 3, &out->robots_len);
        out->robots_fetched_at = sqlite3_column_int64(stmt, 4);
        out->robots_expires_at = sqlite3_column_int64(stmt, 5);
        out->crawl_delay_ms =
            sqlite3_column_type(stmt, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(stmt, 6);
        out->tdmrep_status = column_int_or(stmt, 7, -1);
        out->tdmrep_body = column_blob(stmt, 8, &out->tdmrep_len);
        out->ai_txt_status = column_int_or(stmt, 9, -1);
        out->ai_txt_body = column_blob(stmt, 10, &out->ai_txt_len);
        out->next_fetch_at = sqlite3_column_int64(stmt, 11);
        out->paused_until = sqlite3_column_int64(stmt, 12);
        out->consecutive_errors = sqlite3_column_int(stmt, 13);
        out->parked = sqlite3_column_int(stmt, 14);
    }
    sqlite3_finalize(stmt);
    if (rc != CS_OK) catalog_host_clear(out);
    return rc;
}

int catalog_host_save_robots(catalog *cat, int64_t host_id, int status, const void *body,
                             size_t len, int64_t fetched_at, int64_t expires_at,
                             int64_t crawl_delay_ms, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "UPDATE hosts SET robots_status = ?, robots_body = ?, "
                             "robots_fetched_at = ?, robots_expires_at = ?, crawl_delay_ms = ? "
                             "WHERE id = ?",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int(stmt, 1, status);
    if (body)
        sqlite3_bind_blob(stmt, 2, body, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 2);
    sqlite3_bind_int64(stmt, 3, fetched_at);
    sqlite3_bind_int64(stmt, 4, expires_at);
    if (crawl_delay_ms >= 0)
        sqlite3_bind_int64(stmt, 5, crawl_delay_ms);
    else
        sqlite3_bind_null(stmt, 5);
    sqlite3_bind_int64(stmt, 6, host_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "storing robots.txt");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_host_save_policy_file(catalog *cat, int64_t host_id, const char *which, int status,
                                  const void *body, size_t len, cs_error *err)
{
    const char *sql;
    if (strcmp(which, "tdmrep") == 0)
        sql = "UPDATE hosts SET tdmrep_status = ?, tdmrep_body = ? WHERE id = ?";
    else if (strcmp(which, "ai_txt") == 0)
        sql = "UPDATE hosts SET ai_txt_status = ?, ai_txt_body = ? WHERE id = ?";
    else
        return cs_error_set(err, CS_EINVAL, "unknown policy file '%s'", which);
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat, sql, &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int(stmt, 1, status);
    if (body)
        sqlite3_bind_blob(stmt, 2, body, (int)len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 2);
    sqlite3_bind_int64(stmt, 3, host_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "storing a policy file");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_host_save_politeness(catalog *cat, int64_t host_id, int64_t next_fetch_at,
                                 int64_t paused_until, int consecutive_errors, int parked,
                                 cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "UPDATE hosts SET next_fetch_at = ?, paused_until = ?, "
                             "consecutive_errors = ?, parked = ? WHERE id = ?",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, next_fetch_at);
    sqlite3_bind_int64(stmt, 2, paused_until);
    sqlite3_bind_int(stmt, 3, consecutive_errors);
    sqlite3_bind_int(stmt, 4, parked);
    sqlite3_bind_int64(stmt, 5, host_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "storing politeness");
    sqlite3_finalize(stmt);
    return rc;
}

void catalog_frontier_item_clear(catalog_frontier_item *item)
{
    if (item == NULL) return;
    free(item->url);
    free(item->kind);
    free(item->state);
    memset(item, 0, sizeof *item);
}

#define ITEM_COLUMNS "id, host_id, referrer_id, url, kind, state, depth, attempts, next_attempt_at"

static void read_item(sqlite3_stmt *stmt, catalog_frontier_item *out)
{
    out->id = sqlite3_column_int64(stmt, 0);
    out->host_id = sqlite3_column_int64(stmt, 1);
    out->referrer_id = sqlite3_column_int64(stmt, 2); /* NULL reads as 0 */
    out->url = catalog_column_strdup(stmt, 3);
    out->kind = catalog_column_strdup(stmt, 4);
    out->state = catalog_column_strdup(stmt, 5);
    out->depth = sqlite3_column_int(stmt, 6);
    out->attempts = sqlite3_column_int(stmt, 7);
    out->next_attempt_at = sqlite3_column_int64(stmt, 8);
}

int catalog_frontier_add(catalog *cat, const char *url, int64_t host_id, const char *kind,
                         int depth, int64_t referrer_id, const char *state, int64_t *url_id,
                         int *is_new, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO urls (url, host_id, kind, state, depth, referrer_id, "
                             "discovered_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, host_id);
    sqlite3_bind_text(stmt, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, state ? state : "queued", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 5, depth);
    if (referrer_id > 0)
        sqlite3_bind_int64(stmt, 6, referrer_id);
    else
        sqlite3_bind_null(stmt, 6);
    sqlite3_bind_int64(stmt, 7, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "adding a URL");
    int created = sqlite3_changes(cat->db) > 0;
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    if (is_new) *is_new = created;
    if (created) {
        *url_id = sqlite3_last_insert_rowid(cat->db);
        return CS_OK;
    }
    catalog_frontier_item item;
    rc = catalog_frontier_get(cat, url, &item, err);
    if (rc == CS_OK) *url_id = item.id;
    catalog_frontier_item_clear(&item);
    return rc;
}

int catalog_frontier_get(catalog *cat, const char *url, catalog_frontier_item *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat, "SELECT " ITEM_COLUMNS " FROM urls WHERE url = ?", &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, url, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        read_item(stmt, out);
    else if (step == SQLITE_DONE)
        rc = cs_error_set(err, CS_ENOTFOUND, "URL not in the frontier: %s", url);
    else
        rc = catalog_db_error(cat, err, "looking a URL up");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_frontier_next(catalog *cat, int64_t host_id, int64_t now, catalog_frontier_item *out,
                          cs_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT " ITEM_COLUMNS " FROM urls WHERE host_id = ? AND "
                             "state = 'queued' AND next_attempt_at <= ? "
                             "ORDER BY depth, id LIMIT 1",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, host_id);
    sqlite3_bind_int64(stmt, 2, now);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        read_item(stmt, out);
    else if (step == SQLITE_DONE)
        rc = CS_ENOTFOUND;
    else
        rc = catalog_db_error(cat, err, "choosing the next URL");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_frontier_set_state(catalog *cat, int64_t url_id, const char *state, int attempts_delta,
                               int64_t next_attempt_at, const char *last_error, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "UPDATE urls SET state = ?, attempts = attempts + ?, "
                             "next_attempt_at = ?, last_error = ? WHERE id = ?",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 2, attempts_delta);
    sqlite3_bind_int64(stmt, 3, next_attempt_at);
    catalog_bind_text_or_null(stmt, 4, last_error);
    sqlite3_bind_int64(stmt, 5, url_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "updating a URL");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_frontier_requeue_in_flight(catalog *cat, int64_t *count, cs_error *err)
{
    int rc = catalog_exec(cat, "UPDATE urls SET state = 'queued' WHERE state = 'in_flight'", err);
    if (rc == CS_OK && count) *count = sqlite3_changes(cat->db);
    return rc;
}

static int host_refs(catalog *cat, const char *sql, catalog_host_ref **out, size_t *n,
                     cs_error *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat, sql, &stmt, err);
    if (rc != CS_OK) return rc;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cs_array_reserve((void **)out, &cap, *n, sizeof **out, 0) != CS_OK) {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory");
            break;
        }
        (*out)[*n].id = sqlite3_column_int64(stmt, 0);
        (*out)[*n].origin = catalog_column_strdup(stmt, 1);
        (*n)++;
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "listing hosts");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_frontier_hosts_queued(catalog *cat, catalog_host_ref **out, size_t *n, cs_error *err)
{
    return host_refs(cat,
                     "SELECT h.id, h.origin FROM hosts h WHERE EXISTS (SELECT 1 FROM urls u "
                     "WHERE u.host_id = h.id AND u.state = 'queued') ORDER BY h.id",
                     out, n, err);
}

int catalog_frontier_seed_origins(catalog *cat, catalog_host_ref **out, size_t *n, cs_error *err)
{
    return host_refs(cat,
                     "SELECT h.id, h.origin FROM hosts h WHERE EXISTS (SELECT 1 FROM urls u "
                     "WHERE u.host_id = h.id AND u.kind = 'page' AND u.depth = 0) ORDER BY h.id",
                     out, n, err);
}

void catalog_host_refs_free(catalog_host_ref *refs, size_t n)
{
    for (size_t i = 0; refs && i < n; i++)
        free(refs[i].origin);
    free(refs);
}

int catalog_frontier_count(catalog *cat, int64_t host_id, const char *kind, const char *state,
                           int64_t *out, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT count(*) FROM urls WHERE (?1 = 0 OR host_id = ?1) AND "
                             "(?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR state = ?3)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, host_id);
    catalog_bind_text_or_null(stmt, 2, kind);
    catalog_bind_text_or_null(stmt, 3, state);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        rc = catalog_db_error(cat, err, "counting URLs");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_frontier_earliest(catalog *cat, int64_t host_id, int64_t *out, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT min(next_attempt_at) FROM urls WHERE (?1 = 0 OR host_id = ?1) "
                             "AND state = 'queued'",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, host_id);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        rc = catalog_db_error(cat, err, "reading the frontier");
    else if (sqlite3_column_type(stmt, 0) == SQLITE_NULL)
        rc = CS_ENOTFOUND;
    else
        *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return rc;
}
