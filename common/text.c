/*
 * text.c - small string, hex, hashing and clock helpers shared by all modules.
 *
 * The hex codec here is clearset's only one: SHA-256 digests, PDQ and pHash
 * hashes, ImageMagick's hex-dumped raw profiles and URL escapes all go
 * through cs_hex_encode / cs_hex_decode / cs_hex_digit. Base64 (encoding only:
 * the audit report's inlined thumbnails) is here beside it.
 *
 * SHA-256 comes from OpenSSL's EVP one-shot digest; everything else is plain C.
 */
#include "common/common.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cs_sha256(const void *bytes, size_t n, unsigned char out[CS_SHA256_BYTES])
{
    unsigned int out_len = 0;
    EVP_Digest(bytes, n, out, &out_len, EVP_sha256(), NULL);
}

void cs_sha256_hex(const void *bytes, size_t n, char out[CS_SHA256_HEX])
{
    unsigned char digest[CS_SHA256_BYTES];
    cs_sha256(bytes, n, digest);
    cs_hex_encode(digest, sizeof digest, out);
}

void cs_hex_encode(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

int cs_hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int cs_hex_decode(const char *hex, size_t hex_len, unsigned char *out, size_t n)
{
    if (hex_len != 2 * n) return CS_EFORMAT;
    for (size_t i = 0; i < n; i++) {
        int hi = cs_hex_digit((unsigned char)hex[2 * i]);
        int lo = cs_hex_digit((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return CS_EFORMAT;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return CS_OK;
}

int cs_base64_append(cs_buf *out, const unsigned char *bytes, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > (SIZE_MAX - 3) / 4 * 3) return CS_ELIMIT;
    int rc = cs_buf_reserve(out, (n + 2) / 3 * 4);
    for (size_t i = 0; rc == CS_OK && i < n; i += 3) {
        uint32_t v = (uint32_t)bytes[i] << 16;
        if (i + 1 < n) v |= (uint32_t)bytes[i + 1] << 8;
        if (i + 2 < n) v |= bytes[i + 2];
        char quad[4] = {alphabet[v >> 18 & 63], alphabet[v >> 12 & 63],
                        i + 1 < n ? alphabet[v >> 6 & 63] : '=',
                        i + 2 < n ? alphabet[v & 63] : '='};
        rc = cs_buf_append(out, quad, sizeof quad);
    }
    return rc;
}

size_t cs_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size > 0) {
        size_t copy = len < size - 1 ? len : size - 1;
        memcpy(dst, src, copy);
        dst[copy] = '\0';
    }
    return len;
}

char *cs_strndup(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy == NULL) return NULL;
    if (n) memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

size_t cs_utf8_sequence(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return 1;
    size_t len;
    unsigned cp;
    if ((s[0] & 0xE0) == 0xC0)
        len = 2, cp = s[0] & 0x1F;
    else if ((s[0] & 0xF0) == 0xE0)
        len = 3, cp = s[0] & 0x0F;
    else if ((s[0] & 0xF8) == 0xF0)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int cs_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80 && p[i] != 0) { /* the common case: ASCII, one byte */
            i++;
            continue;
        }
        size_t n = p[i] ? cs_utf8_sequence(p + i, len - i) : 0;
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

char *cs_utf8_dup(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (p[i] == 0) {
            i++; /* dropped, as ExifTool does in JSON strings */
            continue;
        }
        size_t n = cs_utf8_sequence(p + i, len - i);
        if (n == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, p + i, n);
            o += n, i += n;
        }
    }
    out[o] = '\0';
    return out;
}

int cs_ascii_ieq(const char *s, size_t n, const char *literal)
{
    size_t len = strlen(literal);
    if (n != len) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)literal[i])) return 0;
    return 1;
}

uint64_t cs_text_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int64_t cs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cs_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
