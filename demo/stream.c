/*
 * stream.c - response bodies that are produced while they are sent: a
 * repeated pattern of N bytes or without end, bytes trickled a few at a time,
 * and any of these gzip-compressed on the fly.
 *
 * MHD calls the content reader from the connection's own thread (the server
 * runs one thread per connection), so the reader may sleep between trickled
 * pieces; sleeps wake early when the server stops.
 *
 * Gzip of a repeated pattern (the gzip bomb) is not compressed byte by byte:
 * one chunk of the pattern (a whole number of periods, about 1 MiB) is
 * deflated once with a full flush, which leaves no history and ends on a
 * byte boundary, so the same compressed block can be sent again for every
 * chunk; the remainder is deflated last with the final block, and the gzip
 * trailer's CRC-32 comes from crc32_combine. A 1 GiB bomb is then ~1 MiB of
 * memcpy instead of 20 s of deflate. Bytes bodies are deflated as a stream.
 * zlib is already part of the build through libpng.
 */
#include "demo/demo_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Bytes MHD asks for per read; also the gzip input chunk. */
#define DEMO_STREAM_BLOCK (32 * 1024)
/* Raw bytes per repeated gzip chunk: big enough for a ~1000:1 ratio on zeros. */
#define DEMO_GZIP_CHUNK (1024 * 1024)

/* Where a repeated-pattern gzip body is. */
enum { GZ_HEADER, GZ_CHUNKS, GZ_TAIL, GZ_TRAILER, GZ_DONE };

struct demo_stream {
    demo_server *server;
    demo_stream_config config;
    uint64_t source_pos; /* raw bytes produced so far (before compression) */
    int gzip_ready;
    int gzip_done;
    z_stream z;
    unsigned char zin[DEMO_STREAM_BLOCK];
    /* gzip of a pattern: */
    int phase;
    unsigned char *block; /* one deflated chunk, full-flushed */
    size_t block_len;
    size_t chunk_len; /* raw bytes per chunk */
    uLong chunk_crc;
    uLong crc;              /* CRC-32 of the raw bytes sent so far */
    uint64_t chunks_left;   /* UINT64_MAX: endless */
    size_t tail_len;        /* raw bytes after the last whole chunk */
    unsigned char *pending; /* compressed bytes waiting to go out */
    size_t pending_len, pending_pos;
    int pending_owned;
};

static uint64_t source_total(const demo_stream *s)
{
    if (s->config.data) return s->config.data_len;
    return s->config.endless ? UINT64_MAX : s->config.pattern_total;
}

/* Copies up to max raw bytes from the source at position pos; returns how many. */
static size_t source_read(const demo_stream *s, uint64_t pos, unsigned char *out, size_t max)
{
    uint64_t total = source_total(s);
    if (pos >= total) return 0;
    size_t n = (size_t)CS_MIN((uint64_t)max, total - pos);
    if (s->config.data) {
        memcpy(out, s->config.data + pos, n);
        return n;
    }
    size_t plen = s->config.pattern_len;
    size_t at = (size_t)(pos % plen);
    for (size_t i = 0; i < n;) {
        size_t run = CS_MIN(plen - at, n - i);
        memcpy(out + i, s->config.pattern + at, run);
        i += run;
        at = 0;
    }
    return n;
}

/* Fills up to max bytes of gzip output; returns bytes written (0 at the end). */
static ssize_t gzip_read(demo_stream *s, unsigned char *out, size_t max)
{
    if (s->gzip_done) return 0;
    s->z.next_out = out;
    s->z.avail_out = (uInt)max;
    while (s->z.avail_out > 0 && !s->gzip_done) {
        if (s->z.avail_in == 0) {
            size_t n = source_read(s, s->source_pos, s->zin, sizeof s->zin);
            s->source_pos += n;
            s->z.next_in = s->zin;
            s->z.avail_in = (uInt)n;
        }
        int finishing = s->z.avail_in == 0 && s->source_pos >= source_total(s);
        int rc = deflate(&s->z, finishing ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            s->gzip_done = 1;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return -1;
        if (demo_server_is_stopping(s->server)) return -1;
    }
    return (ssize_t)(max - s->z.avail_out);
}

/* Raw-deflates n bytes into a new buffer, ending with a full flush or the final block. */
static unsigned char *deflate_raw(const unsigned char *in, size_t n, int finish, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, finish ? Z_FINISH : Z_FULL_FLUSH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    if ((finish && rc != Z_STREAM_END) || (!finish && rc != Z_OK) || z.avail_in != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Prepares the repeated block of a pattern gzip stream; -1 on no memory. */
static int pattern_gzip_init(demo_stream *s)
{
    size_t plen = s->config.pattern_len;
    size_t periods = DEMO_GZIP_CHUNK / plen ? DEMO_GZIP_CHUNK / plen : 1;
    s->chunk_len = periods * plen;
    unsigned char *chunk = malloc(s->chunk_len);
    if (chunk == NULL) return -1;
    source_read(s, 0, chunk, s->chunk_len);
    s->chunk_crc = crc32(0, chunk, (uInt)s->chunk_len);
    s->block = deflate_raw(chunk, s->chunk_len, 0, &s->block_len);
    free(chunk);
    if (s->block == NULL) return -1;
    s->crc = crc32(0, Z_NULL, 0);
    if (s->config.endless) {
        s->chunks_left = UINT64_MAX;
    } else {
        s->chunks_left = s->config.pattern_total / s->chunk_len;
        s->tail_len = (size_t)(s->config.pattern_total % s->chunk_len);
    }
    s->phase = GZ_HEADER;
    return 0;
}

static void set_pending(demo_stream *s, unsigned char *bytes, size_t n, int owned)
{
    if (s->pending_owned) free(s->pending);
    s->pending = bytes;
    s->pending_len = n;
    s->pending_pos = 0;
    s->pending_owned = owned;
}

/* Queues the next piece of a pattern gzip stream; -1 on failure, 0 when done. */
static int pattern_gzip_next(demo_stream *s)
{
    static unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3}; /* gzip, Unix */
    switch (s->phase) {
    case GZ_HEADER:
        set_pending(s, header, sizeof header, 0);
        s->phase = GZ_CHUNKS;
        return 1;
    case GZ_CHUNKS:
        if (s->chunks_left > 0) {
            if (s->chunks_left != UINT64_MAX) s->chunks_left--;
            s->crc = crc32_combine(s->crc, s->chunk_crc, (z_off_t)s->chunk_len);
            set_pending(s, s->block, s->block_len, 0);
            return 1;
        }
        s->phase = GZ_TAIL;
        /* fall through */
    case GZ_TAIL: {
        unsigned char *tail = malloc(s->tail_len ? s->tail_len : 1);
        if (tail == NULL) return -1;
        source_read(s, 0, tail, s->tail_len); /* chunks hold whole periods: offset 0 */
        s->crc = crc32(s->crc, tail, (uInt)s->tail_len);
        size_t n;
        unsigned char *last = deflate_raw(tail, s->tail_len, 1, &n);
        free(tail);
        if (last == NULL) return -1;
        set_pending(s, last, n, 1);
        s->phase = GZ_TRAILER;
        return 1;
    }
    case GZ_TRAILER: {
        unsigned char *trailer = malloc(8);
        if (trailer == NULL) return -1;
        uint32_t size = (uint32_t)s->config.pattern_total; /* ISIZE: length mod 2^32 */
        uint32_t crc = (uint32_t)s->crc;
        for (int i = 0; i < 4; i++) {
            trailer[i] = (unsigned char)(crc >> (8 * i));
            trailer[4 + i] = (unsigned char)(size >> (8 * i));
        }
        set_pending(s, trailer, 8, 1);
        s->phase = GZ_DONE;
        return 1;
    }
    default:
        return 0;
    }
}

/* Fills up to max bytes of a pattern's gzip stream; 0 at the end, -1 on failure. */
static ssize_t pattern_gzip_read(demo_stream *s, unsigned char *out, size_t max)
{
    size_t done = 0;
    while (done < max) {
        if (s->pending_pos == s->pending_len) {
            int rc = pattern_gzip_next(s);
            if (rc < 0) return -1;
            if (rc == 0) break;
            continue;
        }
        size_t n = CS_MIN(max - done, s->pending_len - s->pending_pos);
        memcpy(out + done, s->pending + s->pending_pos, n);
        s->pending_pos += n;
        done += n;
    }
    return (ssize_t)done;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    demo_stream *s = cls;
    if (s->config.trickle_bytes > 0) {
        if (demo_server_sleep(s->server, s->config.trickle_interval_ms))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        max = CS_MIN(max, s->config.trickle_bytes);
    }
    if (demo_server_is_stopping(s->server)) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (s->config.gzip) {
        ssize_t n = s->block ? pattern_gzip_read(s, (unsigned char *)buf, max)
                             : gzip_read(s, (unsigned char *)buf, max);
        if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
        return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
    }
    size_t n = source_read(s, pos, (unsigned char *)buf, max);
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void stream_free(void *cls)
{
    demo_stream *s = cls;
    if (s == NULL) return;
    if (s->gzip_ready) deflateEnd(&s->z);
    if (s->pending_owned) free(s->pending);
    free(s->block);
    free(s->config.owned_data);
    free(s);
}

struct MHD_Response *demo_stream_response(demo_server *server, const demo_stream_config *config)
{
    demo_stream *s = calloc(1, sizeof *s);
    if (s == NULL) {
        free(config->owned_data);
        return NULL;
    }
    s->server = server;
    s->config = *config;
    if (s->config.owned_data) s->config.data = s->config.owned_data;
    if (s->config.gzip && s->config.data == NULL) {
        if (pattern_gzip_init(s)) {
            stream_free(s);
            return NULL;
        }
    } else if (s->config.gzip) {
        /* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
        if (deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 9,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            stream_free(s);
            return NULL;
        }
        s->gzip_ready = 1;
    }
    uint64_t size = MHD_SIZE_UNKNOWN;
    if (!s->config.gzip && !(s->config.data == NULL && s->config.endless)) size = source_total(s);
    struct MHD_Response *response =
        MHD_create_response_from_callback(size, DEMO_STREAM_BLOCK, stream_reader, s, stream_free);
    if (response == NULL) stream_free(s);
    return response;
}
