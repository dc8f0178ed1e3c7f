/*
 * pipeline_internal.h - what the files of pipeline/ share and other folders
 * never include: the export's selected set, which export.c builds and
 * export_card.c describes (ATTRIBUTION.md, the dataset card, croissant.json);
 * the audit's report writer (audit_report.c); the HTML pieces both HTML
 * reports write (text.c); and the one reading of stored
 * hashes that the works (works.c) and clearance's stage 2 (launder.c) share.
 */
#ifndef CLEARSET_PIPELINE_INTERNAL_H
#define CLEARSET_PIPELINE_INTERNAL_H

#include "pipeline/pipeline.h"

/* One exported image. */
typedef struct export_item {
    const catalog_export_row *row;
    char key[PIPELINE_EXPORT_KEY_DIGITS + 1];
    char file_name[48]; /* "images/000000042.jpg"; webdataset: "00000.tar/000000042.jpg" */
    int has_license;
    license_info license; /* from the verdict's SPDX id */
    json_t *attribution;  /* the verdict's attribution object, or NULL (owned) */
    json_t *reasons;      /* the verdict's reasons array (owned) */
    const char *caption;  /* figcaption, else alt, else NULL (borrowed from row) */
    char *credit;         /* the TASL line, or NULL when no attribution is needed (owned) */
    int resized;          /* --size: the file is a resized copy, described by: */
    char file_sha256[CS_SHA256_HEX]; /* SHA-256 of the copy's bytes */
    int file_width, file_height;     /* its size */
} export_item;

/* Everything the export writes, read once from the catalog. */
typedef struct export_set {
    const license_policy *policy;
    int webdataset;           /* the format: tar shards instead of images/ */
    size_t shard_size;        /* webdataset samples per shard */
    int size;                 /* --size: side of the square copies; 0 for originals */
    catalog_export_row *rows; /* every cleared image */
    size_t row_count;
    export_item *items; /* the exported ones, in key order */
    size_t count;
    size_t duplicates;         /* cleared, but a near duplicate of a better one */
    catalog_count *exclusions; /* catalog_export_exclusions */
    size_t exclusion_count;
    int64_t snapshot_ms;                   /* the catalog's latest fetch or verdict */
    int64_t first_fetch_ms, last_fetch_ms; /* of the exported images; 0 when unknown */
    char metadata_sha256[CS_SHA256_HEX];   /* of metadata.jsonl, for croissant.json */
    int64_t metadata_bytes;
} export_set;

/* "CC BY 4.0", "CC BY-SA 2.0 UK", "CC0 1.0", "Public Domain Mark 1.0", else the SPDX id. */
void export_license_name(const license_info *license, char *out, size_t size);
/* ISO 8601 UTC ("2026-12-04T19:47:54Z") of a time in ms since the epoch. */
void export_iso_time(int64_t ms, char *out, size_t size);

/* {"SPDX id" ("none" when unknown): exported images}, keys sorted; new reference or NULL. */
json_t *export_licence_counts(const export_set *set);

/* Creates path (which must not exist) with bytes; no fsync: the export syncs DIR.partial
 * once before renaming it (export.c). */
int export_write_file(const char *path, const void *bytes, size_t n, cs_error *err);

/* One image's metadata.jsonl object (file_name first); new reference or NULL. */
json_t *export_metadata_json(const export_item *item);

/*
 * Webdataset shards (export_webdataset.c): DIR/00000.tar, 00001.tar, ... of
 * set->shard_size samples each (KEY.EXT, KEY.txt caption, KEY.json metadata),
 * ustar written with libarchive, every member dated mtime_s, plus
 * DIR/00000_stats.json per shard. Samples come in key order.
 */
typedef struct export_shards export_shards;
int export_shards_open(const char *dir, const export_set *set, int64_t mtime_s, export_shards **out,
                       cs_error *err);
int export_shards_add(export_shards *shards, const export_item *item, const void *bytes, size_t n,
                      cs_error *err);
/* Finishes the last shard; *bytes gets the size of every file written. Frees shards. */
int export_shards_finish(export_shards *shards, int64_t *bytes, cs_error *err);
void export_shards_free(export_shards *shards); /* on failure: frees without finishing */

/* ATTRIBUTION.md, README.md (the dataset card) and croissant.json, into out. */
int export_attribution_md(const export_set *set, cs_buf *out);
int export_card_md(const export_set *set, cs_buf *out);
int export_croissant_json(const export_set *set, cs_buf *out);

/* ---- HTML pieces both reports write (text.c) ------------------------------------ */

/* A C string as HTML text or attribute value (cs_buf_append_html); NULL appends nothing. */
int pipeline_html_text(cs_buf *b, const char *s);
/* "<dt>NAME</dt><dd>VALUE</dd>", both escaped. */
int pipeline_html_item(cs_buf *b, const char *name, const char *value);

/* ---- the audit: audit.c collects the works and runs the queries, audit_report.c
 *      makes the thumbnails and writes report.json and report.html ---------------- */

/* Thumbnails fit in this many pixels on their long side (never enlarged). */
#define AUDIT_THUMBNAIL_SIDE 200

/* A thumbnail inlined in the report. */
typedef struct audit_thumbnail {
    char *uri;                       /* "data:image/jpeg;base64,..."; owned */
    int width, height;               /* of the thumbnail */
    int source_width, source_height; /* the image's full size after EXIF orientation: the
                                        coordinate space of dedup's outlines and boxes */
} audit_thumbnail;

/* A thumbnail of image bytes (decoded small, oriented, resized, JPEG, base64). */
int audit_thumbnail_make(const unsigned char *bytes, size_t len, uint64_t max_pixels,
                         audit_thumbnail *out, cs_error *err);
void audit_thumbnail_free(audit_thumbnail *t);

/* One audited image: what the report writes for it. */
typedef struct audit_entry {
    const char *path;
    const dedup_hashes *hashes;
    const dedup_audit_result *result;
    const pipeline_work_info *works;        /* indexed by dedup_similarity.work */
    const audit_thumbnail *work_thumbnails; /* the same; uri NULL when none was made */
    const audit_thumbnail *thumbnail;       /* of the query; uri NULL when none could be made */
    const pipeline_audit_extra *extra;      /* a second check (memorisation); may be NULL */
} audit_entry;

/* What the report's summary says besides the counts. */
typedef struct audit_summary {
    const pipeline_audit_stats *stats;
    const char *policy;  /* NULL when blocked images were not asked for */
    const char *catalog; /* NULL without a catalog */
    const char *protected_dir;
} audit_summary;

/*
 * The two report files, written as DIR/report.json.partial and
 * DIR/report.html.partial, one image at a time, and renamed by
 * audit_report_finish; audit_report_free removes them when unfinished.
 */
typedef struct audit_report audit_report;
int audit_report_open(const char *dir, audit_report **out, cs_error *err);
int audit_report_image(audit_report *r, const audit_entry *e, cs_error *err);
/* A file that could not be read or decoded; role is "query" or "work". */
int audit_report_unreadable(audit_report *r, const char *path, const char *role, const char *why,
                            cs_error *err);
int audit_report_finish(audit_report *r, const audit_summary *summary, cs_error *err);
void audit_report_free(audit_report *r);

/*
 * An image's hashes as the catalog stores them (works.c), for a work or a
 * clearance query: the stored PDQ stands for every dihedral variant, a
 * missing or bad pHash is 0. CS_EFORMAT when the PDQ is missing or not 64
 * hex digits (the image has not been hashed by `clearset dedup`).
 */
int pipeline_stored_hashes(const char *pdq_hex, int pdq_quality, const char *phash_hex, int width,
                           int height, dedup_hashes *out);

#endif
