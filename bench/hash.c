/*
 * bench/hash.c - images per second of `clearset hash` (decode + SHA-256 +
 * PDQ + dihedral hashes + pHash) on the default fast path (JPEG decoded at
 * the DCT scale keeping the short side >= 512) and on --exact (full
 * resolution), over the same photos in one run.
 *
 * Photos: the PDQ reference vectors (../shared/pdq-vectors, or
 * CLEARSET_PDQ_VECTORS) and larger JPEGs made here from the bridge photo
 * (bilinear upscale, TurboJPEG quality 90): 2400x1506, 4000x2510.
 * Also prints, per photo, the PDQ distance between the two paths.
 *
 *   bench/run hash [SECONDS_PER_MODE]   (default 3)
 */
#include "dedup/dedup.h"
#include "tests/support/image_resize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#define MAX_PHOTOS 8

typedef struct photo {
    char name[64];
    unsigned char *bytes;
    size_t len;
} photo;

static const char *vectors_dir(void)
{
    const char *env = getenv("CLEARSET_PDQ_VECTORS");
    return env && env[0] ? env : "../shared/pdq-vectors"; /* bench/hash.sh sets the env */
}

static unsigned char *upscaled_jpeg(const dedup_image *in, int nw, int nh, size_t *len)
{
    dedup_image resized = ts_resize_rgb(in, nw, nh);
    unsigned char *px = resized.pixels;
    tjhandle tj = tjInitCompress();
    unsigned char *out = NULL;
    unsigned long out_len = 0;
    tjCompress2(tj, px, nw, 0, nh, TJPF_RGB, &out, &out_len, TJSAMP_420, 90, 0);
    tjDestroy(tj);
    free(px);
    unsigned char *copy = malloc(out_len);
    memcpy(copy, out, out_len);
    tjFree(out);
    *len = out_len;
    return copy;
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
        photos[n].bytes = upscaled_jpeg(&bridge, sizes[s][0], sizes[s][1], &photos[n].len);
        snprintf(photos[n].name, sizeof(photos[n].name), "bridge %dx%d q90", sizes[s][0],
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
    long fast_images, exact_images;
    double fast = run_mode(photos, n, 0, seconds, &fast_images);
    double exact = run_mode(photos, n, 1, seconds, &exact_images);
    printf("default path: %.1f images/s (%ld images); --exact: %.1f images/s (%ld images); "
           "default is %.2fx faster (one thread, the same %d photos)\n",
           fast, fast_images, exact, exact_images, fast / exact, n);
    for (int i = 0; i < n; i++)
        free(photos[i].bytes);
    return 0;
}
