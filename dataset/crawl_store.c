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

static void bind_id_or_null(sqlite3_stmt *stmt, int index, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(stmt, index, id);
    else
        sqlite3_bind_null(stmt, index);
}

int catalog_record_fetch(catalog *cat, const catalog_fetch_record *rec, int64_t *fetch_id,
                         cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO fetches (url_id, started_at, elapsed_ms, http_status, "
                             "final_url, redirects, content_type, body_bytes, headers, error_code, "
                             "error) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, rec->url_id);
    sqlite3_bind_int64(stmt, 2, rec->started_at);
    sqlite3_bind_int64(stmt, 3, rec->elapsed_ms);
    if (rec->http_status > 0)
        sqlite3_bind_int(stmt, 4, rec->http_status);
    else
        sqlite3_bind_null(stmt, 4);
    catalog_bind_text_or_null(stmt, 5, rec->final_url);
    sqlite3_bind_int(stmt, 6, rec->redirects);
    catalog_bind_text_or_null(stmt, 7, rec->content_type);
    if (rec->body_bytes >= 0)
        sqlite3_bind_int64(stmt, 8, rec->body_bytes);
    else
        sqlite3_bind_null(stmt, 8);
    catalog_bind_text_or_null(stmt, 9, rec->headers_json);
    catalog_bind_text_or_null(stmt, 10, rec->error_code);
    catalog_bind_text_or_null(stmt, 11, rec->error);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording a fetch");
    sqlite3_finalize(stmt);
    if (rc == CS_OK && fetch_id) *fetch_id = sqlite3_last_insert_rowid(cat->db);
    return rc;
}

int catalog_redirect_chain_contains(catalog *cat, int64_t url_id, int64_t target_id, int max_hops,
                                    int *found, cs_error *err)
{
    *found = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "WITH RECURSIVE chain(id, n) AS (SELECT ?1, 0 UNION ALL "
        "  SELECT u.referrer_id, c.n + 1 FROM chain c JOIN urls u ON u.id = c.id "
        "  WHERE c.n < ?3 AND u.referrer_id IS NOT NULL AND EXISTS (SELECT 1 FROM fetches f "
        "    WHERE f.url_id = u.referrer_id AND f.http_status BETWEEN 300 AND 399)) "
        "SELECT count(*) FROM chain WHERE id = ?2 AND n > 0",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, url_id);
    sqlite3_bind_int64(stmt, 2, target_id);
    sqlite3_bind_int(stmt, 3, max_hops);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *found = sqlite3_column_int(stmt, 0) > 0;
    else
        rc = catalog_db_error(cat, err, "following a redirect chain");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_redirects_before(catalog *cat, int64_t url_id, int *out, cs_error *err)
{
    *out = -1;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT f.http_status, f.redirects FROM urls u JOIN fetches f ON "
                             "f.url_id = u.referrer_id WHERE u.id = ? ORDER BY f.id DESC LIMIT 1",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, url_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        int status = sqlite3_column_int(stmt, 0);
        if (status >= 300 && status < 400) *out = sqlite3_column_int(stmt, 1);
    } else if (step != SQLITE_DONE) {
        rc = catalog_db_error(cat, err, "reading redirects");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_record_page(catalog *cat, int64_t url_id, int64_t fetch_id, const char *title,
                        const char *base_url, const char *meta_robots, const char *page_license,
                        int64_t *page_id, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc =
        catalog_prepare(cat,
                        "INSERT INTO pages (url_id, fetch_id, title, base_url, meta_robots, "
                        "page_license, fetched_at) VALUES (?,?,?,?,?,?,?) "
                        "ON CONFLICT(url_id) DO UPDATE SET fetch_id = excluded.fetch_id, "
                        "title = excluded.title, base_url = excluded.base_url, "
                        "meta_robots = excluded.meta_robots, "
                        "page_license = excluded.page_license, fetched_at = excluded.fetched_at",
                        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, url_id);
    bind_id_or_null(stmt, 2, fetch_id);
    catalog_bind_text_or_null(stmt, 3, title);
    catalog_bind_text_or_null(stmt, 4, base_url);
    catalog_bind_text_or_null(stmt, 5, meta_robots);
    catalog_bind_text_or_null(stmt, 6, page_license);
    sqlite3_bind_int64(stmt, 7, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording a page");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    rc = catalog_prepare(cat, "SELECT id FROM pages WHERE url_id = ?", &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, url_id);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *page_id = sqlite3_column_int64(stmt, 0);
    else
        rc = catalog_db_error(cat, err, "reading a page id");
    sqlite3_finalize(stmt);
    return rc;
}

/*
 * The twelve columns a statement has wherever it is kept (rights_evidence,
 * sighting_evidence), bound from index first on, in this order: origin,
 * scope, field, raw_value, license_spdx, license_url, rights_claim,
 * confidence, attribution_name, attribution_url, title, creator.
 */
#define STATEMENT_COLUMNS                                                                          \
    "origin, scope, field, raw_value, license_spdx, license_url, rights_claim, confidence, "       \
    "attribution_name, attribution_url, title, creator"

static void bind_statement(sqlite3_stmt *stmt, int first, const catalog_rights *r,
                           const char *default_scope)
{
    sqlite3_bind_text(stmt, first, r->origin ? r->origin : "meta", -1, SQLITE_TRANSIENT);
    catalog_bind_text_or_null(stmt, first + 1, r->scope ? r->scope : default_scope);
    sqlite3_bind_text(stmt, first + 2, r->field ? r->field : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, first + 3, r->raw_value ? r->raw_value : "", -1, SQLITE_TRANSIENT);
    catalog_bind_text_or_null(stmt, first + 4, r->license_spdx);
    catalog_bind_text_or_null(stmt, first + 5, r->license_url);
    catalog_bind_text_or_null(stmt, first + 6, r->rights_claim);
    sqlite3_bind_text(stmt, first + 7, r->confidence ? r->confidence : "high", -1,
                      SQLITE_TRANSIENT);
    catalog_bind_text_or_null(stmt, first + 8, r->attribution_name);
    catalog_bind_text_or_null(stmt, first + 9, r->attribution_url);
    catalog_bind_text_or_null(stmt, first + 10, r->title);
    catalog_bind_text_or_null(stmt, first + 11, r->creator);
}

int catalog_record_rights(catalog *cat, const catalog_rights *r, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO rights_evidence (image_id, page_id, " STATEMENT_COLUMNS
                             ", found_at, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, r->image_id);
    bind_id_or_null(stmt, 2, r->page_id);
    bind_statement(stmt, 3, r, r->page_id ? NULL : "embedded");
    catalog_bind_text_or_null(stmt, 15, r->found_at);
    sqlite3_bind_int64(stmt, 16, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording evidence");
    sqlite3_finalize(stmt);
    return rc;
}

/*
 * Turns what pages said about image_url_id (sighting_evidence) into
 * rights_evidence rows for image_id, skipping statements already recorded
 * for that image and page.
 */
static int sightings_to_evidence(catalog *cat, int64_t image_url_id, int64_t image_id,
                                 cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
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
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_url_id);
    sqlite3_bind_int64(stmt, 2, image_id);
    sqlite3_bind_int64(stmt, 3, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = catalog_db_error(cat, err, "recording page evidence");
    sqlite3_finalize(stmt);
    return rc;
}

/* Replaces the page-side statements of one sighting with s->evidence. */
static int store_sighting_evidence(catalog *cat, const catalog_sighting *s, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat, "DELETE FROM sighting_evidence WHERE page_id = ?1 AND image_url_id = ?2", &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, s->page_id);
    sqlite3_bind_int64(stmt, 2, s->image_url_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "replacing evidence");
    sqlite3_finalize(stmt);
    if (rc != CS_OK || s->evidence_count == 0) return rc;
    rc = catalog_prepare(
        cat,
        "INSERT OR IGNORE INTO sighting_evidence (page_id, image_url_id, " STATEMENT_COLUMNS
        ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &stmt, err);
    if (rc != CS_OK) return rc;
    for (size_t i = 0; rc == CS_OK && i < s->evidence_count; i++) {
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, s->page_id);
        sqlite3_bind_int64(stmt, 2, s->image_url_id);
        bind_statement(stmt, 3, &s->evidence[i], "page");
        if (sqlite3_step(stmt) != SQLITE_DONE)
            rc = catalog_db_error(cat, err, "recording page evidence");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_record_sighting(catalog *cat, const catalog_sighting *s, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "INSERT INTO sightings (page_id, image_url_id, image_id, element, alt, caption, "
        "license_url, license_scope, attribution_name, attribution_url, license_spdx) VALUES "
        "(?1, ?2, (SELECT image_id FROM image_urls WHERE url_id = ?2 LIMIT 1), "
        "?3,?4,?5,?6,?7,?8,?9,?10) "
        "ON CONFLICT(page_id, image_url_id) DO UPDATE SET element = excluded.element, "
        "alt = excluded.alt, caption = excluded.caption, license_url = excluded.license_url, "
        "license_scope = excluded.license_scope, attribution_name = excluded.attribution_name, "
        "attribution_url = excluded.attribution_url, license_spdx = excluded.license_spdx",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, s->page_id);
    sqlite3_bind_int64(stmt, 2, s->image_url_id);
    catalog_bind_text_or_null(stmt, 3, s->element);
    catalog_bind_text_or_null(stmt, 4, s->alt);
    catalog_bind_text_or_null(stmt, 5, s->caption);
    catalog_bind_text_or_null(stmt, 6, s->license_url);
    catalog_bind_text_or_null(stmt, 7, s->license_scope);
    catalog_bind_text_or_null(stmt, 8, s->attribution_name);
    catalog_bind_text_or_null(stmt, 9, s->attribution_url);
    catalog_bind_text_or_null(stmt, 10, s->license_spdx);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording a sighting");
    sqlite3_finalize(stmt);
    if (rc == CS_OK) rc = store_sighting_evidence(cat, s, err);
    if (rc != CS_OK) return rc;
    int64_t image_id = 0;
    rc = catalog_prepare(cat, "SELECT image_id FROM image_urls WHERE url_id = ? LIMIT 1", &stmt,
                         err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, s->image_url_id);
    if (sqlite3_step(stmt) == SQLITE_ROW) image_id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (image_id > 0 && s->evidence_count > 0)
        return sightings_to_evidence(cat, s->image_url_id, image_id, err);
    return CS_OK;
}

int catalog_link_image_url(catalog *cat, int64_t url_id, int64_t image_id, int64_t fetch_id,
                           cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO image_urls (url_id, image_id, fetch_id) VALUES (?,?,?) "
                             "ON CONFLICT(url_id, image_id) DO UPDATE SET fetch_id = "
                             "excluded.fetch_id",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, url_id);
    sqlite3_bind_int64(stmt, 2, image_id);
    bind_id_or_null(stmt, 3, fetch_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "linking an image URL");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    rc = catalog_prepare(cat, "UPDATE sightings SET image_id = ? WHERE image_url_id = ?", &stmt,
                         err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_id);
    sqlite3_bind_int64(stmt, 2, url_id);
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "updating sightings");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    return sightings_to_evidence(cat, url_id, image_id, err);
}

int catalog_record_optout(catalog *cat, const catalog_optout *o, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT INTO optout_signals (scope, host_id, url_id, image_id, kind, "
                             "raw_value, effect, found_at, recorded_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, o->scope, -1, SQLITE_TRANSIENT);
    bind_id_or_null(stmt, 2, o->host_id);
    bind_id_or_null(stmt, 3, o->url_id);
    bind_id_or_null(stmt, 4, o->image_id);
    sqlite3_bind_text(stmt, 5, o->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 6, o->raw_value ? o->raw_value : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 7, o->effect, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 8, o->found_at ? o->found_at : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 9, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording a signal");
    sqlite3_finalize(stmt);
    return rc;
}
