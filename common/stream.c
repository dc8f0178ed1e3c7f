/*
 * stream.c - a file read as a stream of bytes, gzip inflated on the way:
 * the one opening of `clearset crawlers` access logs and `crawl --url-list`
 * lists.
 *
 * zlib's gzread inflates gzip (several members too, as logrotate and cat
 * make them) and passes any other bytes through unchanged, so a plain file,
 * a .gz and stdin ("-") take one path, detected by content, and memory stays
 * at the caller's buffer plus zlib's (CS_STREAM_GZ_BUFFER) whatever the
 * file's size. A gzip stream that ends early or is corrupt is CS_EFORMAT
 * once the bytes before the damage have been read: what came first counts.
 */
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CS_STREAM_GZ_BUFFER (256 * 1024) /* zlib's own input buffer */

struct cs_stream {
    gzFile gz;
};

int cs_stream_open(const char *path, cs_stream **out, cs_error *err)
{
    *out = NULL;
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cs_error_set(err, CS_EIO, "%s: %s", path, strerror(errno));
    cs_stream *s = calloc(1, sizeof *s);
    if (s == NULL || (s->gz = gzdopen(fd, "rb")) == NULL) {
        close(fd);
        free(s);
        return cs_error_set(err, CS_ENOMEM, "%s: out of memory", path);
    }
    gzbuffer(s->gz, CS_STREAM_GZ_BUFFER);
    *out = s;
    return CS_OK;
}

long cs_stream_read(cs_stream *s, void *buf, size_t cap, cs_error *err)
{
    if (cap > INT32_MAX) cap = INT32_MAX;
    int n = gzread(s->gz, buf, (unsigned)cap);
    if (n > 0) return n;
    int code = Z_OK;
    const char *message = gzerror(s->gz, &code);
    if (code == Z_ERRNO) return cs_error_set(err, CS_EIO, "read failed: %s", strerror(errno));
    if (code != Z_OK)
        return cs_error_set(err, CS_EFORMAT, "gzip data %s",
                            code == Z_BUF_ERROR ? "cut short"
                            : message           ? message
                                                : "corrupt");
    return 0;
}

void cs_stream_close(cs_stream *s)
{
    if (s == NULL) return;
    gzclose_r(s->gz);
    free(s);
}
