/*
 * license.h - rights metadata for images: what a page says about the images it
 * shows, what an image file says about itself, SPDX normalisation of licence
 * URLs and texts, and clearance policies.
 *
 * Promise: license/ never fetches, never parses HTML and never touches the
 * catalog. The crawler hands in what its HTML extraction found (raw strings,
 * URLs already resolved against the page's base); image files come in as bytes.
 * Every function here is pure: pointer plus length in, structs out, and the
 * static library links without SQLite. Clearance over the catalog (reading
 * evidence rows, storing verdicts) is pipeline/clear.c's.
 *
 * Ownership: input structs are borrowed for the duration of the call (the
 * caller keeps them). Output structs are filled by the callee and released
 * with the matching *_free function, which accepts NULL and leaves the struct
 * empty. Strings inside output structs are owned by the struct.
 *
 * Errors: CS_OK or a negative CS_E* code; a non-NULL cs_error gets a one-line
 * message. Malformed metadata inside an image is not an error: the parser
 * keeps what it could read and records nothing for the rest (an image with a
 * broken XMP packet is still an image), and a block over its own limit is
 * skipped. CS_ELIMIT only when a hard limit on the whole input is exceeded.
 *
 * Thread safety: no global state; distinct objects may be used from distinct
 * threads. libxml2 must have been initialised (xmlInitParser) before threads
 * call license_read_embedded concurrently.
 */
#ifndef CLEARSET_LICENSE_H
#define CLEARSET_LICENSE_H

#include "common/common.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------- */
/* Normalisation: a licence URL or text to (family, version, jurisdiction, SPDX) */

#define LICENSE_SPDX_MAX         64  /* longest id we build: LicenseRef-CC-BY-NC-SA-2.0-SCOTLAND */
#define LICENSE_URL_MAX          256 /* canonical licence URLs are short; longer input is not one */
#define LICENSE_FAMILY_MAX       32
#define LICENSE_VERSION_MAX      8
#define LICENSE_JURISDICTION_MAX 16

/*
 * A recognised licence. All fields are NUL-terminated; an empty string means
 * "not applicable" (no version, international/unported jurisdiction).
 *   spdx:         "CC-BY-SA-2.0-UK", "CC0-1.0", "CC-PDM-1.0", "MIT", or
 *                 "LicenseRef-CC-BY-3.0-FR" where SPDX has no id
 *   url:          canonical URL: "https://creativecommons.org/licenses/by-sa/2.0/uk/"
 *                 (empty for licences recognised only by name)
 *   family:       what policies key on: "CC-BY", "CC-BY-SA", "CC-BY-NC", "CC-BY-NC-SA",
 *                 "CC-BY-ND", "CC-BY-NC-ND", "CC0", "CC-PDM", retired CC families
 *                 ("CC-SAMPLING+", "CC-PD", ...), or for other licences the SPDX
 *                 family ("MIT", "BSD", "Apache", "GPL", "LGPL", "OFL", ...)
 *   version:      "4.0", "2.5", ... ; jurisdiction: lower-case CC port code ("uk", "de")
 *   attribution:  1 when the licence requires attribution (CC BY*, most non-CC)
 *   share_alike, non_commercial, no_derivatives: the licence's conditions
 */
typedef struct license_info {
    char spdx[LICENSE_SPDX_MAX];
    char url[LICENSE_URL_MAX];
    char family[LICENSE_FAMILY_MAX];
    char version[LICENSE_VERSION_MAX];
    char jurisdiction[LICENSE_JURISDICTION_MAX];
    unsigned attribution : 1;
    unsigned share_alike : 1;
    unsigned non_commercial : 1;
    unsigned no_derivatives : 1;
} license_info;

/* An explicit rights statement that is not (or not only) a licence. */
typedef enum license_claim {
    LICENSE_CLAIM_NONE = 0,            /* nothing said beyond the licence, if any */
    LICENSE_CLAIM_COPYRIGHT,           /* "© 2021 Jane Doe": a claim, no licence granted */
    LICENSE_CLAIM_ALL_RIGHTS_RESERVED, /* "All rights reserved" */
    LICENSE_CLAIM_PUBLIC_DOMAIN,       /* "Public domain" in words (no CC tool named) */
} license_claim;

/* "copyright", "all-rights-reserved", "public-domain" (the catalog's words), or NULL. */
const char *license_claim_name(license_claim claim);

/*
 * Recognises a licence URL in any of its forms (http/https, www., protocol-
 * relative, trailing slash or not, deed.xx, legalcode.xx, rdf, query,
 * fragment, CC jurisdiction ports, public-domain tools, retired families, the
 * CC GPL/LGPL wrappers, opensource.org / gnu.org / apache.org / SIL OFL URLs).
 * Returns CS_OK and fills *out, or CS_ENOTFOUND when url is not a licence URL
 * we know (out is then zeroed).
 */
int license_normalize_url(const char *url, size_t len, license_info *out);

/*
 * Recognises free text: a licence URL anywhere in it, an SPDX id ("CC-BY-4.0",
 * "MIT"), a name ("CC BY-SA 4.0", "Creative Commons Attribution 4.0
 * International", "Apache License 2.0", "Public Domain"), and rights claims
 * ("All rights reserved", "©", "(c)", "Copyright"). Fills *out when a licence
 * is named (*has_license = 1) and *claim with any explicit claim. Returns
 * CS_OK when either was found, CS_ENOTFOUND when the text says neither.
 */
int license_normalize_text(const char *text, size_t len, license_info *out, int *has_license,
                           license_claim *claim);

/* Looks up an SPDX id (case-insensitive) or a CC family+version; CS_ENOTFOUND otherwise. */
int license_from_spdx(const char *spdx, license_info *out);

/*
 * An RSL 1.0 licence that permits AI training without payment (payment
 * "free", or "attribution" when attribution is 1), as a licence: family
 * "RSL", spdx "LicenseRef-RSL-free" or "LicenseRef-RSL-attribution" (which
 * license_from_spdx reads back), no URL: an RSL document's URL is never a
 * CC/SPDX licence URL and never goes through license_normalize_url.
 */
void license_from_rsl(int attribution, license_info *out);

/* ------------------------------------------------------------------------- */
/* Evidence records: one statement about one image's rights, with provenance  */

typedef enum license_origin {
    LICENSE_ORIGIN_XMP = 0,
    LICENSE_ORIGIN_IPTC,
    LICENSE_ORIGIN_EXIF,
    LICENSE_ORIGIN_REL_LICENSE,
    LICENSE_ORIGIN_JSON_LD,
    LICENSE_ORIGIN_MICRODATA,
    LICENSE_ORIGIN_META,
    LICENSE_ORIGIN_POLICY_FILE,
} license_origin;

/* How the evidence was tied to the image (page-side evidence only). */
typedef enum license_scope {
    LICENSE_SCOPE_EMBEDDED = 0, /* inside the image file itself */
    LICENSE_SCOPE_RDFA_ABOUT,   /* rel=license under an RDFa about= naming the image */
    LICENSE_SCOPE_FIGURE,       /* rel=license inside the image's <figure> */
    LICENSE_SCOPE_JSON_LD,      /* ImageObject whose contentUrl/url is the image */
    LICENSE_SCOPE_MICRODATA,    /* microdata ImageObject for the image */
    LICENSE_SCOPE_PAGE,         /* page-wide: applies to the page's images (weaker) */
} license_scope;

typedef enum license_confidence {
    LICENSE_CONFIDENCE_HIGH = 0, /* machine-readable and tied to the image */
    LICENSE_CONFIDENCE_MEDIUM,   /* machine-readable but page-wide */
    LICENSE_CONFIDENCE_LOW,      /* free text (meta copyright, dc:rights prose) */
} license_confidence;

/* Catalog words: "xmp", "iptc", "exif", "rel-license", "json-ld", "microdata", "meta", ... */
const char *license_origin_name(license_origin origin);
/* "embedded", "rdfa-about", "figure", "json-ld", "microdata", "page" */
const char *license_scope_name(license_scope scope);
/* "high", "medium", "low" */
const char *license_confidence_name(license_confidence confidence);
/* Inverse lookups for rows read back from the catalog; CS_ENOTFOUND for unknown words. */
int license_origin_parse(const char *name, license_origin *out);
int license_scope_parse(const char *name, license_scope *out);
int license_confidence_parse(const char *name, license_confidence *out);

/*
 * One piece of evidence. Every string is owned by the record (NULL when absent).
 *   image_url:  the image it is about (page evidence); NULL for embedded evidence
 *   found_at:   the page URL (page evidence); NULL for embedded evidence
 *   field:      where exactly: "XMP-cc:License", "IPTC:CopyrightNotice",
 *               "rel=license", "JSON-LD ImageObject.license", "meta[name=copyright]"
 *   raw_value:  the value as found (never NULL)
 *   has_license / license: the normalised licence, if raw_value names one
 *   claim:      an explicit rights claim in raw_value, if any
 */
typedef struct license_evidence {
    char *image_url;
    char *found_at;
    license_origin origin;
    license_scope scope;
    license_confidence confidence;
    char *field;
    char *raw_value;
    int has_license;
    license_info license;
    license_claim claim;
    char *attribution_name;
    char *attribution_url;
    char *title;
    char *creator;
} license_evidence;

/* A growable list of evidence records; owns them. Zero-initialise before first use. */
typedef struct license_evidence_list {
    license_evidence *items;
    size_t count;
    size_t cap;
} license_evidence_list;

void license_evidence_list_free(license_evidence_list *list);
/* Appends a deep copy of ev. CS_ENOMEM, or CS_ELIMIT past LICENSE_MAX_EVIDENCE. */
int license_evidence_list_add(license_evidence_list *list, const license_evidence *ev);

#define LICENSE_MAX_EVIDENCE 4096 /* records per page or file; more is an adversarial page */

/* ------------------------------------------------------------------------- */
/* Page side: what the crawler's HTML extraction found, as raw strings         */

/*
 * One rel="license" link (<a> or <link>). All URLs absolute (resolved by the
 * crawler against the page's base). Strings are borrowed.
 *   href:            the licence URL or text as written
 *   about:           RDFa about= of the nearest enclosing element that has one
 *                    (resolved), or NULL
 *   figure_images:   image URLs inside the enclosing <figure>, if the link is
 *                    inside one (NULL/0 otherwise)
 *   attribution_name/url, title, creator: cc:attributionName,
 *                    cc:attributionURL (href or content), dct:title,
 *                    dct:creator found in the same RDFa subject or figure, or NULL
 *   in_head:         1 for <link rel=license> in <head> (always page-wide)
 */
typedef struct license_page_link {
    const char *href;
    const char *about;
    const char *const *figure_images;
    size_t figure_image_count;
    const char *attribution_name;
    const char *attribution_url;
    const char *title;
    const char *creator;
    int in_head;
} license_page_link;

/* One <meta name=... content=...> whose name is license, dcterms.license, DC.rights,
 * dc.rights, copyright (case-insensitive; others are ignored). Borrowed. */
typedef struct license_page_meta {
    const char *name;
    const char *content;
} license_page_meta;

/* One JSON-LD <script type="application/ld+json"> block: its text, unparsed. */
typedef struct license_page_jsonld {
    const char *text;
    size_t len;
} license_page_jsonld;

/*
 * One microdata item (itemscope) with its itemtype and itemprop name/value
 * pairs as the crawler read them (value: content=, href/src resolved, or
 * text). Nested items (a creator Person) come as their own item with
 * parent_index naming the enclosing item and parent_prop the itemprop it
 * fills; top-level items have parent_index = -1.
 */
typedef struct license_microdata_prop {
    const char *name;
    const char *value;
} license_microdata_prop;

typedef struct license_microdata_item {
    const char *type; /* itemtype, e.g. "https://schema.org/ImageObject" */
    const license_microdata_prop *props;
    size_t prop_count;
    long parent_index;
    const char *parent_prop;
} license_microdata_item;

/* Everything the crawler hands over for one page. */
typedef struct license_page_input {
    const char *page_url; /* final URL after redirects */
    const license_page_link *links;
    size_t link_count;
    const license_page_meta *metas;
    size_t meta_count;
    const license_page_jsonld *jsonld;
    size_t jsonld_count;
    const license_microdata_item *microdata;
    size_t microdata_count;
    const char *const *image_urls; /* every image URL the page shows, absolute */
    size_t image_url_count;
} license_page_input;

/*
 * Turns a page's raw items into per-image evidence records appended to *out:
 * rel=license scoped by RDFa about= or figure (high), otherwise page-wide for
 * every image the page shows (medium); JSON-LD and microdata ImageObjects
 * matched to an image by contentUrl/url (high; an ImageObject that names no
 * shown image becomes evidence for its own contentUrl); meta licence/rights
 * contents page-wide (low). An image with a statement of its own (any scope
 * but page-wide) gets no page-wide records. Malformed JSON-LD blocks are
 * skipped, not errors.
 * Returns CS_OK, CS_ENOMEM or CS_ELIMIT.
 */
int license_page_evidence(const license_page_input *in, license_evidence_list *out, cs_error *err);

/*
 * license_page_evidence, and in the same walk the schema.org "caption" a
 * page's JSON-LD or microdata ImageObjects give each shown image: captions[i]
 * (parallel to in->image_urls, NULL-initialised by the caller; captions may be
 * NULL) becomes a new string the caller frees, or stays NULL. The first
 * caption for an image wins; text is trimmed and cut at 2000 bytes.
 */
int license_page_read(const license_page_input *in, license_evidence_list *out, char **captions,
                      cs_error *err);

/*
 * One JSON-LD block's evidence (what license_page_evidence does per block;
 * exposed for the fuzz target). Malformed JSON gives CS_OK and nothing;
 * CS_ELIMIT when the block exceeds 1 MiB.
 */
int license_jsonld_evidence(const char *text, size_t len, const license_page_input *in,
                            license_evidence_list *out, cs_error *err);

/* ------------------------------------------------------------------------- */
/* Embedded metadata: XMP, IPTC-IIM, EXIF from JPEG, PNG and WebP bytes          */

#define LICENSE_MAX_FILE_BYTES (256u * 1024 * 1024) /* larger inputs are refused (CS_ELIMIT) */

/* What `clearset license FILE` reports for one file. */
typedef struct license_embedded {
    /* "image/jpeg", "image/png", "image/webp", or NULL when the bytes are none of them */
    const char *media_type;
    /*
     * Every rights field found, keyed as `exiftool -j -G1 -n -struct` names it
     * ("XMP-cc:License", "IPTC:CopyrightNotice", "IFD0:Copyright", ...) with
     * the value ExifTool prints (a string, number, array or object), in the
     * order found. Owned (json_decref in license_embedded_free).
     */
    json_t *fields;
    /* One evidence record per rights-bearing field (scope EMBEDDED). */
    license_evidence_list evidence;
    /* Summary: the most specific licence found (XMP cc:license, then WebStatement, ...). */
    int has_license;
    license_info license;
    license_claim claim;    /* strongest explicit claim found */
    char *data_mining;      /* plus:DataMining as written (prefix kept), or NULL */
    char *tdm_reservation;  /* TDMRep XMP tdm:reservation ("1", "0", ...), or NULL */
    char *tdm_policy;       /* TDMRep XMP tdm:policy (a URL), or NULL */
    char *digital_source;   /* Iptc4xmpExt:DigitalSourceType as written, or NULL */
    int ai_generated;       /* DigitalSourceType says trained/composite algorithmic media */
    char *attribution_name; /* cc:attributionName, else creator/By-line/Artist, or NULL */
    char *attribution_url;  /* cc:attributionURL, or NULL */
    /* C2PA / CAWG training-and-data-mining entries: {"c2pa.ai_training": "notAllowed", ...},
     * or NULL when the file has no such assertion. Owned. */
    json_t *training_mining;
} license_embedded;

/*
 * Reads the rights metadata embedded in an image file. Non-image bytes give
 * CS_OK with media_type NULL and no fields (the caller decides whether that
 * is an error); *out is always safe to pass to license_embedded_free.
 */
int license_read_embedded(const unsigned char *bytes, size_t len, license_embedded *out,
                          cs_error *err);
void license_embedded_free(license_embedded *emb);

/* {"spdx", "url", "family", "version", "jurisdiction"} (empty parts as null); new reference. */
json_t *license_info_json(const license_info *license);
/*
 * The object `clearset license FILE` prints: {"file": file, <fields>...,
 * "license": {...} | null, "rights_claim", "data_mining", "tdm_reservation",
 * "tdm_policy", "ai_generated",
 * "attribution": {"name", "url"} | null,
 * "training_mining": {...} | null}. New reference, NULL on ENOMEM.
 */
json_t *license_embedded_json(const license_embedded *emb, const char *file);

/*
 * The format parsers, exposed for unit tests and fuzz targets. Each adds the
 * fields it finds to `fields` (a JSON object, ExifTool names) and evidence to
 * `evidence`; malformed input adds nothing further and still returns CS_OK
 * unless a limit is hit or memory runs out.
 *   xmp:  one XMP packet (RDF/XML), as found in APP1, iTXt or the WebP chunk
 *   iim:  IPTC-IIM records (the payload of 8BIM resource 0x0404)
 *   app13: a Photoshop "Photoshop 3.0\0" APP13 payload (8BIM resources)
 *   exif: a TIFF header and IFDs ("II*\0" / "MM\0*"), without the "Exif\0\0" prefix
 */
int license_parse_xmp(const unsigned char *bytes, size_t len, json_t *fields,
                      license_evidence_list *evidence, cs_error *err);
int license_parse_iim(const unsigned char *bytes, size_t len, json_t *fields,
                      license_evidence_list *evidence, cs_error *err);
int license_parse_app13(const unsigned char *bytes, size_t len, json_t *fields,
                        license_evidence_list *evidence, cs_error *err);
int license_parse_exif(const unsigned char *bytes, size_t len, json_t *fields,
                       license_evidence_list *evidence, cs_error *err);
/*
 * c2pa: a JUMBF box sequence (a C2PA manifest store); training-and-data-mining
 * entries found are merged into *entries (created when NULL and something is
 * found; existing keys kept).
 */
int license_parse_c2pa(const unsigned char *bytes, size_t len, json_t **entries, cs_error *err);

/*
 * The opt-out evidence embedded in a file, as robots/ signals (source
 * EMBEDDED): plus:DataMining, TDMRep tdm:reservation / tdm:policy (the
 * protocol's last layer: it overrides tdmrep.json, headers and meta) and every
 * C2PA / CAWG training-mining entry.
 * robots/ decides what they mean; where (may be NULL) names the file or URL.
 * Returns CS_OK, CS_ENOMEM or CS_ELIMIT.
 */
struct robots_signal_list;
int license_embedded_signals(const license_embedded *emb, struct robots_signal_list *list,
                             const char *where, cs_error *err);

/* ------------------------------------------------------------------------- */
/* Policies and clearance                                                      */

typedef struct license_policy license_policy;

/* Which page-wide (LICENSE_SCOPE_PAGE) licences a policy lets cover an image. */
typedef enum license_page_wide {
    LICENSE_PAGE_WIDE_SAME_HOST = 0, /* default: images served from the page's own host */
    LICENSE_PAGE_WIDE_ANY,           /* every image the page shows */
    LICENSE_PAGE_WIDE_NEVER,         /* page-wide licences never clear an image */
} license_page_wide;

/*
 * Built-in policies: "strict" (CC0, PDM, CC-PDDC, CC BY), "open" (adds CC BY-SA),
 * "research" (adds the -NC variants). ND is never accepted by a preset.
 * CS_ENOTFOUND for another name.
 */
int license_policy_builtin(const char *name, license_policy **out, cs_error *err);
/*
 * A policy file: JSON
 *   {"name": "mine", "accept": ["CC-BY", "CC-BY-SA-4.0", "MIT", "CC0"],
 *    "page_wide": "same-host" | "any" | "never",
 *    "require_attribution_name": false,
 *    "opt_out_directives": ["noindex"], "training_mining_constrained": false}
 * "accept" entries are CC families (match any version/port) or SPDX ids
 * (exact). CS_EFORMAT with a message naming the problem otherwise.
 */
int license_policy_parse(const char *json_text, size_t len, const char *name, license_policy **out,
                         cs_error *err);
/* license_policy_builtin for a known name, otherwise reads the file at name_or_path. */
int license_policy_load(const char *name_or_path, license_policy **out, cs_error *err);
void license_policy_free(license_policy *policy);
/* The name verdicts are stored under ("strict", or the file path as given). */
const char *license_policy_name(const license_policy *policy);
/* 1 when the policy accepts this licence. */
int license_policy_accepts(const license_policy *policy, const license_info *license);
/*
 * robots/'s policy under this clearance policy: robots_policy_default plus the
 * robots directives the policy's opt_out_directives counts (noindex & co.).
 * Whoever asks robots_decide which opt-outs apply to an image passes this.
 */
struct robots_policy;
void license_policy_robots(const license_policy *policy, struct robots_policy *out);
/*
 * The AI crawler list robots.txt crawler rules are judged with under this
 * policy (`--ai-crawlers FILE`; NULL, the default, is robots/'s built-in
 * list). Borrowed: it must outlive the policy's use.
 */
struct robots_ai_crawlers;
void license_policy_set_ai_crawlers(license_policy *policy,
                                    const struct robots_ai_crawlers *ai_crawlers);

typedef enum license_verdict_kind {
    LICENSE_VERDICT_UNKNOWN = 0, /* no usable evidence either way */
    LICENSE_VERDICT_CLEARED,
    LICENSE_VERDICT_BLOCKED, /* a rights claim, an opt-out or laundering says no */
} license_verdict_kind;

/* "cleared", "blocked", "unknown" */
const char *license_verdict_name(license_verdict_kind kind);

/* An opt-out that applies to the image or a page it was found on (decided by robots/). */
typedef struct license_optout {
    int64_t signal_id;     /* catalog optout_signals id, or 0 */
    int license_required;  /* an RSL demand for payment or a licence server, not a refusal:
                              reported as rule "licence-required" */
    const char *kind;      /* catalog word: "x-robots-tag", "iptc-data-mining", ... */
    const char *raw_value; /* the directive as found */
    const char *found_at;  /* URL it was found at */
} license_optout;

/* A near-duplicate relation recorded by `clearset dedup`, or a local match
 * (SIFT keypoints verified on one transform) recorded by clearance. */
typedef struct license_near_duplicate {
    int64_t other_image_id;   /* the other member, or 0 for a protected work */
    const char *other_sha256; /* its SHA-256 hex, if known */
    int other_blocked;        /* 1 when the other image's verdict is blocked */
    int protected_work;       /* 1 when the other is a registered protected work */
    int distance;             /* PDQ distance */
    const char *conflict;     /* the cluster's licence-conflict reason, or NULL */
    int inliers;              /* > 0: a local match (a crop or edit), not a PDQ near copy */
    double work_coverage;     /* local: share of the other image the matched keypoints span */
} license_near_duplicate;

/* Everything known about one image, borrowed for the call. */
typedef struct license_clearance_input {
    const char *const *image_urls; /* URLs that served the image */
    size_t image_url_count;
    const license_evidence *evidence; /* all evidence: embedded and page-side */
    const int64_t *evidence_ids;      /* catalog ids parallel to evidence, or NULL */
    size_t evidence_count;
    const license_optout *optouts; /* opt-outs that apply (robots/ decided) */
    size_t optout_count;
    const license_near_duplicate *near; /* near-duplicate relations */
    size_t near_count;
    const char *const *page_urls; /* pages the image was found on (source-page credit) */
    size_t page_url_count;
} license_clearance_input;

/* Where the attribution the licence requires comes from. */
typedef enum license_attribution_source {
    LICENSE_ATTRIBUTION_NOT_NEEDED = 0, /* CC0, PDM, or a licence without attribution */
    LICENSE_ATTRIBUTION_LICENSOR,       /* author/credit the licensor supplied */
    LICENSE_ATTRIBUTION_SOURCE_PAGE,    /* none supplied: credit the source page */
    LICENSE_ATTRIBUTION_MISSING,        /* required but nothing to credit */
} license_attribution_source;

/*
 * A verdict with its reasons. reasons is a JSON array of objects
 * {"rule": "optout" | "licence-required" | "conflict" | "license" | "policy" |
 *           "attribution" | "laundering" | "no-evidence" | "page-wide-scope",
 *  "detail": "one sentence", "evidence": [ids...], "signals": [ids...]} (owned;
 *  "signals" only on "optout" and "licence-required" reasons). One opt-out
 *  statement (kind, value, where found) is one reason, however many signal
 *  rows (one per resource it was recorded for) carry it: "signals" lists them.
 * attribution is a JSON object {"source": ..., "name": ..., "url": ...,
 * "title": ..., "page": ...} or NULL when not needed (owned).
 */
typedef struct license_verdict {
    license_verdict_kind kind;
    int has_license;
    license_info license;
    license_attribution_source attribution_source;
    json_t *attribution;
    json_t *reasons;
} license_verdict;

/*
 * Decides one image under a policy (DESIGN.md "Clearance"): an opt-out
 * blocks; conflicting evidence resolves to the most restrictive and is a
 * reason; the licence must be accepted and its attribution known; a near
 * duplicate of a blocked image or a protected work blocks. CS_ENOMEM only.
 */
int license_clear(const license_policy *policy, const license_clearance_input *in,
                  license_verdict *out, cs_error *err);
void license_verdict_free(license_verdict *verdict);
/* "licensor", "source-page", "missing", "not-needed" */
const char *license_attribution_source_name(license_attribution_source source);

#endif
