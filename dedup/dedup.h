/*
 * dedup.h - image decoding, perceptual hashes (PDQ, pHash), the Hamming index
 * over PDQ codes, near-duplicate clustering, and the similarity checker the
 * audit runs: PDQ near copies (stage 1) and local features verified
 * geometrically (stage 2) against a set of protected works.
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
/* The whole of img resampled to width x height with the same area filter (any aspect). */
int dedup_resize(const dedup_image *img, int width, int height, dedup_image *out, cs_error *err);
/*
 * img encoded as format (JPEG quality 90, PNG, lossy WebP quality 90),
 * appended to out. Deterministic: same pixels, same bytes (encode.c).
 */
int dedup_encode(const dedup_image *img, cs_image_format format, cs_buf *out, cs_error *err);
/*
 * img as PNG (as dedup_encode writes it) carrying xmp (an XMP packet, xmp_len
 * bytes of text without NUL) in an uncompressed iTXt chunk with the keyword
 * "XML:com.adobe.xmp", before the image data, where ExifTool and
 * license_parse_xmp's callers look. CS_EINVAL for no pixels or an empty packet.
 */
int dedup_encode_png_xmp(const dedup_image *img, const char *xmp, size_t xmp_len, cs_buf *out,
                         cs_error *err);
/* The same as JPEG at quality 1..100 (CS_EINVAL otherwise): the audit's re-encoded copies. */
int dedup_encode_jpeg(const dedup_image *img, int quality, cs_buf *out, cs_error *err);

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
/* The inverse: CS_EFORMAT unless hex is exactly 16 hex digits. */
int phash_from_hex(const char *hex, size_t len, uint64_t *out);

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

/* ------------------------------------------- local features (audit stage 2) */

/*
 * Stage 2 of the similarity check finds crops, small rotations, overlays and
 * collages that move a PDQ hash past its radius. Each image gets a compact
 * set of SIFT keypoints (VLFeat) extracted at a normalised size, each with a
 * short binary descriptor; two sets match when enough keypoint
 * correspondences agree on one geometric transform (verification), and an
 * index over many works' sets finds the candidates without scanning them all.
 * The representation is private to dedup/ (local.c); what leaves dedup/ is
 * the serialised form, at most DEDUP_LOCAL_MAX_BYTES per image, versioned.
 */
#define DEDUP_LOCAL_MAX_BYTES 4096

typedef struct dedup_local dedup_local;

/*
 * The keypoints of img (any size, grey or RGB). Coordinates are kept in the
 * pixels of img's full-resolution source (source_width x source_height), so
 * regions can be drawn on the original. An image too small (under 32 pixels
 * on its short side) or too flat for any keypoint gets an empty set, not an
 * error. CS_ENOMEM is the only failure.
 */
int dedup_local_extract(const dedup_image *img, dedup_local **out, cs_error *err);
/* The set the left-right mirrored image would give (derived, not re-extracted). */
int dedup_local_mirror(const dedup_local *in, dedup_local **out, cs_error *err);
size_t dedup_local_count(const dedup_local *f);
void dedup_local_size(const dedup_local *f, int *width, int *height); /* the source's size */
/* Appends the versioned serialised form (<= DEDUP_LOCAL_MAX_BYTES) to out. */
int dedup_local_serialize(const dedup_local *f, cs_buf *out, cs_error *err);
/* Reads a serialised set (untrusted bytes: CS_EFORMAT when anything is off). */
int dedup_local_deserialize(const unsigned char *bytes, size_t len, dedup_local **out,
                            cs_error *err);
void dedup_local_free(dedup_local *f);

/* How a work's keypoints map into a query: the outcome of verification. */
typedef struct dedup_local_match {
    int inliers;           /* correspondences consistent with the transform */
    double work_coverage;  /* share of the work's area spanned by its inliers (0..1):
                              their convex hull's area over the image's */
    double query_coverage; /* share of the query's area spanned by its inliers (0..1), same */
    double work_overlap;   /* share of the work's area that lies inside the query once
                              mapped by the transform (0..1): 1 for a copy or a collage,
                              0.49 for a copy cropped by 30% on each axis */
    double query_overlap;  /* share of the query's area the mapped work covers (0..1): 1 for
                              a copy or a crop, the work's share of a collage */
    double transform[6];   /* query = [a b c; d e f] * (work x, y, 1), source pixels */
    double work_box[4];    /* inliers' bounding box in the work: x0 y0 x1 y1 */
    double query_box[4];   /* inliers' bounding box in the query: x0 y0 x1 y1 */
    double outline[4][2];  /* the work's full outline mapped into the query (corners) */
} dedup_local_match;

/*
 * Geometric verification of query against work. Fills out and returns 1
 * when they share a verified region (enough inliers), 0 when not; out is
 * filled either way with the best transform found (inliers 0 when none).
 * Deterministic: no random sampling.
 */
int dedup_local_verify(const dedup_local *query, const dedup_local *work, dedup_local_match *out);

/* ------------------------------------------------- protected works, audit */

/*
 * A set of protected works held for querying: each work's PDQ (its dihedral
 * variants are the query's side), pHash and local features. Memory is about
 * 12 KB per work (bench_audit at 10k works: 4 KB of keypoints, 8 KB of the
 * feature index, the PDQ index) plus 5 MB of fixed tables. Build: new, add
 * every work, build; then dedup_audit may run from many threads at once on
 * the built set.
 */
typedef struct dedup_works dedup_works;

/* Works whose features stage 2 verifies per query side (the query, then its mirror): the
 * feature index's best-voted; verification is the per-query cost that does not grow with
 * the number of works (bench/bench_audit.c). */
#define DEDUP_AUDIT_CANDIDATES 16

typedef struct dedup_work_desc {
    pdq_hash pdq;
    int pdq_quality;
    uint64_t phash;
    int width, height; /* source size */
} dedup_work_desc;

int dedup_works_new(dedup_works **out, cs_error *err);
/* Adds one work; local may be NULL (stage 1 only) and is taken over (freed by the set).
 * *id (may be NULL) gets its position 0..n-1, which the matches report. */
int dedup_works_add(dedup_works *w, const dedup_work_desc *desc, dedup_local *local, uint32_t *id,
                    cs_error *err);
/* Builds the indexes; after this no more adds. */
int dedup_works_build(dedup_works *w, cs_error *err);
size_t dedup_works_count(const dedup_works *w);
/* Bytes held: what the bench prints as the store's memory. */
size_t dedup_works_memory(const dedup_works *w);
void dedup_works_free(dedup_works *w);

typedef enum dedup_risk {
    DEDUP_RISK_NONE = 0,
    DEDUP_RISK_PARTIAL, /* a verified region of a work, not the image as a whole */
    DEDUP_RISK_COPY,    /* the image as a whole is a work, near-identical or transformed */
} dedup_risk;
const char *dedup_risk_name(dedup_risk risk); /* "none", "partial", "copy" */

typedef enum dedup_stage { DEDUP_STAGE_PDQ = 0, DEDUP_STAGE_LOCAL } dedup_stage;
const char *dedup_stage_name(dedup_stage stage); /* "pdq", "local" */

/* One work that came close to the query, with its measures. */
typedef struct dedup_similarity {
    uint32_t work; /* id from dedup_works_add */
    dedup_stage stage;
    dedup_risk risk;
    int pdq_distance;        /* smallest over the query's 8 dihedral variants (0..256) */
    int dihedral;            /* which variant gave it (PDQ_DIH_*) */
    int phash_distance;      /* pHash distance, the second opinion (0..64) */
    int mirrored;            /* stage local: matched through the mirrored query */
    dedup_local_match local; /* stage local: the verification; zeros for pdq */
    char why[160];           /* one sentence for people */
} dedup_similarity;

typedef struct dedup_audit_result {
    dedup_risk risk;           /* the worst over the matches */
    dedup_similarity *matches; /* best first */
    size_t count;
} dedup_audit_result;

/* The query's side: its hashes (dedup_hash_bytes or dedup_analyze) and features. */
typedef struct dedup_query {
    const dedup_hashes *hashes;
    const dedup_local *local; /* may be NULL: stage 1 only */
} dedup_query;

/*
 * Stage 1 (PDQ of the 8 dihedral variants within PDQ_DEFAULT_NEAR_DISTANCE,
 * both hashes of quality >= PDQ_MIN_TRUSTED_QUALITY; pHash as second opinion),
 * then stage 2 (index candidates, verified) against the built set. At most
 * max_matches matches (0: a default of 5), best first. out is new
 * (dedup_audit_result_free).
 */
int dedup_audit(const dedup_works *w, const dedup_query *q, size_t max_matches,
                dedup_audit_result *out, cs_error *err);
void dedup_audit_result_free(dedup_audit_result *r);

/*
 * Decodes bytes once (fast path, EXIF orientation applied) and computes both
 * what dedup_hash_bytes records and the local features (local may be NULL).
 */
int dedup_analyze(const unsigned char *bytes, size_t len, uint64_t max_pixels, dedup_hashes *hashes,
                  dedup_local **local, cs_error *err);

#endif
