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

    /* a new image's id comes back from the insert; a known one's is read */
    rc = catalog_insert_id(
        cat, "recording an image",
        "INSERT INTO images (sha256, blob_path, media_type, byte_size, width, height, source, "
        "first_seen_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(sha256) DO NOTHING",
        CATALOG_ARGS(
            catalog_text(sha), catalog_text(relative),
            catalog_text(info && info->media_type ? info->media_type : "application/octet-stream"),
            catalog_int((int64_t)n), catalog_positive_or_null(info ? info->width : 0),
            catalog_positive_or_null(info ? info->height : 0),
            catalog_text(info && info->source ? info->source : "crawl"), catalog_int(cs_now_ms())),
        image_id, err);
    if (is_new) *is_new = rc == CS_OK;
    if (rc != CS_ENOTFOUND) return rc;
    rc = catalog_row(cat, "finding an image", "SELECT id FROM images WHERE sha256 = ?",
                     CATALOG_ARGS(catalog_text(sha)), catalog_read_int64, image_id, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_EDB, "catalog %s: image %s neither added nor found", cat->path,
                          sha);
    return rc;
}

static int read_image(catalog_cursor *row, void *target)
{
    catalog_image *out = target;
    out->id = catalog_column_int64(row, 0);
    catalog_column_copy(row, 1, out->sha256, sizeof out->sha256);
    out->blob_path = catalog_column_strdup(row, 2);
    out->media_type = catalog_column_strdup(row, 3);
    out->byte_size = catalog_column_int64(row, 4);
    out->width = catalog_column_int(row, 5);
    out->height = catalog_column_int(row, 6);
    out->source = catalog_column_strdup(row, 7);
    out->first_seen_at = catalog_column_int64(row, 8);
    return CS_OK;
}

#define IMAGE_COLUMNS                                                                              \
    "SELECT id, sha256, blob_path, media_type, byte_size, width, height, source, first_seen_at "   \
    "FROM images "

static int get_image(catalog *cat, const char *sql, catalog_value key, const char *name,
                     catalog_image *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = catalog_row(cat, "reading an image", sql, &key, 1, read_image, out, err);
    if (rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_ENOTFOUND, "catalog %s: no image %s", cat->path, name);
    return rc;
}

int catalog_get_image(catalog *cat, int64_t id, catalog_image *out, cs_error *err)
{
    return get_image(cat, IMAGE_COLUMNS "WHERE id = ?", catalog_int(id), "with that id", out, err);
}

int catalog_find_image_by_sha256(catalog *cat, const char *sha256_hex, catalog_image *out,
                                 cs_error *err)
{
    return get_image(cat, IMAGE_COLUMNS "WHERE sha256 = ?", catalog_text(sha256_hex), sha256_hex,
                     out, err);
}

void catalog_image_clear(catalog_image *image)
{
    if (image == NULL) return;
    free(image->blob_path);
    free(image->media_type);
    free(image->source);
    memset(image, 0, sizeof *image);
}
