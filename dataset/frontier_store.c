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

/* The words urls.kind and urls.state hold (schema.c's CHECK constraints), by enum. */
static const char *const kind_words[] = {
    [CATALOG_URL_PAGE] = "page",     [CATALOG_URL_IMAGE] = "image",
    [CATALOG_URL_ROBOTS] = "robots", [CATALOG_URL_TDMREP] = "tdmrep",
    [CATALOG_URL_AI_TXT] = "ai_txt",
};
static const char *const state_words[CATALOG_URL_STATE_COUNT] = {
    [CATALOG_URL_QUEUED] = "queued",
    [CATALOG_URL_IN_FLIGHT] = "in_flight",
    [CATALOG_URL_DONE] = "done",
    [CATALOG_URL_FAILED] = "failed",
    [CATALOG_URL_DISALLOWED] = "disallowed",
    [CATALOG_URL_SKIPPED] = "skipped",
};

/* The word for kind; NULL (binds SQL NULL: "any") for anything else. */
static const char *kind_word(catalog_url_kind kind)
{
    return (unsigned)kind < CS_ARRAY_LEN(kind_words) ? kind_words[kind] : NULL;
}

/* The word for state; NULL (binds SQL NULL: "any") for anything else. */
static const char *state_word(catalog_url_state state)
{
    return (unsigned)state < CS_ARRAY_LEN(state_words) ? state_words[state] : NULL;
}

const char *catalog_url_state_name(catalog_url_state state)
{
    const char *word = state_word(state);
    return word ? word : "?";
}

/* The index of word in words, or -1. */
static int find_word(const char *const *words, size_t n, const char *word)
{
    for (size_t i = 0; word && i < n; i++)
        if (strcmp(words[i], word) == 0) return (int)i;
    return -1;
}

int catalog_url_state_parse(const char *word, catalog_url_state *out)
{
    int i = find_word(state_words, CS_ARRAY_LEN(state_words), word);
    if (i < 0) return CS_ECORRUPT;
    *out = (catalog_url_state)i;
    return CS_OK;
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

/* The columns read_host reads, in its order. */
#define HOST_COLUMNS                                                                               \
    "id, origin, robots_status, robots_body, robots_fetched_at, robots_expires_at, "               \
    "crawl_delay_ms, tdmrep_status, tdmrep_body, ai_txt_status, ai_txt_body, next_fetch_at, "      \
    "paused_until, consecutive_errors, parked"

static int read_host(catalog_cursor *row, void *target)
{
    catalog_host *out = target;
    out->id = catalog_column_int64(row, 0);
    out->origin = catalog_column_strdup(row, 1);
    out->robots_status = (int)catalog_column_int_or(row, 2, -1);
    out->robots_body = catalog_column_blob(row, 3, &out->robots_len);
    out->robots_fetched_at = catalog_column_int64(row, 4);
    out->robots_expires_at = catalog_column_int64(row, 5);
    out->crawl_delay_ms = catalog_column_int_or(row, 6, -1);
    out->tdmrep_status = (int)catalog_column_int_or(row, 7, -1);
    out->tdmrep_body = catalog_column_blob(row, 8, &out->tdmrep_len);
    out->ai_txt_status = (int)catalog_column_int_or(row, 9, -1);
    out->ai_txt_body = catalog_column_blob(row, 10, &out->ai_txt_len);
    out->next_fetch_at = catalog_column_int64(row, 11);
    out->paused_until = catalog_column_int64(row, 12);
    out->consecutive_errors = catalog_column_int(row, 13);
    out->parked = catalog_column_int(row, 14);
    return CS_OK;
}

int catalog_host_get_or_add(catalog *cat, const char *origin, catalog_host *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = catalog_run(cat, "adding a host",
                         "INSERT INTO hosts (origin, first_seen_at) VALUES (?, ?) "
                         "ON CONFLICT(origin) DO NOTHING",
                         CATALOG_ARGS(catalog_text(origin), catalog_int(cs_now_ms())), err);
    if (rc != CS_OK) return rc;
    rc = catalog_row(cat, "reading a host", "SELECT " HOST_COLUMNS " FROM hosts WHERE origin = ?",
                     CATALOG_ARGS(catalog_text(origin)), read_host, out, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_EDB, "catalog %s: host %s vanished after it was added", cat->path,
                          origin);
    if (rc != CS_OK) catalog_host_clear(out);
    return rc;
}

static void clear_host_item(void *item)
{
    catalog_host_clear(item);
}

int catalog_hosts_list(catalog *cat, catalog_host **out, size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "listing hosts",
                             "SELECT " HOST_COLUMNS " FROM hosts ORDER BY origin", CATALOG_NO_ARGS,
                             read_host, clear_host_item, sizeof **out, (void **)out, count, err);
}

void catalog_hosts_free(catalog_host *hosts, size_t count)
{
    for (size_t i = 0; hosts && i < count; i++)
        catalog_host_clear(&hosts[i]);
    free(hosts);
}

int catalog_host_save_robots(catalog *cat, int64_t host_id, int status, const void *body,
                             size_t len, int64_t fetched_at, int64_t expires_at,
                             int64_t crawl_delay_ms, cs_error *err)
{
    return catalog_run(cat, "storing robots.txt",
                       "UPDATE hosts SET robots_status = ?, robots_body = ?, "
                       "robots_fetched_at = ?, robots_expires_at = ?, crawl_delay_ms = ? "
                       "WHERE id = ?",
                       CATALOG_ARGS(catalog_int(status), catalog_blob(body, len),
                                    catalog_int(fetched_at), catalog_int(expires_at),
                                    catalog_int_or_null(crawl_delay_ms), catalog_int(host_id)),
                       err);
}

int catalog_host_save_policy_file(catalog *cat, int64_t host_id, catalog_url_kind which, int status,
                                  const void *body, size_t len, cs_error *err)
{
    const char *sql;
    if (which == CATALOG_URL_TDMREP)
        sql = "UPDATE hosts SET tdmrep_status = ?, tdmrep_body = ? WHERE id = ?";
    else if (which == CATALOG_URL_AI_TXT)
        sql = "UPDATE hosts SET ai_txt_status = ?, ai_txt_body = ? WHERE id = ?";
    else
        return cs_error_set(err, CS_EINVAL, "catalog %s: URL kind %d is no policy file", cat->path,
                            (int)which);
    return catalog_run(
        cat, "storing a policy file", sql,
        CATALOG_ARGS(catalog_int(status), catalog_blob(body, len), catalog_int(host_id)), err);
}

int catalog_host_save_rsl(catalog *cat, int64_t host_id, const char *url, const char *found_via,
                          int status, const void *body, size_t len, int64_t fetched_at,
                          int64_t expires_at, cs_error *err)
{
    return catalog_run(
        cat, "storing an RSL document",
        "INSERT INTO rsl_documents (host_id, url, found_via, status, body, fetched_at, expires_at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT(host_id, url) DO UPDATE SET "
        "found_via = excluded.found_via, status = excluded.status, body = excluded.body, "
        "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
        CATALOG_ARGS(catalog_int(host_id), catalog_text(url), catalog_text(found_via),
                     catalog_int(status), catalog_blob(body, body ? len : 0),
                     catalog_int(fetched_at), catalog_int(expires_at)),
        err);
}

static int read_rsl_doc(catalog_cursor *row, void *target)
{
    catalog_rsl_doc *d = target;
    d->url = catalog_column_strdup(row, 0);
    d->found_via = catalog_column_strdup(row, 1);
    d->status = (int)catalog_column_int_or(row, 2, 0);
    d->body = catalog_column_blob(row, 3, &d->len);
    if (d->url == NULL || d->found_via == NULL ||
        (d->body == NULL && !catalog_column_is_null(row, 3)))
        return CS_ENOMEM;
    return CS_OK;
}

static void clear_rsl_doc(void *item)
{
    catalog_rsl_doc *d = item;
    free(d->url), free(d->found_via), free(d->body);
}

int catalog_host_rsl_docs(catalog *cat, int64_t host_id, int64_t now, catalog_rsl_doc **out,
                          size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "reading RSL documents",
                             "SELECT url, found_via, status, body FROM rsl_documents "
                             "WHERE host_id = ? AND expires_at > ? ORDER BY id",
                             CATALOG_ARGS(catalog_int(host_id), catalog_int(now)), read_rsl_doc,
                             clear_rsl_doc, sizeof **out, (void **)out, count, err);
}

void catalog_rsl_docs_free(catalog_rsl_doc *docs, size_t count)
{
    for (size_t i = 0; docs && i < count; i++)
        clear_rsl_doc(&docs[i]);
    free(docs);
}

int catalog_host_save_politeness(catalog *cat, int64_t host_id, int64_t next_fetch_at,
                                 int64_t paused_until, int consecutive_errors, int parked,
                                 cs_error *err)
{
    return catalog_run(cat, "storing politeness",
                       "UPDATE hosts SET next_fetch_at = ?, paused_until = ?, "
                       "consecutive_errors = ?, parked = ? WHERE id = ?",
                       CATALOG_ARGS(catalog_int(next_fetch_at), catalog_int(paused_until),
                                    catalog_int(consecutive_errors), catalog_int(parked),
                                    catalog_int(host_id)),
                       err);
}

void catalog_frontier_item_clear(catalog_frontier_item *item)
{
    if (item == NULL) return;
    free(item->url);
    memset(item, 0, sizeof *item);
}

/* The last column: the redirects that led to the URL, from its referrer's last fetch
   (a 3xx after n hops makes this URL hop n + 1; anything else, or none, 0). */
#define ITEM_COLUMNS                                                                               \
    "id, host_id, referrer_id, url, kind, state, depth, attempts, next_attempt_at, "               \
    "coalesce((SELECT CASE WHEN f.http_status BETWEEN 300 AND 399 THEN f.redirects + 1 ELSE 0 "    \
    "END FROM fetches f WHERE f.url_id = urls.referrer_id ORDER BY f.id DESC LIMIT 1), 0)"

static int read_item(catalog_cursor *row, void *target)
{
    catalog_frontier_item *out = target;
    out->id = catalog_column_int64(row, 0);
    out->host_id = catalog_column_int64(row, 1);
    out->referrer_id = catalog_column_int64(row, 2); /* NULL reads as 0 */
    out->url = catalog_column_strdup(row, 3);
    int kind = find_word(kind_words, CS_ARRAY_LEN(kind_words), catalog_column_text(row, 4));
    out->kind = (catalog_url_kind)kind;
    out->depth = catalog_column_int(row, 6);
    out->attempts = catalog_column_int(row, 7);
    out->next_attempt_at = catalog_column_int64(row, 8);
    out->redirects = catalog_column_int(row, 9);
    if (kind < 0) return CS_ECORRUPT;
    return catalog_url_state_parse(catalog_column_text(row, 5), &out->state);
}

int catalog_frontier_add(catalog *cat, const char *url, int64_t host_id, catalog_url_kind kind,
                         int depth, int64_t referrer_id, catalog_url_state state, int64_t *url_id,
                         int *is_new, cs_error *err)
{
    int rc = catalog_insert_id(
        cat, "adding a URL",
        "INSERT INTO urls (url, host_id, kind, state, depth, referrer_id, "
        "discovered_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(url) DO NOTHING",
        CATALOG_ARGS(catalog_text(url), catalog_int(host_id), catalog_text(kind_word(kind)),
                     catalog_text(state_word(state)), catalog_int(depth),
                     catalog_positive_or_null(referrer_id), catalog_int(cs_now_ms())),
        url_id, err);
    if (is_new) *is_new = rc == CS_OK;
    if (rc != CS_ENOTFOUND) return rc; /* added, or failed */
    catalog_frontier_item item;        /* known already: no row came back */
    rc = catalog_frontier_get(cat, url, &item, err);
    if (rc == CS_OK) *url_id = item.id;
    catalog_frontier_item_clear(&item);
    return rc;
}

int catalog_frontier_get(catalog *cat, const char *url, catalog_frontier_item *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = catalog_row(cat, "looking a URL up", "SELECT " ITEM_COLUMNS " FROM urls WHERE url = ?",
                         CATALOG_ARGS(catalog_text(url)), read_item, out, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_ENOTFOUND, "URL not in the frontier: %s", url);
    return rc;
}

int catalog_frontier_next(catalog *cat, int64_t host_id, int64_t now, catalog_frontier_item *out,
                          cs_error *err)
{
    memset(out, 0, sizeof *out);
    /* urls_next walks the host's queued URLs in (depth, id) order and stops
     * at the first one due. "next_attempt_at + 0" keeps the planner from
     * urls_by_state instead, which finds every due URL and sorts them all:
     * each URL taken cost a sort of the host's whole queue. */
    return catalog_row(cat, "choosing the next URL",
                       "SELECT " ITEM_COLUMNS " FROM urls WHERE host_id = ? AND "
                       "state = 'queued' AND next_attempt_at + 0 <= ? ORDER BY depth, id LIMIT 1",
                       CATALOG_ARGS(catalog_int(host_id), catalog_int(now)), read_item, out, err);
}

int catalog_frontier_claim(catalog *cat, int64_t host_id, int64_t now, catalog_frontier_item *out,
                           cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (cat->pg) /* one round trip: catalog_frontier_next's choice, marked */
        return catalog_row(
            cat, "claiming the next URL",
            "UPDATE urls SET state = 'in_flight', attempts = attempts + 1, last_error = NULL "
            "WHERE id = (SELECT id FROM urls WHERE host_id = ? AND state = 'queued' AND "
            "next_attempt_at + 0 <= ? ORDER BY depth, id LIMIT 1) RETURNING " ITEM_COLUMNS,
            CATALOG_ARGS(catalog_int(host_id), catalog_int(now)), read_item, out, err);
    /* SQLite: two statements are cheaper than one RETURNING (catalog_insert_id says why) */
    int rc = catalog_frontier_next(cat, host_id, now, out, err);
    if (rc == CS_OK)
        rc = catalog_frontier_set_state(cat, out->id, CATALOG_URL_IN_FLIGHT, 1,
                                        out->next_attempt_at, NULL, err);
    if (rc == CS_OK) {
        out->state = CATALOG_URL_IN_FLIGHT;
        out->attempts++;
    } else if (rc != CS_ENOTFOUND) {
        catalog_frontier_item_clear(out);
    }
    return rc;
}

int catalog_frontier_set_state(catalog *cat, int64_t url_id, catalog_url_state state,
                               int attempts_delta, int64_t next_attempt_at, const char *last_error,
                               cs_error *err)
{
    return catalog_run(cat, "updating a URL",
                       "UPDATE urls SET state = ?, attempts = attempts + ?, "
                       "next_attempt_at = ?, last_error = ? WHERE id = ?",
                       CATALOG_ARGS(catalog_text(state_word(state)), catalog_int(attempts_delta),
                                    catalog_int(next_attempt_at), catalog_text(last_error),
                                    catalog_int(url_id)),
                       err);
}

int catalog_frontier_requeue_in_flight(catalog *cat, int64_t *count, cs_error *err)
{
    int rc = catalog_exec(cat, "UPDATE urls SET state = 'queued' WHERE state = 'in_flight'", err);
    if (rc == CS_OK && count) *count = catalog_changes(cat);
    return rc;
}

static int read_host_ref(catalog_cursor *row, void *target)
{
    catalog_host_ref *ref = target;
    ref->id = catalog_column_int64(row, 0);
    ref->origin = catalog_column_strdup(row, 1);
    return CS_OK;
}

static void clear_host_ref(void *item)
{
    free(((catalog_host_ref *)item)->origin);
}

static int host_refs(catalog *cat, const char *sql, catalog_host_ref **out, size_t *n,
                     cs_error *err)
{
    return catalog_rows_into(cat, "listing hosts", sql, CATALOG_NO_ARGS, read_host_ref,
                             clear_host_ref, sizeof **out, (void **)out, n, err);
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

int catalog_frontier_count(catalog *cat, int64_t host_id, catalog_url_kind kind,
                           catalog_url_state state, int64_t *out, cs_error *err)
{
    /* The filters asked for are in the text: a host as ?1 ("?1 = 0" without
     * one, so the parameter is used: both backends want each bound one used),
     * kind and state as their words. "?1 = 0 OR host_id = ?1" scanned every
     * URL; a state as a parameter kept the planner from urls_by_state, which
     * holds queued and in-flight URLs only, and the crawl counts queued URLs
     * for its progress line. The words come from the enums, never from input. */
    const char *kind_text = kind_word(kind), *state_text = state_word(state);
    char sql[192];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM urls WHERE %s%s%s%s%s%s%s",
             host_id != 0 ? "host_id = ?1" : "?1 = 0", kind_text ? " AND kind = '" : "",
             kind_text ? kind_text : "", kind_text ? "'" : "", state_text ? " AND state = '" : "",
             state_text ? state_text : "", state_text ? "'" : "");
    return catalog_row(cat, "counting URLs", sql, CATALOG_ARGS(catalog_int(host_id)),
                       catalog_read_int64, out, err);
}

static int read_earliest(catalog_cursor *row, void *target)
{
    if (catalog_column_is_null(row, 0)) return CS_ENOTFOUND; /* none queued */
    *(int64_t *)target = catalog_column_int64(row, 0);
    return CS_OK;
}

int catalog_frontier_earliest(catalog *cat, int64_t host_id, int64_t *out, cs_error *err)
{
    /* Two texts, as in catalog_frontier_count: with "?1 = 0 OR host_id = ?1"
     * the planner could not use host_id, and one host's answer read every
     * queued URL of every host. Now it is the first entry of
     * urls_by_state (state, host_id, next_attempt_at). */
    return catalog_row(cat, "reading the frontier",
                       host_id != 0 ? "SELECT min(next_attempt_at) FROM urls WHERE host_id = ?1 "
                                      "AND state = 'queued'"
                                    : "SELECT min(next_attempt_at) FROM urls WHERE ?1 = 0 "
                                      "AND state = 'queued'",
                       CATALOG_ARGS(catalog_int(host_id)), read_earliest, out, err);
}
