/*
 * manifest_keys.c - Ed25519 keys for signed exports, all through OpenSSL
 * (EVP_PKEY_ED25519; nothing here implements crypto): key pair generation,
 * loading PEM keys, the public key's fingerprint, signing and checking bytes.
 *
 * Ed25519 signs the message itself (no separate digest: EVP_DigestSign with a
 * NULL md, RFC 8032 PureEdDSA), so a signature is over manifest.json's exact
 * bytes and `openssl pkeyutl -verify -rawin` checks it too. Signatures are
 * deterministic: the same key and bytes give the same 64 bytes.
 *
 * The private key file is written so that it is never readable by anyone
 * else, even for an instant: without force it is created with O_CREAT|O_EXCL
 * (an existing file is never touched) and mode 0600; with force the new key
 * goes to a mkstemp file (mode 0600) renamed over the old one. fchmod(0600)
 * follows either open because the mode given to open() is cut by the umask
 * (a umask of 0277 would leave 0400) and is never widened by it. The PEM
 * bytes of a private key are wiped (OPENSSL_cleanse) before they are freed.
 *
 * PEM is read with a password callback that refuses: OpenSSL's default one
 * would prompt on the terminal for an encrypted key, and library code never
 * talks to the user.
 */
#include "dataset/manifest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define MANIFEST_PUB_SUFFIX ".pub"

static int refuse_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* Reads a key file: CS_ENOTFOUND when it does not exist, CS_EIO otherwise. */
static int read_key_file(const char *path, unsigned char **bytes, size_t *len, cs_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return cs_error_set(err, CS_ENOTFOUND, "%s: no such key file", path);
    return cs_read_regular_file(path, MANIFEST_KEY_MAX_BYTES, bytes, len, err);
}

static int is_ed25519(EVP_PKEY *key)
{
    return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
}

int manifest_key_load_private(const char *path, EVP_PKEY **out, cs_error *err)
{
    *out = NULL;
    unsigned char *pem = NULL;
    size_t len = 0;
    int rc = read_key_file(path, &pem, &len, err);
    if (rc != CS_OK) return rc;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, refuse_password, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(pem, len);
    free(pem);
    ERR_clear_error();
    if (key == NULL)
        return cs_error_set(err, CS_EFORMAT,
                            "%s: not a PEM private key (or an encrypted one, which is not read)",
                            path);
    if (!is_ed25519(key)) {
        EVP_PKEY_free(key);
        return cs_error_set(err, CS_EFORMAT, "%s: not an Ed25519 key", path);
    }
    *out = key;
    return CS_OK;
}

int manifest_key_public_from_pem(const void *pem, size_t len, const char *name, EVP_PKEY **out,
                                 cs_error *err)
{
    *out = NULL;
    if (len > MANIFEST_KEY_MAX_BYTES)
        return cs_error_set(err, CS_EFORMAT, "%s: %zu bytes is too large for a public key", name,
                            len);
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, refuse_password, NULL) : NULL;
    BIO_free(bio);
    ERR_clear_error();
    if (key == NULL) return cs_error_set(err, CS_EFORMAT, "%s: not a PEM public key", name);
    if (!is_ed25519(key)) {
        EVP_PKEY_free(key);
        return cs_error_set(err, CS_EFORMAT, "%s: not an Ed25519 public key", name);
    }
    *out = key;
    return CS_OK;
}

int manifest_key_load_public(const char *path, EVP_PKEY **out, cs_error *err)
{
    *out = NULL;
    unsigned char *pem = NULL;
    size_t len = 0;
    int rc = read_key_file(path, &pem, &len, err);
    if (rc != CS_OK) return rc;
    rc = manifest_key_public_from_pem(pem, len, path, out, err);
    free(pem);
    return rc;
}

int manifest_public_key_raw(const char *pubkey_path, unsigned char out[MANIFEST_PUBLIC_KEY_BYTES],
                            cs_error *err)
{
    EVP_PKEY *key = NULL;
    int rc = manifest_key_load_public(pubkey_path, &key, err);
    if (rc != CS_OK) return rc;
    size_t len = MANIFEST_PUBLIC_KEY_BYTES;
    if (EVP_PKEY_get_raw_public_key(key, out, &len) != 1 || len != MANIFEST_PUBLIC_KEY_BYTES)
        rc = cs_error_set(err, CS_EFORMAT, "%s: not an Ed25519 public key", pubkey_path);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}

int manifest_key_fingerprint(EVP_PKEY *key, char out[MANIFEST_FINGERPRINT_HEX])
{
    out[0] = '\0';
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n <= 0) return CS_ENOMEM;
    cs_sha256_hex(der, (size_t)n, out);
    OPENSSL_free(der);
    return CS_OK;
}

int manifest_key_public_pem(EVP_PKEY *key, unsigned char **pem, size_t *len)
{
    *pem = NULL;
    *len = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return CS_ENOMEM;
    int rc = CS_ENOMEM;
    char *data = NULL;
    long n = 0;
    if (PEM_write_bio_PUBKEY(bio, key) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0) {
        *pem = malloc((size_t)n);
        if (*pem) {
            memcpy(*pem, data, (size_t)n);
            *len = (size_t)n;
            rc = CS_OK;
        }
    }
    BIO_free(bio);
    return rc;
}

int manifest_key_sign(EVP_PKEY *key, const void *bytes, size_t len,
                      unsigned char sig[MANIFEST_SIGNATURE_BYTES])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = MANIFEST_SIGNATURE_BYTES;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(ctx, sig, &sig_len, bytes, len) == 1 &&
             sig_len == MANIFEST_SIGNATURE_BYTES;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? CS_OK : CS_ENOMEM;
}

int manifest_key_verify(EVP_PKEY *key, const void *bytes, size_t len, const unsigned char *sig,
                        size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, bytes, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* PEM (PKCS#8) of a private key in memory; the caller cleanses and frees it. */
static int private_pem(EVP_PKEY *key, unsigned char **pem, size_t *len)
{
    *pem = NULL;
    *len = 0;
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return CS_ENOMEM;
    int rc = CS_ENOMEM;
    char *data = NULL;
    long n = 0;
    if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
        (n = BIO_get_mem_data(bio, &data)) > 0) {
        *pem = malloc((size_t)n);
        if (*pem) {
            memcpy(*pem, data, (size_t)n);
            *len = (size_t)n;
            rc = CS_OK;
        }
    }
    BIO_free(bio);
    return rc;
}

/*
 * Writes the private key's PEM to path with mode 0600: created with O_EXCL
 * (CS_EEXIST if something is there), or, with force, through a 0600 temporary
 * file renamed over it.
 */
static int write_private_key(const char *path, const unsigned char *pem, size_t len, int force,
                             cs_error *err)
{
    if (force) return cs_write_file_atomic_mode(path, pem, len, 0600, err);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int code = errno == EEXIST ? CS_EEXIST : errno == ENOENT ? CS_ENOTFOUND : CS_EIO;
        return cs_error_set(err, code, "%s: %s", path,
                            code == CS_EEXIST ? "already exists; refusing to replace a key"
                                              : strerror(errno));
    }
    int rc = CS_OK;
    if (fchmod(fd, 0600) != 0) /* whatever the umask */
        rc = cs_error_set(err, CS_EIO, "%s: chmod 0600 failed: %s", path, strerror(errno));
    else if (cs_write_all(fd, pem, len) != CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: write failed: %s", path, strerror(errno));
    else if (fsync(fd) != 0)
        rc = cs_error_set(err, CS_EIO, "%s: fsync failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == CS_OK)
        rc = cs_error_set(err, CS_EIO, "%s: close failed: %s", path, strerror(errno));
    if (rc != CS_OK) unlink(path);
    if (rc == CS_OK) cs_fsync_directory_of(path);
    return rc;
}

int manifest_keygen(const char *key_path, int force, char fingerprint[MANIFEST_FINGERPRINT_HEX],
                    cs_error *err)
{
    if (fingerprint) fingerprint[0] = '\0';
    if (key_path == NULL || key_path[0] == '\0')
        return cs_error_set(err, CS_EINVAL, "no key path given");
    size_t n = strlen(key_path);
    char *pub_path = malloc(n + sizeof MANIFEST_PUB_SUFFIX);
    if (pub_path == NULL) return cs_error_set(err, CS_ENOMEM, "%s: out of memory", key_path);
    memcpy(pub_path, key_path, n);
    memcpy(pub_path + n, MANIFEST_PUB_SUFFIX, sizeof MANIFEST_PUB_SUFFIX);

    struct stat st;
    int rc = CS_OK;
    if (!force && lstat(key_path, &st) == 0)
        rc =
            cs_error_set(err, CS_EEXIST, "%s: already exists; refusing to replace a key", key_path);
    else if (!force && lstat(pub_path, &st) == 0)
        rc =
            cs_error_set(err, CS_EEXIST, "%s: already exists; refusing to replace a key", pub_path);
    if (rc != CS_OK) {
        free(pub_path);
        return rc;
    }

    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1)
        rc = cs_error_set(err, CS_ENOMEM, "%s: OpenSSL could not make an Ed25519 key", key_path);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();

    unsigned char *priv = NULL, *pub = NULL;
    size_t priv_len = 0, pub_len = 0;
    char fp[MANIFEST_FINGERPRINT_HEX];
    if (rc == CS_OK && (private_pem(key, &priv, &priv_len) != CS_OK ||
                        manifest_key_public_pem(key, &pub, &pub_len) != CS_OK ||
                        manifest_key_fingerprint(key, fp) != CS_OK))
        rc = cs_error_set(err, CS_ENOMEM, "%s: out of memory", key_path);
    if (rc == CS_OK) rc = write_private_key(key_path, priv, priv_len, force, err);
    if (rc == CS_OK) {
        rc = cs_write_file_atomic(pub_path, pub, pub_len, err);
        if (rc != CS_OK) unlink(key_path); /* no private key without its public half */
    }
    if (rc == CS_OK && fingerprint) memcpy(fingerprint, fp, MANIFEST_FINGERPRINT_HEX);
    if (priv) OPENSSL_cleanse(priv, priv_len);
    free(priv);
    free(pub);
    free(pub_path);
    EVP_PKEY_free(key);
    return rc;
}
