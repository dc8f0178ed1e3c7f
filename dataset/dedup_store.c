/*
 * dedup_store.c - the catalog queries `clearset dedup` needs: which images
 * still need hashing, reading and writing hashes rows, rebuilding clusters,
 * and the rights statements of each member for the licence-conflict check.
 *
 * Clusters are derived data: each dedup run deletes them all and writes the
 * new set inside the caller's transaction, so readers see either the old
 * clusters or the new ones.
 */
#include "dataset/dataset_internal.h"

#include <stdlib.h>
#include <string.h>

static int read_unhashed(catalog_cursor *row, void *target)
{
    catalog_unhashed *u = target;
    u->image_id = catalog_column_int64(row, 0);
    catalog_column_copy(row, 1, u->sha256, sizeof u->sha256);
    return CS_OK;
}

int catalog_list_unhashed(catalog *cat, catalog_unhashed **out, size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "listing images",
                             "SELECT i.id, i.sha256 FROM images i "
                             "LEFT JOIN hashes h ON h.image_id = i.id "
                             "LEFT JOIN local_features f ON f.image_id = i.id "
                             "WHERE h.image_id IS NULL OR f.image_id IS NULL ORDER BY i.id",
                             CATALOG_NO_ARGS, read_unhashed, NULL, sizeof **out, (void **)out,
                             count, err);
}

int catalog_put_hashes(catalog *cat, const catalog_hash_row *row, cs_error *err)
{
    return catalog_run(cat, "recording hashes",
                       "INSERT INTO hashes (image_id, pdq, pdq_quality, phash, width, height, "
                       "computed_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(image_id) DO UPDATE SET "
                       "pdq = excluded.pdq, pdq_quality = excluded.pdq_quality, "
                       "phash = excluded.phash, width = excluded.width, "
                       "height = excluded.height, computed_at = excluded.computed_at",
                       CATALOG_ARGS(catalog_int(row->image_id), catalog_text(row->pdq),
                                    catalog_int(row->pdq_quality), catalog_text(row->phash),
                                    catalog_int(row->width), catalog_int(row->height),
                                    catalog_int(cs_now_ms())),
                       err);
}

static int read_hash_row(catalog_cursor *row, void *target)
{
    catalog_hash_row *r = target;
    r->image_id = catalog_column_int64(row, 0);
    catalog_column_copy(row, 1, r->pdq, sizeof r->pdq);
    r->pdq_quality = catalog_column_int(row, 2);
    catalog_column_copy(row, 3, r->phash, sizeof r->phash);
    r->width = catalog_column_int(row, 4);
    r->height = catalog_column_int(row, 5);
    return CS_OK;
}

int catalog_list_hashes(catalog *cat, catalog_hash_row **out, size_t *count, cs_error *err)
{
    return catalog_rows_into(cat, "reading hashes",
                             "SELECT image_id, pdq, pdq_quality, phash, width, height "
                             "FROM hashes ORDER BY image_id",
                             CATALOG_NO_ARGS, read_hash_row, NULL, sizeof **out, (void **)out,
                             count, err);
}

int catalog_list_multi_url_images(catalog *cat, int64_t **out, size_t *count, cs_error *err)
{
    return catalog_query_ids(cat,
                             "SELECT image_id FROM image_urls GROUP BY image_id "
                             "HAVING count(DISTINCT url_id) >= 2 ORDER BY image_id",
                             out, count, err);
}

int catalog_clear_clusters(catalog *cat, cs_error *err)
{
    return catalog_exec(cat, "DELETE FROM cluster_members; DELETE FROM clusters;", err);
}

int catalog_add_cluster(catalog *cat, const char *kind, int threshold, int64_t *cluster_id,
                        cs_error *err)
{
    int rc = catalog_insert_id(
        cat, "recording a cluster",
        "INSERT INTO clusters (kind, threshold, created_at) VALUES (?,?,?)",
        CATALOG_ARGS(catalog_text(kind), catalog_int(threshold), catalog_int(cs_now_ms())),
        cluster_id, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_EDB, "catalog %s: recording a cluster: no row id came back",
                          cat->path);
    return rc;
}

int catalog_add_cluster_member(catalog *cat, int64_t cluster_id, int64_t image_id, int distance,
                               cs_error *err)
{
    return catalog_run(
        cat, "recording a cluster member",
        "INSERT INTO cluster_members (cluster_id, image_id, distance) VALUES (?,?,?) "
        "ON CONFLICT DO NOTHING",
        CATALOG_ARGS(catalog_int(cluster_id), catalog_int(image_id), catalog_int(distance)), err);
}

int catalog_set_cluster_conflict(catalog *cat, int64_t cluster_id, const char *reason,
                                 cs_error *err)
{
    return catalog_run(cat, "marking a licence conflict",
                       "UPDATE clusters SET license_conflict = 1, conflict_reason = ? WHERE id = ?",
                       CATALOG_ARGS(catalog_text(reason), catalog_int(cluster_id)), err);
}

int catalog_image_rights(catalog *cat, int64_t image_id, char ***out, size_t *count, cs_error *err)
{
    return catalog_rows_into(
        cat, "reading rights evidence",
        "SELECT DISTINCT coalesce(license_spdx, rights_claim) FROM rights_evidence r "
        "WHERE image_id = ?1 AND coalesce(license_spdx, rights_claim) IS NOT NULL "
        "AND NOT (license_spdx IS NULL AND rights_claim = 'copyright' AND EXISTS ("
        "  SELECT 1 FROM rights_evidence x WHERE x.image_id = ?1 AND x.license_spdx IS NOT NULL)) "
        "ORDER BY 1",
        CATALOG_ARGS(catalog_int(image_id)), catalog_read_string, catalog_clear_string,
        sizeof **out, (void **)out, count, err);
}

void catalog_strings_free(char **strings, size_t count)
{
    if (!strings) return;
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}
