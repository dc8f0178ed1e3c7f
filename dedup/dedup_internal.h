/*
 * dedup_internal.h - what the files of dedup/ share and nothing else includes:
 * the per-format decoders, EXIF orientation, and pixel helpers.
 */
#ifndef CLEARSET_DEDUP_INTERNAL_H
#define CLEARSET_DEDUP_INTERNAL_H

#include "dedup/dedup.h"

/*
 * Each decoder fills img (pixels, width, height, channels, source size; the
 * orientation is dedup_decode's, from dedup_exif_orientation) or returns a CS_E* code with err
 * filled. The caller has already sniffed the format and resolved opts (max_pixels non-zero).
 */
int dedup_decode_jpeg(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err);
int dedup_decode_png(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                     dedup_image *img, cs_error *err);
int dedup_decode_webp(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                      dedup_image *img, cs_error *err);

/* Orientation (1..8) from the first EXIF block of a JPEG, PNG or WebP file; 1 if absent. */
int dedup_exif_orientation(const unsigned char *bytes, size_t len);

/* Checks width x height against max_pixels; CS_ELIMIT or CS_EFORMAT (zero size). */
int dedup_check_pixels(long width, long height, uint64_t max_pixels, const char *what,
                       cs_error *err);

/* Composites interleaved pixels with alpha (last channel) onto white, in place to out. */
void dedup_composite_on_white(const unsigned char *in, int color_channels, size_t pixels,
                              unsigned char *out);

/* Applies EXIF orientation o (2..8) to img's pixels (allocates a new buffer). */
int dedup_apply_orientation(dedup_image *img, int orientation, cs_error *err);

/*
 * Local features (local.c). A keypoint as every stage-2 file reads it: its
 * binary code, and its geometry in the source image's pixels (x to the right,
 * y down, angle in radians from the x axis towards y, as VLFeat measures it).
 * The q* fields are the serialised, quantised values; the floats are decoded
 * from them, so a set read back is exactly the set written.
 */
typedef struct local_point {
    uint64_t code;
    float x, y;  /* source pixels, pixel centres at +0.5 */
    float scale; /* SIFT sigma in source pixels */
    float angle; /* radians, 0..2 pi */
    uint16_t qx, qy;
    uint8_t qscale, qangle;
} local_point;

struct dedup_local {
    int width, height; /* the source image's size */
    size_t count;
    local_point *points;
};

/* Hamming distance of two 64-bit codes. */
static inline int local_distance(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

/*
 * The local-feature index over many works (local_index.c): an inverted file
 * from each 16-bit part of the codes to the works holding it.
 */
typedef struct local_index local_index;
/* sets[i] may be NULL (a work without features). */
int local_index_build(const dedup_local *const *sets, size_t n, local_index **out, cs_error *err);
void local_index_free(local_index *ix);
size_t local_index_memory(const local_index *ix);
/*
 * The works sharing the most codes with query: up to max ids, most votes first
 * (ties by id). Returns the number written or CS_ENOMEM.
 */
long local_index_candidates(const local_index *ix, const dedup_local *query, uint32_t *ids,
                            size_t max);

#endif
