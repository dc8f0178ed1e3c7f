/*
 * catalog.h - the catalog: everything clearset knows, in one SQLite file,
 * with image bytes beside it in a content-addressed blob store.
 *
 * The schema (dataset/schema.c) is the documentation of the data. Every other
 * folder reaches the catalog only through the functions declared here, so
 * the backend can change (PostgreSQL past one machine) without touching them.
 *
 * Promises:
 * - catalog_open creates a missing catalog, runs pending migrations in a
 *   transaction, and refuses (CS_EVERSION) a catalog written by a newer
 *   schema; it never loses data.
 * - The catalog uses WAL, foreign keys and a busy timeout, so several
 *   processes may open one catalog; a catalog handle is used by one thread at
 *   a time (open one handle per thread).
 * - An image row is written only after its blob is durable on disk, so a
 *   crash never leaves a row pointing at a missing or partial blob.
 * - Functions return CS_OK or a negative CS_E* code and fill err (may be NULL).
 *   Strings a function returns in a struct are owned by that struct and freed
 *   by its _free function.
 */
#ifndef CLEARSET_CATALOG_H
#define CLEARSET_CATALOG_H

#include "common/common.h"

#include <stddef.h>
#include <stdint.h>

#define CATALOG_SCHEMA_VERSION 1 /* the newest migration this build knows */

typedef struct catalog catalog;
typedef struct blob_store blob_store;

/* ---- Opening and transactions ------------------------------------------ */

/* Opens (creating if needed) the catalog at path and its blob store beside it. */
int catalog_open(const char *path, catalog **out, cs_error *err);
void catalog_close(catalog *cat);
/* The schema version the open catalog is at (== CATALOG_SCHEMA_VERSION). */
int catalog_schema_version(const catalog *cat);
const char *catalog_path(const catalog *cat);
/* The blob store beside the catalog; owned by the catalog. */
blob_store *catalog_blobs(catalog *cat);
/* The blob directory for a catalog path: "x.db" -> "x.blobs", else path + ".blobs". */
char *catalog_blob_dir_for(const char *catalog_path);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int catalog_begin(catalog *cat, cs_error *err);
int catalog_commit(catalog *cat, cs_error *err);
void catalog_rollback(catalog *cat);

/* ---- Blob store ---------------------------------------------------------- */
/*
 * Files named by the SHA-256 of their bytes: DIR/ab/cdef... (first two hex
 * digits as a folder). Writes are atomic (temporary file, fsync, rename), so a
 * blob file that exists is complete. Safe for several processes at once.
 */
int blob_store_open(const char *dir, blob_store **out, cs_error *err);
void blob_store_close(blob_store *store);
const char *blob_store_dir(const blob_store *store);
/* Stores bytes (if not already there) and writes their SHA-256 hex into sha256_hex. */
int blob_store_put(blob_store *store, const void *bytes, size_t n, char sha256_hex[CS_SHA256_HEX],
                   cs_error *err);
/* The relative path "ab/cdef..." of a hash, into out (at least CS_SHA256_HEX + 1 bytes). */
int blob_store_relative_path(const char *sha256_hex, char *out, size_t out_size);
/* The absolute path of a hash, into out. */
int blob_store_path(const blob_store *store, const char *sha256_hex, char *out, size_t out_size);
/* Reads a blob (at most max_bytes) into a new buffer the caller frees. */
int blob_store_get(const blob_store *store, const char *sha256_hex, size_t max_bytes,
                   unsigned char **out, size_t *out_len, cs_error *err);
/* Removes temporary files older than age_ms left by writers that were killed. */
int blob_store_sweep_temporaries(blob_store *store, int64_t age_ms, cs_error *err);

/* ---- Images ---------------------------------------------------------------- */

typedef struct catalog_image_info {
    const char *media_type; /* sniffed from bytes: "image/jpeg", ... */
    int width, height;      /* from the header; 0 when unknown */
    const char *source;     /* "crawl" (default when NULL), "import", "protected" */
} catalog_image_info;

/*
 * Stores the bytes in the blob store, then records the image (once per
 * distinct content). *image_id gets the row id; *is_new (may be NULL) 1 if the
 * row was created by this call.
 */
int catalog_add_image(catalog *cat, const void *bytes, size_t n, const catalog_image_info *info,
                      int64_t *image_id, int *is_new, cs_error *err);

typedef struct catalog_image {
    int64_t id;
    char sha256[CS_SHA256_HEX];
    char *blob_path; /* relative to the blob store */
    char *media_type;
    int64_t byte_size;
    int width, height;
    char *source;
    int64_t first_seen_at;
} catalog_image;

/* Looks an image up by id (CS_ENOTFOUND if absent). Free with catalog_image_clear. */
int catalog_get_image(catalog *cat, int64_t id, catalog_image *out, cs_error *err);
int catalog_find_image_by_sha256(catalog *cat, const char *sha256_hex, catalog_image *out,
                                 cs_error *err);
void catalog_image_clear(catalog_image *image);

/* ---- Status ---------------------------------------------------------------- */

typedef struct catalog_count {
    char *name;
    int64_t count;
} catalog_count;

typedef struct catalog_host_status {
    char *origin;
    int64_t urls, pages, images, failed, disallowed;
} catalog_host_status;

typedef struct catalog_status {
    int schema_version;
    int64_t hosts, urls, pages, images, image_bytes, hashed, clusters, signals;
    catalog_count *url_states; /* per frontier state */
    size_t url_state_count;
    catalog_count *verdicts; /* "policy:verdict" -> images */
    size_t verdict_count;
    catalog_count *licenses; /* SPDX id (or "none") -> distinct images */
    size_t license_count;
    catalog_host_status *per_host;
    size_t host_count;
} catalog_status;

/* Reads counts from the catalog (read-only). Free with catalog_status_free. */
int catalog_status_read(catalog *cat, catalog_status **out, cs_error *err);
void catalog_status_free(catalog_status *status);

#endif
