/*
 * pipeline.h - the application layer: each step that runs a library over the
 * catalog (clear the catalog, dedup the catalog, build an explanation), the
 * one that runs the generator over a verified export (train), and what
 * several such runs must agree on (one crawl per catalog at a time).
 *
 * Layering (DESIGN.md "Layout", STYLE.md "Layers"), from the top down:
 *
 *     cli/       arguments, progress, output, exit codes
 *     pipeline/  "run X over the catalog": reads rows, turns them into the
 *                libraries' structs, calls the pure decision, writes the result
 *     crawler/   the crawl loop (network and catalog), on top of its pure
 *                HTML and URL code
 *     robots/ license/ dedup/ generator/   pure: bytes and structs in,
 *                structs out; no catalog, no SQLite, no network
 *     dataset/   the catalog (SQLite) and the blob store
 *     common/    errors, buffers, files, text helpers
 *
 * A folder includes only folders below it. The pure libraries never see a
 * `catalog *`: a fuzz target or unit test reaches every decision with bytes
 * and structs, and their static libraries link without SQLite
 * (tests/it_layering.sh checks this with nm). The name says what the folder
 * is: the pipeline of DESIGN.md's first picture (crawl, catalog, licence,
 * dedup, clearance, export), one step per file, each a thin run of a library
 * over the catalog; every decision it reports was made by a library.
 *
 * Promises: nothing here prints or exits; every function returns CS_OK or a
 * negative CS_E* code and fills a caller-provided cs_error. A catalog handle
 * is single-threaded: these functions use it from the calling thread only
 * (pipeline_dedup hashes on worker threads that touch only the blob files).
 * Whatever *_free / *_release is named releases what its maker made, and
 * accepts NULL.
 */
#ifndef CLEARSET_PIPELINE_H
#define CLEARSET_PIPELINE_H

#include "common/common.h"
#include "crawler/crawler.h"
#include "dataset/catalog.h"
#include "dataset/manifest.h"
#include "dedup/dedup.h"
#include "generator/generator.h"
#include "license/license.h"

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A JSON string of any bytes (a file name, a URL, a note): invalid UTF-8 bytes become '?'
 * (cs_utf8_dup); NULL text gives JSON null. NULL only when out of memory (text.c).
 */
json_t *pipeline_json_text(const char *text);

/* ------------------------------------------------ clearance over the catalog */

/*
 * One image's decision with what it rests on: the catalog's facts, the
 * evidence rows as license/ evidence (parallel to facts.evidence), the
 * opt-outs robots/ decided apply, and license_clear's verdict. Free with
 * pipeline_decision_free.
 */
typedef struct pipeline_decision {
    catalog_image_facts facts;
    license_evidence *evidence; /* parallel to facts.evidence; strings borrow facts' */
    int64_t *evidence_ids;
    size_t evidence_count;
    license_optout *optouts; /* the opt-outs that apply (borrowing facts' strings) */
    int64_t *optout_ids;
    size_t optout_count;
    /* Parallel to facts.optouts, what robots_decide made of each row: OPTS_OUT when it
     * opts out among the signals of any resource it belongs to, else its verdict among
     * its own resource's signals; for OVERRIDDEN, superseded_by is the facts.optouts
     * index of the TDMRep statement that counted instead (SIZE_MAX when not known). */
    robots_verdict *row_verdicts;
    size_t *superseded_by;
    license_verdict verdict;
} pipeline_decision;

/*
 * Decides image_id under policy from what the catalog holds: evidence rows are
 * re-normalised (so older catalogs get today's normalisation), opt-out rows go
 * back through robots_decide for clearsetbot, near duplicates bring their
 * stored verdicts. Does not store the verdict.
 */
int pipeline_decide_image(catalog *cat, const license_policy *policy, int64_t image_id,
                          pipeline_decision *out, cs_error *err);
void pipeline_decision_free(pipeline_decision *d);

/* One image's final verdict, as `clearset clear` stored it. */
typedef struct pipeline_verdict {
    int64_t image_id;
    char sha256[CS_SHA256_HEX];
    license_verdict verdict;
} pipeline_verdict;

/* {"image_id", "sha256", "policy", "verdict", "license", "attribution", "reasons"}; new ref. */
json_t *pipeline_verdict_json(const pipeline_verdict *v, const license_policy *policy);

/* Laundering propagates one cluster hop per round; this bounds the rounds. */
#define PIPELINE_CLEAR_MAX_ROUNDS 8

typedef struct pipeline_clear_stats {
    size_t images;        /* images decided */
    size_t verdicts[3];   /* indexed by license_verdict_kind */
    int rounds;           /* decision rounds run */
    size_t local_matches; /* images that show a blocked image or protected work (stage 2) */
} pipeline_clear_stats;

/* Called once per image with its final verdict; v is valid during the call only. */
typedef void (*pipeline_verdict_fn)(void *arg, const pipeline_verdict *v);

/*
 * `clearset clear`: decides every image of the catalog and stores each verdict.
 * Laundering needs the verdicts of cluster mates, so the first round decides
 * everything and later rounds redecide images with cluster mates, now that the
 * mates' verdicts are stored, until nothing changes (at most
 * PIPELINE_CLEAR_MAX_ROUNDS). After the first round, pipeline_find_laundering
 * adds local matches (crops, edits and collages of blocked images and
 * protected works) as near relations for the later rounds to weigh. Each
 * round is one transaction. After the last
 * round, on_verdict (may be NULL) gets every image's final verdict in the
 * catalog's order: the decision that was stored, not a second one.
 */
int pipeline_clear_catalog(catalog *cat, const license_policy *policy,
                           pipeline_verdict_fn on_verdict, void *arg, pipeline_clear_stats *stats,
                           cs_error *err);

/* ------------------------------------------ protected works (audit, clearance) */

/*
 * What a report says about one work, by its dedup_works id: where it comes
 * from and who claims it. Strings owned by the set.
 */
typedef struct pipeline_work_info {
    int64_t image_id; /* catalog image, or 0 for a file under --protected */
    char sha256[CS_SHA256_HEX];
    char *kind;  /* "protected" (registered), "blocked" (catalog verdict) or "file" */
    char *label; /* registered path, first URL that served it, or the file's path */
    char *owner; /* registered owner or the rights holder the evidence names; may be NULL */
    char *why;   /* registration note or the blocking reasons' rules; may be NULL */
    int width, height;
} pipeline_work_info;

/* Protected works ready to query: dedup_works plus the info a report needs. */
typedef struct pipeline_works {
    dedup_works *set;
    pipeline_work_info *info; /* indexed by dedup work id */
    size_t count, capacity;
    size_t without_features; /* works with hashes only (stage 1 only) */
} pipeline_works;

int pipeline_works_init(pipeline_works *w, cs_error *err);
/*
 * Adds the catalog's works under policy (catalog_each_work: registered
 * works, and images blocked for a rights claim or an opt-out; policy NULL:
 * registered only). A work without hashes is skipped (dedup has not seen it).
 */
int pipeline_works_add_catalog(pipeline_works *w, catalog *cat, const char *policy, cs_error *err);
/* Adds one work already analysed; info's strings are copied; local is taken over. */
int pipeline_works_add(pipeline_works *w, const pipeline_work_info *info,
                       const dedup_hashes *hashes, dedup_local *local, cs_error *err);
void pipeline_works_free(pipeline_works *w);

/*
 * Clearance's stage 2: every image of ids whose verdict (parallel array) is
 * not blocked is checked with its stored features against the works under
 * policy; each local match is recorded (catalog_add_local_match, replacing
 * the policy's earlier ones) and flagged in matched[] (parallel to ids).
 * *found gets the number of images that matched. One transaction.
 */
int pipeline_find_laundering(catalog *cat, const license_policy *policy, const int64_t *ids,
                             const license_verdict_kind *verdicts, size_t count,
                             unsigned char *matched, size_t *found, cs_error *err);

/* ------------------------------------------------------------- explanation */

/*
 * The image a person names: a decimal image id, a SHA-256 (64 hex digits, any
 * case) or a URL that served it. CS_ENOTFOUND when the catalog has none.
 */
int pipeline_find_image(catalog *cat, const char *key, int64_t *image_id, cs_error *err);

/*
 * `clearset explain`: the evidence chain behind the image `key` names
 * (pipeline_find_image), decided afresh exactly as `clear` decides it and
 * compared with the verdict stored for this policy. *out (new reference) is
 * pipeline_verdict_json's object plus "stored_verdict", "urls", "pages",
 * "evidence", "signals", "near_duplicates" and "words": the explanation as
 * sentences, one string each, in reading order.
 */
int pipeline_explain(catalog *cat, const license_policy *policy, const char *key, json_t **out,
                     cs_error *err);

/* ----------------------------------------------------- the catalog as a page */

/* Thumbnails per verdict when none is asked for: a page of a few MB. */
#define PIPELINE_REPORT_DEFAULT_PER_VERDICT 120
/* The most per verdict anyone may ask for (each thumbnail is about 10 KB inline). */
#define PIPELINE_REPORT_MAX_PER_VERDICT 5000

/* The verdicts the report groups images by; NONE: no verdict stored under the policy. */
enum { PIPELINE_REPORT_NONE = 3, PIPELINE_REPORT_GROUPS = 4 };

typedef struct pipeline_report_options {
    const char *out_path;         /* FILE.html, written whole (cs_write_file_atomic) */
    const license_policy *policy; /* whose stored verdicts are shown */
    const char *catalog_label;    /* the catalog's path, for the page's header */
    size_t per_verdict;           /* thumbnails per verdict; 0: the default */
    uint64_t max_pixels;          /* decode limit for thumbnails; 0: DEDUP_DEFAULT_MAX_PIXELS */
    /* After each thumbnail (from the calling thread); may be NULL. */
    void (*on_progress)(void *arg, size_t done, size_t total);
    void *arg;
} pipeline_report_options;

typedef struct pipeline_report_stats {
    size_t hosts;
    size_t images;                           /* images in the catalog (protected works aside) */
    size_t verdicts[PIPELINE_REPORT_GROUPS]; /* per license_verdict_kind, [3]: no verdict */
    size_t shown;                            /* thumbnails on the page */
    size_t left_out;                         /* images over the per-verdict limit */
    size_t unreadable;                       /* shown without a thumbnail (blob missing, bad) */
    int has_verdicts;                        /* the policy has stored verdicts */
} pipeline_report_stats;

/*
 * `clearset report`: one self-contained HTML page over the catalog (no
 * network, no script or style from outside): per host what robots.txt,
 * tdmrep.json, ai.txt, RSL and the opt-out statements recorded for it said;
 * images per verdict and licence and per reason as inline SVG bar charts; and
 * a grid of thumbnails (data: URIs, audit_thumbnail_make) of the cleared,
 * blocked and unknown images (and those without a verdict), at most
 * per_verdict each, every verdict's reasons in a title and a <details>. A
 * policy without stored verdicts is said so on the page. Every text from
 * the catalog is escaped. Reads the catalog only; a thumbnail that cannot be
 * made is a placeholder, counted in stats->unreadable, not a failure.
 */
int pipeline_report(catalog *cat, const pipeline_report_options *opts, pipeline_report_stats *stats,
                    cs_error *err);

/* ------------------------------------------------------ dedup over the catalog */

typedef struct pipeline_dedup_options {
    int threshold;       /* PDQ distance for near duplicates; < 0: PDQ_DEFAULT_NEAR_DISTANCE */
    int min_quality;     /* hashes below this quality are not near-matched; < 0: default 50 */
    int jobs;            /* hashing threads; 0: one per online CPU */
    uint64_t max_pixels; /* decode limit; 0: DEDUP_DEFAULT_MAX_PIXELS */
    /* Called (from the calling thread) for each image that could not be hashed. */
    void (*on_image_error)(void *arg, int64_t image_id, const cs_error *err);
    /* Progress (from the calling thread; may be NULL): images analysed so far of the
     * total to hash, as each finishes, and how many failed (known after each batch's
     * writes); then clustering runs, whose figures are the stats. */
    void (*on_progress)(void *arg, size_t done, size_t total, size_t failed);
    void *arg;
} pipeline_dedup_options;

typedef struct pipeline_dedup_stats {
    size_t hashed;         /* images hashed by this run */
    size_t failed;         /* images that could not be read or decoded */
    size_t images;         /* images with hashes in the catalog */
    size_t untrusted;      /* of those, below min_quality (kept out of near matching) */
    size_t near_clusters;  /* clusters of near duplicates (2+ images) */
    size_t near_members;   /* images in them */
    size_t exact_clusters; /* images whose identical bytes were served at 2+ URLs */
    size_t conflicts;      /* clusters whose members' rights evidence disagrees */
} pipeline_dedup_stats;

/*
 * `clearset dedup`: hashes every catalog image without a hashes row or local
 * features (decoded once for both, see dedup_analyze; in
 * parallel, one decoder per thread, results written in batches so an
 * interrupted run keeps its work), then rebuilds all clusters in one
 * transaction: near duplicates by PDQ (dedup_near_clusters over the codes of
 * trusted quality), exact duplicates (bytes served at several URLs), and marks
 * each cluster whose members' rights statements disagree. Images that fail to
 * decode are reported through on_image_error and counted in stats->failed, not
 * fatal (whether a run where all failed is a failure is the caller's call).
 * opts may be NULL.
 */
int pipeline_dedup(catalog *cat, const pipeline_dedup_options *opts, pipeline_dedup_stats *stats,
                   cs_error *err);

/* ------------------------------------------------------------------ export */

typedef enum pipeline_export_format {
    PIPELINE_EXPORT_IMAGEFOLDER = 0, /* images/KEY.EXT + metadata.jsonl (Hugging Face) */
    PIPELINE_EXPORT_WEBDATASET,      /* tar shards NNNNN.tar of KEY.EXT, KEY.txt, KEY.json */
} pipeline_export_format;

#define PIPELINE_EXPORT_KEY_DIGITS    9 /* keys as img2dataset writes them: 000000042 */
#define PIPELINE_EXPORT_MAX_BLOB      (LICENSE_MAX_FILE_BYTES) /* the largest image read */
#define PIPELINE_EXPORT_DEFAULT_SHARD 10000                    /* webdataset samples per shard */

typedef struct pipeline_export_options {
    const char *out_dir;           /* DIR; built in DIR.partial and renamed at the end */
    const license_policy *policy;  /* whose stored verdicts select the images */
    pipeline_export_format format; /* PIPELINE_EXPORT_IMAGEFOLDER */
    int force;                     /* replace an existing DIR */
    const char *key_path;          /* sign with this private key (NULL: unsigned) */
    int size;                      /* --size N: N x N centre crops (0: the originals) */
    size_t shard_size;             /* webdataset only */
    /* Called after each image is written (from the calling thread); may be NULL. */
    void (*on_progress)(void *arg, size_t done, size_t total);
    void *arg;
} pipeline_export_options;

typedef struct pipeline_export_stats {
    size_t images;     /* images exported (0: nothing was cleared, nothing written) */
    size_t cleared;    /* images cleared under the policy */
    size_t duplicates; /* cleared images left out as a near duplicate of a better one */
    int64_t bytes;     /* bytes of every file written to DIR */
    json_t *licences;  /* {"SPDX": images, ...} sorted by id; owned */
    int is_signed;
    char fingerprint[CS_SHA256_HEX]; /* of the signing key; "" when unsigned */
} pipeline_export_stats;

/*
 * `clearset export`: writes the images whose stored verdict under
 * opts->policy is cleared, one per near-duplicate cluster (its best member:
 * most pixels, then PDQ quality, then lowest id), as an imagefolder dataset
 * (or webdataset tar shards) with metadata.jsonl, ATTRIBUTION.md, a dataset card README.md and
 * croissant.json. Deterministic: every byte comes from the catalog (no
 * clock), in image id order. Crash-safe: built in DIR.partial (a stale one
 * from a killed run is removed first) and renamed to DIR at the end, so DIR
 * either does not exist or is complete.
 * With key_path, DIR is signed (dataset/manifest.h) before the rename; a key
 * that cannot be read is refused before anything is written.
 * An existing DIR without force: CS_EEXIST, nothing written. Nothing
 * cleared: CS_OK with stats->images == 0 and nothing written. A missing or
 * altered blob: CS_ENOTFOUND / CS_ECORRUPT naming the image id, and
 * DIR.partial removed. Free stats with pipeline_export_stats_free.
 */
int pipeline_export(catalog *cat, const pipeline_export_options *opts, pipeline_export_stats *stats,
                    cs_error *err);
void pipeline_export_stats_free(pipeline_export_stats *stats);

/* ------------------------------------------- AI crawlers in access logs */

/*
 * `clearset crawlers`: the site owner's audit. Access logs (nginx/Apache
 * common or combined format, plain or gzip, robots_log_parse per line) are
 * read as a stream; each request whose User-Agent names a listed AI crawler
 * (robots_ai_crawlers_in_user_agent) is counted for it and, when robots.txt
 * rules are given, checked against them for that crawler's token
 * (robots_check): a disallowed request is one it made although the rules
 * asked it not to. A bad line is reported through on_bad_line and skipped;
 * it never stops the run.
 */

/* Buffer the reader works in; lines longer than ROBOTS_LOG_MAX_LINE are skipped in it. */
#define PIPELINE_LOG_CHUNK (1024 * 1024)

/* What one crawler did. */
typedef struct pipeline_crawler_stats {
    uint64_t requests;
    uint64_t bytes;
    int64_t first_seen, last_seen; /* seconds since the epoch, UTC (valid when requests > 0) */
    uint64_t status_class[6];      /* [1]..[5]: 1xx..5xx; [0]: anything else ("-") */
    uint64_t disallowed;           /* requests robots.txt disallowed for its token */
    char example[256];             /* the first disallowed target, cut; "" when none */
} pipeline_crawler_stats;

typedef struct pipeline_crawlers_report {
    size_t crawler_count;             /* robots_ai_crawlers_count(opts->crawlers) */
    pipeline_crawler_stats *crawlers; /* indexed like the crawler list; owned */
    uint64_t files;                   /* files read (even partly) */
    uint64_t lines;                   /* lines seen, bad ones included */
    uint64_t bad_lines;               /* lines refused (and gzip streams cut short) */
    uint64_t requests;                /* lines parsed */
    uint64_t ai_requests;             /* of those, by a listed AI crawler */
    uint64_t without_agent;           /* common-format lines: no User-Agent to read */
    int robots_checked;               /* rules were given */
} pipeline_crawlers_report;

/* A line that was not read: file ("-" is stdin), its 1-based number, why. */
typedef void (*pipeline_bad_line_fn)(void *arg, const char *file, uint64_t line,
                                     const cs_error *why);

typedef struct pipeline_crawlers_options {
    const robots_rules *rules; /* robots.txt to check against; NULL: no check (not owned) */
    const robots_ai_crawlers *crawlers; /* the crawler list; NULL: built-in (not owned) */
    pipeline_bad_line_fn on_bad_line;
    void *arg;
} pipeline_crawlers_options;

typedef struct pipeline_log_reader pipeline_log_reader;

/* A reader for any number of files; CS_ENOMEM. Free with pipeline_log_reader_free. */
int pipeline_log_reader_new(const pipeline_crawlers_options *opts, pipeline_log_reader **out,
                            cs_error *err);
void pipeline_log_reader_free(pipeline_log_reader *reader);
/*
 * Reads one file ("-": stdin) to its end into the reader's report. Gzip is
 * recognised by its bytes, whatever the name. CS_EIO when the file cannot be
 * opened or read (nothing counted from it past that point), CS_ENOMEM.
 */
int pipeline_log_reader_read(pipeline_log_reader *reader, const char *path, cs_error *err);
/* The counts so far (owned by the reader). */
const pipeline_crawlers_report *pipeline_log_reader_report(const pipeline_log_reader *reader);

/*
 * The robots.txt to judge crawlers by: file_or_url is an http(s) URL (its
 * origin's /robots.txt, fetched once: crawler_fetch_robots) or a file
 * (at most ROBOTS_MAX_BYTES are parsed). *rules is the caller's (robots_free).
 */
int pipeline_crawlers_robots(const char *file_or_url, const crawler_fetch_options *fetch,
                             robots_rules **rules, cs_error *err);

/* --------------------------------------------------------------- crawl lock */

/*
 * One crawl per catalog at a time: two would each keep their own politeness
 * and together be rude to every host. The lock is an exclusive flock on
 * CATALOG_PATH.crawl-lock, held until pipeline_crawl_lock_release; the kernel
 * drops it when the process dies, even by SIGKILL. shared: a `crawl --worker`
 * (workers share the catalog through host leases and exclude only a plain
 * crawl). CS_EIO (with a message saying which) when another process holds it
 * in the other mode, or exclusively, or the lock file cannot be opened;
 * CS_ENOMEM. A PostgreSQL catalog has no file to lock: catalog_claim_crawl.
 */
typedef struct pipeline_crawl_lock pipeline_crawl_lock;
int pipeline_crawl_lock_acquire(const char *catalog_path, int shared, pipeline_crawl_lock **out,
                                cs_error *err);
void pipeline_crawl_lock_release(pipeline_crawl_lock *lock);

/* ------------------------------------------------- image files (protect, audit) */

/* The largest image file protect and audit read: far above any photo, small enough to hold. */
#define PIPELINE_MAX_IMAGE_BYTES (256u * 1024 * 1024)
/* Folders deeper than this below a PATH are not walked (a loop of bind mounts, a typo). */
#define PIPELINE_WALK_MAX_DEPTH 64

/*
 * Called for each image file the PATHs name, in order. problem is NULL for a
 * file to read, or says why a folder could not be listed (path names it). A
 * non-zero return stops the walk and is returned.
 */
typedef int (*pipeline_image_file_fn)(void *arg, const char *path, const cs_error *problem);

/*
 * The image files of PATHs: a PATH that is not a folder is passed as it is
 * (whatever it holds: reading it tells); a folder is walked depth first, the
 * entries of each folder in bytewise order (so runs are deterministic), and
 * each regular file whose first bytes are a JPEG, PNG or WebP signature is
 * passed (anything else in a folder is skipped quietly). Links to files are
 * followed, links to folders are not (no loops). Memory is one folder's
 * listing per level, whatever the number of files.
 */
int pipeline_each_image_file(const char *const *paths, size_t count, pipeline_image_file_fn each,
                             void *arg);

/* ----------------------------------------------------------- protected works */

/* One registered work, as `protect` registers it and `protect --list` lists it. */
typedef struct pipeline_protected_work {
    int64_t image_id;
    const char *path; /* as given (or as found in a folder given) */
    const char *sha256;
    const char *owner, *note; /* NULL when none */
    int keypoints;            /* local features stored (-1: none stored) */
    int width, height;        /* 0 when unknown (--list) */
    int added;                /* 0: it was registered already (owner and note updated) */
    int64_t registered_at;    /* ms; 0 when unknown (protect) */
} pipeline_protected_work;

typedef struct pipeline_protect_options {
    const char *owner, *note; /* --owner, --note; NULL when not given */
    uint64_t max_pixels;      /* decode limit; 0: DEDUP_DEFAULT_MAX_PIXELS */
    /* Called for each work registered, and for each file that could not be (from the
     * calling thread; either may be NULL). */
    void (*on_work)(void *arg, const pipeline_protected_work *work);
    void (*on_file_error)(void *arg, const char *path, const cs_error *err);
    void *arg;
} pipeline_protect_options;

typedef struct pipeline_protect_stats {
    size_t registered; /* works registered (or updated) by this run */
    size_t failed;     /* files that could not be read or decoded */
} pipeline_protect_stats;

/*
 * `clearset protect PATH...`: every image file of PATHs (pipeline_each_image_file)
 * is read, decoded once (dedup_analyze) and registered: catalog_protect, its
 * hashes row and its local features, in one transaction per work, so `audit`
 * and clearance need no `dedup` run. A file that cannot be read or decoded
 * goes to on_file_error and is counted in stats->failed; the others are still
 * registered. Fails only when the catalog does (CS_EDB, CS_EIO, CS_ENOMEM).
 */
int pipeline_protect(catalog *cat, const char *const *paths, size_t count,
                     const pipeline_protect_options *opts, pipeline_protect_stats *stats,
                     cs_error *err);

/* `protect --list`: each registered work, by id, with its keypoint count. */
int pipeline_protected_list(catalog *cat,
                            void (*each)(void *arg, const pipeline_protected_work *work), void *arg,
                            cs_error *err);

/* -------------------------------------------------------------------- audit */

/* Matches reported per image, best first. */
#define PIPELINE_AUDIT_MAX_MATCHES 5

/*
 * A second check of one query besides the works (generate's memorisation
 * test): a JSON object the report shows as the image's "memorisation", a
 * sentence for the HTML page, and whether it makes the image a copy.
 */
typedef struct pipeline_audit_extra {
    json_t *section;  /* owned by the caller; NULL: nothing to add */
    const char *text; /* one sentence, owned by the caller; may be NULL */
    int copy;         /* 1: the image is rated copy whatever the works say */
} pipeline_audit_extra;

typedef struct pipeline_audit_options {
    const char *report_dir;     /* DIR: report.json and report.html (created if missing) */
    const char *const *queries; /* the IMAGE_OR_DIR operands */
    size_t query_count;
    const char *protected_dir;    /* --protected DIR: more works, analysed on the fly; or NULL */
    const license_policy *policy; /* whose blocked images are works too; NULL: registered only */
    const char *catalog_label;    /* the catalog's path for the report; NULL without one */
    uint64_t max_pixels;          /* decode limit; 0: DEDUP_DEFAULT_MAX_PIXELS */
    /* Progress (from the calling thread; each may be NULL): after each query image,
     * and for each file (query or work) that could not be read or decoded. */
    void (*on_progress)(void *arg, size_t done, size_t total, size_t risky);
    void (*on_file_error)(void *arg, const char *path, const cs_error *err);
    void *arg;
    /* generate's additions (NULL/0 for `clearset audit`): extra fills the second check of
     * each query (CS_OK, or a failure that ends the run); on_image gets each query's final
     * risk; allow_no_works runs with no works at all (the works' check then finds nothing). */
    int (*extra)(void *arg, const char *path, pipeline_audit_extra *out, cs_error *err);
    void (*on_image)(void *arg, const char *path, dedup_risk risk);
    int allow_no_works;
} pipeline_audit_options;

typedef struct pipeline_audit_stats {
    size_t works;         /* works compared against */
    size_t works_catalog; /* of those, from the catalog (registered or blocked) */
    size_t images;        /* query images audited */
    size_t risk[3];       /* images per dedup_risk */
    size_t unreadable;    /* files (queries or --protected works) that could not be read */
} pipeline_audit_stats;

/*
 * `clearset audit`: the works are the catalog's (cat may be NULL: none;
 * pipeline_works_add_catalog: registered works, and the images blocked under
 * opts->policy that dedup has hashed) plus the image files of
 * opts->protected_dir, analysed on the fly. No work at all: CS_ENOTFOUND, nothing
 * written (unless opts->allow_no_works). opts->extra, when set, adds a second check to
 * each query's entry and may rate it copy (generate's memorisation test). Then each query image
 * (pipeline_each_image_file) is analysed and checked (dedup_audit), and its entry written to
 * DIR/report.json and DIR/report.html at once (audit_report.c), so memory is bounded by the works,
 * not the queries; both files are built as DIR/report.*.partial and renamed at
 * the end. A query or work file that cannot be read or decoded is named in the
 * report's "unreadable" list and counted, and the run goes on. Reads the
 * catalog only.
 */
int pipeline_audit(catalog *cat, const pipeline_audit_options *opts, pipeline_audit_stats *stats,
                   cs_error *err);

/* ----------------------------------------------------------------- generate */

/* IPTC's term for "created by a model trained on sampled content" (NewsCodes). */
#define PIPELINE_DIGITAL_SOURCE_TYPE                                                               \
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"

/* What a generated image is labelled with (generate_label.c). */
typedef struct pipeline_generated_label {
    char model_sha256[CS_SHA256_HEX];    /* of the checkpoint file */
    char manifest_sha256[CS_SHA256_HEX]; /* of the training export's manifest.json */
    char signer[CS_SHA256_HEX];          /* the export signer's key, as the checkpoint holds it */
    const char *obligations;             /* licence obligations text; NULL or "": not written */
} pipeline_generated_label;

/*
 * The XMP packet (RDF/XML) that labels a generated image: Iptc4xmpExt:DigitalSourceType
 * (PIPELINE_DIGITAL_SOURCE_TYPE), clearset:ModelSHA256, clearset:ManifestSHA256,
 * clearset:Signer, dc:source naming both hashes, and with obligations
 * xmpRights:UsageTerms and dc:rights. Appended to out; CS_ENOMEM only.
 */
int pipeline_generated_xmp(const pipeline_generated_label *label, cs_buf *out);

typedef struct pipeline_generate_options {
    const char *model_path;       /* --model: a checkpoint with provenance */
    const char *dataset_dir;      /* --dataset: the export it was trained on (memorisation) */
    const char *out_dir;          /* --out DIR: NNNN.png, NNNN.json, report.*, quarantine/ */
    int count;                    /* -n */
    uint64_t seed;                /* --seed */
    int grid;                     /* --grid: DIR/grid.png of all samples too */
    pipeline_audit_options audit; /* protected_dir, policy, catalog_label, max_pixels,
                                     progress; the rest is set by pipeline_generate */
} pipeline_generate_options;

typedef struct pipeline_generate_stats {
    size_t images;      /* images written */
    size_t memorised;   /* of those, memorised copies of a training image */
    size_t quarantined; /* moved to DIR/quarantine/ (memorised or a copy of a work) */
    size_t training;    /* training images compared with */
    pipeline_audit_stats audit;
    pipeline_generated_label label;
} pipeline_generate_stats;

/*
 * `clearset generate`: loads the checkpoint (gan_load: CS_ECORRUPT for a wrong
 * checksum) and refuses one without provenance (CS_EINVAL: an all-zero manifest
 * hash) or whose manifest hash is not that of dataset_dir/manifest.json
 * (CS_EINVAL); samples count images with seed; writes each as DIR/NNNN.png
 * labelled with pipeline_generated_xmp's packet and DIR/NNNN.json (the label
 * as JSON); then audits them (pipeline_audit, with cat as `clearset audit`
 * uses it) against the protected works and, as a second check, against the
 * training images for memorisation (gan_nn_ratios in pixels at the model's
 * resolution). Every image rated copy moves with its sidecar to
 * DIR/quarantine/. stats->quarantined > 0 is for the caller to report.
 */
int pipeline_generate(catalog *cat, const pipeline_generate_options *opts,
                      pipeline_generate_stats *stats, cs_error *err);

/* ------------------------------------------- training on a verified export */

/* Images held in memory at once (train_data.c): 32x32 RGB is 15 KiB each
 * while loading, so the limit is about 1.5 GB; Fashion-MNIST's 60 000 fit. */
#define PIPELINE_TRAIN_MAX_IMAGES 100000
/* manifest.json of an export at the image limit is a few tens of MiB. */
#define PIPELINE_TRAIN_MANIFEST_MAX_BYTES (256u * 1024 * 1024)

/* One licence of the training data and what it obliges a model's user to. */
typedef struct pipeline_train_licence {
    char *spdx;      /* the SPDX id from metadata.jsonl ("unknown" when null) */
    size_t count;    /* images under it */
    int attribution; /* the licence requires credit (license_from_spdx) */
    int share_alike; /* the licence requires adaptations under the same terms */
} pipeline_train_licence;

/* A verified export's images as generator/ wants them. */
typedef struct pipeline_train_data {
    char manifest_sha256[CS_SHA256_HEX];             /* of manifest.json's bytes */
    char fingerprint[MANIFEST_FINGERPRINT_HEX];      /* of the signer's key */
    unsigned char signer[MANIFEST_PUBLIC_KEY_BYTES]; /* the signer's raw Ed25519 key */
    char *policy;                                    /* the clearance policy's name */
    size_t count;                                    /* images */
    int channels, size;                              /* 1 when every image is grey, else 3 */
    float *images; /* count x channels x size x size, NCHW in [-1, 1]; owned */
    char **files;  /* count file names as metadata.jsonl lists them ("images/..."); owned */
    pipeline_train_licence *licences;
    size_t licence_count, licence_cap;
} pipeline_train_data;

/*
 * The gate (train_data.c): dir must be a signed clearset export that passes
 * manifest_verify_dir with nothing wrong, signed by a key whose fingerprint
 * is a line of trusted_keys (a file; NULL: any signer), whose metadata.jsonl
 * says "verdict": "cleared" for every image. Then every image, decoded and
 * resized to size x size. Refusals: CS_ENOTFOUND (not an export),
 * CS_ECORRUPT (bad signature, a file that fails its hash or is unlisted),
 * CS_EINVAL (untrusted signer, an image not cleared, no images), CS_EFORMAT
 * and CS_EUNSUPPORTED (metadata that is not an imagefolder export's), each
 * with err naming the folder and the problem. Release out with
 * pipeline_train_data_free whatever this returns.
 */
int pipeline_train_load(const char *dir, const char *trusted_keys, int size,
                        pipeline_train_data *out, cs_error *err);
void pipeline_train_data_free(pipeline_train_data *d);

typedef struct pipeline_train_progress {
    uint64_t step, steps; /* steps done, steps to reach */
    float d_loss, g_loss; /* of the last step */
    double images_per_s;  /* since this run started */
    double eta_s;         /* at that rate */
    int checkpoint;       /* 1 when a checkpoint was just written */
} pipeline_train_progress;

typedef struct pipeline_train_options {
    const char *dataset_dir, *model_path;
    const char *trusted_keys;  /* NULL: any signer */
    uint64_t steps;            /* the step count the model reaches (resumed steps included) */
    uint64_t time_limit_ms;    /* 0: none; else stop with a checkpoint after this long */
    uint64_t checkpoint_every; /* 0: only at the end */
    int batch_size, size;      /* size: 32 or 64 (a resumed model keeps its own) */
    uint64_t seed;
    int resume;  /* continue model_path (its batch size and seed win) */
    int threads; /* 0: the generator's default */
    /* Read after every step: non-zero stops training with a checkpoint (a
     * SIGINT handler sets it). May be NULL. */
    volatile sig_atomic_t *stop;
    void (*on_progress)(void *arg, const pipeline_train_progress *p);
    void *arg;
} pipeline_train_options;

typedef struct pipeline_train_result {
    uint64_t step;        /* steps the model has done */
    int interrupted;      /* stopped by *stop */
    int timed_out;        /* stopped by time_limit_ms */
    float d_loss, g_loss; /* of the last step (0 when none ran) */
    double train_seconds; /* spent in this run's training steps (not loading, checkpoints, SWD) */
    double images_per_s;  /* this run's steps x batch / train_seconds (0 when none ran) */
    gan_swd_result swd;   /* samples against real images, at the end */
    size_t images;
    int channels;
    char manifest_sha256[CS_SHA256_HEX];
    char fingerprint[MANIFEST_FINGERPRINT_HEX];
} pipeline_train_result;

/*
 * `clearset train` (train.c): pipeline_train_load, then trains model_path's
 * GAN until it has done opts->steps steps, writing the checkpoint (gan_save,
 * with provenance and the JSON metadata train.c describes) and
 * MODEL.grid.png (8 x 8 samples) every checkpoint_every steps and at the end,
 * and MODEL.md (the model card) at the end. A model_path that exists is
 * refused (CS_EEXIST) without resume; with resume it must have been trained
 * on the same export (CS_EINVAL otherwise) and training continues bit for
 * bit as if it had never stopped.
 */
int pipeline_train(const pipeline_train_options *opts, pipeline_train_result *result,
                   cs_error *err);

/*
 * What a checkpoint says about itself, for `clearset train --info` and the
 * tests: {"model", "step", "manifest_sha256",
 * "signer" (raw key, hex), "metadata" (the JSON train stored, or null)}. New
 * reference in *out.
 */
int pipeline_train_info(const char *model_path, json_t **out, cs_error *err);

/* ----------------------------------------------- the demo's closing summary */

/* What `clearset demo`'s table shows of the catalog under one policy (demo_summary.c). */
typedef struct pipeline_demo_summary {
    catalog_status *status; /* pages, images, URL states, hosts */
    int64_t verdicts[4];    /* images cleared, blocked, unknown, without a verdict */
    catalog_count *reasons; /* "blocked:optout" -> images (catalog_export_exclusions) */
    size_t reason_count;
    catalog_count *cleared_licences; /* SPDX id -> cleared images */
    size_t cleared_licence_count;
    catalog_count *unfetched; /* catalog_unfetched_counts: "STATE: why" -> URLs */
    size_t unfetched_count;
} pipeline_demo_summary;
int pipeline_demo_summary_read(catalog *cat, const char *policy, pipeline_demo_summary *out,
                               cs_error *err);
void pipeline_demo_summary_free(pipeline_demo_summary *s);

/* One image clearance blocked for a rule, written out as a file. */
typedef struct pipeline_demo_flagged {
    int64_t image_id;
    char *path;         /* DIR/ID-NAME */
    char *url;          /* the first URL that served it; may be NULL */
    char *license_spdx; /* the licence it claimed; may be NULL */
} pipeline_demo_flagged;
/*
 * Writes the bytes of at most max images blocked under policy with a reason of
 * rule ("laundering": the copies, never their originals) into dir (created if
 * missing) as ID-NAME (NAME from the URL), and lists them (*out: free with
 * pipeline_demo_flagged_free).
 */
int pipeline_demo_write_flagged(catalog *cat, const char *policy, const char *rule, const char *dir,
                                size_t max, pipeline_demo_flagged **out, size_t *count,
                                cs_error *err);
void pipeline_demo_flagged_free(pipeline_demo_flagged *list, size_t count);

/* One image of an audit report: its risk and its best match besides itself. */
typedef struct pipeline_demo_finding {
    char *file, *risk;               /* as report.json says */
    char *work, *owner, *match_risk; /* the best match that is not the file itself; NULL: none */
} pipeline_demo_finding;
/* Reads report.json of `clearset audit` or `generate`. Free with pipeline_demo_findings_free. */
int pipeline_demo_audit_risks(const char *report_json, pipeline_demo_finding **out, size_t *count,
                              cs_error *err);
void pipeline_demo_findings_free(pipeline_demo_finding *list, size_t count);

#endif
