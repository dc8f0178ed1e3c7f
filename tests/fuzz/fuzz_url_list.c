/*
 * fuzz_url_list.c - libFuzzer target for crawler/url_list.c: image URL lists.
 *
 * The first byte picks the format (txt, CSV, TSV, JSON Lines: its value mod
 * 4), the rest is the list's bytes, plain or gzip, handed to the reader
 * through an in-memory file (memfd). Every call must end: the reader returns
 * entries, bad lines or the end, never loops, and each entry's URL is a
 * normalised http(s) URL with a line number no larger than the lines read.
 * Seeds under corpus/fuzz_url_list/ are hand-written: one list per format
 * with quoting, CRLF, a BOM and bad lines, and a gzip one (`gzip -c`).
 */
#include "crawler/crawler.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const crawler_url_list_format formats[] = {CRAWLER_URL_LIST_TXT, CRAWLER_URL_LIST_CSV,
                                                      CRAWLER_URL_LIST_TSV, CRAWLER_URL_LIST_JSONL};
    crawler_url_list_format format = formats[data[0] % 4];
    int fd = memfd_create("fuzz_url_list", 0);
    if (fd < 0) abort();
    if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    crawler_url_list *l = NULL;
    cs_error err;
    if (crawler_url_list_open(path, format, NULL, NULL, &l, &err) != CS_OK) abort();
    crawler_url_list_entry e;
    int rc;
    uint64_t calls = 0;
    while ((rc = crawler_url_list_next(l, &e, &err)) != 0) {
        if (++calls > size + 2) abort(); /* each call consumes a line, or ends the list */
        if (rc == 1) {
            if (strncmp(e.url, "http://", 7) != 0 && strncmp(e.url, "https://", 8) != 0) abort();
            if (e.line == 0 || e.line > crawler_url_list_line(l)) abort();
            if (strlen(e.caption) >= sizeof e.caption) abort();
        } else if (rc == CS_EINVAL) {
            break; /* a header without the URL column: the list cannot be read */
        } else if (rc != CS_EFORMAT || err.message[0] == '\0') {
            abort();
        }
    }
    crawler_url_list_close(l);
    close(fd);
    return 0;
}
