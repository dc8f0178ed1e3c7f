/*
 * crawl_store.c - what the crawler records about each fetch: the HTTP
 * exchange, pages, sightings of images on pages, opt-out signals and rights
 * evidence.
 *
 * Page-side licence evidence is known when the page is read, but the image it
 * is about may not be fetched yet, and rights_evidence rows need an image.
 * So a sighting keeps what the page says about the image (sighting_evidence,
 * every statement; sightings.license_url, the strongest one); when the image
 * is stored (catalog_link_image_url) or is already stored when the sighting is
 * made (catalog_record_sighting), each statement becomes a rights_evidence
 * row, once. Either order gives the same rows.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

int catalog_record_fetch(catalog *cat, const catalog_fetch_record *rec, int64_t *fetch_id,
                         cs_error *err)
{
    int64_t id = 0;
    /* no RETURNING on SQLite: catalog_insert_id says why */
    int rc = catalog_insert_id(
        cat, "recording a fetch",
        "INSERT INTO fetches (url_id, started_at, elapsed_ms, http_status, final_url, redirects, "
        "content_type, body_bytes, headers, error_code, error) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        CATALOG_ARGS(catalog_int(rec->url_id), catalog_int(rec->started_at),
                     catalog_int(rec->elapsed_ms), catalog_positive_or_null(rec->http_status),
                     catalog_text(rec->final_url), catalog_int(rec->redirects),
                     catalog_text(rec->content_type), catalog_int_or_null(rec->body_bytes),
                     catalog_text(rec->headers_json), catalog_text(rec->error_code),
                     catalog_text(rec->error)),
        &id, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_EDB, "catalog %s: recording a fetch: no row id came back",
                          cat->path);
    if (rc == CS_OK && fetch_id) *fetch_id = id;
    return rc;
}

static int read_found(catalog_cursor *row, void *target)
{
    *(int *)target = catalog_column_int(row, 0) > 0;
    return CS_OK;
}

int catalog_redirect_chain_contains(catalog *cat, int64_t url_id, int64_t target_id, int max_hops,
                                    int *found, cs_error *err)
{
    *found = 0;
    return catalog_row(
        cat, "following a redirect chain",
        "WITH RECURSIVE chain(id, n) AS (SELECT ?1, 0 UNION ALL "
        "  SELECT u.referrer_id, c.n + 1 FROM chain c JOIN urls u ON u.id = c.id "
        "  WHERE c.n < ?3 AND u.referrer_id IS NOT NULL AND EXISTS (SELECT 1 FROM fetches f "
        "    WHERE f.url_id = u.referrer_id AND f.http_status BETWEEN 300 AND 399)) "
        "SELECT count(*) FROM chain WHERE id = ?2 AND n > 0",
        CATALOG_ARGS(catalog_int(url_id), catalog_int(target_id), catalog_int(max_hops)),
        read_found, found, err);
}

int catalog_record_page(catalog *cat, int64_t url_id, int64_t fetch_id, const char *title,
                        const char *base_url, const char *meta_robots, const char *page_license,
                        int64_t *page_id, cs_error *err)
{
    /* A page fetched for the first time is one INSERT; one fetched again, its row updated. */
    int64_t now = cs_now_ms();
    int rc = catalog_insert_id(
        cat, "recording a page",
        "INSERT INTO pages (url_id, fetch_id, title, base_url, meta_robots, page_license, "
        "fetched_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(url_id) DO NOTHING",
        CATALOG_ARGS(catalog_int(url_id), catalog_positive_or_null(fetch_id), catalog_text(title),
                     catalog_text(base_url), catalog_text(meta_robots), catalog_text(page_license),
                     catalog_int(now)),
        page_id, err);
    if (rc != CS_ENOTFOUND) return rc;
    rc = catalog_run(cat, "recording a page again",
                     "UPDATE pages SET fetch_id = ?2, title = ?3, base_url = ?4, meta_robots = ?5, "
                     "page_license = ?6, fetched_at = ?7 WHERE url_id = ?1",
                     CATALOG_ARGS(catalog_int(url_id), catalog_positive_or_null(fetch_id),
                                  catalog_text(title), catalog_text(base_url),
                                  catalog_text(meta_robots), catalog_text(page_license),
                                  catalog_int(now)),
                     err);
    if (rc == CS_OK)
        rc = catalog_row(cat, "reading a page id", "SELECT id FROM pages WHERE url_id = ?",
                         CATALOG_ARGS(catalog_int(url_id)), catalog_read_int64, page_id, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_EDB, "catalog %s: the page of URL %lld vanished", cat->path,
                          (long long)url_id);
    return rc;
}

/*
 * The twelve columns a statement has wherever it is kept (rights_evidence,
 * sighting_evidence), in this order: origin, scope, field, raw_value,
 * license_spdx, license_url, rights_claim, confidence, attribution_name,
 * attribution_url, title, creator.
 */
#define STATEMENT_COLUMNS                                                                          \
    "origin, scope, field, raw_value, license_spdx, license_url, rights_claim, confidence, "       \
    "attribution_name, attribution_url, title, creator"
#define STATEMENT_COLUMN_COUNT 12

/* The arguments for STATEMENT_COLUMNS, into args[0..11]. */
static void statement_args(catalog_value *args, const catalog_rights *r, const char *default_scope)
{
    const catalog_value values[STATEMENT_COLUMN_COUNT] = {
        catalog_text(r->origin ? r->origin : "meta"),
        catalog_text(r->scope ? r->scope : default_scope),
        catalog_text(r->field ? r->field : ""),
        catalog_text(r->raw_value ? r->raw_value : ""),
        catalog_text(r->license_spdx),
        catalog_text(r->license_url),
        catalog_text(r->rights_claim),
        catalog_text(r->confidence ? r->confidence : "high"),
        catalog_text(r->attribution_name),
        catalog_text(r->attribution_url),
        catalog_text(r->title),
        catalog_text(r->creator),
    };
    memcpy(args, values, sizeof values);
}

int catalog_record_rights(catalog *cat, const catalog_rights *r, cs_error *err)
{
    catalog_value args[2 + STATEMENT_COLUMN_COUNT + 2];
    args[0] = catalog_int(r->image_id);
    args[1] = catalog_positive_or_null(r->page_id);
    statement_args(args + 2, r, r->page_id ? NULL : "embedded");
    args[2 + STATEMENT_COLUMN_COUNT] = catalog_text(r->found_at);
    args[3 + STATEMENT_COLUMN_COUNT] = catalog_int(cs_now_ms());
    return catalog_run(cat, "recording evidence",
                       "INSERT INTO rights_evidence (image_id, page_id, " STATEMENT_COLUMNS
                       ", found_at, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       args, CS_ARRAY_LEN(args), err);
}

/*
 * Turns what pages said about image_url_id (sighting_evidence) into
 * rights_evidence rows for image_id, skipping statements already recorded
 * for that image and page.
 */
static int sightings_to_evidence(catalog *cat, int64_t image_url_id, int64_t image_id,
                                 cs_error *err)
{
    return catalog_run(
        cat, "recording page evidence",
        "INSERT INTO rights_evidence (image_id, page_id, origin, scope, field, raw_value, "
        "license_spdx, license_url, rights_claim, confidence, attribution_name, attribution_url, "
        "title, creator, found_at, recorded_at) "
        "SELECT ?2, e.page_id, e.origin, e.scope, e.field, e.raw_value, e.license_spdx, "
        "  e.license_url, e.rights_claim, e.confidence, e.attribution_name, e.attribution_url, "
        "  e.title, e.creator, u.url, ?3 "
        "FROM sighting_evidence e JOIN pages p ON p.id = e.page_id JOIN urls u ON u.id = p.url_id "
        "WHERE e.image_url_id = ?1 AND NOT EXISTS ("
        "  SELECT 1 FROM rights_evidence r WHERE r.image_id = ?2 AND r.page_id = e.page_id "
        "  AND r.field = e.field AND r.raw_value = e.raw_value) "
        "ORDER BY e.id",
        CATALOG_ARGS(catalog_int(image_url_id), catalog_int(image_id), catalog_int(cs_now_ms())),
        err);
}

/* Replaces the page-side statements of one sighting with s->evidence. */
static int store_sighting_evidence(catalog *cat, const catalog_sighting *s, int is_new,
                                   cs_error *err)
{
    int rc =
        is_new
            ? CS_OK /* a new sighting has no statements to replace */
            : catalog_run(cat, "replacing evidence",
                          "DELETE FROM sighting_evidence WHERE page_id = ?1 AND "
                          "image_url_id = ?2",
                          CATALOG_ARGS(catalog_int(s->page_id), catalog_int(s->image_url_id)), err);
    for (size_t i = 0; rc == CS_OK && i < s->evidence_count; i++) {
        catalog_value args[2 + STATEMENT_COLUMN_COUNT];
        args[0] = catalog_int(s->page_id);
        args[1] = catalog_int(s->image_url_id);
        statement_args(args + 2, &s->evidence[i], "page");
        rc = catalog_run(cat, "recording page evidence",
                         "INSERT INTO sighting_evidence (page_id, image_url_id, " STATEMENT_COLUMNS
                         ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                         args, CS_ARRAY_LEN(args), err);
    }
    return rc;
}

int catalog_record_sighting(catalog *cat, const catalog_sighting *s, cs_error *err)
{
    if (s->page_id <= 0) /* a URL list's caption: one page-less sighting per image URL */
        return catalog_run(
            cat, "recording a listed caption",
            "INSERT INTO sightings (page_id, image_url_id, image_id, element, alt, caption) "
            "VALUES (NULL, ?1, (SELECT image_id FROM image_urls WHERE url_id = ?1 LIMIT 1), "
            "?2, ?3, ?4) ON CONFLICT(image_url_id) WHERE page_id IS NULL DO UPDATE SET "
            "element = excluded.element, alt = excluded.alt, caption = excluded.caption",
            CATALOG_ARGS(catalog_int(s->image_url_id), catalog_text(s->element),
                         catalog_text(s->alt), catalog_text(s->caption)),
            err);
    /* the image the URL led to, if it is stored yet (0: not yet; linking it fills it in) */
    int64_t image_id = 0;
    int rc = catalog_row(
        cat, "finding a sighted image", "SELECT image_id FROM image_urls WHERE url_id = ? LIMIT 1",
        CATALOG_ARGS(catalog_int(s->image_url_id)), catalog_read_int64, &image_id, err);
    if (rc == CS_ENOTFOUND) rc = CS_OK;
    /* A page's first sighting of the image is one INSERT; a page fetched again updates it. */
    catalog_value args[] = {catalog_int(s->page_id),
                            catalog_int(s->image_url_id),
                            catalog_positive_or_null(image_id),
                            catalog_text(s->element),
                            catalog_text(s->alt),
                            catalog_text(s->caption),
                            catalog_text(s->license_url),
                            catalog_text(s->license_scope),
                            catalog_text(s->attribution_name),
                            catalog_text(s->attribution_url),
                            catalog_text(s->license_spdx)};
    int64_t sighting_id = 0;
    if (rc == CS_OK)
        rc = catalog_insert_id(cat, "recording a sighting",
                               "INSERT INTO sightings (page_id, image_url_id, image_id, element, "
                               "alt, caption, license_url, license_scope, attribution_name, "
                               "attribution_url, license_spdx) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                               "ON CONFLICT(page_id, image_url_id) DO NOTHING",
                               args, CS_ARRAY_LEN(args), &sighting_id, err);
    int is_new = rc == CS_OK;
    if (rc == CS_ENOTFOUND) { /* the same values but the image's, which linking keeps */
        catalog_value again[CS_ARRAY_LEN(args) - 1];
        again[0] = args[0];
        again[1] = args[1];
        memcpy(again + 2, args + 3, sizeof again - 2 * sizeof again[0]);
        rc = catalog_run(cat, "recording a sighting again",
                         "UPDATE sightings SET element = ?3, alt = ?4, caption = ?5, "
                         "license_url = ?6, license_scope = ?7, attribution_name = ?8, "
                         "attribution_url = ?9, license_spdx = ?10 "
                         "WHERE page_id = ?1 AND image_url_id = ?2",
                         again, CS_ARRAY_LEN(again), err);
    }
    if (rc == CS_OK) rc = store_sighting_evidence(cat, s, is_new, err);
    if (rc != CS_OK) return rc;
    if (image_id > 0 && s->evidence_count > 0)
        return sightings_to_evidence(cat, s->image_url_id, image_id, err);
    return CS_OK;
}

int catalog_link_image_url(catalog *cat, int64_t url_id, int64_t image_id, int64_t fetch_id,
                           cs_error *err)
{
    int rc = catalog_run(cat, "linking an image URL",
                         "INSERT INTO image_urls (url_id, image_id, fetch_id) VALUES (?,?,?) "
                         "ON CONFLICT(url_id, image_id) DO UPDATE SET fetch_id = "
                         "excluded.fetch_id",
                         CATALOG_ARGS(catalog_int(url_id), catalog_int(image_id),
                                      catalog_positive_or_null(fetch_id)),
                         err);
    if (rc == CS_OK)
        rc = catalog_run(cat, "updating sightings",
                         "UPDATE sightings SET image_id = ? WHERE image_url_id = ?",
                         CATALOG_ARGS(catalog_int(image_id), catalog_int(url_id)), err);
    if (rc != CS_OK) return rc;
    return sightings_to_evidence(cat, url_id, image_id, err);
}

/* Protocols one catalog_record_checks statement takes; more go in several. */
#define CHECKS_PER_STATEMENT 12

int catalog_record_checks(catalog *cat, int64_t image_id, const char *const *protocols,
                          size_t count, cs_error *err)
{
    /* One multi-row statement: the crawler records 2 to 9 per image it stores,
       and each statement of its own was a round trip and a statement run. */
    int64_t now = cs_now_ms();
    for (size_t done = 0; done < count;) {
        size_t n = CS_MIN(count - done, (size_t)CHECKS_PER_STATEMENT);
        char sql[256 + CHECKS_PER_STATEMENT * 8];
        catalog_value args[3 * CHECKS_PER_STATEMENT];
        size_t len = (size_t)snprintf(sql, sizeof sql,
                                      "INSERT INTO image_checks (image_id, protocol, checked_at) "
                                      "VALUES ");
        for (size_t i = 0; i < n; i++) {
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s(?,?,?)", i ? "," : "");
            args[3 * i] = catalog_int(image_id);
            args[3 * i + 1] = catalog_text(protocols[done + i]);
            args[3 * i + 2] = catalog_int(now);
        }
        snprintf(sql + len, sizeof sql - len,
                 " ON CONFLICT (image_id, protocol) DO UPDATE SET checked_at = "
                 "excluded.checked_at");
        int rc = catalog_run(cat, "recording checked protocols", sql, args, 3 * n, err);
        if (rc != CS_OK) return rc;
        done += n;
    }
    return CS_OK;
}

int catalog_image_checks(catalog *cat, int64_t image_id, char ***protocols, size_t *count,
                         cs_error *err)
{
    return catalog_rows_into(cat, "reading checked protocols",
                             catalog_sql(cat,
                                         "SELECT protocol FROM image_checks WHERE image_id = ? "
                                         "ORDER BY rowid",
                                         /* no rowid: ctid is the order rows were written in
                                            while none was updated (a refresh may move one) */
                                         "SELECT protocol FROM image_checks WHERE image_id = ? "
                                         "ORDER BY ctid"),
                             CATALOG_ARGS(catalog_int(image_id)), catalog_read_string,
                             catalog_clear_string, sizeof **protocols, (void **)protocols, count,
                             err);
}

int catalog_record_optout(catalog *cat, const catalog_optout *o, cs_error *err)
{
    return catalog_run(
        cat, "recording a signal",
        "INSERT INTO optout_signals (scope, host_id, url_id, image_id, kind, raw_value, effect, "
        "found_at, recorded_at) VALUES (?,?,?,?,?,?,?,?,?)",
        CATALOG_ARGS(catalog_text(o->scope), catalog_positive_or_null(o->host_id),
                     catalog_positive_or_null(o->url_id), catalog_positive_or_null(o->image_id),
                     catalog_text(o->kind), catalog_text(o->raw_value ? o->raw_value : ""),
                     catalog_text(o->effect), catalog_text(o->found_at ? o->found_at : ""),
                     catalog_int(cs_now_ms())),
        err);
}
