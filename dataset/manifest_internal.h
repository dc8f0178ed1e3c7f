/*
 * manifest_internal.h - what manifest.c (the manifest, sign and verify) uses
 * of manifest_walk.c (the folder walk) and manifest_keys.c (Ed25519 keys
 * through OpenSSL), and the limits they share. Only dataset/manifest*.c
 * include it.
 *
 * Keys are OpenSSL EVP_PKEY handles: whoever loads one frees it with
 * EVP_PKEY_free. Every function returns CS_OK or a CS_E* code and fills err
 * naming the file; none prints.
 */
#ifndef CLEARSET_MANIFEST_INTERNAL_H
#define CLEARSET_MANIFEST_INTERNAL_H

#include "dataset/manifest.h"

#include <openssl/evp.h>

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

/* ---- the folder walk (manifest_walk.c) ---------------------------------- */

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

/* 1 for manifest.json, manifest.sig and signer.pub at the top of the folder. */
int manifest_is_reserved_name(const char *path);
/* Opens the folder dir (a directory, not through a symlink) as *fd. */
int manifest_open_folder(const char *dir, int *fd, cs_error *err);
/* Every file under dir_fd (but the reserved names), sorted by path, hashed or with a problem. */
int manifest_walk_folder(const char *dir, int dir_fd, walk_list *list, cs_error *err);
void manifest_walk_list_free(walk_list *list);
/* Reads the regular file name in dir_fd (not through a symlink), at most max_bytes:
 * CS_ENOTFOUND (no such file), CS_ELIMIT (too large) or CS_EIO, with *why saying why. */
int manifest_read_at(int dir_fd, const char *name, size_t max_bytes, unsigned char **out,
                     size_t *out_len, const char **why);

/* ---- keys (manifest_keys.c) ---------------------------------------------- */

#define MANIFEST_SIGNATURE_BYTES 64 /* an Ed25519 signature (RFC 8032 5.1.6) */
/* A PEM Ed25519 key is about 120 bytes; a key file far larger is not one. */
#define MANIFEST_KEY_MAX_BYTES (64 * 1024)

/* The private key in the PEM file at path; CS_EFORMAT unless it is an unencrypted Ed25519 key. */
int manifest_key_load_private(const char *path, EVP_PKEY **out, cs_error *err);
/* The public key in the PEM file at path (CS_ENOTFOUND when there is none). */
int manifest_key_load_public(const char *path, EVP_PKEY **out, cs_error *err);
/* The public key in PEM bytes; name says where they came from, for messages. */
int manifest_key_public_from_pem(const void *pem, size_t len, const char *name, EVP_PKEY **out,
                                 cs_error *err);
/* SHA-256 of the public key's DER SubjectPublicKeyInfo, as hex. */
int manifest_key_fingerprint(EVP_PKEY *key, char out[MANIFEST_FINGERPRINT_HEX]);
/* The public key as PEM (SubjectPublicKeyInfo); *pem is malloc'd, free() it. */
int manifest_key_public_pem(EVP_PKEY *key, unsigned char **pem, size_t *len);
/* Ed25519 signature of bytes. */
int manifest_key_sign(EVP_PKEY *key, const void *bytes, size_t len,
                      unsigned char sig[MANIFEST_SIGNATURE_BYTES]);
/* 1 when sig (sig_len bytes) is key's signature of bytes, else 0. */
int manifest_key_verify(EVP_PKEY *key, const void *bytes, size_t len, const unsigned char *sig,
                        size_t sig_len);

#endif
