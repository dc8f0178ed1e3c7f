/*
 * common.h - what every clearset library shares: status codes, the error
 * record a caller hands in, a growable byte buffer with a hard limit, whole-
 * file reading with a limit, SHA-256 and hex.
 *
 * Promise: no function here prints or exits. Functions return CS_OK (0) or a
 * negative CS_E* code; where a person needs to know why, they also fill the
 * caller's cs_error (which may be NULL). Nothing here keeps global state, so
 * everything is safe to call from any thread on distinct objects.
 */
#ifndef CLEARSET_COMMON_H
#define CLEARSET_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* mode_t */

/* Status codes. 0 is success; every failure is negative and says what kind. */
enum {
    CS_OK = 0,
    CS_EINVAL = -1,        /* bad argument or bad usage */
    CS_ENOMEM = -2,        /* allocation failed */
    CS_EIO = -3,           /* a file or socket operation failed */
    CS_EFORMAT = -4,       /* input bytes are malformed */
    CS_ELIMIT = -5,        /* input exceeds a size, count or time limit */
    CS_ENOTFOUND = -6,     /* the thing asked for does not exist */
    CS_EDB = -7,           /* the catalog (SQLite) failed */
    CS_EVERSION = -8,      /* written by a newer version than this build reads */
    CS_ENET = -9,          /* a network fetch failed */
    CS_EDENIED = -10,      /* refused by policy (robots, address, opt-out) */
    CS_EUNSUPPORTED = -11, /* a valid input this build does not handle */
    CS_ECORRUPT = -12,     /* stored data fails its integrity check */
    CS_EEXIST = -13,       /* would replace something that exists (a key, an export) */
    CS_ECONFLICT = -14,    /* a transient conflict with another writer (PostgreSQL deadlock,
                              serialization failure, lock not available): the transaction was
                              rolled back; running it again may well succeed */
};

#define CS_ERROR_MESSAGE_MAX 512

/* One failure, for a person: the code and a one-line message naming the input. */
typedef struct cs_error {
    int code;
    char message[CS_ERROR_MESSAGE_MAX];
} cs_error;

/* Fills err (if not NULL) with code and a printf-style message; returns code. */
int cs_error_set(cs_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Clears err to CS_OK and an empty message. */
void cs_error_clear(cs_error *err);
/* A fixed name for a status code: "bad input", "out of memory", ... */
const char *cs_strerror(int code);

/*
 * cs_buf - bytes that grow up to `limit` (0 means no limit beyond SIZE_MAX).
 * Always NUL-terminated after `len` bytes for convenience, but callers treat
 * the content as pointer plus length. The buffer owns `data`; cs_buf_free
 * releases it and leaves an empty buffer.
 */
typedef struct cs_buf {
    unsigned char *data;
    size_t len;
    size_t cap;
    size_t limit;
} cs_buf;

void cs_buf_init(cs_buf *buf, size_t limit);
/* Appends n bytes; CS_ELIMIT when the result would exceed the limit (nothing appended). */
int cs_buf_append(cs_buf *buf, const void *bytes, size_t n);
int cs_buf_append_str(cs_buf *buf, const char *s);
int cs_buf_printf(cs_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends len bytes as HTML text or attribute value: & < > " ' as entities, bytes that
 * are not valid UTF-8 as '?', NULs dropped (cs_utf8_dup). For every HTML page written. */
int cs_buf_append_html(cs_buf *buf, const char *s, size_t len);
/* Appends len bytes as a JSON string, quotes included: " \\ and control characters
 * escaped, bytes that are not valid UTF-8 as '?', NULs dropped (as cs_buf_append_html).
 * For text from the network written as JSON without building a jansson value. */
int cs_buf_append_json_string(cs_buf *buf, const char *s, size_t len);
/* Ensures room for n more bytes without changing len. */
int cs_buf_reserve(cs_buf *buf, size_t n);
/* Hands the bytes to the caller (free() them) and leaves the buffer empty. */
unsigned char *cs_buf_take(cs_buf *buf, size_t *len);
void cs_buf_free(cs_buf *buf);

/*
 * Reads the whole file at path into a new buffer (caller frees *out with free()).
 * CS_ELIMIT if the file is larger than max_bytes, CS_EIO if it cannot be read.
 * Whatever path names is read, a pipe too (and that waits for its writer).
 */
/*
 * Reads an open descriptor to its end (at most max_bytes: CS_ELIMIT past it) into a new
 * buffer the caller frees, NUL-terminated after out_len bytes, and closes fd whatever
 * happens. path only names the file in messages. For callers that open with flags of
 * their own (openat, O_NOFOLLOW); cs_read_file opens a path and calls it.
 */
int cs_read_fd(int fd, const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
               cs_error *err);
int cs_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
                 cs_error *err);
/*
 * cs_read_file for a path that must name a regular file (or a symlink to
 * one): a FIFO, directory, device or socket is refused with CS_EINVAL before
 * it is opened for reading, so the call never blocks on a FIFO.
 */
int cs_read_regular_file(const char *path, size_t max_bytes, unsigned char **out, size_t *out_len,
                         cs_error *err);

/*
 * Writes bytes to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory. A crash leaves either the old file or
 * the new one, never a partial one.
 */
int cs_write_file_atomic(const char *path, const void *bytes, size_t n, cs_error *err);
/* The same with the final file's mode (0644 above; 0600 for a private key: the temporary
 * file is 0600 from its creation, so the bytes are never readable by others). */
int cs_write_file_atomic_mode(const char *path, const void *bytes, size_t n, mode_t mode,
                              cs_error *err);
/* Writes all n bytes to fd, retrying short writes and EINTR: CS_OK, or CS_EIO with errno set. */
int cs_write_all(int fd, const void *bytes, size_t n);
/* fsyncs the directory that holds path, so a rename or creation in it survives a power
 * loss: CS_OK, CS_ENOMEM or CS_EIO (errno set). */
int cs_fsync_directory_of(const char *path);

/* Creates directory path and its parents (mode 0755); existing ones are fine. */
int cs_mkdir_p(const char *path, cs_error *err);
/* Removes the tree at path, not following symbolic links; a missing path is fine. */
int cs_remove_tree(const char *path, cs_error *err);

#define CS_SHA256_BYTES 32
#define CS_SHA256_HEX   (2 * CS_SHA256_BYTES + 1)

void cs_sha256(const void *bytes, size_t n, unsigned char out[CS_SHA256_BYTES]);
/* SHA-256 of bytes as 64 lower-case hex digits plus NUL. */
void cs_sha256_hex(const void *bytes, size_t n, char out[CS_SHA256_HEX]);
/* Writes 2n lower-case hex digits and a NUL into out (which holds 2n+1). */
void cs_hex_encode(const unsigned char *bytes, size_t n, char *out);
/* Decodes exactly 2n hex digits (either case) into n bytes; CS_EFORMAT otherwise. */
int cs_hex_decode(const char *hex, size_t hex_len, unsigned char *out, size_t n);
/* The value (0..15) of hex digit c (a byte value, either case), or -1. */
int cs_hex_digit(int c);
/* Appends bytes as standard base64 (RFC 4648 section 4, padded), as data: URIs want. */
int cs_base64_append(cs_buf *out, const unsigned char *bytes, size_t n);

/* Bounded, NUL-terminating copy; returns strlen(src) like strlcpy. */
size_t cs_strlcpy(char *dst, const char *src, size_t size);
/* strndup that never reads past n and returns NULL only on allocation failure. */
char *cs_strndup(const char *s, size_t n);
/* ASCII case-insensitive comparison of a pointer+length string with a C string. */
int cs_ascii_ieq(const char *s, size_t n, const char *literal);
/* FNV-1a (64 bits) of a C string: the slot of a key in an in-memory hash table.
 * Not for anything stored or compared across runs. */
uint64_t cs_text_hash(const char *s);
/*
 * Copies bytes into a new NUL-terminated string that is valid UTF-8, for JSON
 * output of text nobody checked (file names, metadata): each byte that starts
 * no valid sequence becomes '?', NULs are dropped. NULL only when out of memory.
 */
char *cs_utf8_dup(const char *s, size_t len);
/* Length (1..4) of the valid UTF-8 sequence that starts s (n bytes available; n > 0), or 0
 * when none does (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF,
 * a sequence cut off). The one UTF-8 check: cs_utf8_dup and the access-log reader use it. */
size_t cs_utf8_sequence(const unsigned char *s, size_t n);
/* 1 when the len bytes at s are valid UTF-8 without a NUL: what cs_utf8_dup would copy
 * unchanged. */
int cs_utf8_valid(const char *s, size_t len);

/* Wall-clock time in milliseconds and a monotonic clock in nanoseconds. */
int64_t cs_now_ms(void);
int64_t cs_monotonic_ns(void);

/*
 * Makes room for item number `count` (0-based) in a growable array: *items
 * has *cap slots of item_size bytes. Grows by doubling. CS_ELIMIT when count
 * reaches max_count (0 = no cap), CS_ENOMEM when allocation fails; *items is
 * unchanged on failure. Typical use:
 *     if ((rc = cs_array_reserve((void **)&list->items, &list->cap, list->count,
 *                                sizeof *list->items, MAX)) != CS_OK) return rc;
 *     list->items[list->count++] = item;
 */
int cs_array_reserve(void **items, size_t *cap, size_t count, size_t item_size, size_t max_count);
/* Makes room for `needed` items in all (for appending several at once); same rules. */
int cs_array_grow(void **items, size_t *cap, size_t needed, size_t item_size, size_t max_count);

#define CS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CS_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define CS_MAX(a, b)    ((a) > (b) ? (a) : (b))

/* ---- streams (stream.c) ---------------------------------------------------- */

/*
 * A file ("-": stdin) read as a stream, gzip inflated when the content is
 * gzip. Not thread-safe; one reader per stream.
 */
typedef struct cs_stream cs_stream;
/* CS_EIO (err: "PATH: why") when the file cannot be opened. */
int cs_stream_open(const char *path, cs_stream **out, cs_error *err);
/*
 * Up to cap bytes into buf: how many (> 0), 0 at the end, CS_EIO when a read
 * fails or CS_EFORMAT when gzip data is cut short or corrupt (err: "gzip data
 * cut short" and the like, without the path; the bytes before were returned).
 */
long cs_stream_read(cs_stream *s, void *buf, size_t cap, cs_error *err);
void cs_stream_close(cs_stream *s);

#endif
