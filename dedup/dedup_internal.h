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
 * Local features (local.c). A keypoint as it is stored and serialised: its
 * binary code and its quantised geometry in the source image's pixels (x to
 * the right, y down, angle from the x axis towards y, as VLFeat measures it):
 * 16 bytes in memory, 14 serialised.
 */
typedef struct local_point {
    uint64_t code;
    uint16_t qx, qy;        /* x / width and y / height, in 1/65535 */
    uint8_t qscale, qangle; /* log2 of sigma in 1/16 octave steps; angle in 1/256 turn */
} local_point;

struct dedup_local {
    int width, height; /* the source image's size */
    size_t count;
    local_point *points;
};

/* A point's geometry decoded: source pixels (centres at +0.5), sigma, radians 0..2 pi. */
typedef struct local_geom {
    float x, y, scale, angle;
} local_geom;
/* The geometry of each of f's points, into out (f->count entries). */
void local_geometry(const dedup_local *f, local_geom *out);

/*
 * The popcount-bound loops (codes' Hamming distances) are compiled twice on
 * x86-64, and the loader picks the POPCNT build where the CPU has it: baseline
 * x86-64 has no POPCNT instruction, and gcc's library routine is 3x slower.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DEDUP_POPCOUNT_HOT __attribute__((target_clones("popcnt", "default")))
#else
#define DEDUP_POPCOUNT_HOT
#endif

/* Bytes a built PDQ index holds (index.c): what dedup_works_memory counts. */
size_t dedup_index_memory(const dedup_index *ix);

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
