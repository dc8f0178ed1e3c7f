/*
 * dedup.h - image decoding, perceptual hashes (PDQ, pHash), the Hamming index
 * over PDQ codes and near-duplicate clustering.
 *
 * Promises:
 * - Decoders take untrusted bytes as pointer plus length. They check the pixel
 *   count from the header before allocating any pixel memory, and return
 *   CS_EFORMAT (corrupt or truncated), CS_ELIMIT (too many pixels) or
 *   CS_EUNSUPPORTED (a format this build does not read); they never crash.
 * - PDQ follows Meta's reference (pdqhash-2017-10-09 and its C++ code) bit for
 *   bit when given the same luma: same float arithmetic, same summation order.
 * - Nothing here keeps global state; every function is safe to call from many
 *   threads on distinct objects. A built dedup_index is read-only and may be
 *   queried from many threads at once, each with its own dedup_searcher.
 * - Whatever *_new / *_decode creates, the matching *_free releases; all frees
 *   accept NULL.
 * - Pure: bytes and structs in, structs out. dedup/ never touches the catalog
 *   and its static library links without SQLite; `clearset dedup` over the
 *   catalog is pipeline/dedup.c.
 */
#ifndef CLEARSET_DEDUP_H
#define CLEARSET_DEDUP_H

#include "common/common.h"
#include "common/imagemeta.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- decoding */

/*
 * A decompression bomb is refused before decoding: 64 Mpx (8192 x 8192) is
 * larger than any camera photo a crawl meets, and bounds one decode to
 * 192 MiB of RGB plus 512 MiB of float luma in --exact mode.
 */
#define DEDUP_DEFAULT_MAX_PIXELS (64ull * 1024 * 1024)
/*
 * The fast path shrinks large images while decoding, keeping at least this
 * short side: JPEG at the smallest DCT scale, still WebP through libwebp's
 * scaler, PNG by box-averaging with the largest integer factor.
 */
#define DEDUP_FAST_MIN_SHORT_SIDE 512

/* Formats are common/imagemeta.h's cs_image_format (cs_image_sniff tells them apart). */
/* "jpeg", "png", "webp" or "unknown". */
const char *dedup_format_name(cs_image_format format);

typedef struct dedup_decode_options {
    uint64_t max_pixels;   /* header width x height above this: CS_ELIMIT; 0 = default */
    int min_short_side;    /* >0: JPEG, PNG and still WebP may be decoded smaller while the
                              short side stays >= this (see DEDUP_FAST_MIN_SHORT_SIDE);
                              0: full resolution (what --exact uses) */
    int apply_orientation; /* rotate/flip per EXIF Orientation (not in --exact mode) */
    int grey_jpeg_as_rgb;  /* grey JPEGs decode to RGB (R = G = B), as the PDQ reference's
                              libjpeg-turbo RGB output does; its luma then rounds the same */
} dedup_decode_options;

/*
 * Decoded pixels: 8 bits per sample, interleaved, rows packed without padding.
 * channels is 1 (grey source) or 3 (RGB); alpha is already composited on
 * white, palette expanded, 16-bit reduced to 8, CMYK converted to RGB.
 */
typedef struct dedup_image {
    int width, height;               /* of pixels[] (after any shrinking and orientation) */
    int channels;                    /* 1 or 3 */
    int source_width, source_height; /* full-resolution size, after orientation */
    int orientation;                 /* EXIF orientation found (1..8; 1 if none) */
    cs_image_format format;
    unsigned char *pixels; /* owned; width * height * channels bytes */
} dedup_image;

/* Decodes JPEG, PNG or WebP. opts may be NULL (full resolution, no orientation). */
int dedup_decode(const unsigned char *bytes, size_t len, const dedup_decode_options *opts,
                 dedup_image *out, cs_error *err);
void dedup_image_free(dedup_image *img);

/* ------------------------------------------------------- resize and encode */

/*
 * A side x side copy of img: its largest centred square, resampled with an
 * area filter (each output pixel the coverage-weighted mean of the input
 * under it; resize.c). out is new (dedup_image_free); CS_EINVAL, CS_ENOMEM.
 */
int dedup_square_resize(const dedup_image *img, int side, dedup_image *out, cs_error *err);
/*
 * img encoded as format (JPEG quality 90, PNG, lossy WebP quality 90),
 * appended to out. Deterministic: same pixels, same bytes (encode.c).
 */
int dedup_encode(const dedup_image *img, cs_image_format format, cs_buf *out, cs_error *err);

/* --------------------------------------------------------------------- PDQ */

#define PDQ_HEX_LEN 64
/* Below this quality a PDQ hash is not trusted for near matching (reference guidance). */
#define PDQ_MIN_TRUSTED_QUALITY 50
/* Near-duplicate threshold the PDQ authors recommend, and dedup's default. */
#define PDQ_DEFAULT_NEAR_DISTANCE 31

/*
 * 256 bits. Bit k (k = 16*row + column of the 16x16 DCT output) is bit
 * (k % 64) of w[k / 64]. Printed as the reference prints it: 64 hex digits,
 * most significant 16-bit word first, which is w[3] w[2] w[1] w[0] in %016x.
 */
typedef struct pdq_hash {
    uint64_t w[4];
} pdq_hash;

/* The eight dihedral transforms, in the reference's order. */
enum {
    PDQ_DIH_ORIGINAL = 0,
    PDQ_DIH_ROTATE_90, /* counter-clockwise, as the reference names it */
    PDQ_DIH_ROTATE_180,
    PDQ_DIH_ROTATE_270,
    PDQ_DIH_FLIP_X,      /* mirrored top to bottom */
    PDQ_DIH_FLIP_Y,      /* mirrored left to right */
    PDQ_DIH_FLIP_PLUS1,  /* transposed */
    PDQ_DIH_FLIP_MINUS1, /* anti-transposed */
    PDQ_DIH_COUNT
};

typedef struct pdq_result {
    pdq_hash hash;
    int quality;       /* 0..100 */
    float dct[16][16]; /* frequencies 1..16 x 1..16; source of the dihedral hashes */
} pdq_result;

/*
 * PDQ of a luma image (rows x cols floats, row-major). luma is used as scratch
 * and overwritten, as is scratch (same size); CS_ENOMEM is the only failure.
 * Images smaller than 5 px on a
 * side get the all-zero hash and quality 0, as in the reference.
 */
int pdq_from_luma(float *luma, float *scratch, int rows, int cols, pdq_result *out);
/* PDQ of a decoded image: luma (0.299, 0.587, 0.114) in float, then pdq_from_luma. */
int pdq_from_image(const dedup_image *img, pdq_result *out, cs_error *err);
/* The hashes of the 8 rotated/flipped images, derived from the DCT alone. */
void pdq_dihedral(const pdq_result *res, pdq_hash out[PDQ_DIH_COUNT]);

void pdq_hash_to_hex(const pdq_hash *h, char out[PDQ_HEX_LEN + 1]);
/* CS_EFORMAT unless hex is exactly 64 hex digits. */
int pdq_hash_from_hex(const char *hex, size_t len, pdq_hash *out);
int pdq_distance(const pdq_hash *a, const pdq_hash *b);

/* ------------------------------------------------------------------- pHash */

#define PHASH_HEX_LEN 16
/* 64-bit DCT hash: luma area-averaged to 32x32, DCT, frequencies 1..8 x 1..8, median. */
uint64_t phash_from_image(const dedup_image *img);
int phash_distance(uint64_t a, uint64_t b);
/* 16 lower-case hex digits, most significant first (what %016x prints), and a NUL. */
void phash_to_hex(uint64_t phash, char out[PHASH_HEX_LEN + 1]);

/* ------------------------------------------------------------ all at once */

typedef struct dedup_hashes {
    char sha256[CS_SHA256_HEX];
    pdq_hash pdq;
    int pdq_quality;
    pdq_hash dihedral[PDQ_DIH_COUNT]; /* dihedral[0] == pdq */
    uint64_t phash;
    int width, height; /* full-resolution size (after orientation unless exact) */
    cs_image_format format;
} dedup_hashes;

/*
 * Everything `clearset hash` and `clearset dedup` record about one file.
 * exact = 0: the fast path (large images decoded smaller, EXIF orientation applied);
 * exact = 1: full-resolution pixels, no orientation (the reference's input).
 * max_pixels 0 means DEDUP_DEFAULT_MAX_PIXELS.
 */
int dedup_hash_bytes(const unsigned char *bytes, size_t len, int exact, uint64_t max_pixels,
                     dedup_hashes *out, cs_error *err);

/* --------------------------------------------------------- Hamming index */

/* Radius the multi-index search supports (floor(63/16) = 3 bits per slot). */
#define DEDUP_INDEX_MAX_RADIUS 63

typedef struct dedup_index dedup_index;
typedef struct dedup_searcher dedup_searcher;

typedef struct dedup_match {
    uint32_t id;  /* position of the code in the array the index was built from */
    int distance; /* Hamming distance to the query */
} dedup_match;

/* How a query runs: let the cost model choose, or force one method (tests, bench). */
typedef enum dedup_search_mode {
    DEDUP_SEARCH_AUTO = 0,
    DEDUP_SEARCH_MIH,
    DEDUP_SEARCH_LINEAR,
} dedup_search_mode;

/*
 * Builds a multi-index hashing index (16 slots of 16 bits) over n codes. The
 * codes are copied; ids are positions 0..n-1. CS_ELIMIT if n >= 2^32.
 */
int dedup_index_build(const pdq_hash *codes, size_t n, dedup_index **out, cs_error *err);
void dedup_index_free(dedup_index *index);

/* Per-thread query state (the answer buffer). */
int dedup_searcher_new(const dedup_index *index, dedup_searcher **out, cs_error *err);
void dedup_searcher_free(dedup_searcher *s);

/*
 * Every code within radius (0..63) of query, sorted by id: exactly what a
 * linear scan returns. The matches array belongs to the searcher and is valid
 * until its next search. Returns the number of matches or a negative CS_E*.
 */
long dedup_search(dedup_searcher *s, const pdq_hash *query, int radius, dedup_search_mode mode,
                  const dedup_match **matches);

/* ------------------------------------------------------------ clustering */

/*
 * Union-find over n items. dedup_clusters_union joins two items;
 * dedup_clusters_find returns a representative. Pure memory, no catalog.
 */
typedef struct dedup_clusters dedup_clusters;
int dedup_clusters_new(size_t n, dedup_clusters **out);
void dedup_clusters_free(dedup_clusters *c);
void dedup_clusters_union(dedup_clusters *c, size_t a, size_t b);
size_t dedup_clusters_find(dedup_clusters *c, size_t a);

/*
 * Near-duplicate clusters of n codes: every pair within threshold (0..256
 * bits) is found with the multi-index, searched on `jobs` threads (>= 1), and
 * joined, so the clusters are the connected components of the "within
 * threshold" graph. *out (free with dedup_clusters_free) answers
 * dedup_clusters_find for positions 0..n-1. CS_EINVAL for a threshold out of
 * range, CS_ENOMEM, or CS_ELIMIT from dedup_index_build.
 */
int dedup_near_clusters(const pdq_hash *codes, size_t n, int threshold, int jobs,
                        dedup_clusters **out, cs_error *err);

#endif
