/*
 * license_store.c - the catalog queries behind `clearset clear` and
 * `clearset explain`: the facts one image's clearance rests on (its rights
 * evidence, the URLs and pages it came from, the opt-out signals that may
 * cover it, its near-duplicate cluster mates) and the verdicts table.
 *
 * Which opt-out rows may apply to an image: rows about the image itself, about
 * any URL that served it, about any page it was sighted on, and host-scope
 * rows of the hosts of those URLs and pages. Rows whose effect is "none" say
 * nothing about training and are left out; robots/ makes the decision from
 * the rest (the caller rebuilds its signals and asks robots_decide).
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

static int push_string(char ***list, size_t *count, const char *s)
{
    char **grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (!grown) return CS_ENOMEM;
    *list = grown;
    grown[*count] = strdup(s ? s : "");
    if (!grown[*count]) return CS_ENOMEM;
    (*count)++;
    return CS_OK;
}

static int read_strings(catalog *cat, const char *sql, int64_t image_id, char ***list,
                        size_t *count, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat, sql, &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_id);
    int step;
    while (rc == CS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = push_string(list, count, (const char *)sqlite3_column_text(stmt, 0));
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading image URLs");
    if (rc == CS_ENOMEM) cs_error_set(err, rc, "catalog: out of memory");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_clearance_images(catalog *cat, int64_t **ids, size_t *count, cs_error *err)
{
    return catalog_query_ids(cat, "SELECT id FROM images WHERE source != 'protected' ORDER BY id",
                             ids, count, err);
}

static int read_evidence(catalog *cat, catalog_image_facts *f, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "SELECT r.id, coalesce(r.page_id, 0), r.origin, r.field, r.raw_value, r.license_spdx, "
        "r.license_url, r.rights_claim, r.confidence, r.attribution_name, r.attribution_url, "
        "r.title, r.creator, r.found_at, "
        "(SELECT u.url FROM sightings s JOIN urls u ON u.id = s.image_url_id "
        " WHERE s.page_id = r.page_id AND s.image_id = r.image_id ORDER BY s.id LIMIT 1), "
        "coalesce(r.scope, (SELECT s.license_scope FROM sightings s "
        " WHERE s.page_id = r.page_id AND s.image_id = r.image_id ORDER BY s.id LIMIT 1)) "
        "FROM rights_evidence r WHERE r.image_id = ?1 ORDER BY r.id",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, f->image_id);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        catalog_evidence_row *grown = realloc(f->evidence, (f->evidence_count + 1) * sizeof *grown);
        if (!grown) {
            rc = cs_error_set(err, CS_ENOMEM, "catalog: out of memory");
            break;
        }
        f->evidence = grown;
        catalog_evidence_row *e = &grown[f->evidence_count++];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(stmt, 0);
        e->page_id = sqlite3_column_int64(stmt, 1);
        char **cols[] = {
            &e->origin,          &e->field,        &e->raw_value,  &e->license_spdx,
            &e->license_url,     &e->rights_claim, &e->confidence, &e->attribution_name,
            &e->attribution_url, &e->title,        &e->creator,    &e->found_at,
            &e->image_url,       &e->license_scope};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            *cols[c] = catalog_column_strdup(stmt, (int)c + 2);
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading evidence");
    sqlite3_finalize(stmt);
    return rc;
}

static int read_optouts(catalog *cat, catalog_image_facts *f, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "WITH img_urls AS (SELECT url_id FROM image_urls WHERE image_id = ?1), "
        "page_urls AS (SELECT p.url_id FROM sightings s JOIN pages p ON p.id = s.page_id "
        "              WHERE s.image_id = ?1), "
        "hosts_of AS (SELECT u.host_id FROM urls u WHERE u.id IN (SELECT url_id FROM img_urls) "
        "             OR u.id IN (SELECT url_id FROM page_urls)) "
        "SELECT o.id, o.scope, o.kind, o.raw_value, o.effect, o.found_at, "
        "  CASE WHEN o.image_id IS NOT NULL THEN 'image:' || o.image_id "
        "       WHEN o.url_id IS NOT NULL THEN 'url:' || o.url_id "
        "       ELSE 'host:' || coalesce(o.host_id, 0) END "
        "FROM optout_signals o "
        "WHERE o.effect != 'none' AND (o.image_id = ?1 "
        "  OR o.url_id IN (SELECT url_id FROM img_urls) "
        "  OR o.url_id IN (SELECT url_id FROM page_urls) "
        "  OR (o.scope = 'host' AND o.host_id IN (SELECT host_id FROM hosts_of))) "
        "ORDER BY o.id",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, f->image_id);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        catalog_optout_row *grown = realloc(f->optouts, (f->optout_count + 1) * sizeof *grown);
        if (!grown) {
            rc = cs_error_set(err, CS_ENOMEM, "catalog: out of memory");
            break;
        }
        f->optouts = grown;
        catalog_optout_row *o = &grown[f->optout_count++];
        o->id = sqlite3_column_int64(stmt, 0);
        o->scope = catalog_column_strdup(stmt, 1);
        o->kind = catalog_column_strdup(stmt, 2);
        o->raw_value = catalog_column_strdup(stmt, 3);
        o->effect = catalog_column_strdup(stmt, 4);
        o->found_at = catalog_column_strdup(stmt, 5);
        o->resource = catalog_column_strdup(stmt, 6);
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading opt-outs");
    sqlite3_finalize(stmt);
    return rc;
}

static int read_near(catalog *cat, catalog_image_facts *f, const char *policy, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "SELECT c.id, m2.image_id, i.sha256, c.kind, m1.distance, m2.distance, "
        "i.source = 'protected', c.conflict_reason, "
        "(SELECT v.verdict FROM verdicts v WHERE v.image_id = m2.image_id AND v.policy = ?2) "
        "FROM cluster_members m1 JOIN clusters c ON c.id = m1.cluster_id "
        "JOIN cluster_members m2 ON m2.cluster_id = m1.cluster_id AND m2.image_id != m1.image_id "
        "JOIN images i ON i.id = m2.image_id WHERE m1.image_id = ?1 ORDER BY c.id, m2.image_id",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, f->image_id);
    catalog_bind_text_or_null(stmt, 2, policy);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        catalog_near_row *grown = realloc(f->near, (f->near_count + 1) * sizeof *grown);
        if (!grown) {
            rc = cs_error_set(err, CS_ENOMEM, "catalog: out of memory");
            break;
        }
        f->near = grown;
        catalog_near_row *n = &grown[f->near_count++];
        memset(n, 0, sizeof *n);
        n->cluster_id = sqlite3_column_int64(stmt, 0);
        n->image_id = sqlite3_column_int64(stmt, 1);
        const char *sha = (const char *)sqlite3_column_text(stmt, 2);
        cs_strlcpy(n->sha256, sha ? sha : "", sizeof n->sha256);
        n->kind = catalog_column_strdup(stmt, 3);
        int d1 = sqlite3_column_int(stmt, 4), d2 = sqlite3_column_int(stmt, 5);
        n->distance = d1 == 0 ? d2 : d2 == 0 ? d1 : d1 + d2; /* triangle bound via the first */
        n->is_protected = sqlite3_column_int(stmt, 6);
        n->conflict = catalog_column_strdup(stmt, 7);
        n->verdict = catalog_column_strdup(stmt, 8);
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading clusters");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_image_facts_read(catalog *cat, int64_t image_id, const char *policy,
                             catalog_image_facts *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    out->image_id = image_id;
    catalog_image image;
    int rc = catalog_get_image(cat, image_id, &image, err);
    if (rc != CS_OK) return rc;
    cs_strlcpy(out->sha256, image.sha256, sizeof out->sha256);
    catalog_image_clear(&image);
    rc = read_strings(cat,
                      "SELECT u.url FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                      "WHERE iu.image_id = ?1 ORDER BY u.id",
                      image_id, &out->image_urls, &out->image_url_count, err);
    if (rc == CS_OK)
        rc = read_strings(cat,
                          "SELECT DISTINCT u.url FROM sightings s JOIN pages p ON p.id = s.page_id "
                          "JOIN urls u ON u.id = p.url_id WHERE s.image_id = ?1 ORDER BY u.id",
                          image_id, &out->page_urls, &out->page_url_count, err);
    if (rc == CS_OK) rc = read_evidence(cat, out, err);
    if (rc == CS_OK) rc = read_optouts(cat, out, err);
    if (rc == CS_OK) rc = read_near(cat, out, policy, err);
    if (rc != CS_OK) catalog_image_facts_clear(out);
    return rc;
}

void catalog_image_facts_clear(catalog_image_facts *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->image_url_count; i++)
        free(f->image_urls[i]);
    free(f->image_urls);
    for (size_t i = 0; i < f->page_url_count; i++)
        free(f->page_urls[i]);
    free(f->page_urls);
    for (size_t i = 0; i < f->evidence_count; i++) {
        catalog_evidence_row *e = &f->evidence[i];
        char *cols[] = {e->origin,          e->field,        e->raw_value,  e->license_spdx,
                        e->license_url,     e->rights_claim, e->confidence, e->attribution_name,
                        e->attribution_url, e->title,        e->creator,    e->found_at,
                        e->image_url,       e->license_scope};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            free(cols[c]);
    }
    free(f->evidence);
    for (size_t i = 0; i < f->optout_count; i++) {
        catalog_optout_row *o = &f->optouts[i];
        free(o->scope), free(o->kind), free(o->raw_value), free(o->effect), free(o->found_at);
        free(o->resource);
    }
    free(f->optouts);
    for (size_t i = 0; i < f->near_count; i++)
        free(f->near[i].kind), free(f->near[i].conflict), free(f->near[i].verdict);
    free(f->near);
    memset(f, 0, sizeof *f);
}

int catalog_put_verdict(catalog *cat, int64_t image_id, const char *policy, const char *verdict,
                        const char *license_spdx, const char *attribution_json,
                        const char *reasons_json, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "INSERT INTO verdicts (image_id, policy, verdict, license_spdx, attribution, reasons, "
        "decided_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id, policy) DO UPDATE SET "
        "verdict = excluded.verdict, license_spdx = excluded.license_spdx, "
        "attribution = excluded.attribution, reasons = excluded.reasons, "
        "decided_at = excluded.decided_at",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_id);
    sqlite3_bind_text(stmt, 2, policy, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, verdict, -1, SQLITE_TRANSIENT);
    catalog_bind_text_or_null(stmt, 4, license_spdx);
    catalog_bind_text_or_null(stmt, 5, attribution_json);
    sqlite3_bind_text(stmt, 6, reasons_json ? reasons_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 7, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "storing a verdict");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_get_verdicts(catalog *cat, int64_t image_id, catalog_verdict_row **out, size_t *count,
                         cs_error *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT policy, verdict, license_spdx, attribution, reasons, "
                             "decided_at FROM verdicts WHERE image_id = ? ORDER BY policy",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_id);
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        catalog_verdict_row *grown = realloc(*out, (*count + 1) * sizeof *grown);
        if (!grown) {
            rc = cs_error_set(err, CS_ENOMEM, "catalog: out of memory");
            break;
        }
        *out = grown;
        catalog_verdict_row *v = &grown[(*count)++];
        v->policy = catalog_column_strdup(stmt, 0);
        v->verdict = catalog_column_strdup(stmt, 1);
        v->license_spdx = catalog_column_strdup(stmt, 2);
        v->attribution = catalog_column_strdup(stmt, 3);
        v->reasons = catalog_column_strdup(stmt, 4);
        v->decided_at = sqlite3_column_int64(stmt, 5);
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading verdicts");
    sqlite3_finalize(stmt);
    return rc;
}

void catalog_verdict_rows_free(catalog_verdict_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++) {
        free(rows[i].policy), free(rows[i].verdict), free(rows[i].license_spdx);
        free(rows[i].attribution), free(rows[i].reasons);
    }
    free(rows);
}

int catalog_find_image_by_url(catalog *cat, const char *url, int64_t *image_id, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc =
        catalog_prepare(cat,
                        "SELECT iu.image_id FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                        "WHERE u.url = ? ORDER BY iu.image_id LIMIT 1",
                        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, url, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        *image_id = sqlite3_column_int64(stmt, 0);
    else if (step == SQLITE_DONE)
        rc = cs_error_set(err, CS_ENOTFOUND, "no image was served at %s", url);
    else
        rc = catalog_db_error(cat, err, "finding an image by URL");
    sqlite3_finalize(stmt);
    return rc;
}
