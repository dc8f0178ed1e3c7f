/*
 * stream.c - response bodies that are produced while they are sent: a
 * repeated pattern of N bytes or without end, bytes trickled a few at a time,
 * and any of these gzip-compressed on the fly.
 *
 * MHD calls the content reader from the connection's own thread (the server
 * runs one thread per connection), so the reader may sleep between trickled
 * pieces; sleeps wake early when the server stops. Compression streams too:
 * a 1 GiB gzip bomb costs about 1 MiB on the wire and never sits in memory.
 * zlib is used for gzip (it is already part of the build through libpng).
 */
#include "demo/demo_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Bytes MHD asks for per read; also the gzip input chunk. */
#define DEMO_STREAM_BLOCK (32 * 1024)

struct demo_stream {
    demo_server *server;
    demo_stream_config config;
    uint64_t source_pos; /* raw bytes produced so far (before compression) */
    int gzip_ready;
    int gzip_done;
    z_stream z;
    unsigned char zin[DEMO_STREAM_BLOCK];
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
        ssize_t n = gzip_read(s, (unsigned char *)buf, max);
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
    if (s->config.gzip) {
        /* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
        if (deflateInit2(&s->z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
            Z_OK) {
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
