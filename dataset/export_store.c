/*
 * export_store.c - the catalog queries behind `clearset export`: the images
 * whose stored verdict under a policy is cleared, with what an export writes
 * about each (its first URL and host, the page it was shown on, its caption
 * and alt text, the verdict's licence, attribution and reasons), the
 * near-duplicate clusters they belong to, what the export leaves out and why,
 * and the catalog's own time for the snapshot.
 *
 * "First" is always by row id, so the same catalog gives the same answer:
 * an export must be byte-identical when run twice. Reasons are counted with
 * SQLite's json_each over the stored reasons array.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

#define EXPORT_TEXTS(r)                                                                            \
    {                                                                                              \
        &(r)->media_type, &(r)->license_spdx, &(r)->attribution, &(r)->reasons, &(r)->image_url,   \
            &(r)->host, &(r)->page_url, &(r)->caption, &(r)->alt                                   \
    }

static int read_export_row(catalog_cursor *row, void *target)
{
    catalog_export_row *r = target;
    char **const texts[] = EXPORT_TEXTS(r);
    r->image_id = catalog_column_int64(row, 0);
    catalog_column_copy(row, 1, r->sha256, sizeof r->sha256);
    r->byte_size = catalog_column_int64(row, 2);
    r->width = (int)catalog_column_int_or(row, 3, 0);
    r->height = (int)catalog_column_int_or(row, 4, 0);
    r->pdq_quality = (int)catalog_column_int_or(row, 5, -1);
    r->fetched_at = catalog_column_int_or(row, 6, 0);
    return catalog_column_texts(row, 7, texts, CS_ARRAY_LEN(texts));
}

static void clear_export_row(void *item)
{
    char **const texts[] = EXPORT_TEXTS((catalog_export_row *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

/* The columns read_export_row reads, from images i, verdicts v, hashes h, urls u, hosts ho. */
#define EXPORT_ROW_QUERY                                                                           \
    "WITH first_url AS ("                                                                          \
    "  SELECT iu.image_id, min(iu.url_id) AS url_id FROM image_urls iu GROUP BY iu.image_id) "     \
    "SELECT i.id, i.sha256, i.byte_size, coalesce(nullif(i.width, 0), h.width), "                  \
    "  coalesce(nullif(i.height, 0), h.height), h.pdq_quality, "                                   \
    "  (SELECT min(f.started_at) FROM image_urls iu JOIN fetches f ON f.id = iu.fetch_id "         \
    "   WHERE iu.image_id = i.id), "                                                               \
    "  i.media_type, v.license_spdx, v.attribution, v.reasons, u.url, ho.origin, "                 \
    "  (SELECT pu.url FROM sightings s JOIN pages p ON p.id = s.page_id "                          \
    "   JOIN urls pu ON pu.id = p.url_id WHERE s.image_id = i.id ORDER BY s.id LIMIT 1), "         \
    "  (SELECT trim(s.caption) FROM sightings s WHERE s.image_id = i.id "                          \
    "   AND trim(coalesce(s.caption, '')) != '' ORDER BY s.id LIMIT 1), "                          \
    "  (SELECT trim(s.alt) FROM sightings s WHERE s.image_id = i.id "                              \
    "   AND trim(coalesce(s.alt, '')) != '' ORDER BY s.id LIMIT 1) "

int catalog_export_rows(catalog *cat, const char *policy, catalog_export_row **out, size_t *count,
                        cs_error *err)
{
    return catalog_rows_into(
        cat, "reading the cleared images",
        EXPORT_ROW_QUERY
        "FROM verdicts v JOIN images i ON i.id = v.image_id "
        "LEFT JOIN hashes h ON h.image_id = i.id "
        "LEFT JOIN first_url fu ON fu.image_id = i.id LEFT JOIN urls u ON u.id = fu.url_id "
        "LEFT JOIN hosts ho ON ho.id = u.host_id "
        "WHERE v.policy = ?1 AND v.verdict = 'cleared' AND i.source != 'protected' "
        "ORDER BY i.id",
        CATALOG_ARGS(catalog_text(policy)), read_export_row, clear_export_row, sizeof **out,
        (void **)out, count, err);
}

int catalog_report_images(catalog *cat, const char *policy, const char *verdict, int64_t limit,
                          catalog_export_row **out, size_t *count, cs_error *err)
{
    return catalog_rows_into(
        cat, "reading images by verdict",
        EXPORT_ROW_QUERY
        "FROM images i LEFT JOIN verdicts v ON v.image_id = i.id AND v.policy = ?1 "
        "LEFT JOIN hashes h ON h.image_id = i.id "
        "LEFT JOIN first_url fu ON fu.image_id = i.id LEFT JOIN urls u ON u.id = fu.url_id "
        "LEFT JOIN hosts ho ON ho.id = u.host_id "
        "WHERE coalesce(v.verdict, 'none') = ?2 AND i.source != 'protected' "
        "ORDER BY i.id LIMIT ?3",
        CATALOG_ARGS(catalog_text(policy), catalog_text(verdict), catalog_int(limit)),
        read_export_row, clear_export_row, sizeof **out, (void **)out, count, err);
}

void catalog_export_rows_free(catalog_export_row *rows, size_t count)
{
    for (size_t i = 0; rows && i < count; i++)
        clear_export_row(&rows[i]);
    free(rows);
}

static int read_member(catalog_cursor *row, void *target)
{
    catalog_cluster_member *m = target;
    m->cluster_id = catalog_column_int64(row, 0);
    m->image_id = catalog_column_int64(row, 1);
    return CS_OK;
}

int catalog_export_near_members(catalog *cat, const char *policy, catalog_cluster_member **out,
                                size_t *count, cs_error *err)
{
    return catalog_rows_into(
        cat, "reading near-duplicate clusters",
        "SELECT m.cluster_id, m.image_id FROM cluster_members m "
        "JOIN clusters c ON c.id = m.cluster_id "
        "JOIN verdicts v ON v.image_id = m.image_id AND v.policy = ?1 "
        "WHERE c.kind = 'near' AND v.verdict = 'cleared' ORDER BY m.cluster_id, m.image_id",
        CATALOG_ARGS(catalog_text(policy)), read_member, NULL, sizeof **out, (void **)out, count,
        err);
}

int catalog_export_exclusions(catalog *cat, const char *policy, catalog_count **out, size_t *count,
                              cs_error *err)
{
    /* The reasons' rules: SQLite's json_each; PostgreSQL's jsonb_array_elements, whose
       cast needs valid JSON (which every verdict row clearance writes is). */
    const char *sql = catalog_sql(
        cat,
        "SELECT name, n FROM ("
        " SELECT v.verdict AS name, count(*) AS n FROM verdicts v JOIN images i ON i.id = "
        "  v.image_id WHERE v.policy = ?1 AND v.verdict != 'cleared' AND i.source != 'protected' "
        "  GROUP BY v.verdict "
        " UNION ALL "
        " SELECT v.verdict || ':' || coalesce(json_extract(r.value, '$.rule'), '?'), "
        "  count(DISTINCT v.image_id) FROM verdicts v JOIN images i ON i.id = v.image_id, "
        "  json_each(CASE WHEN json_valid(v.reasons) THEN v.reasons ELSE '[]' END) r "
        "  WHERE v.policy = ?1 AND v.verdict != 'cleared' AND i.source != 'protected' "
        "  GROUP BY 1) ORDER BY name",
        "SELECT name, n FROM ("
        " SELECT v.verdict AS name, count(*) AS n FROM verdicts v JOIN images i ON i.id = "
        "  v.image_id WHERE v.policy = ?1 AND v.verdict != 'cleared' AND i.source != 'protected' "
        "  GROUP BY v.verdict "
        " UNION ALL "
        " SELECT v.verdict || ':' || coalesce(r.value->>'rule', '?'), "
        "  count(DISTINCT v.image_id) FROM verdicts v JOIN images i ON i.id = v.image_id, "
        "  jsonb_array_elements(CASE WHEN jsonb_typeof(v.reasons::jsonb) = 'array' "
        "    THEN v.reasons::jsonb ELSE '[]'::jsonb END) r "
        "  WHERE v.policy = ?1 AND v.verdict != 'cleared' AND i.source != 'protected' "
        "  GROUP BY 1) AS counts ORDER BY name");
    return catalog_rows_into(cat, "counting excluded images", sql,
                             CATALOG_ARGS(catalog_text(policy)), catalog_read_count,
                             catalog_clear_count, sizeof **out, (void **)out, count, err);
}

int catalog_export_snapshot(catalog *cat, const char *policy, int64_t *snapshot_ms, cs_error *err)
{
    *snapshot_ms = 0;
    int rc = catalog_row(cat, "reading the catalog's latest time",
                         "SELECT max(t) FROM (SELECT max(started_at) AS t FROM fetches "
                         "UNION ALL SELECT max(decided_at) FROM verdicts WHERE policy = ?1 "
                         "UNION ALL SELECT 0) AS times",
                         CATALOG_ARGS(catalog_text(policy)), catalog_read_int64, snapshot_ms, err);
    return rc == CS_ENOTFOUND ? CS_OK : rc;
}
