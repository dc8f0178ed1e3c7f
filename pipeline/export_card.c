/*
 * export_card.c - the documents an export writes beside its images, made
 * from the selected set (export.c) and nothing else, so they are as
 * deterministic as the images:
 *   ATTRIBUTION.md  one TASL line per image whose licence asks for credit,
 *                   and the ShareAlike obligations when a licence has them;
 *   README.md       a Hugging Face dataset card: YAML front matter (license
 *                   as the lower-case ids the Hub knows, else "other" with
 *                   the list; task_categories; size_categories), then what the
 *                   data is, the policy, counts per licence and per host,
 *                   what was left out and why, and how it was collected;
 *   croissant.json  MLCommons Croissant 1.0 (JSON-LD) with its Responsible-AI
 *                   properties (rai:dataCollection, its timeframe from the
 *                   catalog's fetch times).
 * Tables and lists are sorted (by name) so the output does not depend on
 * hash order.
 */
#include "pipeline/pipeline_internal.h"

#include <stdlib.h>
#include <string.h>

#define CROISSANT_CONFORMS_TO "http://mlcommons.org/croissant/1.0"

/* Licence ids the Hugging Face Hub accepts in a card's `license:` (lower case). */
static const char *const hub_licences[] = {
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "mit",
    "apache-2.0",
    "bsd-2-clause",
    "bsd-3-clause",
    "isc",
    "unlicense",
    "pddl",
    "odc-by",
    "odbl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl-2.1",
    "lgpl-3.0",
    "ofl-1.1",
};

static void lower(const char *s, char *out, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

static int is_hub_licence(const char *spdx)
{
    char id[LICENSE_SPDX_MAX];
    lower(spdx, id, sizeof id);
    for (size_t i = 0; i < CS_ARRAY_LEN(hub_licences); i++)
        if (strcmp(id, hub_licences[i]) == 0) return 1;
    return 0;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of obj with its keys inserted in sorted order; NULL on ENOMEM. */
static json_t *sorted_object(json_t *obj)
{
    size_t n = obj ? json_object_size(obj) : 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    json_t *sorted = keys && obj ? json_object() : NULL;
    const char *key;
    json_t *value;
    size_t i = 0;
    if (sorted) json_object_foreach(obj, key, value) keys[i++] = key;
    if (sorted) qsort(keys, n, sizeof *keys, compare_keys);
    for (i = 0; sorted && i < n; i++)
        if (json_object_set(sorted, keys[i], json_object_get(obj, keys[i])) != 0) {
            json_decref(sorted);
            sorted = NULL;
        }
    free(keys);
    json_decref(obj);
    return sorted;
}

static int count_into(json_t *counts, const char *name)
{
    json_int_t n = json_integer_value(json_object_get(counts, name));
    return json_object_set_new(counts, name, json_integer(n + 1));
}

json_t *export_licence_counts(const export_set *set)
{
    json_t *counts = json_object();
    for (size_t i = 0; counts && i < set->count; i++) {
        const char *spdx = set->items[i].license.spdx[0] ? set->items[i].license.spdx : "none";
        if (count_into(counts, spdx) != 0) {
            json_decref(counts);
            return NULL;
        }
    }
    return sorted_object(counts);
}

static json_t *host_counts(const export_set *set)
{
    json_t *counts = json_object();
    for (size_t i = 0; counts && i < set->count; i++) {
        const char *host = set->items[i].row->host ? set->items[i].row->host : "unknown";
        if (count_into(counts, host) != 0) {
            json_decref(counts);
            return NULL;
        }
    }
    return sorted_object(counts);
}

static int any_share_alike(const export_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].license.share_alike) return 1;
    return 0;
}

/* ----------------------------------------------------------- ATTRIBUTION.md */

int export_attribution_md(const export_set *set, cs_buf *out)
{
    size_t needed = 0;
    for (size_t i = 0; i < set->count; i++)
        needed += set->items[i].credit != NULL;
    int rc = cs_buf_printf(out,
                           "# Attribution\n\n"
                           "The licences of %zu of the %zu images in this dataset ask for credit. "
                           "Give it as below (title, author, source, licence) wherever you use or "
                           "share them; `metadata.jsonl` has the same line per image in "
                           "`attribution`.\n\n",
                           needed, set->count);
    for (size_t i = 0; rc == CS_OK && i < set->count; i++)
        if (set->items[i].credit)
            rc = cs_buf_printf(out, "- `%s`: %s\n", set->items[i].file_name, set->items[i].credit);
    if (rc == CS_OK && needed == 0) rc = cs_buf_append_str(out, "No image needs attribution.\n");
    if (rc == CS_OK && any_share_alike(set)) {
        rc = cs_buf_append_str(
            out, "\n## ShareAlike obligations\n\n"
                 "These images are under ShareAlike licences: if you remix, transform or build "
                 "upon them, you must distribute your contributions under the same licence (or a "
                 "compatible one the licence names), and say what you changed.\n\n");
        for (size_t i = 0; rc == CS_OK && i < set->count; i++) {
            const export_item *item = &set->items[i];
            if (!item->license.share_alike) continue;
            char name[96];
            export_license_name(&item->license, name, sizeof name);
            rc = cs_buf_printf(out, "- `%s`: %s\n", item->file_name, name);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- README.md */

static const char *size_category(size_t n)
{
    return n < 1000         ? "n<1K"
           : n < 10000      ? "1K<n<10K"
           : n < 100000     ? "10K<n<100K"
           : n < 1000000    ? "100K<n<1M"
           : n < 10000000   ? "1M<n<10M"
           : n < 100000000  ? "10M<n<100M"
           : n < 1000000000 ? "100M<n<1B"
                            : "n>1B";
}

/* s as a YAML double-quoted scalar (JSON's string syntax is valid YAML). */
static int yaml_string(cs_buf *out, const char *s)
{
    json_t *str = json_string(s);
    char *quoted = str ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
    json_decref(str);
    int rc = quoted ? cs_buf_append_str(out, quoted) : CS_ENOMEM;
    free(quoted);
    return rc;
}

static int front_matter(const export_set *set, json_t *licences, cs_buf *out)
{
    int all_hub = json_object_size(licences) > 0, captions = 0;
    const char *spdx;
    json_t *n;
    json_object_foreach(licences, spdx, n) all_hub &= is_hub_licence(spdx);
    for (size_t i = 0; i < set->count; i++)
        captions |= set->items[i].caption != NULL;
    int rc = cs_buf_append_str(out, "---\nlicense:");
    if (all_hub) {
        json_object_foreach(licences, spdx, n)
        {
            char id[LICENSE_SPDX_MAX];
            lower(spdx, id, sizeof id);
            if (rc == CS_OK) rc = cs_buf_printf(out, "\n- %s", id);
        }
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\n");
    } else {
        if (rc == CS_OK)
            rc = cs_buf_append_str(out, " other\nlicense_name: mixed-per-image\n"
                                        "license_link: ATTRIBUTION.md\nlicense_details:");
        json_object_foreach(licences, spdx, n) if (rc == CS_OK) rc =
            cs_buf_printf(out, "\n- %s", spdx);
        if (rc == CS_OK) rc = cs_buf_append_str(out, "\n");
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "task_categories:\n- %s\nsize_categories:\n- %s\npretty_name: ",
                           captions ? "text-to-image" : "unconditional-image-generation",
                           size_category(set->count));
    char pretty[512];
    snprintf(pretty, sizeof pretty, "Rights-cleared images (clearset, policy %s)",
             license_policy_name(set->policy));
    if (rc == CS_OK) rc = yaml_string(out, pretty);
    if (rc == CS_OK)
        rc = cs_buf_printf(out,
                           "\ntags:\n- image\n- rights-cleared\n- clearset\n"
                           "configs:\n- config_name: default\n  data_files:\n"
                           "  - split: train\n    path:\n%s---\n\n",
                           set->webdataset ? "    - \"*.tar\"\n"
                                           : "    - metadata.jsonl\n    - images/*\n");
    return rc;
}

static int count_table(cs_buf *out, const char *header, json_t *counts)
{
    int rc = cs_buf_printf(out, "| %s | images |\n|---|---:|\n", header);
    const char *name;
    json_t *n;
    json_object_foreach(counts, name, n) if (rc == CS_OK) rc =
        cs_buf_printf(out, "| %s | %lld |\n", name, (long long)json_integer_value(n));
    return rc == CS_OK ? cs_buf_append_str(out, "\n") : rc;
}

static const char *reason_words(const char *rule)
{
    static const struct {
        const char *rule, *words;
    } table[] = {
        {"optout", "an AI / TDM opt-out applies (robots rules, noai, TDMRep, ...)"},
        {"conflict", "the rights statements disagree (the most restrictive won)"},
        {"license", "what the licence evidence says"},
        {"policy", "the licence is not one the policy accepts"},
        {"attribution", "the attribution the licence requires is not known"},
        {"laundering", "a near duplicate of a blocked image or a protected work"},
        {"no-evidence", "no rights evidence was found"},
        {"page-wide-scope", "only a page-wide licence, which the policy does not extend"},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(table); i++)
        if (strcmp(rule, table[i].rule) == 0) return table[i].words;
    return "";
}

static int exclusions_table(const export_set *set, cs_buf *out)
{
    int rc = cs_buf_append_str(out, "| verdict | reason | images |\n|---|---|---:|\n");
    for (size_t i = 0; rc == CS_OK && i < set->exclusion_count; i++) {
        const catalog_count *c = &set->exclusions[i];
        const char *colon = strchr(c->name, ':');
        if (colon == NULL)
            rc = cs_buf_printf(out, "| %s | (all) | %lld |\n", c->name, (long long)c->count);
        else
            rc = cs_buf_printf(out, "| %.*s | `%s`: %s | %lld |\n", (int)(colon - c->name), c->name,
                               colon + 1, reason_words(colon + 1), (long long)c->count);
    }
    if (rc == CS_OK)
        rc = cs_buf_printf(out, "| cleared | near duplicate of a better exported copy | %zu |\n\n",
                           set->duplicates);
    return rc;
}

int export_card_md(const export_set *set, cs_buf *out)
{
    json_t *licences = export_licence_counts(set), *hosts = host_counts(set);
    int rc = licences && hosts ? front_matter(set, licences, out) : CS_ENOMEM;
    char first[32], last[32], snapshot[32];
    export_iso_time(set->first_fetch_ms, first, sizeof first);
    export_iso_time(set->last_fetch_ms, last, sizeof last);
    export_iso_time(set->snapshot_ms, snapshot, sizeof snapshot);
    const char *policy = license_policy_name(set->policy);
    const char *files =
        set->webdataset
            ? "The images are in webdataset tar shards `NNNNN.tar` (as img2dataset writes them: "
              "`KEY.EXT` the original bytes, `KEY.txt` the caption, `KEY.json` the metadata; "
              "`NNNNN_stats.json` lists each shard's keys); "
            : "Each image is `images/KEY.EXT` (the original bytes, SHA-256 in the metadata); ";
    if (rc == CS_OK)
        rc = cs_buf_printf(
            out,
            "# Rights-cleared images\n\n"
            "%zu images, each one whose use its rights holders allow, exported by clearset "
            "from its catalog (snapshot %s). Every image was found by a polite crawl, and is "
            "here because its verdict under the clearance policy `%s` is *cleared*: no AI or "
            "text-and-data-mining opt-out applies to it or to a page it was found on, its "
            "licence evidence agrees, the policy accepts its licence and the attribution it "
            "requires is known, and it is not a near duplicate of a blocked image or a "
            "protected work. Of each group of near duplicates only the best copy is here.\n\n"
            "%s"
            "`metadata.jsonl` has one object per image: `file_name`, `key`, `sha256`, `url` "
            "(where the image was fetched), `page_url`, `caption` (the page's figcaption, "
            "else its alt text), `license` (SPDX id), `license_url`, `title`, `author`, "
            "`attribution` (the credit line to give), `verdict` (always `cleared`), "
            "`reasons` (why it was cleared), "
            "`width`, `height`. `ATTRIBUTION.md` lists the credit each image needs; "
            "`croissant.json` describes the files in MLCommons Croissant 1.0.\n\n"
            "```python\nfrom datasets import load_dataset\n"
            "ds = load_dataset(\"%s\", data_dir=\"PATH/TO/THIS/FOLDER\")\n```\n\n",
            set->count, snapshot[0] ? snapshot : "unknown", policy, files,
            set->webdataset ? "webdataset" : "imagefolder");
    if (rc == CS_OK && set->size > 0)
        rc = cs_buf_printf(out,
                           "The images are %d x %d copies: the largest centred square of each "
                           "original, resampled with an area filter and re-encoded in its "
                           "format; `sha256`, `width` and `height` describe the copy, "
                           "`original_sha256`, `original_width` and `original_height` the "
                           "original the catalog holds.\n\n",
                           set->size, set->size);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "## Licences\n\n");
    if (rc == CS_OK) rc = count_table(out, "licence (SPDX)", licences);
    if (rc == CS_OK) rc = cs_buf_append_str(out, "## Sources\n\n");
    if (rc == CS_OK) rc = count_table(out, "host", hosts);
    if (rc == CS_OK)
        rc = cs_buf_printf(out,
                           "## Policy\n\n`%s`. The presets: `strict` accepts CC0, the Public "
                           "Domain Mark and CC BY; `open` adds CC BY-SA; `research` adds the "
                           "NonCommercial variants; none accepts NoDerivatives. Any other name "
                           "is a policy file.\n\n"
                           "## What was left out, and why\n\n"
                           "Images the catalog holds whose verdict under `%s` is not cleared, "
                           "counted once per reason they have (an image may have several):\n\n",
                           policy, policy);
    if (rc == CS_OK) rc = exclusions_table(set, out);
    if (rc == CS_OK)
        rc = cs_buf_printf(
            out,
            "## Collection\n\n"
            "Crawled by clearsetbot (%s) from %s to %s. Every robots.txt (RFC 9309) was obeyed "
            "and every machine-readable AI opt-out honoured: robots rules for AI crawlers, "
            "`noai`/`noimageai` (X-Robots-Tag and meta robots), TDMRep, Content-Signal "
            "`ai-train=no`, IETF AIPREF Content-Usage, IPTC Data Mining, C2PA training "
            "assertions. The evidence behind each verdict stays in the catalog "
            "(`clearset explain SHA256` for any image here).\n",
            CLEARSET_HOME_URL, first[0] ? first : "unknown", last[0] ? last : "unknown");
    json_decref(licences);
    json_decref(hosts);
    return rc;
}

/* ----------------------------------------------------------- croissant.json */

static json_t *croissant_context(void)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s, s:{s:s, s:s}, "
        "s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s}",
        "@language", "en", "@vocab", "https://schema.org/", "citeAs", "cr:citeAs", "column",
        "cr:column", "conformsTo", "dct:conformsTo", "cr", "http://mlcommons.org/croissant/", "rai",
        "http://mlcommons.org/croissant/RAI/", "data", "@id", "cr:data", "@type", "@json",
        "dataType", "@id", "cr:dataType", "@type", "@vocab", "dct", "http://purl.org/dc/terms/",
        "examples", "@id", "cr:examples", "@type", "@json", "extract", "cr:extract", "field",
        "cr:field", "fileProperty", "cr:fileProperty", "fileObject", "cr:fileObject", "fileSet",
        "cr:fileSet", "format", "cr:format", "includes", "cr:includes", "isLiveDataset",
        "cr:isLiveDataset", "jsonPath", "cr:jsonPath", "key", "cr:key", "md5", "cr:md5",
        "parentField", "cr:parentField", "path", "cr:path", "recordSet", "cr:recordSet",
        "references", "cr:references", "regex", "cr:regex", "sc", "https://schema.org/", "source",
        "cr:source", "subField", "cr:subField", "transform", "cr:transform");
}

/* A metadata.jsonl column as a Croissant field. */
static json_t *column_field(const char *name, const char *type, const char *description)
{
    char id[64];
    snprintf(id, sizeof id, "metadata/%s", name);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}}}", "@type", "cr:Field", "@id",
                     id, "name", name, "description", description, "dataType", type, "source",
                     "fileObject", "@id", "metadata.jsonl", "extract", "column", name);
}

static json_t *record_sets(void)
{
    static const struct {
        const char *name, *type, *description;
    } columns[] = {
        {"file_name", "sc:Text", "the image file, relative to the dataset folder"},
        {"key", "sc:Text", "the sample key, zero-padded to 9 digits"},
        {"sha256", "sc:Text", "SHA-256 of the original image bytes"},
        {"url", "sc:URL", "where the image was fetched"},
        {"page_url", "sc:URL", "the page that showed it"},
        {"caption", "sc:Text", "the page's figcaption, else its alt text"},
        {"license", "sc:Text", "SPDX id of the image's licence"},
        {"license_url", "sc:URL", "the licence's URL"},
        {"title", "sc:Text", "the work's title"},
        {"author", "sc:Text", "the author or licensor to credit"},
        {"attribution", "sc:Text", "the credit line to give (TASL)"},
        {"verdict", "sc:Text", "the clearance verdict: always cleared"},
        {"width", "sc:Integer", "width in pixels"},
        {"height", "sc:Integer", "height in pixels"},
    };
    json_t *fields = json_array();
    for (size_t i = 0; fields && i < CS_ARRAY_LEN(columns); i++)
        if (json_array_append_new(fields, column_field(columns[i].name, columns[i].type,
                                                       columns[i].description)) != 0) {
            json_decref(fields);
            fields = NULL;
        }
    return json_pack(
        "[{s:s, s:s, s:s, s:s, s:o}, {s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:{s:{s:s}, "
        "s:{s:s}}}, {s:s, s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}}}]}]",
        "@type", "cr:RecordSet", "@id", "metadata", "name", "metadata", "description",
        "one record per image: its provenance, licence and credit", "field", fields, "@type",
        "cr:RecordSet", "@id", "images", "name", "images", "description", "the image files",
        "field", "@type", "cr:Field", "@id", "images/image", "name", "image", "dataType",
        "sc:ImageObject", "source", "fileSet", "@id", "image-files", "extract", "fileProperty",
        "content", "@type", "cr:Field", "@id", "images/file_name", "name", "file_name", "dataType",
        "sc:Text", "source", "fileSet", "@id", "image-files", "extract", "fileProperty",
        "filename");
}

int export_croissant_json(const export_set *set, cs_buf *out)
{
    json_t *licences = export_licence_counts(set), *urls = json_array();
    const char *spdx;
    json_t *n;
    if (licences && urls) json_object_foreach(licences, spdx, n)
        {
            license_info info;
            int known = license_from_spdx(spdx, &info) == CS_OK && info.url[0];
            json_array_append_new(urls, json_string(known ? info.url : spdx));
        }
    char first[32], last[32], snapshot[32], description[1024], collection[1024];
    export_iso_time(set->first_fetch_ms, first, sizeof first);
    export_iso_time(set->last_fetch_ms, last, sizeof last);
    export_iso_time(set->snapshot_ms, snapshot, sizeof snapshot);
    const char *policy = license_policy_name(set->policy);
    snprintf(description, sizeof description,
             "%zu rights-cleared images exported by clearset: each one's verdict under the "
             "clearance policy '%s' is cleared (no AI opt-out applies, its licence is accepted "
             "and its attribution known); one per group of near duplicates.",
             set->count, policy);
    snprintf(collection, sizeof collection,
             "A polite web crawl by clearsetbot (%s): robots.txt (RFC 9309) obeyed, and every "
             "machine-readable AI / text-and-data-mining opt-out honoured (robots rules for AI "
             "crawlers, noai/noimageai, TDMRep, Content-Signal ai-train=no, AIPREF "
             "Content-Usage, IPTC Data Mining, C2PA training assertions). Rights evidence was "
             "read from pages (rel=license, JSON-LD, microdata) and files (XMP, IPTC, EXIF), and "
             "only images cleared under the policy '%s' were exported.",
             CLEARSET_HOME_URL, policy);
    json_t *files = json_array();
    for (size_t i = 0; files && i < set->count; i++) {
        const char *type = set->items[i].row->media_type;
        int seen = 0;
        size_t k;
        json_t *f;
        json_array_foreach(files, k, f) seen |=
            strcmp(json_string_value(json_object_get(f, "encodingFormat")), type) == 0;
        if (!seen)
            json_array_append_new(files, json_pack("{s:s}", "encodingFormat", type ? type : ""));
    }
    json_t *formats = json_array();
    size_t k;
    json_t *f;
    json_array_foreach(files, k, f)
        json_array_append(formats, json_object_get(f, "encodingFormat"));
    json_decref(files);
    char size[32];
    snprintf(size, sizeof size, "%lld B", (long long)set->metadata_bytes);
    json_t *doc = json_pack(
        "{s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:[s, s, s], s:s, s:[s], s:[s, s], s:[s, s], "
        "s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:o, s:s}], s:o}",
        "@context", croissant_context(), "@type", "sc:Dataset", "conformsTo", CROISSANT_CONFORMS_TO,
        "name", "clearset-export", "description", description, "license", urls, "datePublished",
        snapshot, "keywords", "image", "rights-cleared", "clearset", "rai:dataCollection",
        collection, "rai:dataCollectionType", "Web Scraping", "rai:dataCollectionTimeframe", first,
        last, "rai:dataPreprocessingProtocol",
        "Clearance: each image decided from its rights evidence and opt-out signals (clearset "
        "clear)",
        "Deduplication: near duplicates by PDQ perceptual hash; the best copy kept", "distribution",
        "@type", "cr:FileObject", "@id", "metadata.jsonl", "name", "metadata.jsonl", "contentUrl",
        "metadata.jsonl", "encodingFormat", "application/jsonlines", "sha256", set->metadata_sha256,
        "contentSize", size, "@type", "cr:FileSet", "@id", "image-files", "name", "image-files",
        "encodingFormat", formats, "includes", set->webdataset ? "*.tar" : "images/*", "recordSet",
        record_sets());
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    json_decref(licences);
    int rc = text ? cs_buf_printf(out, "%s\n", text) : CS_ENOMEM;
    free(text);
    return rc;
}
