/*
 * audit_store.c - the catalog side of the similarity audit: registered
 * protected works, each image's local features, the works an audit or a
 * clearance compares against, and the local matches clearance records.
 *
 * A registered work is an image row (source 'protected' when the bytes were
 * not crawled too) plus a protected_works row saying who claims it; removing
 * the registration keeps the image row, since hashes and features may refer
 * to it. "Protected" anywhere in the catalog means: has a protected_works row.
 *
 * catalog_each_work streams its rows one at a time through a callback, so an
 * audit holds one row of the catalog in memory besides what it builds.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

int catalog_protect(catalog *cat, const void *bytes, size_t n, const catalog_protect_info *info,
                    int64_t *image_id, int *added, cs_error *err)
{
    catalog_image_info image = {.media_type = info->media_type,
                                .width = info->width,
                                .height = info->height,
                                .source = "protected"};
    int rc = catalog_add_image(cat, bytes, n, &image, image_id, NULL, err);
    if (rc != CS_OK) return rc;
    rc = catalog_run(cat, "registering a protected work",
                     "INSERT INTO protected_works (image_id, path, owner, note, registered_at) "
                     "VALUES (?,?,?,?,?) ON CONFLICT(image_id) DO NOTHING",
                     CATALOG_ARGS(catalog_int(*image_id), catalog_text(info->path),
                                  catalog_text(info->owner), catalog_text(info->note),
                                  catalog_int(cs_now_ms())),
                     err);
    if (rc != CS_OK) return rc;
    int created = catalog_changes(cat) > 0;
    if (added) *added = created;
    if (created || (!info->owner && !info->note)) return CS_OK;
    return catalog_run(
        cat, "updating a protected work",
        "UPDATE protected_works SET owner = coalesce(?2, owner), "
        "note = coalesce(?3, note) WHERE image_id = ?1",
        CATALOG_ARGS(catalog_int(*image_id), catalog_text(info->owner), catalog_text(info->note)),
        err);
}

#define PROTECTED_TEXTS(w)                                                                         \
    {                                                                                              \
        &(w)->path, &(w)->owner, &(w)->note                                                        \
    }

static int read_protected(catalog_cursor *row, void *target)
{
    catalog_protected_work *w = target;
    w->image_id = catalog_column_int64(row, 0);
    catalog_column_copy(row, 1, w->sha256, sizeof w->sha256);
    w->registered_at = catalog_column_int64(row, 2);
    char **const texts[] = PROTECTED_TEXTS(w);
    return catalog_column_texts(row, 3, texts, CS_ARRAY_LEN(texts));
}

static void clear_protected(void *item)
{
    char **const texts[] = PROTECTED_TEXTS((catalog_protected_work *)item);
    catalog_free_texts(texts, CS_ARRAY_LEN(texts));
}

int catalog_protected_list(catalog *cat, catalog_protected_work **out, size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "listing protected works",
                             "SELECT p.image_id, i.sha256, p.registered_at, p.path, p.owner, "
                             "p.note FROM protected_works p JOIN images i ON i.id = p.image_id "
                             "ORDER BY p.image_id",
                             CATALOG_NO_ARGS, read_protected, clear_protected, sizeof **out,
                             (void **)out, count, err);
}

void catalog_protected_works_free(catalog_protected_work *works, size_t count)
{
    for (size_t i = 0; works && i < count; i++)
        clear_protected(&works[i]);
    free(works);
}

int catalog_protected_remove(catalog *cat, int64_t image_id, cs_error *err)
{
    int rc = catalog_run(cat, "removing a protected work",
                         "DELETE FROM protected_works WHERE image_id = ?",
                         CATALOG_ARGS(catalog_int(image_id)), err);
    if (rc == CS_OK && catalog_changes(cat) == 0)
        return cs_error_set(err, CS_ENOTFOUND, "catalog %s: no protected work with id %lld",
                            cat->path, (long long)image_id);
    return rc;
}

int catalog_put_local_features(catalog *cat, int64_t image_id, const void *data, size_t n,
                               int keypoints, cs_error *err)
{
    return catalog_run(cat, "recording local features",
                       "INSERT INTO local_features (image_id, keypoints, data, computed_at) "
                       "VALUES (?,?,?,?) ON CONFLICT(image_id) DO UPDATE SET "
                       "keypoints = excluded.keypoints, data = excluded.data, "
                       "computed_at = excluded.computed_at",
                       CATALOG_ARGS(catalog_int(image_id), catalog_int(keypoints),
                                    catalog_blob(data ? data : "", n), catalog_int(cs_now_ms())),
                       err);
}

typedef struct blob_copy {
    unsigned char *data;
    size_t n;
} blob_copy;

static int read_blob(catalog_cursor *row, void *target)
{
    blob_copy *b = target;
    const void *bytes = catalog_column_bytes(row, 0, &b->n);
    if (bytes == NULL && !catalog_column_is_null(row, 0)) return CS_ENOMEM;
    b->data = malloc(b->n ? b->n : 1);
    if (!b->data) return CS_ENOMEM;
    if (b->n) memcpy(b->data, bytes, b->n);
    return CS_OK;
}

int catalog_get_local_features(catalog *cat, int64_t image_id, unsigned char **data, size_t *n,
                               cs_error *err)
{
    blob_copy b = {0};
    int rc = catalog_row(cat, "reading local features",
                         "SELECT data FROM local_features WHERE image_id = ?",
                         CATALOG_ARGS(catalog_int(image_id)), read_blob, &b, err);
    if (rc == CS_ENOTFOUND)
        return cs_error_set(err, CS_ENOTFOUND, "catalog %s: image %lld has no local features",
                            cat->path, (long long)image_id);
    *data = b.data;
    *n = b.n;
    return rc;
}

/*
 * Registered works first, then images blocked under ?1 for a reason other
 * than laundering (a rights claim or an opt-out: a laundered copy is not a
 * work of its own). The label of a catalog image is the first URL that
 * served it; its owner the first creator or attribution the evidence names.
 */
#define WORKS_SQL(blocked_rules)                                                                   \
    "WITH blocked AS ("                                                                            \
    "  SELECT v.image_id, " blocked_rules " AS why "                                               \
    "  FROM verdicts v WHERE CAST(?1 AS TEXT) IS NOT NULL AND v.policy = ?1 "                      \
    "    AND v.verdict = 'blocked' "                                                               \
    "    AND NOT EXISTS (SELECT 1 FROM protected_works p WHERE p.image_id = v.image_id)), "        \
    "works AS ("                                                                                   \
    "  SELECT p.image_id, 'protected' AS kind, p.path AS label, p.owner, p.note AS why "           \
    "  FROM protected_works p "                                                                    \
    "  UNION ALL "                                                                                 \
    "  SELECT b.image_id, 'blocked', "                                                             \
    "    (SELECT u.url FROM image_urls iu JOIN urls u ON u.id = iu.url_id "                        \
    "     WHERE iu.image_id = b.image_id ORDER BY u.id LIMIT 1), "                                 \
    "    (SELECT coalesce(e.creator, e.attribution_name) FROM rights_evidence e "                  \
    "     WHERE e.image_id = b.image_id AND coalesce(e.creator, e.attribution_name) IS NOT NULL "  \
    "     ORDER BY e.id LIMIT 1), b.why "                                                          \
    "  FROM blocked b WHERE b.why IS NOT NULL) "                                                   \
    "SELECT w.image_id, i.sha256, w.kind, w.label, w.owner, w.why, h.pdq, h.pdq_quality, "         \
    "  h.phash, coalesce(h.width, i.width, 0), coalesce(h.height, i.height, 0), f.data "           \
    "FROM works w JOIN images i ON i.id = w.image_id "                                             \
    "LEFT JOIN hashes h ON h.image_id = w.image_id "                                               \
    "LEFT JOIN local_features f ON f.image_id = w.image_id "                                       \
    "ORDER BY w.kind DESC, w.image_id"

/* A blocked verdict's rules but laundering, comma-separated, from its JSON reasons. */
static const char works_sql_sqlite[] =
    WORKS_SQL("(SELECT group_concat(rule, ', ') FROM (SELECT DISTINCT "
              "json_extract(r.value, '$.rule') AS rule FROM json_each(v.reasons) r "
              "WHERE json_extract(r.value, '$.rule') != 'laundering'))");
static const char works_sql_pg[] =
    WORKS_SQL("(SELECT string_agg(rule, ', ' ORDER BY rule) FROM (SELECT DISTINCT "
              "r.value->>'rule' AS rule FROM jsonb_array_elements(v.reasons::jsonb) r "
              "WHERE r.value->>'rule' != 'laundering') AS rules)");

typedef struct work_walk {
    int (*each)(void *arg, const catalog_work_row *row);
    void *arg;
} work_walk;

static int read_work(catalog_cursor *row, void *target)
{
    work_walk *walk = target;
    catalog_work_row w = {
        .image_id = catalog_column_int64(row, 0),
        .sha256 = catalog_column_text(row, 1),
        .kind = catalog_column_text(row, 2),
        .label = catalog_column_text(row, 3),
        .owner = catalog_column_text(row, 4),
        .why = catalog_column_text(row, 5),
        .pdq = catalog_column_text(row, 6),
        .pdq_quality = catalog_column_int(row, 7),
        .phash = catalog_column_text(row, 8),
        .width = catalog_column_int(row, 9),
        .height = catalog_column_int(row, 10),
    };
    w.local = catalog_column_bytes(row, 11, &w.local_len);
    if (w.local == NULL && !catalog_column_is_null(row, 11)) return CS_ENOMEM;
    int rc = walk->each(walk->arg, &w);
    return rc == 0 ? CS_OK : rc;
}

int catalog_each_work(catalog *cat, const char *policy,
                      int (*each)(void *arg, const catalog_work_row *row), void *arg, cs_error *err)
{
    work_walk walk = {each, arg};
    return catalog_rows(cat, "reading protected works",
                        catalog_sql(cat, works_sql_sqlite, works_sql_pg),
                        CATALOG_ARGS(catalog_text(policy)), read_work, &walk, err);
}

int catalog_clear_local_matches(catalog *cat, const char *policy, cs_error *err)
{
    return catalog_run(cat, "forgetting local matches",
                       "DELETE FROM local_matches WHERE policy = ?",
                       CATALOG_ARGS(catalog_text(policy)), err);
}

int catalog_add_local_match(catalog *cat, const char *policy, const catalog_local_match *m,
                            cs_error *err)
{
    return catalog_run(
        cat, "recording a local match",
        "INSERT INTO local_matches (image_id, work_image_id, policy, inliers, "
        "work_coverage, query_coverage, pdq_distance, found_at) VALUES (?,?,?,?,?,?,?,?) "
        "ON CONFLICT(image_id, work_image_id, policy) DO UPDATE SET inliers = excluded.inliers, "
        "work_coverage = excluded.work_coverage, query_coverage = excluded.query_coverage, "
        "pdq_distance = excluded.pdq_distance, found_at = excluded.found_at",
        CATALOG_ARGS(catalog_int(m->image_id), catalog_int(m->work_image_id), catalog_text(policy),
                     catalog_int(m->inliers), catalog_real(m->work_coverage),
                     catalog_real(m->query_coverage), catalog_int(m->pdq_distance),
                     catalog_int(cs_now_ms())),
        err);
}
