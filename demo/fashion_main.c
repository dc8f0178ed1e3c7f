/*
 * fashion_main.c - clearset-fashion-site: writes Fashion-MNIST as a website
 * (demo_fashion_write, fashion.c) for clearset-fixture to serve on loopback,
 * so a crawl, an export and `clearset train` see real, licensed images.
 *
 *   clearset-fashion-site --out DIR [--count N] [--first N] [--set train|t10k]
 *                         [--per-page N] [--source IDX_DIR]
 *
 * Prints one JSON line: {"images": N, "pages": P, "site": "DIR/scenario.json"}.
 * Exit status: 0 written, 2 bad usage, 3 a runtime failure, 4 the dataset is
 * not installed (Debian's dataset-fashion-mnist; tests skip on 4).
 */
#include "demo/demo.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FASHION_EXIT_MISSING 4

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset-fashion-site --out DIR [--count N] [--first N] [--set train|t10k]\n"
            "                             [--per-page N] [--source IDX_DIR]\n\n"
            "Publishes Fashion-MNIST (MIT, (c) 2017 Zalando SE) from Debian's\n"
            "dataset-fashion-mnist as a website in DIR: www/images/NNNNNN.png (32x32\n"
            "grey, licence and attribution in XMP), www/page/NNNN.html galleries with\n"
            "rel=license, www/index.html, www/robots.txt, and scenario.json for\n"
            "'clearset-fixture --scenario DIR/scenario.json'.\n\n"
            "  --count N     images to publish (default: all of the set from --first on)\n"
            "  --first N     the first image of the set to publish (default 0)\n"
            "  --set S       train (60,000 images, default) or t10k (10,000)\n"
            "  --per-page N  images per gallery page, 1..1000 (default %d)\n"
            "  --source DIR  where the IDX .gz files are (default %s)\n\n"
            "exit status: 0 written, 2 bad usage, 3 runtime failure, 4 dataset not installed\n",
            DEMO_FASHION_PER_PAGE, DEMO_FASHION_DIR);
}

/* A count: decimal digits only, at most max; -1 otherwise. */
static long long count_value(const char *option, const char *text, long long max)
{
    long long v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > max) v = max + 1;
        if (v <= max) v = v * 10 + (*p - '0');
    }
    if (!text[0] || v > max) {
        fprintf(stderr, "clearset-fashion-site: %s takes a whole number up to %lld\n", option, max);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    demo_fashion_options opts = {0};
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "clearset-fashion-site: %s needs a value (or is unknown)\n", arg);
            usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        long long n = 0;
        if (strcmp(arg, "--out") == 0) {
            out = value;
        } else if (strcmp(arg, "--set") == 0) {
            opts.set = value;
        } else if (strcmp(arg, "--source") == 0) {
            opts.source_dir = value;
        } else if (strcmp(arg, "--count") == 0 || strcmp(arg, "--first") == 0 ||
                   strcmp(arg, "--per-page") == 0) {
            if ((n = count_value(arg, value, 1000000)) < 0) return 2;
            if (arg[2] == 'c') opts.count = (size_t)n;
            if (arg[2] == 'f') opts.first = (size_t)n;
            if (arg[2] == 'p') opts.per_page = (size_t)n;
        } else {
            fprintf(stderr, "clearset-fashion-site: unknown option '%s'\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (out == NULL) {
        fprintf(stderr, "clearset-fashion-site: give --out DIR\n");
        return 2;
    }
    const char *dir = opts.source_dir ? opts.source_dir : DEMO_FASHION_DIR;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/%s-images-idx3-ubyte.gz", dir, opts.set ? opts.set : "train");
    if (access(probe, R_OK) != 0 && errno == ENOENT) {
        fprintf(stderr,
                "clearset-fashion-site: %s: not found (apt-get install dataset-fashion-mnist, "
                "or scripts/setup)\n",
                probe);
        return FASHION_EXIT_MISSING;
    }
    cs_error err;
    cs_error_clear(&err);
    size_t written = 0;
    int rc = demo_fashion_write(&opts, out, &written, &err);
    if (rc != CS_OK) {
        fprintf(stderr, "clearset-fashion-site: %s (%zu images written)\n", err.message, written);
        return rc == CS_EINVAL || rc == CS_EFORMAT ? 2 : 3;
    }
    size_t per_page = opts.per_page ? opts.per_page : DEMO_FASHION_PER_PAGE;
    char site[4096];
    snprintf(site, sizeof site, "%s/scenario.json", out);
    json_t *summary = json_pack("{s:I, s:I, s:s}", "images", (json_int_t)written, "pages",
                                (json_int_t)((written + per_page - 1) / per_page), "site", site);
    char *line = summary ? json_dumps(summary, JSON_COMPACT) : NULL;
    json_decref(summary);
    if (line == NULL) {
        fprintf(stderr, "clearset-fashion-site: out of memory\n");
        return 3;
    }
    puts(line);
    free(line);
    return 0;
}
