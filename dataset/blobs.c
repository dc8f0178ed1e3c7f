/*
 * blobs.c - the content-addressed blob store beside the catalog.
 *
 * A blob's name is the SHA-256 of its bytes, split as DIR/ab/cdef... (the
 * first two hex digits name one of 256 folders). Writing goes
 * through cs_write_file_atomic (temporary file in the same folder, fsync,
 * rename, fsync of the folder): a blob file that exists under its final name
 * is complete, whatever happens to the writer. Temporary names end in
 * ".tmp.XXXXXX"; catalog_open sweeps old ones left by killed writers.
 * Opening a store creates nothing (catalog_open makes the folder, a
 * read-only catalog reads what is there).
 */
#include "dataset/dataset_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blob_store {
    char *dir;
};

int blob_store_open(const char *dir, blob_store **out, cs_error *err)
{
    *out = NULL;
    blob_store *store = calloc(1, sizeof *store);
    if (store == NULL || (store->dir = strdup(dir)) == NULL) {
        free(store);
        return cs_error_set(err, CS_ENOMEM, "blob store %s: out of memory", dir);
    }
    *out = store;
    return CS_OK;
}

void blob_store_close(blob_store *store)
{
    if (store == NULL) return;
    free(store->dir);
    free(store);
}

static int is_sha256_hex(const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return i == CS_SHA256_HEX - 1;
}

int blob_store_relative_path(const char *sha256_hex, char *out, size_t out_size)
{
    if (!is_sha256_hex(sha256_hex)) return CS_EINVAL;
    int n = snprintf(out, out_size, "%.2s/%s", sha256_hex, sha256_hex + 2);
    return n > 0 && (size_t)n < out_size ? CS_OK : CS_ELIMIT;
}

int blob_store_path(const blob_store *store, const char *sha256_hex, char *out, size_t out_size)
{
    if (!is_sha256_hex(sha256_hex)) return CS_EINVAL;
    int n = snprintf(out, out_size, "%s/%.2s/%s", store->dir, sha256_hex, sha256_hex + 2);
    return n > 0 && (size_t)n < out_size ? CS_OK : CS_ELIMIT;
}

int blob_store_put(blob_store *store, const void *bytes, size_t n, char sha256_hex[CS_SHA256_HEX],
                   cs_error *err)
{
    cs_sha256_hex(bytes, n, sha256_hex);
    size_t size = strlen(store->dir) + CS_SHA256_HEX + 8;
    char *path = malloc(size);
    if (path == NULL) return cs_error_set(err, CS_ENOMEM, "blob store: out of memory");
    blob_store_path(store, sha256_hex, path, size);
    struct stat st;
    int rc = CS_OK;
    if (stat(path, &st) == 0 && (size_t)st.st_size == n) goto done; /* already stored */
    char *slash = strrchr(path, '/');
    *slash = '\0';
    rc = cs_mkdir_p(path, err);
    *slash = '/';
    if (rc == CS_OK) rc = cs_write_file_atomic(path, bytes, n, err);
done:
    free(path);
    return rc;
}

int blob_store_get(const blob_store *store, const char *sha256_hex, size_t max_bytes,
                   unsigned char **out, size_t *out_len, cs_error *err)
{
    char path[4096];
    if (blob_store_path(store, sha256_hex, path, sizeof path) != CS_OK)
        return cs_error_set(err, CS_EINVAL, "blob store: '%s' is not a SHA-256", sha256_hex);
    return cs_read_file(path, max_bytes, out, out_len, err);
}

int blob_store_sweep_temporaries(blob_store *store, int64_t age_ms, cs_error *err)
{
    DIR *top = opendir(store->dir);
    if (top == NULL)
        return cs_error_set(err, CS_EIO, "blob store %s: %s", store->dir, strerror(errno));
    int64_t now = cs_now_ms();
    struct dirent *sub;
    char path[4096];
    while ((sub = readdir(top)) != NULL) {
        if (strlen(sub->d_name) != 2) continue;
        snprintf(path, sizeof path, "%s/%s", store->dir, sub->d_name);
        DIR *d = opendir(path);
        if (d == NULL) continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strstr(e->d_name, ".tmp.") == NULL) continue;
            snprintf(path, sizeof path, "%s/%s/%s", store->dir, sub->d_name, e->d_name);
            struct stat st;
            if (stat(path, &st) == 0 && now - (int64_t)st.st_mtime * 1000 >= age_ms) unlink(path);
        }
        closedir(d);
    }
    closedir(top);
    return CS_OK;
}
