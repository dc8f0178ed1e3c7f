/*
 * bench/bench_export.c - images per second of `clearset export` (the
 * pipeline step, catalog to folder) with --size 256 and with the originals,
 * against a plain loop over the same images in the same run that decodes,
 * centre-crops, area-resizes to 256 and encodes in memory (no catalog, no
 * files): the work --size cannot avoid. The ratio export / loop is the
 * figure (the target: >= 0.8).
 *
 * Images: the PDQ reference photos (tests/fixtures/pdq, or
 * CLEARSET_PDQ_VECTORS), each re-encoded with TurboJPEG at quality 90 in
 * COPIES variants (a few pixels changed per copy, so most are distinct
 * blobs; a copy whose JPEG comes out identical is dropped from the loop
 * too), stored in a temporary catalog with a cleared verdict each.
 *
 *   bench/run export [COPIES]   (default 50)
 */
#include "dedup/dedup.h"
#include "pipeline/pipeline.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <unistd.h>

#define EXPORT_BENCH_SIDE   256
#define EXPORT_BENCH_ROUNDS 3

static const char *vectors_dir(void)
{
    const char *env = getenv("CLEARSET_PDQ_VECTORS");
    return env && env[0] ? env : "tests/fixtures/pdq";
}

typedef struct sample {
    unsigned char *bytes;
    size_t len;
    int width, height;
} sample;

static int make_samples(int copies, sample **out, size_t *count)
{
    DIR *dir = opendir(vectors_dir());
    if (!dir) return fprintf(stderr, "bench_export: cannot open %s\n", vectors_dir()), -1;
    size_t n = 0, cap = 0;
    sample *samples = NULL;
    struct dirent *e;
    tjhandle tj = tjInitCompress();
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".jpg") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", vectors_dir(), e->d_name);
        unsigned char *bytes;
        size_t blen;
        dedup_image img;
        if (cs_read_file(path, 64u << 20, &bytes, &blen, NULL) != CS_OK) continue;
        if (dedup_decode(bytes, blen, NULL, &img, NULL) != CS_OK || img.channels != 3) {
            free(bytes);
            continue;
        }
        free(bytes);
        for (int c = 0; c < copies; c++) {
            for (int k = 0; k < 8 && k < img.width; k++) /* a mark per copy: a distinct blob */
                img.pixels[3 * k] = (unsigned char)(c * 37 + k),
                               img.pixels[3 * k + 1] = (unsigned char)(c >> 3);
            unsigned char *jpeg = NULL;
            unsigned long jlen = 0;
            tjCompress2(tj, img.pixels, img.width, 0, img.height, TJPF_RGB, &jpeg, &jlen,
                        TJSAMP_420, 90, 0);
            if (cs_array_reserve((void **)&samples, &cap, n, sizeof *samples, 0) != CS_OK) break;
            samples[n].bytes = malloc(jlen);
            memcpy(samples[n].bytes, jpeg, jlen);
            samples[n].len = jlen;
            samples[n].width = img.width;
            samples[n].height = img.height;
            n++;
            tjFree(jpeg);
        }
        dedup_image_free(&img);
    }
    closedir(dir);
    tjDestroy(tj);
    *out = samples;
    *count = n;
    return n ? 0 : -1;
}

static double seconds_since(int64_t start_ns)
{
    return (double)(cs_monotonic_ns() - start_ns) / 1e9;
}

/* The plain loop: decode (scaled, as export does), crop, resize, encode in memory. */
static double plain_loop(const sample *samples, size_t n)
{
    int64_t start = cs_monotonic_ns();
    for (size_t i = 0; i < n; i++) {
        dedup_decode_options o = {.min_short_side = EXPORT_BENCH_SIDE, .apply_orientation = 1};
        dedup_image img, square;
        cs_buf out;
        cs_buf_init(&out, 0);
        if (dedup_decode(samples[i].bytes, samples[i].len, &o, &img, NULL) != CS_OK ||
            dedup_square_resize(&img, EXPORT_BENCH_SIDE, &square, NULL) != CS_OK ||
            dedup_encode(&square, CS_IMAGE_JPEG, &out, NULL) != CS_OK)
            exit(1);
        dedup_image_free(&img);
        dedup_image_free(&square);
        cs_buf_free(&out);
    }
    return seconds_since(start);
}

static double export_once(catalog *cat, const license_policy *policy, const char *out, int size,
                          size_t expected)
{
    pipeline_export_options opts = {.out_dir = out, .policy = policy, .size = size, .force = 1};
    pipeline_export_stats stats;
    cs_error err = {0};
    int64_t start = cs_monotonic_ns();
    if (pipeline_export(cat, &opts, &stats, &err) != CS_OK || stats.images != expected) {
        fprintf(stderr, "bench_export: %s (%zu of %zu images)\n", err.message, stats.images,
                expected);
        exit(1);
    }
    double s = seconds_since(start);
    pipeline_export_stats_free(&stats);
    return s;
}

int main(int argc, char **argv)
{
    int copies = argc > 1 ? atoi(argv[1]) : 50;
    sample *samples = NULL;
    size_t n = 0;
    if (copies <= 0 || make_samples(copies, &samples, &n) != 0) return 1;
    char tmp[] = "/tmp/bench_export.XXXXXX";
    if (!mkdtemp(tmp)) return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/c.db", tmp);
    catalog *cat = NULL;
    license_policy *policy = NULL;
    cs_error err = {0};
    if (catalog_open(path, &cat, &err) != CS_OK || license_policy_load("strict", &policy, &err))
        return fprintf(stderr, "bench_export: %s\n", err.message), 1;
    catalog_begin(cat, NULL);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        catalog_image_info info = {
            .media_type = "image/jpeg", .width = samples[i].width, .height = samples[i].height};
        int64_t id;
        int is_new = 0;
        if (catalog_add_image(cat, samples[i].bytes, samples[i].len, &info, &id, &is_new, &err) ||
            catalog_put_verdict(cat, id, "strict", "cleared", "CC0-1.0", NULL, "[]", &err))
            return fprintf(stderr, "bench_export: %s\n", err.message), 1;
        if (is_new) /* a copy whose JPEG came out identical is one image: the loop skips it too */
            samples[kept++] = samples[i];
        else
            free(samples[i].bytes);
    }
    n = kept;
    catalog_commit(cat, NULL);

    /* each figure is the best of EXPORT_BENCH_ROUNDS runs (the first warms the caches) */
    double loop = 1e30, sized = 1e30, originals = 1e30;
    char out[4096];
    for (int round = 0; round < EXPORT_BENCH_ROUNDS; round++) {
        double t = plain_loop(samples, n);
        if (t < loop) loop = t;
        snprintf(out, sizeof out, "%s/out256", tmp);
        t = export_once(cat, policy, out, EXPORT_BENCH_SIDE, n);
        if (t < sized) sized = t;
        snprintf(out, sizeof out, "%s/orig", tmp);
        t = export_once(cat, policy, out, 0, n);
        if (t < originals) originals = t;
    }

    printf("bench_export: %zu images (%d copies of each photo in %s)\n", n, copies, vectors_dir());
    printf("  plain decode+resize+encode loop (256): %8.1f images/s\n", (double)n / loop);
    printf("  export --size %d:                     %8.1f images/s  (%.2fx the loop)\n",
           EXPORT_BENCH_SIDE, (double)n / sized, loop / sized);
    printf("  export of the originals:               %8.1f images/s  (%.2fx the loop)\n",
           (double)n / originals, loop / originals);
    catalog_close(cat);
    license_policy_free(policy);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "bench_export: could not remove %s\n", tmp);
    for (size_t i = 0; i < n; i++)
        free(samples[i].bytes);
    free(samples);
    return 0;
}
