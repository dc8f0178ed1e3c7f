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

int catalog_clearance_images(catalog *cat, int64_t **ids, size_t *count, cs_error *err)
{
    return catalog_query_ids(cat, "SELECT id FROM images WHERE source != 'protected' ORDER BY id",
                             ids, count, err);
}

/* The text fields of each row struct, in the order its query selects them. */
#define EVIDENCE_TEXTS(e)                                                                          \
    {                                                                                              \
        &(e)->origin, &(e)->field, &(e)->raw_value, &(e)->license_spdx, &(e)->license_url,         \
            &(e)->rights_claim, &(e)->confidence, &(e)->attribution_name, &(e)->attribution_url,   \
            &(e)->title, &(e)->creator, &(e)->found_at, &(e)->image_url, &(e)->license_scope       \
    }
#define OPTOUT_TEXTS(o)                                                                            \
    {                                                                                              \
        &(o)->scope, &(o)->kind, &(o)->raw_value, &(o)->effect, &(o)->found_at, &(o)->resource     \
    }
#define VERDICT_TEXTS(v)                                                                           \
    {                                                                                              \
        &(v)->policy, &(v)->verdict, &(v)->license_spdx, &(v)->attribution, &(v)->reasons          \
    }

static int read_evidence_row(catalog_cursor *row, void *target)
{
    catalog_evidence_row *e = target;
    char **const texts[] = EVIDENCE_TEXTS(e);
    e->id = catalog_column_int64(row, 0);
    e->page_id = catalog_column_int64(row, 1);
    return catalog_column_texts(row, 2, texts, CS_ARRAY_LEN(texts));
}

static void clear_evidence_row(void *item)
{
    char **const texts[] = EVIDENCE_TEXTS((catalog_evidence_row *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

static int read_optout_row(catalog_cursor *row, void *target)
{
    catalog_optout_row *o = target;
    char **const texts[] = OPTOUT_TEXTS(o);
    o->id = catalog_column_int64(row, 0);
    return catalog_column_texts(row, 1, texts, CS_ARRAY_LEN(texts));
}

static void clear_optout_row(void *item)
{
    char **const texts[] = OPTOUT_TEXTS((catalog_optout_row *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

static int read_near_row(catalog_cursor *row, void *target)
{
    catalog_near_row *n = target;
    n->cluster_id = catalog_column_int64(row, 0);
    n->image_id = catalog_column_int64(row, 1);
    catalog_column_copy(row, 2, n->sha256, sizeof n->sha256);
    n->kind = catalog_column_strdup(row, 3);
    int d1 = catalog_column_int(row, 4), d2 = catalog_column_int(row, 5);
    n->distance = d1 == 0 ? d2 : d2 == 0 ? d1 : d1 + d2; /* triangle bound via the first */
    n->is_protected = catalog_column_int(row, 6);
    n->conflict = catalog_column_strdup(row, 7);
    n->verdict = catalog_column_strdup(row, 8);
    n->inliers = catalog_column_int(row, 9);
    n->work_coverage = catalog_column_double(row, 10);
    n->query_coverage = catalog_column_double(row, 11);
    return CS_OK;
}

static void clear_near_row(void *item)
{
    catalog_near_row *n = item;
    free(n->kind), free(n->conflict), free(n->verdict);
}

/* Each query of the facts, into its array of the facts struct. */
static int read_facts(catalog *cat, catalog_image_facts *f, const char *policy, cs_error *err)
{
    catalog_value image = catalog_int(f->image_id);
    int rc =
        catalog_rows_into(cat, "reading image URLs",
                          "SELECT u.url FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                          "WHERE iu.image_id = ?1 ORDER BY u.id",
                          &image, 1, catalog_read_string, catalog_clear_string,
                          sizeof *f->image_urls, (void **)&f->image_urls, &f->image_url_count, err);
    if (rc == CS_OK)
        rc = catalog_rows_into(
            cat, "reading page URLs",
            "SELECT u.url FROM urls u WHERE u.id IN (SELECT p.url_id FROM sightings s "
            "JOIN pages p ON p.id = s.page_id WHERE s.image_id = ?1) ORDER BY u.id",
            &image, 1, catalog_read_string, catalog_clear_string, sizeof *f->page_urls,
            (void **)&f->page_urls, &f->page_url_count, err);
    if (rc == CS_OK)
        rc = catalog_rows_into(cat, "reading listed captions",
                               "SELECT s.caption FROM sightings s WHERE s.image_id = ?1 AND "
                               "s.page_id IS NULL AND s.caption IS NOT NULL "
                               "GROUP BY s.caption ORDER BY min(s.id)",
                               &image, 1, catalog_read_string, catalog_clear_string,
                               sizeof *f->list_captions, (void **)&f->list_captions,
                               &f->list_caption_count, err);
    if (rc == CS_OK)
        rc = catalog_rows_into(
            cat, "reading evidence",
            "SELECT r.id, coalesce(r.page_id, 0), r.origin, r.field, r.raw_value, r.license_spdx, "
            "r.license_url, r.rights_claim, r.confidence, r.attribution_name, r.attribution_url, "
            "r.title, r.creator, r.found_at, "
            "(SELECT u.url FROM sightings s JOIN urls u ON u.id = s.image_url_id "
            " WHERE s.page_id = r.page_id AND s.image_id = r.image_id ORDER BY s.id LIMIT 1), "
            "coalesce(r.scope, (SELECT s.license_scope FROM sightings s "
            " WHERE s.page_id = r.page_id AND s.image_id = r.image_id ORDER BY s.id LIMIT 1)) "
            "FROM rights_evidence r WHERE r.image_id = ?1 ORDER BY r.id",
            &image, 1, read_evidence_row, clear_evidence_row, sizeof *f->evidence,
            (void **)&f->evidence, &f->evidence_count, err);
    if (rc == CS_OK)
        rc = catalog_rows_into(
            cat, "reading opt-outs",
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
            &image, 1, read_optout_row, clear_optout_row, sizeof *f->optouts, (void **)&f->optouts,
            &f->optout_count, err);
    if (rc == CS_OK)
        rc = catalog_rows_into(
            cat, "reading clusters",
            "SELECT c.id, m2.image_id, i.sha256, c.kind, m1.distance, m2.distance, "
            "EXISTS (SELECT 1 FROM protected_works p WHERE p.image_id = m2.image_id), "
            "c.conflict_reason, "
            "(SELECT v.verdict FROM verdicts v WHERE v.image_id = m2.image_id AND v.policy = ?2), "
            "0, 0.0, 0.0 "
            "FROM cluster_members m1 JOIN clusters c ON c.id = m1.cluster_id "
            "JOIN cluster_members m2 ON m2.cluster_id = m1.cluster_id "
            "AND m2.image_id != m1.image_id "
            "JOIN images i ON i.id = m2.image_id WHERE m1.image_id = ?1 "
            "UNION ALL "
            "SELECT 0, l.work_image_id, i.sha256, 'local', l.pdq_distance, 0, "
            "EXISTS (SELECT 1 FROM protected_works p WHERE p.image_id = l.work_image_id), NULL, "
            "(SELECT v.verdict FROM verdicts v WHERE v.image_id = l.work_image_id "
            "AND v.policy = ?2), l.inliers, l.work_coverage, l.query_coverage "
            "FROM local_matches l JOIN images i ON i.id = l.work_image_id "
            "WHERE l.image_id = ?1 AND l.policy = ?2 ORDER BY 1, 2",
            CATALOG_ARGS(image, catalog_text(policy)), read_near_row, clear_near_row,
            sizeof *f->near, (void **)&f->near, &f->near_count, err);
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
    rc = read_facts(cat, out, policy, err);
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
    for (size_t i = 0; i < f->list_caption_count; i++)
        free(f->list_captions[i]);
    free(f->list_captions);
    for (size_t i = 0; i < f->evidence_count; i++)
        clear_evidence_row(&f->evidence[i]);
    free(f->evidence);
    for (size_t i = 0; i < f->optout_count; i++)
        clear_optout_row(&f->optouts[i]);
    free(f->optouts);
    for (size_t i = 0; i < f->near_count; i++)
        clear_near_row(&f->near[i]);
    free(f->near);
    memset(f, 0, sizeof *f);
}

int catalog_put_verdict(catalog *cat, int64_t image_id, const char *policy, const char *verdict,
                        const char *license_spdx, const char *attribution_json,
                        const char *reasons_json, cs_error *err)
{
    return catalog_run(
        cat, "storing a verdict",
        "INSERT INTO verdicts (image_id, policy, verdict, license_spdx, attribution, reasons, "
        "decided_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id, policy) DO UPDATE SET "
        "verdict = excluded.verdict, license_spdx = excluded.license_spdx, "
        "attribution = excluded.attribution, reasons = excluded.reasons, "
        "decided_at = excluded.decided_at",
        CATALOG_ARGS(catalog_int(image_id), catalog_text(policy), catalog_text(verdict),
                     catalog_text(license_spdx), catalog_text(attribution_json),
                     catalog_text(reasons_json ? reasons_json : "[]"), catalog_int(cs_now_ms())),
        err);
}

static int read_verdict_row(catalog_cursor *row, void *target)
{
    catalog_verdict_row *v = target;
    char **const texts[] = VERDICT_TEXTS(v);
    v->decided_at = catalog_column_int64(row, 5);
    return catalog_column_texts(row, 0, texts, CS_ARRAY_LEN(texts));
}

static void clear_verdict_row(void *item)
{
    char **const texts[] = VERDICT_TEXTS((catalog_verdict_row *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

int catalog_get_verdicts(catalog *cat, int64_t image_id, catalog_verdict_row **out, size_t *count,
                         cs_error *err)
{
    return catalog_rows_into(cat, "reading verdicts",
                             "SELECT policy, verdict, license_spdx, attribution, reasons, "
                             "decided_at FROM verdicts WHERE image_id = ? ORDER BY policy",
                             CATALOG_ARGS(catalog_int(image_id)), read_verdict_row,
                             clear_verdict_row, sizeof **out, (void **)out, count, err);
}

void catalog_verdict_rows_free(catalog_verdict_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        clear_verdict_row(&rows[i]);
    free(rows);
}

int catalog_find_image_by_url(catalog *cat, const char *url, int64_t *image_id, cs_error *err)
{
    int rc = catalog_row(cat, "finding an image by URL",
                         "SELECT iu.image_id FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                         "WHERE u.url = ? ORDER BY iu.image_id LIMIT 1",
                         CATALOG_ARGS(catalog_text(url)), catalog_read_int64, image_id, err);
    if (rc == CS_ENOTFOUND) rc = cs_error_set(err, CS_ENOTFOUND, "no image was served at %s", url);
    return rc;
}
