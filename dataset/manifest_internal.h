/*
 * manifest_internal.h - what manifest.c (the folder walk, the manifest, sign
 * and verify) uses of manifest_keys.c (Ed25519 keys through OpenSSL). Only
 * dataset/manifest*.c include it.
 *
 * Keys are OpenSSL EVP_PKEY handles: whoever loads one frees it with
 * EVP_PKEY_free. Every function returns CS_OK or a CS_E* code and fills err
 * naming the file; none prints.
 */
#ifndef CLEARSET_MANIFEST_INTERNAL_H
#define CLEARSET_MANIFEST_INTERNAL_H

#include "dataset/manifest.h"

#include <openssl/evp.h>

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
