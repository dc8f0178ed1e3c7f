/*
 * bench/bench_hash.c - images per second of `clearset hash` (decode + SHA-256 +
 * PDQ + dihedral hashes + pHash) on the default fast path (JPEG decoded at
 * the DCT scale keeping the short side >= 512) and on --exact (full
 * resolution), over the same photos in one run.
 *
 * Photos: the PDQ reference vectors (tests/fixtures/pdq, or
 * CLEARSET_PDQ_VECTORS) and larger JPEGs made here from the bridge photo
 * (bilinear upscale, dedup_encode: TurboJPEG quality 90): 2400x1506, 4000x2510. Then, timed
 * as their own groups, the same two upscales as PNG (libpng, 8-bit RGB,
 * default compression) and as WebP (libwebp, lossy quality 90), where the
 * fast path box-averages (PNG) or lets libwebp scale (WebP).
 * Also prints, per photo, the PDQ distance between the two paths.
 *
 *   bench/run hash [SECONDS_PER_MODE]   (default 3)
 */
#include "dedup/dedup.h"
#include "tests/support/image_resize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHOTOS 12

typedef struct photo {
    char name[64];
    unsigned char *bytes;
    size_t len;
} photo;

static const char *vectors_dir(void)
{
    const char *env = getenv("CLEARSET_PDQ_VECTORS");
    return env && env[0] ? env : "tests/fixtures/pdq"; /* bench/hash.sh sets the env */
}

/* The bridge photo upscaled (bilinear) and encoded as format with the library's encoder
 * (JPEG and WebP quality 90, PNG 8-bit RGB at zlib's default level). */
static unsigned char *upscaled(const dedup_image *in, int nw, int nh, cs_image_format format,
                               size_t *len)
{
    dedup_image resized = ts_resize_rgb(in, nw, nh);
    cs_buf buf;
    cs_buf_init(&buf, 0);
    cs_error err;
    if (dedup_encode(&resized, format, &buf, &err) != CS_OK) {
        fprintf(stderr, "bench_hash: cannot encode a %dx%d image: %s\n", nw, nh, err.message);
        exit(1);
    }
    free(resized.pixels);
    return cs_buf_take(&buf, len);
}

static double run_mode(const photo *photos, int n, int exact, double seconds, long *images)
{
    int64_t start = cs_monotonic_ns(), budget = (int64_t)(seconds * 1e9);
    long done = 0;
    do {
        for (int i = 0; i < n; i++) {
            dedup_hashes h;
            cs_error err;
            if (dedup_hash_bytes(photos[i].bytes, photos[i].len, exact, 0, &h, &err) != CS_OK) {
                fprintf(stderr, "bench_hash: %s: %s\n", photos[i].name, err.message);
                exit(1);
            }
            done++;
        }
    } while (cs_monotonic_ns() - start < budget);
    *images = done;
    return (double)done / ((double)(cs_monotonic_ns() - start) / 1e9);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    if (seconds <= 0) seconds = 3.0;
    const char *names[] = {"bridge-1-original.jpg", "q0122.jpg", "q2821.jpg", "wee.jpg"};
    photo photos[MAX_PHOTOS];
    int n = 0;
    for (size_t i = 0; i < CS_ARRAY_LEN(names); i++) {
        char path[4096];
        cs_error err;
        snprintf(path, sizeof(path), "%s/%s", vectors_dir(), names[i]);
        if (cs_read_file(path, 64u << 20, &photos[n].bytes, &photos[n].len, &err) != CS_OK) {
            fprintf(stderr, "bench_hash: %s\n", err.message);
            return 1;
        }
        snprintf(photos[n].name, sizeof(photos[n].name), "%s", names[i]);
        n++;
    }
    dedup_image bridge;
    cs_error err;
    if (dedup_decode(photos[0].bytes, photos[0].len, NULL, &bridge, &err) != CS_OK) return 1;
    const int sizes[][2] = {{2400, 1506}, {4000, 2510}};
    for (size_t s = 0; s < CS_ARRAY_LEN(sizes); s++) {
        photos[n].bytes =
            upscaled(&bridge, sizes[s][0], sizes[s][1], CS_IMAGE_JPEG, &photos[n].len);
        snprintf(photos[n].name, sizeof(photos[n].name), "bridge %dx%d q90", sizes[s][0],
                 sizes[s][1]);
        n++;
    }
    int jpegs = n; /* photos[0..jpegs) are JPEG, then the PNGs, then the WebPs */
    for (size_t s = 0; s < CS_ARRAY_LEN(sizes); s++) {
        photos[n].bytes = upscaled(&bridge, sizes[s][0], sizes[s][1], CS_IMAGE_PNG, &photos[n].len);
        snprintf(photos[n].name, sizeof(photos[n].name), "bridge %dx%d png", sizes[s][0],
                 sizes[s][1]);
        n++;
    }
    for (size_t s = 0; s < CS_ARRAY_LEN(sizes); s++) {
        photos[n].bytes =
            upscaled(&bridge, sizes[s][0], sizes[s][1], CS_IMAGE_WEBP, &photos[n].len);
        snprintf(photos[n].name, sizeof(photos[n].name), "bridge %dx%d webp q90", sizes[s][0],
                 sizes[s][1]);
        n++;
    }
    dedup_image_free(&bridge);

    printf("photo                       fast ms  exact ms  PDQ fast-vs-exact\n");
    for (int i = 0; i < n; i++) {
        dedup_hashes fast, exact;
        int64_t t0 = cs_monotonic_ns();
        dedup_hash_bytes(photos[i].bytes, photos[i].len, 0, 0, &fast, &err);
        int64_t t1 = cs_monotonic_ns();
        dedup_hash_bytes(photos[i].bytes, photos[i].len, 1, 0, &exact, &err);
        int64_t t2 = cs_monotonic_ns();
        printf("%-26s %8.2f %9.2f  %d bits\n", photos[i].name, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
               pdq_distance(&fast.pdq, &exact.pdq));
    }
    const struct {
        const char *what;
        int first, count;
    } groups[] = {
        {"JPEG (4 reference photos, 2 large)", 0, jpegs},
        {"large PNG (2400x1506, 4000x2510)", jpegs, 2},
        {"large WebP (2400x1506, 4000x2510)", jpegs + 2, 2},
    };
    for (size_t g = 0; g < CS_ARRAY_LEN(groups); g++) {
        long fast_images, exact_images;
        const photo *set = photos + groups[g].first;
        double fast = run_mode(set, groups[g].count, 0, seconds, &fast_images);
        double exact = run_mode(set, groups[g].count, 1, seconds, &exact_images);
        printf("%s: default path %.1f images/s (%ld images); --exact %.1f images/s (%ld images); "
               "default is %.2fx faster (one thread)\n",
               groups[g].what, fast, fast_images, exact, exact_images, fast / exact);
    }
    for (int i = 0; i < n; i++)
        free(photos[i].bytes);
    return 0;
}
