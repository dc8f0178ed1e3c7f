/*
 * manifest.h - signed export folders: Ed25519 keys, the manifest that lists
 * every file of an export with its SHA-256, and the check that a folder is
 * exactly what its signer exported.
 *
 * An export folder DIR holds the dataset's files plus three of this module's:
 *   manifest.json  {"format": "clearset-export", "format_version": 1,
 *                   ...the caller's fields (policy, catalog identity, snapshot
 *                   time, counts)..., "signer": {"algorithm": "ed25519",
 *                   "fingerprint": SHA-256 hex of the public key's DER},
 *                   "files": [{"path": "relative/path", "sha256": HEX,
 *                   "size": N}, ...] sorted by path (bytewise)}
 *                  written with sorted keys, two-space indentation, a
 *                  trailing newline and no timestamps of its own, so the
 *                  same files and fields give the same bytes;
 *   manifest.sig   the raw 64-byte Ed25519 signature of manifest.json's exact
 *                  bytes;
 *   signer.pub     the public key, PEM (SubjectPublicKeyInfo).
 * Every other regular file under DIR, at any depth, is listed (an empty
 * folder lists nothing); symlinks are never followed, and they, devices,
 * FIFOs and sockets are refused when signing and reported when verifying.
 * Paths are relative to DIR, so a folder signed as DIR.partial still
 * verifies once it is renamed to DIR.
 *
 * Keys: KEY is a PKCS#8 PEM private key (mode 0600) and KEY.pub its public
 * key. Keys come from OpenSSL's Ed25519; nothing here implements crypto.
 *
 * This file is the dataset/ folder's second public header: catalog.h is the
 * catalog, this is the export folder's integrity, which needs no catalog (a
 * downloaded export is verified without one): its code, dataset/manifest*.c,
 * is the library clearset_manifest, which links no SQLite.
 *
 * Promises: nothing prints or exits; functions return CS_OK or a negative
 * CS_E* code and fill err with a message naming the file. Writing is atomic
 * per file (cs_write_file_atomic). No global state: any thread may call any
 * function on distinct folders and keys.
 */
#ifndef CLEARSET_MANIFEST_H
#define CLEARSET_MANIFEST_H

#include "common/common.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define MANIFEST_FORMAT_VERSION  1
#define MANIFEST_FINGERPRINT_HEX CS_SHA256_HEX /* 64 hex digits and a NUL */

/*
 * Writes a new Ed25519 key pair: key_path (private, PKCS#8 PEM, mode 0600)
 * and key_path + ".pub" (public, PEM). CS_EEXIST when either exists and
 * force is 0 (nothing is written then). fingerprint (may be NULL) receives
 * the public key's SHA-256. The private key file never exists with wider
 * permissions than 0600, whatever the umask; with force it replaces the old
 * one atomically.
 */
int manifest_keygen(const char *key_path, int force, char fingerprint[MANIFEST_FINGERPRINT_HEX],
                    cs_error *err);

/*
 * The raw 32-byte Ed25519 public key in the PEM file at pubkey_path (a
 * signer.pub or KEY.pub): what a model's checkpoint records as its data's
 * signer. CS_ENOTFOUND, CS_EFORMAT (not an Ed25519 public key), CS_EIO.
 */
#define MANIFEST_PUBLIC_KEY_BYTES 32
int manifest_public_key_raw(const char *pubkey_path, unsigned char out[MANIFEST_PUBLIC_KEY_BYTES],
                            cs_error *err);

/*
 * Signs the folder dir with the private key at key_path: lists and hashes
 * every file (see above), writes manifest.json with the caller's fields
 * (a JSON object, may be NULL; it must not use the keys "format",
 * "format_version", "signer" or "files"), manifest.sig and signer.pub.
 * CS_EINVAL (naming the path) when DIR holds a symlink, device, FIFO or
 * socket, or a name that is not UTF-8; fingerprint may be NULL.
 */
int manifest_sign_dir(const char *dir, const char *key_path, const json_t *fields,
                      char fingerprint[MANIFEST_FINGERPRINT_HEX], cs_error *err);

/* One thing wrong with a folder, as verify reports it. */
typedef struct manifest_problem {
    char *path;    /* relative to the folder; "manifest.json" for the manifest itself */
    char *message; /* "content differs from the manifest", "not in the manifest", ... */
} manifest_problem;

typedef struct manifest_report {
    int signature_ok;      /* manifest.sig verifies over manifest.json with the key used */
    int trusted_key_given; /* the key came from the caller, not from signer.pub */
    char fingerprint[MANIFEST_FINGERPRINT_HEX]; /* of the key used */
    size_t files_checked;
    manifest_problem *problems;
    size_t problem_count, problem_cap;
} manifest_report;

/*
 * Checks dir: the signature (with the public key at pubkey_path, or with
 * dir/signer.pub when it is NULL), every listed file's size and SHA-256, and
 * that no unlisted file exists. CS_OK when the check ran, whatever it found
 * (report->problem_count == 0 and signature_ok mean all holds); an error
 * code only when it could not run: CS_ENOTFOUND when dir or its
 * manifest.json does not exist (not an export folder) or pubkey_path does
 * not, CS_EFORMAT when pubkey_path is not an Ed25519 public key, CS_EIO when
 * dir cannot be read, CS_ENOMEM. The report is overwritten; release it with
 * manifest_report_free whatever this returns.
 */
int manifest_verify_dir(const char *dir, const char *pubkey_path, manifest_report *report,
                        cs_error *err);
/* Releases what a report holds and leaves it empty; accepts NULL. */
void manifest_report_free(manifest_report *report);

/*
 * Reading a manifest.json without its folder: what verify checks the folder
 * against, and what a fuzz target reaches without touching a disk.
 */
typedef struct manifest_file {
    char *path;                 /* relative, '/'-separated, no "." or ".." part */
    char sha256[CS_SHA256_HEX]; /* 64 lower-case hex digits */
    uint64_t size;
} manifest_file;

typedef struct manifest_listing {
    int format_version;
    char signer_fingerprint[MANIFEST_FINGERPRINT_HEX];
    manifest_file *files; /* sorted by path (bytewise), no path twice; owned */
    size_t file_count, file_cap;
} manifest_listing;

/*
 * Parses manifest.json's bytes (pointer plus length, untrusted) into out,
 * which is overwritten (left empty on failure); release it with
 * manifest_listing_free whatever this returns. CS_EFORMAT for anything that is not a manifest of
 * this format (bad JSON, a duplicate key, a missing field, a path that is
 * absolute, has an empty, "." or ".." part or names one of the three files
 * above, paths out of order or repeated), CS_EVERSION for a newer
 * format_version, CS_ELIMIT past the size and file-count limits (manifest.c).
 */
int manifest_parse(const void *bytes, size_t len, manifest_listing *out, cs_error *err);
/* Releases what a listing holds and leaves it empty; accepts NULL. */
void manifest_listing_free(manifest_listing *listing);

#endif
