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

int catalog_list_unhashed(catalog *cat, catalog_unhashed **out, size_t *count, cs_error *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT i.id, i.sha256 FROM images i "
                             "LEFT JOIN hashes h ON h.image_id = i.id "
                             "WHERE h.image_id IS NULL ORDER BY i.id",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cs_array_reserve((void **)out, &cap, *count, sizeof(**out), 0) != CS_OK) {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory listing images");
            break;
        }
        catalog_unhashed *u = &(*out)[(*count)++];
        u->image_id = sqlite3_column_int64(stmt, 0);
        const unsigned char *sha = sqlite3_column_text(stmt, 1);
        cs_strlcpy(u->sha256, sha ? (const char *)sha : "", sizeof(u->sha256));
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "listing images");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

int catalog_put_hashes(catalog *cat, const catalog_hash_row *row, cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT OR REPLACE INTO hashes (image_id, pdq, pdq_quality, phash, "
                             "width, height, computed_at) VALUES (?,?,?,?,?,?,?)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, row->image_id);
    sqlite3_bind_text(stmt, 2, row->pdq, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 3, row->pdq_quality);
    sqlite3_bind_text(stmt, 4, row->phash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 5, row->width);
    sqlite3_bind_int(stmt, 6, row->height);
    sqlite3_bind_int64(stmt, 7, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording hashes");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_list_hashes(catalog *cat, catalog_hash_row **out, size_t *count, cs_error *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "SELECT image_id, pdq, pdq_quality, phash, width, height "
                             "FROM hashes ORDER BY image_id",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (cs_array_reserve((void **)out, &cap, *count, sizeof(**out), 0) != CS_OK) {
            rc = cs_error_set(err, CS_ENOMEM, "out of memory reading hashes");
            break;
        }
        catalog_hash_row *r = &(*out)[(*count)++];
        memset(r, 0, sizeof(*r));
        r->image_id = sqlite3_column_int64(stmt, 0);
        const unsigned char *pdq = sqlite3_column_text(stmt, 1);
        cs_strlcpy(r->pdq, pdq ? (const char *)pdq : "", sizeof(r->pdq));
        r->pdq_quality = sqlite3_column_int(stmt, 2);
        const unsigned char *ph = sqlite3_column_text(stmt, 3);
        cs_strlcpy(r->phash, ph ? (const char *)ph : "", sizeof(r->phash));
        r->width = sqlite3_column_int(stmt, 4);
        r->height = sqlite3_column_int(stmt, 5);
    }
    if (rc == CS_OK && step != SQLITE_DONE) rc = catalog_db_error(cat, err, "reading hashes");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return rc;
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
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat, "INSERT INTO clusters (kind, threshold, created_at) VALUES (?,?,?)", &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 2, threshold);
    sqlite3_bind_int64(stmt, 3, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = catalog_db_error(cat, err, "recording a cluster");
    else
        *cluster_id = sqlite3_last_insert_rowid(cat->db);
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_add_cluster_member(catalog *cat, int64_t cluster_id, int64_t image_id, int distance,
                               cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat,
                             "INSERT OR IGNORE INTO cluster_members (cluster_id, image_id, "
                             "distance) VALUES (?,?,?)",
                             &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, cluster_id);
    sqlite3_bind_int64(stmt, 2, image_id);
    sqlite3_bind_int(stmt, 3, distance);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = catalog_db_error(cat, err, "recording a cluster member");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_set_cluster_conflict(catalog *cat, int64_t cluster_id, const char *reason,
                                 cs_error *err)
{
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat, "UPDATE clusters SET license_conflict = 1, conflict_reason = ? WHERE id = ?", &stmt,
        err);
    if (rc != CS_OK) return rc;
    catalog_bind_text_or_null(stmt, 1, reason);
    sqlite3_bind_int64(stmt, 2, cluster_id);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = catalog_db_error(cat, err, "marking a licence conflict");
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_image_rights(catalog *cat, int64_t image_id, char ***out, size_t *count, cs_error *err)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(
        cat,
        "SELECT DISTINCT coalesce(license_spdx, rights_claim) FROM rights_evidence r "
        "WHERE image_id = ?1 AND coalesce(license_spdx, rights_claim) IS NOT NULL "
        "AND NOT (license_spdx IS NULL AND rights_claim = 'copyright' AND EXISTS ("
        "  SELECT 1 FROM rights_evidence x WHERE x.image_id = ?1 AND x.license_spdx IS NOT NULL)) "
        "ORDER BY 1",
        &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_int64(stmt, 1, image_id);
    size_t cap = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        char *s = catalog_column_strdup(stmt, 0);
        if (!s || cs_array_reserve((void **)out, &cap, *count, sizeof(char *), 0) != CS_OK) {
            free(s);
            rc = cs_error_set(err, CS_ENOMEM, "out of memory reading rights evidence");
            break;
        }
        (*out)[(*count)++] = s;
    }
    if (rc == CS_OK && step != SQLITE_DONE)
        rc = catalog_db_error(cat, err, "reading rights evidence");
    sqlite3_finalize(stmt);
    if (rc != CS_OK) {
        catalog_strings_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return rc;
}

void catalog_strings_free(char **strings, size_t count)
{
    if (!strings) return;
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}
