/*
 * manifest_walk.c - the walk that lists and hashes every file of an export
 * folder, and the one way files of a folder are read (manifest.c signs and
 * verifies with what it finds).
 *
 * The walk goes down the folder with openat/fstatat(AT_SYMLINK_NOFOLLOW) and
 * opens files with O_NOFOLLOW, so it never follows a symlink, whatever the
 * folder holds; each file is hashed from the descriptor it opened (streamed,
 * so a multi-gigabyte shard costs 64 KiB of memory) after fstat shows it is
 * the regular file fstatat saw. Anything else (a symlink, device, FIFO,
 * socket, a path past the limits) becomes an entry with a problem: signing
 * refuses it, verifying reports it.
 */
#include "dataset/manifest_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void manifest_walk_list_free(walk_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file.path);
        free(list->items[i].problem);
    }
    free(list->items);
    free(list->chunk);
    memset(list, 0, sizeof *list);
}

int manifest_is_reserved_name(const char *path)
{
    return strcmp(path, MANIFEST_JSON) == 0 || strcmp(path, MANIFEST_SIG) == 0 ||
           strcmp(path, MANIFEST_SIGNER_PUB) == 0;
}

static char *format_message(const char *fmt, const char *arg)
{
    int n = snprintf(NULL, 0, fmt, arg);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) snprintf(s, (size_t)n + 1, fmt, arg);
    return s;
}

/* Appends an entry for path (taken over) with problem (a format with one %s, or NULL). */
static int walk_add(walk_list *list, char *path, const char *problem, const char *arg,
                    cs_error *err)
{
    int rc = cs_array_reserve((void **)&list->items, &list->cap, list->count, sizeof *list->items,
                              MANIFEST_MAX_FILES);
    if (rc != CS_OK) {
        free(path);
        return rc == CS_ELIMIT ? cs_error_set(err, rc, "%s: holds more than %d files", list->dir,
                                              MANIFEST_MAX_FILES)
                               : cs_error_set(err, rc, "%s: out of memory", list->dir);
    }
    walk_entry *e = &list->items[list->count];
    memset(e, 0, sizeof *e);
    e->file.path = path;
    if (problem && (e->problem = format_message(problem, arg ? arg : "")) == NULL) {
        free(path);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
    }
    list->count++;
    return CS_OK;
}

static const char *kind_name(mode_t mode)
{
    return S_ISLNK(mode)    ? "a symbolic link"
           : S_ISDIR(mode)  ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

/* Hashes the regular file name in dir_fd into e; a problem on e when it cannot. */
static int hash_file(walk_list *list, int dir_fd, const char *name, const struct stat *seen,
                     walk_entry *e, cs_error *err)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0)
        why = strerror(errno);
    else if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode) || st.st_ino != seen->st_ino || st.st_dev != seen->st_dev)
        why = "changed while it was read";
    EVP_MD_CTX *ctx = why ? NULL : EVP_MD_CTX_new();
    if (!why && (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)) {
        if (fd >= 0) close(fd);
        EVP_MD_CTX_free(ctx);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
    }
    uint64_t size = 0;
    while (!why) {
        ssize_t n = read(fd, list->chunk, MANIFEST_HASH_CHUNK);
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = strerror(errno);
            break;
        }
        EVP_DigestUpdate(ctx, list->chunk, (size_t)n);
        size += (uint64_t)n;
    }
    unsigned char digest[CS_SHA256_BYTES];
    unsigned int digest_len = 0;
    if (!why) EVP_DigestFinal_ex(ctx, digest, &digest_len);
    EVP_MD_CTX_free(ctx);
    if (fd >= 0) close(fd);
    if (why) {
        e->problem = format_message("cannot be read: %s", why);
        return e->problem ? CS_OK : cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
    }
    cs_hex_encode(digest, CS_SHA256_BYTES, e->file.sha256);
    e->file.size = size;
    return CS_OK;
}

/* Lists everything under the directory dir_fd (closed here), whose path is prefix. */
static int walk_dir(walk_list *list, int dir_fd, const char *prefix, int depth, cs_error *err)
{
    DIR *d = fdopendir(dir_fd);
    if (d == NULL) {
        close(dir_fd);
        return cs_error_set(err, CS_EIO, "%s/%s: %s", list->dir, prefix, strerror(errno));
    }
    int rc = CS_OK;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                rc = cs_error_set(err, CS_EIO, "%s/%s: %s", list->dir, prefix, strerror(errno));
            break;
        }
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        if (prefix[0] == '\0' && manifest_is_reserved_name(name)) continue;
        size_t plen = strlen(prefix), nlen = strlen(name);
        char *path = malloc(plen + 1 + nlen + 1);
        if (path == NULL) {
            rc = cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
            break;
        }
        if (plen)
            snprintf(path, plen + nlen + 2, "%s/%s", prefix, name);
        else
            memcpy(path, name, nlen + 1);
        struct stat st;
        if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = walk_add(list, path, "cannot be examined: %s", strerror(errno), err);
        } else if ((plen ? plen + 1 : 0) + nlen > MANIFEST_MAX_PATH) {
            char limit[32];
            snprintf(limit, sizeof limit, "%d", MANIFEST_MAX_PATH);
            rc = walk_add(list, path, "path is longer than the limit of %s bytes", limit, err);
        } else if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= MANIFEST_MAX_DEPTH) {
                char limit[32];
                snprintf(limit, sizeof limit, "%d", MANIFEST_MAX_DEPTH);
                rc = walk_add(list, path, "folder nested deeper than the limit of %s", limit, err);
            } else {
                int sub = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                    rc = cs_error_set(err, CS_EIO, "%s/%s: %s", list->dir, path, strerror(errno));
                else
                    rc = walk_dir(list, sub, path, depth + 1, err);
                free(path);
            }
        } else if (!S_ISREG(st.st_mode)) {
            rc = walk_add(list, path, "is %s; an export holds only regular files",
                          kind_name(st.st_mode), err);
        } else if ((rc = walk_add(list, path, NULL, NULL, err)) == CS_OK) {
            rc = hash_file(list, dir_fd, name, &st, &list->items[list->count - 1], err);
        }
        if (rc != CS_OK) break;
    }
    closedir(d);
    return rc;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const walk_entry *)a)->file.path, ((const walk_entry *)b)->file.path);
}

/* Lists and hashes everything under dir_fd (not closed) but the three files of this module. */
int manifest_walk_folder(const char *dir, int dir_fd, walk_list *list, cs_error *err)
{
    memset(list, 0, sizeof *list);
    list->dir = dir;
    if ((list->chunk = malloc(MANIFEST_HASH_CHUNK)) == NULL)
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", dir);
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: %s", dir, strerror(errno));
    int rc = walk_dir(list, fd, "", 0, err);
    if (rc == CS_OK && list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, compare_entries);
    return rc;
}

/* Opens dir as a directory: CS_ENOTFOUND when it does not exist. */
int manifest_open_folder(const char *dir, int *fd, cs_error *err)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd >= 0) return CS_OK;
    if (errno == ENOENT) return cs_error_set(err, CS_ENOTFOUND, "%s: no such folder", dir);
    if (errno == ENOTDIR) return cs_error_set(err, CS_EINVAL, "%s: not a folder", dir);
    return cs_error_set(err, CS_EIO, "%s: %s", dir, strerror(errno));
}

/*
 * Reads the regular file name in dir_fd without following a symlink. On
 * failure *why says why (static text or strerror) and the return is
 * CS_ENOTFOUND (no such file), CS_ELIMIT (too large) or CS_EIO.
 */
int manifest_read_at(int dir_fd, const char *name, size_t max_bytes, unsigned char **out,
                     size_t *out_len, const char **why)
{
    *out = NULL;
    *out_len = 0;
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int e = errno;
        *why = e == ELOOP ? "is a symbolic link; an export holds only regular files" : strerror(e);
        return e == ENOENT ? CS_ENOTFOUND : CS_EIO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "is not a regular file";
        close(fd);
        return CS_EIO;
    }
    if ((uint64_t)st.st_size > max_bytes) {
        *why = "is larger than the limit for it";
        close(fd);
        return CS_ELIMIT;
    }
    cs_error read_err = {0};
    int rc = cs_read_fd(fd, name, max_bytes, out, out_len, &read_err);
    if (rc != CS_OK)
        *why = rc == CS_ELIMIT   ? "is larger than the limit for it"
               : rc == CS_ENOMEM ? "out of memory"
                                 : "cannot be read";
    return rc;
}
