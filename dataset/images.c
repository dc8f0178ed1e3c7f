/*
 * images.c - recording image contents in the catalog.
 *
 * Order matters for crash safety: the blob is written (and fsync'd) first,
 * the row second. A crash in between leaves an orphan blob, which is harmless
 * (the next identical download reuses it); it can never leave a row that
 * points at a missing or partial blob.
 */
#include "dataset/dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int catalog_add_image(catalog *cat, const void *bytes, size_t n, const catalog_image_info *info,
                      int64_t *image_id, int *is_new, cs_error *err)
{
    char sha[CS_SHA256_HEX], relative[CS_SHA256_HEX + 2];
    int rc = blob_store_put(cat->blobs, bytes, n, sha, err);
    if (rc != CS_OK) return rc;
    blob_store_relative_path(sha, relative, sizeof relative);

    sqlite3_stmt *stmt;
    rc = catalog_prepare(cat,
                         "INSERT INTO images (sha256, blob_path, media_type, byte_size, width, "
                         "height, source, first_seen_at) VALUES (?,?,?,?,?,?,?,?) "
                         "ON CONFLICT(sha256) DO NOTHING",
                         &stmt, err);
    if (rc != CS_OK) return rc;
    sqlite3_bind_text(stmt, 1, sha, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, relative, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3,
                      info && info->media_type ? info->media_type : "application/octet-stream", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)n);
    if (info && info->width > 0) sqlite3_bind_int(stmt, 5, info->width);
    if (info && info->height > 0) sqlite3_bind_int(stmt, 6, info->height);
    sqlite3_bind_text(stmt, 7, info && info->source ? info->source : "crawl", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 8, cs_now_ms());
    if (sqlite3_step(stmt) != SQLITE_DONE) rc = catalog_db_error(cat, err, "recording an image");
    int created = sqlite3_changes(cat->db) > 0;
    sqlite3_finalize(stmt);
    if (rc != CS_OK) return rc;
    if (is_new) *is_new = created;

    catalog_image image;
    rc = catalog_find_image_by_sha256(cat, sha, &image, err);
    if (rc != CS_OK) return rc;
    *image_id = image.id;
    catalog_image_clear(&image);
    return CS_OK;
}

static int get_image_where(catalog *cat, const char *where, int64_t id, const char *sha,
                           catalog_image *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT id, sha256, blob_path, media_type, byte_size, width, height, source, "
             "first_seen_at FROM images WHERE %s",
             where);
    sqlite3_stmt *stmt;
    int rc = catalog_prepare(cat, sql, &stmt, err);
    if (rc != CS_OK) return rc;
    if (sha)
        sqlite3_bind_text(stmt, 1, sha, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(stmt, 1, id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(stmt, 0);
        const unsigned char *hex = sqlite3_column_text(stmt, 1);
        cs_strlcpy(out->sha256, hex ? (const char *)hex : "", sizeof out->sha256);
        out->blob_path = catalog_column_strdup(stmt, 2);
        out->media_type = catalog_column_strdup(stmt, 3);
        out->byte_size = sqlite3_column_int64(stmt, 4);
        out->width = sqlite3_column_int(stmt, 5);
        out->height = sqlite3_column_int(stmt, 6);
        out->source = catalog_column_strdup(stmt, 7);
        out->first_seen_at = sqlite3_column_int64(stmt, 8);
    } else if (step == SQLITE_DONE) {
        rc = cs_error_set(err, CS_ENOTFOUND, "catalog %s: no image %s", cat->path,
                          sha ? sha : "with that id");
    } else {
        rc = catalog_db_error(cat, err, "reading an image");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int catalog_get_image(catalog *cat, int64_t id, catalog_image *out, cs_error *err)
{
    return get_image_where(cat, "id = ?", id, NULL, out, err);
}

int catalog_find_image_by_sha256(catalog *cat, const char *sha256_hex, catalog_image *out,
                                 cs_error *err)
{
    return get_image_where(cat, "sha256 = ?", 0, sha256_hex, out, err);
}

void catalog_image_clear(catalog_image *image)
{
    if (image == NULL) return;
    free(image->blob_path);
    free(image->media_type);
    free(image->source);
    memset(image, 0, sizeof *image);
}
