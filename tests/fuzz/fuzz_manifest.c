/*
 * fuzz_manifest.c - libFuzzer target for manifest_parse, the reader of an
 * export's manifest.json that `clearset verify` runs on whatever a
 * downloaded folder holds (before, or despite, a bad signature).
 *
 * Input: the whole input is manifest.json's bytes. Invariants checked with
 * abort() on every accepted listing: paths are relative, without empty, "."
 * or ".." parts, strictly increasing (so no path twice), hashes are 64
 * lower-case hex digits, and the signer's fingerprint is too; a refused
 * input leaves an empty listing and a message.
 *
 * Seeds (tests/fuzz/corpus/fuzz_manifest/): make_corpus.py writes manifests
 * of the repository's fixture folders in the exact form manifest_sign_dir
 * writes (Python's sorted, two-space-indented JSON is byte-identical to
 * jansson's), and edge cases: bytewise path order, a path with "..", a
 * duplicate key, paths out of order, a newer format_version.
 * signed-by-clearset was written by manifest_sign_dir itself for a small
 * export-like folder; jq-written by it_verify.sh's sign_by_hand.
 */
#include "dataset/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int lower_hex(const char *s)
{
    size_t n = strlen(s);
    return n == CS_SHA256_HEX - 1 && strspn(s, "0123456789abcdef") == n;
}

static void check_path(const char *path)
{
    size_t n = strlen(path);
    if (n == 0 || path[0] == '/' || path[n - 1] == '/' || strstr(path, "//")) abort();
    if (strcmp(path, "..") == 0 || strcmp(path, ".") == 0 || strncmp(path, "../", 3) == 0 ||
        strncmp(path, "./", 2) == 0 || strstr(path, "/../") || strstr(path, "/./"))
        abort();
    if (n >= 3 && strcmp(path + n - 3, "/..") == 0) abort();
    if (n >= 2 && strcmp(path + n - 2, "/.") == 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    manifest_listing listing;
    cs_error err = {0};
    int rc = manifest_parse(data, size, &listing, &err);
    if (rc != CS_OK) {
        if (listing.file_count != 0 || err.message[0] == '\0') abort();
        manifest_listing_free(&listing);
        return 0;
    }
    if (listing.format_version != MANIFEST_FORMAT_VERSION) abort();
    if (!lower_hex(listing.signer_fingerprint)) abort();
    for (size_t i = 0; i < listing.file_count; i++) {
        const manifest_file *f = &listing.files[i];
        check_path(f->path);
        if (!lower_hex(f->sha256)) abort();
        if (i > 0 && strcmp(listing.files[i - 1].path, f->path) >= 0) abort();
    }
    manifest_listing_free(&listing);
    return 0;
}
