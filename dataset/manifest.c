/*
 * manifest.c - the signed manifest of an export folder: manifest.json
 * (written and parsed), signing a folder and checking one (the folder walk:
 * manifest_walk.c; keys and signatures: manifest_keys.c).
 *
 * manifest.json is written with sorted keys and two-space indentation plus a
 * trailing newline; its "files" are sorted bytewise by path, so the same
 * files and fields give the same bytes (and Ed25519 the same signature).
 * The parser does not require that form (the signature is what binds the
 * bytes); it requires a well-formed, safe listing: relative paths without
 * empty, "." or ".." parts, in strictly increasing order.
 */
#include "dataset/manifest_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

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
    if (manifest_is_reserved_name(path)) return 0;
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
    if (rc == CS_OK) rc = manifest_open_folder(dir, &dir_fd, err);
    if (rc == CS_OK) rc = manifest_walk_folder(dir, dir_fd, &list, err);
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
    manifest_walk_list_free(&list);
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
        int rc =
            manifest_read_at(dir_fd, MANIFEST_SIGNER_PUB, MANIFEST_KEY_MAX_BYTES, &pem, &len, &why);
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
    int rc = manifest_read_at(dir_fd, MANIFEST_SIG, 4096, &sig, &sig_len, &why);
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
    int rc = manifest_open_folder(dir, &dir_fd, err);
    if (rc != CS_OK) return rc;
    unsigned char *manifest = NULL;
    size_t len = 0;
    const char *why = NULL;
    EVP_PKEY *key = NULL;
    manifest_listing listing = {0};
    walk_list found = {0};
    int have_listing = 0;
    int read_rc =
        manifest_read_at(dir_fd, MANIFEST_JSON, MANIFEST_MAX_BYTES, &manifest, &len, &why);
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
    if (rc == CS_OK) rc = manifest_walk_folder(dir, dir_fd, &found, err);
    if (rc == CS_OK && have_listing) rc = compare_files(&listing, &found, report, err);
    if (dir_fd >= 0) close(dir_fd);
    manifest_walk_list_free(&found);
    manifest_listing_free(&listing);
    free(manifest);
    EVP_PKEY_free(key);
    return rc;
}
