/*
 * manifest.c - the signed manifest of an export folder: the walk that lists
 * and hashes every file, manifest.json (written and parsed), signing a
 * folder and checking one (keys and signatures: manifest_keys.c).
 *
 * The walk goes down the folder with openat/fstatat(AT_SYMLINK_NOFOLLOW) and
 * opens files with O_NOFOLLOW, so it never follows a symlink, whatever the
 * folder holds; each file is hashed from the descriptor it opened (streamed,
 * so a multi-gigabyte shard costs 64 KiB of memory) after fstat shows it is
 * the regular file fstatat saw. Anything else (a symlink, device, FIFO,
 * socket, a path past the limits) becomes an entry with a problem: signing
 * refuses it, verifying reports it.
 *
 * manifest.json is written with sorted keys and two-space indentation plus a
 * trailing newline; its "files" are sorted bytewise by path, so the same
 * files and fields give the same bytes (and Ed25519 the same signature).
 * The parser does not require that form (the signature is what binds the
 * bytes); it requires a well-formed, safe listing: relative paths without
 * empty, "." or ".." parts, in strictly increasing order.
 */
#include "dataset/manifest_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* An imagefolder export of a million images; larger sets belong in webdataset
 * shards (thousands of images each), so a million files covers any export. */
#define MANIFEST_MAX_FILES 1000000
/* A listed path: far longer than any export writes, and with DIR still short
 * of PATH_MAX (4096) when a tool opens DIR/path. */
#define MANIFEST_MAX_PATH 1024
/* Folder depth the walk descends (each level holds one open directory); an
 * export is two or three levels deep. */
#define MANIFEST_MAX_DEPTH 32
/* manifest.json itself: a million entries of about 150 bytes plus the
 * caller's fields; verify reads the whole file into memory. */
#define MANIFEST_MAX_BYTES (256 * 1024 * 1024)
/* Bytes read at a time while hashing a file. */
#define MANIFEST_HASH_CHUNK (64 * 1024)

#define MANIFEST_FORMAT_NAME "clearset-export"
#define MANIFEST_JSON        "manifest.json"
#define MANIFEST_SIG         "manifest.sig"
#define MANIFEST_SIGNER_PUB  "signer.pub"

/* ---- the walk ---------------------------------------------------------- */

typedef struct walk_entry {
    manifest_file file; /* path always; sha256 and size for a regular file */
    char *problem;      /* NULL for a regular file that was hashed; else why not */
} walk_entry;

typedef struct walk_list {
    walk_entry *items;
    size_t count, cap;
    unsigned char *chunk; /* MANIFEST_HASH_CHUNK bytes, for hashing */
    const char *dir;      /* for messages */
} walk_list;

static void walk_list_free(walk_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].file.path);
        free(list->items[i].problem);
    }
    free(list->items);
    free(list->chunk);
    memset(list, 0, sizeof *list);
}

static int is_reserved_name(const char *path)
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
        if (prefix[0] == '\0' && is_reserved_name(name)) continue;
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
static int walk_folder(const char *dir, int dir_fd, walk_list *list, cs_error *err)
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
static int open_folder(const char *dir, int *fd, cs_error *err)
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
static int read_at(int dir_fd, const char *name, size_t max_bytes, unsigned char **out,
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

/* ---- manifest.json ----------------------------------------------------- */

void manifest_listing_free(manifest_listing *listing)
{
    if (listing == NULL) return;
    for (size_t i = 0; i < listing->file_count; i++)
        free(listing->files[i].path);
    free(listing->files);
    memset(listing, 0, sizeof *listing);
}

/* A relative path of non-empty parts, none "." or "..", not one of ours at the top. */
static int path_is_safe(const char *path, size_t len)
{
    if (len == 0 || len > MANIFEST_MAX_PATH || strlen(path) != len) return 0;
    if (is_reserved_name(path)) return 0;
    const char *part = path;
    for (;;) {
        const char *slash = strchr(part, '/');
        size_t n = slash ? (size_t)(slash - part) : strlen(part);
        if (n == 0) return 0;
        if ((n == 1 && part[0] == '.') || (n == 2 && part[0] == '.' && part[1] == '.')) return 0;
        if (!slash) return 1;
        part = slash + 1;
    }
}

static int is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int parse_files(json_t *files, manifest_listing *out, cs_error *err)
{
    if (!json_is_array(files))
        return cs_error_set(err, CS_EFORMAT, "manifest.json: \"files\" is not an array");
    size_t n = json_array_size(files);
    if (n > MANIFEST_MAX_FILES)
        return cs_error_set(err, CS_ELIMIT, "manifest.json: lists %zu files, more than %d", n,
                            MANIFEST_MAX_FILES);
    if (n > 0 && cs_array_grow((void **)&out->files, &out->file_cap, n, sizeof *out->files,
                               MANIFEST_MAX_FILES) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "manifest.json: out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *entry = json_array_get(files, i);
        json_t *path = json_object_get(entry, "path"), *sha = json_object_get(entry, "sha256");
        json_t *size = json_object_get(entry, "size");
        if (!json_is_object(entry) || !json_is_string(path) || !json_is_string(sha) ||
            !json_is_integer(size))
            return cs_error_set(err, CS_EFORMAT,
                                "manifest.json: file %zu needs path, sha256 and size", i);
        const char *p = json_string_value(path);
        if (!path_is_safe(p, json_string_length(path)))
            return cs_error_set(err, CS_EFORMAT, "manifest.json: file %zu: unsafe path \"%.200s\"",
                                i, p);
        if (i > 0 && strcmp(out->files[i - 1].path, p) >= 0)
            return cs_error_set(err, CS_EFORMAT,
                                "manifest.json: \"%.200s\" is out of order or listed twice", p);
        if (!is_lower_hex(json_string_value(sha), CS_SHA256_HEX - 1) ||
            json_string_length(sha) != CS_SHA256_HEX - 1)
            return cs_error_set(err, CS_EFORMAT, "manifest.json: \"%.200s\": bad sha256", p);
        if (json_integer_value(size) < 0)
            return cs_error_set(err, CS_EFORMAT, "manifest.json: \"%.200s\": negative size", p);
        manifest_file *f = &out->files[i];
        if ((f->path = strdup(p)) == NULL)
            return cs_error_set(err, CS_ENOMEM, "manifest.json: out of memory");
        memcpy(f->sha256, json_string_value(sha), CS_SHA256_HEX);
        f->size = (uint64_t)json_integer_value(size);
        out->file_count = i + 1;
    }
    return CS_OK;
}

int manifest_parse(const void *bytes, size_t len, manifest_listing *out, cs_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > MANIFEST_MAX_BYTES)
        return cs_error_set(err, CS_ELIMIT, "manifest.json: %zu bytes, more than the limit of %d",
                            len, MANIFEST_MAX_BYTES);
    json_error_t jerr;
    json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return cs_error_set(err, CS_EFORMAT, "manifest.json: line %d: %s", jerr.line, jerr.text);
    int rc = CS_OK;
    json_t *format = json_object_get(root, "format");
    json_t *version = json_object_get(root, "format_version");
    json_t *signer = json_object_get(root, "signer");
    json_t *algorithm = json_object_get(signer, "algorithm");
    json_t *fingerprint = json_object_get(signer, "fingerprint");
    if (!json_is_object(root) || !json_is_string(format) ||
        strcmp(json_string_value(format), MANIFEST_FORMAT_NAME) != 0)
        rc = cs_error_set(err, CS_EFORMAT, "manifest.json: \"format\" is not \"%s\"",
                          MANIFEST_FORMAT_NAME);
    else if (!json_is_integer(version) || json_integer_value(version) < 1)
        rc = cs_error_set(err, CS_EFORMAT, "manifest.json: no valid \"format_version\"");
    else if (json_integer_value(version) > MANIFEST_FORMAT_VERSION)
        rc = cs_error_set(err, CS_EVERSION,
                          "manifest.json: format_version %lld is newer than this build reads (%d)",
                          (long long)json_integer_value(version), MANIFEST_FORMAT_VERSION);
    else if (!json_is_string(algorithm) || strcmp(json_string_value(algorithm), "ed25519") != 0)
        rc = cs_error_set(err, CS_EFORMAT, "manifest.json: signer algorithm is not \"ed25519\"");
    else if (!json_is_string(fingerprint) ||
             json_string_length(fingerprint) != MANIFEST_FINGERPRINT_HEX - 1 ||
             !is_lower_hex(json_string_value(fingerprint), MANIFEST_FINGERPRINT_HEX - 1))
        rc = cs_error_set(err, CS_EFORMAT, "manifest.json: signer fingerprint is not 64 hex");
    else
        rc = parse_files(json_object_get(root, "files"), out, err);
    if (rc != CS_OK) manifest_listing_free(out); /* nothing half-read */
    if (rc == CS_OK) {
        out->format_version = (int)json_integer_value(version);
        memcpy(out->signer_fingerprint, json_string_value(fingerprint), MANIFEST_FINGERPRINT_HEX);
    }
    json_decref(root);
    return rc;
}

/* The manifest's bytes for the walked files, the caller's fields and the signer. */
static int manifest_bytes(const walk_list *list, const json_t *fields, const char *fingerprint,
                          char **text, size_t *len, cs_error *err)
{
    json_t *root = fields ? json_deep_copy(fields) : json_object();
    json_t *files = json_array();
    int ok =
        root && files &&
        json_object_set_new(root, "format", json_string(MANIFEST_FORMAT_NAME)) == 0 &&
        json_object_set_new(root, "format_version", json_integer(MANIFEST_FORMAT_VERSION)) == 0 &&
        json_object_set_new(
            root, "signer",
            json_pack("{s:s, s:s}", "algorithm", "ed25519", "fingerprint", fingerprint)) == 0;
    for (size_t i = 0; ok && i < list->count; i++) {
        const manifest_file *f = &list->items[i].file;
        json_t *path = json_string(f->path);
        if (path == NULL) {
            json_decref(root);
            json_decref(files);
            return cs_error_set(err, CS_EINVAL, "%s/%s: the name is not UTF-8", list->dir, f->path);
        }
        ok = json_array_append_new(files, json_pack("{s:o, s:s, s:I}", "path", path, "sha256",
                                                    f->sha256, "size", (json_int_t)f->size)) == 0;
    }
    if (ok) ok = json_object_set(root, "files", files) == 0;
    json_decref(files);
    char *dumped = ok ? json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (dumped == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
    size_t n = strlen(dumped);
    char *with_newline = realloc(dumped, n + 2);
    if (with_newline == NULL) {
        free(dumped);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", list->dir);
    }
    with_newline[n] = '\n';
    with_newline[n + 1] = '\0';
    if (n + 1 > MANIFEST_MAX_BYTES) {
        free(with_newline);
        return cs_error_set(err, CS_ELIMIT, "%s: the manifest would be larger than %d bytes",
                            list->dir, MANIFEST_MAX_BYTES);
    }
    *text = with_newline;
    *len = n + 1;
    return CS_OK;
}

/* ---- sign -------------------------------------------------------------- */

static int write_in(const char *dir, const char *name, const void *bytes, size_t n, cs_error *err)
{
    size_t len = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(len);
    if (path == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", dir);
    snprintf(path, len, "%s/%s", dir, name);
    int rc = cs_write_file_atomic(path, bytes, n, err);
    free(path);
    return rc;
}

int manifest_sign_dir(const char *dir, const char *key_path, const json_t *fields,
                      char fingerprint[MANIFEST_FINGERPRINT_HEX], cs_error *err)
{
    if (fingerprint) fingerprint[0] = '\0';
    static const char *const reserved[] = {"format", "format_version", "signer", "files"};
    if (fields && !json_is_object(fields))
        return cs_error_set(err, CS_EINVAL, "%s: the manifest's fields are not a JSON object", dir);
    for (size_t i = 0; fields && i < CS_ARRAY_LEN(reserved); i++)
        if (json_object_get(fields, reserved[i]))
            return cs_error_set(err, CS_EINVAL, "%s: the manifest field \"%s\" is the signer's",
                                dir, reserved[i]);
    EVP_PKEY *key = NULL;
    int rc = manifest_key_load_private(key_path, &key, err);
    if (rc != CS_OK) return rc;
    char fp[MANIFEST_FINGERPRINT_HEX];
    int dir_fd = -1;
    walk_list list = {0};
    char *text = NULL;
    size_t text_len = 0;
    unsigned char *pub = NULL, sig[MANIFEST_SIGNATURE_BYTES];
    size_t pub_len = 0;
    if (manifest_key_fingerprint(key, fp) != CS_OK)
        rc = cs_error_set(err, CS_ENOMEM, "%s: out of memory", key_path);
    if (rc == CS_OK) rc = open_folder(dir, &dir_fd, err);
    if (rc == CS_OK) rc = walk_folder(dir, dir_fd, &list, err);
    for (size_t i = 0; rc == CS_OK && i < list.count; i++) {
        const walk_entry *e = &list.items[i];
        if (e->problem) /* a long path is cut so that the message keeps the why */
            rc = cs_error_set(err, CS_EINVAL, "%s/%.200s%s: %s", dir, e->file.path,
                              strlen(e->file.path) > 200 ? "..." : "", e->problem);
    }
    if (rc == CS_OK) rc = manifest_bytes(&list, fields, fp, &text, &text_len, err);
    if (rc == CS_OK && (manifest_key_public_pem(key, &pub, &pub_len) != CS_OK ||
                        manifest_key_sign(key, text, text_len, sig) != CS_OK))
        rc = cs_error_set(err, CS_ENOMEM, "%s: OpenSSL could not sign the manifest", dir);
    /* signer.pub and manifest.json first, the signature last: a crash in between
     * leaves a folder that fails verify, never one that passes with old contents */
    if (rc == CS_OK) rc = write_in(dir, MANIFEST_SIGNER_PUB, pub, pub_len, err);
    if (rc == CS_OK) rc = write_in(dir, MANIFEST_JSON, text, text_len, err);
    if (rc == CS_OK) rc = write_in(dir, MANIFEST_SIG, sig, sizeof sig, err);
    if (rc == CS_OK && fingerprint) memcpy(fingerprint, fp, MANIFEST_FINGERPRINT_HEX);
    if (dir_fd >= 0) close(dir_fd);
    walk_list_free(&list);
    free(text);
    free(pub);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- verify ------------------------------------------------------------ */

void manifest_report_free(manifest_report *report)
{
    if (report == NULL) return;
    for (size_t i = 0; i < report->problem_count; i++) {
        free(report->problems[i].path);
        free(report->problems[i].message);
    }
    free(report->problems);
    memset(report, 0, sizeof *report);
}

/* Adds a problem about path to the report. */
static int add_problem(manifest_report *report, const char *path, cs_error *err, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
static int add_problem(manifest_report *report, const char *path, cs_error *err, const char *fmt,
                       ...)
{
    if (cs_array_reserve((void **)&report->problems, &report->problem_cap, report->problem_count,
                         sizeof *report->problems, 0) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *message = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (message) vsnprintf(message, (size_t)n + 1, fmt, again);
    va_end(again);
    char *copy = strdup(path);
    if (message == NULL || copy == NULL) {
        free(message);
        free(copy);
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    }
    report->problems[report->problem_count++] = (manifest_problem){copy, message};
    return CS_OK;
}

/* The key verify uses: the caller's, or signer.pub (a problem when that is unusable). */
static int verify_key(int dir_fd, const char *pubkey_path, manifest_report *report, EVP_PKEY **key,
                      cs_error *err)
{
    *key = NULL;
    if (pubkey_path) {
        int rc = manifest_key_load_public(pubkey_path, key, err);
        if (rc != CS_OK) return rc;
        report->trusted_key_given = 1;
    } else {
        unsigned char *pem = NULL;
        size_t len = 0;
        const char *why = NULL;
        int rc = read_at(dir_fd, MANIFEST_SIGNER_PUB, MANIFEST_KEY_MAX_BYTES, &pem, &len, &why);
        if (rc == CS_ENOTFOUND)
            return add_problem(report, MANIFEST_SIGNER_PUB, err,
                               "missing: no public key to check the signature with");
        if (rc != CS_OK) return add_problem(report, MANIFEST_SIGNER_PUB, err, "%s", why);
        cs_error key_err = {0};
        rc = manifest_key_public_from_pem(pem, len, MANIFEST_SIGNER_PUB, key, &key_err);
        free(pem);
        if (rc == CS_ENOMEM) return cs_error_set(err, rc, "out of memory");
        if (rc != CS_OK)
            return add_problem(report, MANIFEST_SIGNER_PUB, err, "not an Ed25519 public key");
    }
    if (manifest_key_fingerprint(*key, report->fingerprint) != CS_OK)
        return cs_error_set(err, CS_ENOMEM, "out of memory");
    return CS_OK;
}

/* The signature over the manifest's bytes; a problem when it is missing or does not verify. */
static int verify_signature(int dir_fd, EVP_PKEY *key, const unsigned char *manifest, size_t len,
                            manifest_report *report, cs_error *err)
{
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    const char *why = NULL;
    int rc = read_at(dir_fd, MANIFEST_SIG, 4096, &sig, &sig_len, &why);
    if (rc == CS_ENOTFOUND)
        return add_problem(report, MANIFEST_SIG, err, "missing: the folder is not signed");
    if (rc != CS_OK) return add_problem(report, MANIFEST_SIG, err, "%s", why);
    if (sig_len != MANIFEST_SIGNATURE_BYTES) {
        free(sig);
        return add_problem(report, MANIFEST_SIG, err, "is not a 64-byte Ed25519 signature");
    }
    if (key == NULL || manifest == NULL) {
        free(sig);
        return CS_OK;
    }
    report->signature_ok = manifest_key_verify(key, manifest, len, sig, sig_len);
    free(sig);
    if (report->signature_ok) return CS_OK;
    return add_problem(report, MANIFEST_JSON, err,
                       "the signature in manifest.sig does not match these bytes with key %s: "
                       "manifest.json or manifest.sig was changed, or another key signed it",
                       report->fingerprint);
}

/* Compares the listing with what the walk found, in path order. */
static int compare_files(const manifest_listing *listing, const walk_list *found,
                         manifest_report *report, cs_error *err)
{
    size_t i = 0, j = 0;
    int rc = CS_OK;
    while (rc == CS_OK && (i < listing->file_count || j < found->count)) {
        const manifest_file *want = i < listing->file_count ? &listing->files[i] : NULL;
        const walk_entry *have = j < found->count ? &found->items[j] : NULL;
        int order = !want ? 1 : !have ? -1 : strcmp(want->path, have->file.path);
        if (order < 0) {
            rc = add_problem(report, want->path, err, "listed in the manifest but missing");
            i++;
            continue;
        }
        if (order > 0) {
            if (have->problem)
                rc = add_problem(report, have->file.path, err, "%s", have->problem);
            else
                rc = add_problem(report, have->file.path, err, "not in the manifest");
            j++;
            continue;
        }
        if (have->problem)
            rc = add_problem(report, have->file.path, err, "%s", have->problem);
        else if (have->file.size != want->size)
            rc = add_problem(report, want->path, err,
                             "size differs from the manifest: %llu bytes, the manifest says %llu",
                             (unsigned long long)have->file.size, (unsigned long long)want->size);
        else if (strcmp(have->file.sha256, want->sha256) != 0)
            rc = add_problem(report, want->path, err,
                             "content differs from the manifest: SHA-256 %s, the manifest says %s",
                             have->file.sha256, want->sha256);
        i++, j++;
    }
    report->files_checked = listing->file_count;
    return rc;
}

int manifest_verify_dir(const char *dir, const char *pubkey_path, manifest_report *report,
                        cs_error *err)
{
    memset(report, 0, sizeof *report);
    int dir_fd = -1;
    int rc = open_folder(dir, &dir_fd, err);
    if (rc != CS_OK) return rc;
    unsigned char *manifest = NULL;
    size_t len = 0;
    const char *why = NULL;
    EVP_PKEY *key = NULL;
    manifest_listing listing = {0};
    walk_list found = {0};
    int have_listing = 0;
    int read_rc = read_at(dir_fd, MANIFEST_JSON, MANIFEST_MAX_BYTES, &manifest, &len, &why);
    if (read_rc == CS_ENOTFOUND)
        rc = cs_error_set(err, CS_ENOTFOUND, "%s: not an export folder (no manifest.json)", dir);
    else if (read_rc != CS_OK)
        rc = add_problem(report, MANIFEST_JSON, err, "%s", why);
    if (rc == CS_OK) rc = verify_key(dir_fd, pubkey_path, report, &key, err);
    if (rc == CS_OK) rc = verify_signature(dir_fd, key, manifest, len, report, err);
    if (rc == CS_OK && manifest) {
        cs_error parse_err = {0};
        int parse_rc = manifest_parse(manifest, len, &listing, &parse_err);
        if (parse_rc == CS_ENOMEM)
            rc = cs_error_set(err, parse_rc, "%s: out of memory", dir);
        else if (parse_rc != CS_OK)
            rc = add_problem(report, MANIFEST_JSON, err, "not a valid manifest: %s",
                             parse_err.message);
        else
            have_listing = 1;
    }
    if (rc == CS_OK && have_listing && key &&
        strcmp(listing.signer_fingerprint, report->fingerprint) != 0)
        rc = add_problem(report, MANIFEST_JSON, err, "names the signer %s, but the key used is %s",
                         listing.signer_fingerprint, report->fingerprint);
    if (rc == CS_OK) rc = walk_folder(dir, dir_fd, &found, err);
    if (rc == CS_OK && have_listing) rc = compare_files(&listing, &found, report, err);
    if (dir_fd >= 0) close(dir_fd);
    walk_list_free(&found);
    manifest_listing_free(&listing);
    free(manifest);
    EVP_PKEY_free(key);
    return rc;
}
