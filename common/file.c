/*
 * file.c - reading whole files under a limit, atomic writes, mkdir -p, rm -r.
 *
 * cs_read_regular_file is for paths a user lists as files to examine (hash,
 * license): it looks at what the path is with stat before opening it, since
 * opening a FIFO for reading blocks until a writer comes (forever, if none
 * does) and opening a device can have effects of its own. It then opens with
 * O_NONBLOCK, which cannot block, and checks again with fstat what it opened,
 * in case the path was swapped in between. cs_read_file reads whatever the
 * path names, pipes included, for inputs such as `--seeds <(...)`.
 *
 * cs_write_file_atomic is what makes a crash harmless: the bytes go to a
 * unique temporary file in the destination's directory, are fsync'd, renamed
 * over the destination (atomic on POSIX file systems) and the directory is
 * fsync'd so the rename itself survives a power loss.
 */
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cs_read_fd(int fd, const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
               cs_error *err)
{
    cs_buf buf;
    cs_buf_init(&buf, max_bytes);
    unsigned char chunk[65536];
    int rc = CS_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        rc = cs_buf_append(&buf, chunk, (size_t)n);
        if (rc == CS_ELIMIT) {
            cs_error_set(err, rc, "%s: larger than the limit of %zu bytes", path, max_bytes);
            break;
        }
        if (rc != CS_OK) {
            cs_error_set(err, rc, "%s: %s", path, cs_strerror(rc));
            break;
        }
    }
    close(fd);
    if (rc != CS_OK) {
        cs_buf_free(&buf);
        return rc;
    }
    *out = cs_buf_take(&buf, out_len);
    return CS_OK;
}

int cs_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
                 cs_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    return cs_read_fd(fd, path, max_bytes, out, out_len, err);
}

static int refuse_kind(const char *path, mode_t mode, cs_error *err)
{
    const char *kind = S_ISDIR(mode)    ? "a directory"
                       : S_ISFIFO(mode) ? "a FIFO"
                       : S_ISCHR(mode)  ? "a character device"
                       : S_ISBLK(mode)  ? "a block device"
                       : S_ISSOCK(mode) ? "a socket"
                                        : "something else";
    return cs_error_set(err, CS_EINVAL, "%s: is %s, not a regular file", path, kind);
}

int cs_read_regular_file(const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
                         cs_error *err)
{
    *out = NULL;
    *out_len = 0;
    struct stat st;
    if (stat(path, &st) != 0) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return refuse_kind(path, st.st_mode, err);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int rc = cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return refuse_kind(path, st.st_mode, err);
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return cs_read_fd(fd, path, max_bytes, out, out_len, err);
}

int cs_write_all(int fd, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return CS_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return CS_OK;
}

int cs_fsync_directory_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) return CS_ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) return CS_EIO;
    int rc = fsync(fd) == 0 ? CS_OK : CS_EIO;
    close(fd);
    return rc;
}

int cs_write_file_atomic(const char *path, const void *bytes, size_t n, cs_error *err)
{
    return cs_write_file_atomic_mode(path, bytes, n, 0644, err);
}

int cs_write_file_atomic_mode(const char *path, const void *bytes, size_t n, mode_t mode,
                              cs_error *err)
{
    size_t tmp_len = strlen(path) + 16;
    char *tmp = malloc(tmp_len);
    if (tmp == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    snprintf(tmp, tmp_len, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = cs_error_set(err, CS_EIO, "%s: cannot create temporary file: %s", path,
                              strerror(errno));
        free(tmp);
        return rc;
    }
    int rc = CS_OK;
    if (cs_write_all(fd, bytes, n) != CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: write failed: %s", path, strerror(errno));
    if (rc == CS_OK && fchmod(fd, mode) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: chmod failed: %s", path, strerror(errno));
    if (rc == CS_OK && fsync(fd) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: close failed: %s", path, strerror(errno));
    if (rc == CS_OK && rename(tmp, path) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: rename failed: %s", path, strerror(errno));
    if (rc != CS_OK) unlink(tmp);
    free(tmp);
    if (rc == CS_OK && cs_fsync_directory_of(path) != CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: fsync of its directory failed", path);
    return rc;
}

int cs_mkdir_p(const char *path, cs_error *err)
{
    char *copy = strdup(path);
    if (copy == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    int rc = CS_OK;
    for (char *p = copy + 1; rc == CS_OK; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            rc =
                cs_error_set(err, CS_EIO, "%s: cannot create directory: %s", copy, strerror(errno));
        *p = saved;
        if (saved == '\0') break;
    }
    free(copy);
    return rc;
}

#define REMOVE_TREE_FDS 16 /* nftw's open directory budget while removing a tree */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int cs_remove_tree(const char *path, cs_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0) return CS_OK;
    if (nftw(path, remove_entry, REMOVE_TREE_FDS, FTW_DEPTH | FTW_PHYS) != 0)
        return cs_error_set(err, CS_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return CS_OK;
}
