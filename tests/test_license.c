/*
 * test_license.c - license/: embedded metadata against ExifTool, licence URL
 * and text normalisation, page evidence, policies and clearance.
 *
 * The ExifTool comparison runs `exiftool -j -G1 -n -struct` and
 * `clearset license` on the same files (the committed fixtures, files this
 * test makes with ExifTool, and images found on the machine) and requires,
 * field by field, the same set of rights fields with equal JSON values
 * (tolerance: none; jansson's json_equal, key order ignored).
 */
#include "tests/support/testsupport.h"

#include "license/license.h"
#include "license/license_internal.h" /* the policy's robots switches */
#include "robots/robots.h"

#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXIFTOOL            "/usr/bin/exiftool"
#define FOUND_FILES_MAX     48 /* images found on the machine compared per run: keeps the test fast */
#define FOUND_SCAN_MAX      4000 /* candidate paths looked at while searching */
#define FOUND_FILE_MAX_SIZE (1024 * 1024)

/* ------------------------------------------------------------------------- */
/* ExifTool comparison                                                        */

/* The rights fields clearset reports, by ExifTool group and tag. */
static int is_rights_field(const char *key)
{
    static const char *const xmp_groups[] = {
        "XMP-xmpRights:", "XMP-cc:",   "XMP-tmp0:",    "XMP-dc:",
        "XMP-photoshop:", "XMP-plus:", "XMP-iptcExt:", "XMP-tdm:"};
    static const char *const xmp_tags[] = {"WebStatement",
                                           "Marked",
                                           "UsageTerms",
                                           "Owner",
                                           "License",
                                           "AttributionName",
                                           "AttributionURL",
                                           "MorePermissions",
                                           "Rights",
                                           "Creator",
                                           "Title",
                                           "Credit",
                                           "Licensor",
                                           "DataMining",
                                           "OtherConstraints",
                                           "DigitalSourceType",
                                           "Reservation",
                                           "Policy"};
    static const char *const fixed[] = {
        "IPTC:ObjectName",       "IPTC:By-line", "IPTC:Credit",   "IPTC:CopyrightNotice",
        "IFD0:ImageDescription", "IFD0:Artist",  "IFD0:Copyright"};
    for (size_t i = 0; i < CS_ARRAY_LEN(fixed); i++)
        if (strcmp(key, fixed[i]) == 0) return 1;
    for (size_t g = 0; g < CS_ARRAY_LEN(xmp_groups); g++) {
        size_t gl = strlen(xmp_groups[g]);
        if (strncmp(key, xmp_groups[g], gl) != 0) continue;
        const char *tag = key + gl;
        if (strcmp(xmp_groups[g], "XMP-photoshop:") == 0) return strcmp(tag, "Credit") == 0;
        for (size_t t = 0; t < CS_ARRAY_LEN(xmp_tags); t++) {
            size_t tl = strlen(xmp_tags[t]);
            if (strncmp(tag, xmp_tags[t], tl) == 0 && (tag[tl] == '\0' || tag[tl] == '-')) return 1;
        }
    }
    return 0;
}

static json_t *parse_json_lines(const char *text)
{
    json_t *array = json_array();
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0) {
            json_error_t jerr;
            json_t *obj = json_loadb(p, n, 0, &jerr);
            if (!obj) fail_msg("not JSON: %.*s (%s)", (int)CS_MIN(n, (size_t)200), p, jerr.text);
            json_array_append_new(array, obj);
        }
        p += n + (nl ? 1 : 0);
    }
    return array;
}

/* Compares clearset's and ExifTool's rights fields for every file; returns files compared. */
static size_t compare_with_exiftool(const char *const *files, size_t count)
{
    const char **argv = calloc(count + 8, sizeof *argv);
    size_t a = 0;
    argv[a++] = EXIFTOOL;
    argv[a++] = "-j";
    argv[a++] = "-G1";
    argv[a++] = "-n";
    argv[a++] = "-struct";
    argv[a++] = "-q";
    argv[a++] = "-q";
    for (size_t i = 0; i < count; i++)
        argv[a++] = files[i];
    argv[a] = NULL;
    ts_run_result et;
    ts_run(&et, NULL, argv);
    json_error_t jerr;
    json_t *expected = json_loads(et.out, 0, &jerr);
    if (!expected) fail_msg("exiftool printed no JSON: %s", et.err);

    argv[0] = "clearset";
    argv[1] = "license";
    for (size_t i = 0; i < count; i++)
        argv[2 + i] = files[i];
    argv[2 + count] = NULL;
    ts_run_result cs;
    ts_run_clearset(&cs, NULL, argv);
    if (strstr(cs.err, "Sanitizer") || strstr(cs.err, "runtime error"))
        fail_msg("clearset license reported: %s", cs.err);
    json_t *actual = parse_json_lines(cs.out);
    assert_int_equal(json_array_size(actual), count);

    size_t compared = 0;
    for (size_t i = 0; i < count; i++) {
        json_t *mine = json_array_get(actual, i);
        const char *file = json_string_value(json_object_get(mine, "file"));
        assert_string_equal(file, files[i]);
        json_t *theirs = NULL;
        for (size_t k = 0; k < json_array_size(expected); k++) {
            json_t *o = json_array_get(expected, k);
            const char *src = json_string_value(json_object_get(o, "SourceFile"));
            if (src && strcmp(src, files[i]) == 0) theirs = o;
        }
        if (!theirs) continue; /* ExifTool could not read it either */
        compared++;
        const char *key;
        json_t *value;
        json_object_foreach(theirs, key, value)
        {
            if (!is_rights_field(key)) continue;
            json_t *got = json_object_get(mine, key);
            if (!got)
                fail_msg("%s: clearset lacks %s (ExifTool: %s)", file, key,
                         json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT));
            if (!json_equal(got, value))
                fail_msg("%s: %s differs: clearset %s, ExifTool %s", file, key,
                         json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT),
                         json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT));
        }
        json_object_foreach(mine, key, value)
        {
            if (strchr(key, ':') && !json_object_get(theirs, key))
                fail_msg("%s: clearset reports %s, ExifTool does not", file, key);
        }
    }
    json_decref(expected);
    json_decref(actual);
    ts_run_result_free(&et);
    ts_run_result_free(&cs);
    free(argv);
    return compared;
}

static const char *const fixture_names[] = {
    "jpeg-cc-by-sa-full.jpg",  "jpeg-exif-le-latin-iptc.jpg",
    "png-legacy-cc-xmp.png",   "png-exif-iptc.png",
    "webp-cc0-xmp-exif.webp",  "jpeg-icc-copyright-only.jpg",
    "png-raw-profile-xmp.png", "jpeg-conflict-arr.jpg",
    "jpeg-none.jpg",           "png-none.png",
    "webp-none.webp",          "jpeg-tdm-reservation.jpg",
};

static void license_matches_exiftool_on_fixtures(void **state)
{
    char paths[CS_ARRAY_LEN(fixture_names)][TS_PATH_MAX];
    const char *files[CS_ARRAY_LEN(fixture_names)];
    for (size_t i = 0; i < CS_ARRAY_LEN(fixture_names); i++)
        files[i] = ts_fixture(paths[i], "license", fixture_names[i]);
    assert_int_equal(compare_with_exiftool(files, CS_ARRAY_LEN(files)), CS_ARRAY_LEN(files));
    const char *argv[CS_ARRAY_LEN(fixture_names) + 3] = {"clearset", "license"};
    for (size_t i = 0; i < CS_ARRAY_LEN(files); i++)
        argv[2 + i] = files[i];
    ts_run_result r;
    ts_run_clearset(&r, NULL, argv);
    assert_int_equal(r.status, 0); /* every fixture is an image that reads cleanly */
    ts_run_result_free(&r);
}

static void exiftool_write(const char *dir, const char *file, const char *const *tags)
{
    const char *argv[32];
    size_t a = 0;
    argv[a++] = EXIFTOOL;
    argv[a++] = "-q";
    argv[a++] = "-q";
    argv[a++] = "-overwrite_original";
    for (size_t i = 0; tags[i] && a < 30; i++)
        argv[a++] = tags[i];
    argv[a++] = file;
    argv[a] = NULL;
    ts_run_result r;
    ts_run(&r, dir, argv);
    if (r.status != 0) fail_msg("exiftool failed on %s: %s", file, r.err);
    ts_run_result_free(&r);
}

static void copy_fixture(const char *name, const char *dest)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes = ts_read_file(ts_fixture(path, "license", name), &len);
    ts_write_file(dest, bytes, len);
    free(bytes);
}

/* Files this test makes with ExifTool: extended XMP, compressed iTXt, odd values. */
static void license_matches_exiftool_on_made_files(void **state)
{
    char dir[TS_PATH_MAX], ext[TS_PATH_MAX], zpng[TS_PATH_MAX], odd[TS_PATH_MAX], webp[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_join(ext, dir, "extended.jpg");
    ts_join(zpng, dir, "compressed.png");
    ts_join(odd, dir, "odd.jpg");
    ts_join(webp, dir, "le.webp");

    /* > 64 KiB of XMP: ExifTool moves the big dc:rights into extended XMP */
    size_t big_len = 70000;
    char *big = malloc(big_len + 32);
    strcpy(big, "-XMP-dc:Rights=");
    for (size_t i = strlen(big); i < big_len; i++)
        big[i] = "All rights reserved. "[i % 21];
    big[big_len] = '\0';
    copy_fixture("jpeg-none.jpg", ext);
    exiftool_write(dir, ext,
                   (const char *[]){
                       big, "-XMP-cc:License=https://creativecommons.org/licenses/by/4.0/", NULL});
    free(big);

    copy_fixture("png-none.png", zpng);
    exiftool_write(
        dir, zpng,
        (const char *[]){
            "-z", "-XMP-xmpRights:WebStatement=https://creativecommons.org/licenses/by-nd/4.0/",
            "-XMP-dc:Title=Titel", "-XMP-dc:Title-de=Titel auf Deutsch", "-XMP-dc:Creator=12345",
            NULL});

    copy_fixture("jpeg-none.jpg", odd);
    exiftool_write(dir, odd,
                   (const char *[]){"-EXIF:Copyright= \nEditor Only", "-EXIF:Artist=007",
                                    "-EXIF:ImageDescription=true", "-IPTC:By-line=1.5",
                                    "-IPTC:By-line=Second", "-IPTC:By-line=Third",
                                    "-XMP-xmpRights:Marked=False",
                                    "-XMP-plus:LicensorURL=https://example.org/l", NULL});

    copy_fixture("webp-none.webp", webp);
    exiftool_write(dir, webp,
                   (const char *[]){"-ExifByteOrder=II", "-EXIF:Copyright=© Little Endian",
                                    "-EXIF:Artist=caf\xe9 \xff\xfe ok" /* not UTF-8 */,
                                    "-XMP-dc:Rights=CC BY 3.0 US", NULL});

    /* XMP shapes ExifTool names in its own way: xml:lang on a simple value, Alt without a
     * language, blank list items, CDATA, entities, two rdf:Descriptions, empty values */
    char xmp_path[TS_PATH_MAX], shapes[TS_PATH_MAX];
    ts_join(xmp_path, dir, "shapes.xmp");
    ts_join(shapes, dir, "shapes.jpg");
    static const char packet[] =
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
        "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:rights xml:lang=\"en\">Plain &amp; simple &#169; 2020</dc:rights>"
        "<dc:title><rdf:Alt><rdf:li>No lang</rdf:li></rdf:Alt></dc:title>"
        "<dc:creator><rdf:Bag><rdf:li>   </rdf:li><rdf:li/></rdf:Bag></dc:creator>"
        "</rdf:Description><rdf:Description rdf:about=\"\" "
        "xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\" "
        "xmlns:cc=\"http://creativecommons.org/ns#\" "
        "xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\">"
        "<xmpRights:UsageTerms><rdf:Alt><rdf:li xml:lang=\"x-default\"><![CDATA[CDATA "
        "terms]]></rdf:li></rdf:Alt></xmpRights:UsageTerms>"
        "<xmpRights:Owner><rdf:Bag><rdf:li>Owner One</rdf:li></rdf:Bag></xmpRights:Owner>"
        "<cc:license>https://creativecommons.org/licenses/by/4.0/</cc:license>"
        "<cc:morePermissions rdf:resource=\"https://example.org/more\"/>"
        "<photoshop:Credit></photoshop:Credit></rdf:Description></rdf:RDF></x:xmpmeta>";
    ts_write_file(xmp_path, packet, sizeof packet - 1);
    copy_fixture("jpeg-none.jpg", shapes);
    char from[TS_PATH_MAX + 8];
    snprintf(from, sizeof from, "-xmp<=%s", xmp_path);
    exiftool_write(dir, shapes, (const char *[]){from, NULL});

    /* IPTC-IIM no tool writes: a repeated CopyrightNotice (ExifTool shows the last),
     * Windows-1252 bytes without 1:90 (including code points cp1252 leaves undefined),
     * an empty Credit, NUL padding */
    char iim_path[TS_PATH_MAX];
    ts_join(iim_path, dir, "iim.jpg");
    static const unsigned char iim[] = {
        0x1c, 2,    0,    0,    2,    0,    4, 0x1c, 2, 116, 0,   10,   'F', 'i', 'r', 's', 't',
        ' ',  0x81, 0x80, 0xa9, 0x9d, 0x1c, 2, 116,  0, 6,   'S', 'e',  'c', 'o', 'n', 'd', 0x1c,
        2,    110,  0,    0,    0x1c, 2,    5, 0,    8, ' ', 'p', 0xe9, 'r', 'e', ' ', 0,   0};
    unsigned char app13[256];
    size_t n = 0;
    static const char ps[] = "Photoshop 3.0";
    app13[n++] = 0xFF, app13[n++] = 0xED;
    size_t len_at = n;
    n += 2;
    memcpy(app13 + n, ps, sizeof ps), n += sizeof ps;
    memcpy(app13 + n, "8BIM\x04\x04\0\0", 8), n += 8;
    app13[n++] = 0, app13[n++] = 0, app13[n++] = 0, app13[n++] = sizeof iim;
    memcpy(app13 + n, iim, sizeof iim), n += sizeof iim;
    if (sizeof iim % 2) app13[n++] = 0;
    app13[len_at] = (unsigned char)((n - 2) >> 8), app13[len_at + 1] = (unsigned char)(n - 2);
    char fixture[TS_PATH_MAX];
    size_t jpeg_len;
    char *jpeg = ts_read_file(ts_fixture(fixture, "license", "jpeg-none.jpg"), &jpeg_len);
    char *joined = malloc(jpeg_len + n);
    memcpy(joined, jpeg, 2);
    memcpy(joined + 2, app13, n);
    memcpy(joined + 2 + n, jpeg + 2, jpeg_len - 2);
    ts_write_file(iim_path, joined, jpeg_len + n);
    free(joined);
    free(jpeg);

    const char *files[] = {ext, zpng, odd, webp, shapes, iim_path};
    assert_int_equal(compare_with_exiftool(files, CS_ARRAY_LEN(files)), CS_ARRAY_LEN(files));

    /* the extended packet really was reassembled: its rights text is present */
    const char *argv[] = {"clearset", "license", ext, NULL};
    ts_run_result r;
    ts_run_clearset(&r, NULL, argv);
    json_t *obj = json_loads(r.out, 0, NULL);
    assert_non_null(obj);
    assert_non_null(json_object_get(obj, "XMP-dc:Rights"));
    assert_string_equal(json_string_value(json_object_get(obj, "rights_claim")),
                        "all-rights-reserved");
    json_decref(obj);
    ts_run_result_free(&r);
    ts_rmtree(dir);
}

typedef struct found_files {
    char **paths;
    size_t cap;
    size_t scanned;
} found_files;

static void scan_dir(found_files *found, const char *dir, int depth)
{
    if (depth > 8 || found->scanned >= FOUND_SCAN_MAX) return;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && found->scanned < FOUND_SCAN_MAX) {
        if (e->d_name[0] == '.') continue;
        char path[TS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            scan_dir(found, path, depth + 1);
        } else if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < FOUND_FILE_MAX_SIZE &&
                   (fnmatch("*.[jJ][pP][gG]", e->d_name, 0) == 0 ||
                    fnmatch("*.[jJ][pP][eE][gG]", e->d_name, 0) == 0 ||
                    fnmatch("*.[pP][nN][gG]", e->d_name, 0) == 0 ||
                    fnmatch("*.[wW][eE][bB][pP]", e->d_name, 0) == 0)) {
            assert_int_equal(cs_array_reserve((void **)&found->paths, &found->cap, found->scanned,
                                              sizeof *found->paths, 0),
                             CS_OK);
            assert_non_null(found->paths[found->scanned] = strdup(path));
            found->scanned++;
        }
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Images in the repository (the modules' fixtures, the PDQ photos) and the ones Debian's
 * packages that scripts/setup installs ship as documentation and icons. The repository's own
 * are always there: finding none means the checkout is broken, and the test says so. */
static void license_matches_exiftool_on_found_files(void **state)
{
    found_files found = {0};
    scan_dir(&found, CLEARSET_FIXTURES, 0);
    if (found.scanned == 0)
        fail_msg("no images under %s: the fixtures are missing", CLEARSET_FIXTURES);
    const char *roots[] = {"/usr/share/doc", "/usr/share/pixmaps", "/usr/share/icons",
                           "/usr/share/gtk-doc"};
    for (size_t i = 0; i < CS_ARRAY_LEN(roots); i++)
        scan_dir(&found, roots[i], 0);
    qsort(found.paths, found.scanned, sizeof *found.paths, by_name);
    const char *pick[FOUND_FILES_MAX];
    size_t n = CS_MIN(found.scanned, (size_t)FOUND_FILES_MAX);
    for (size_t i = 0; i < n; i++)
        pick[i] = found.paths[i * found.scanned / n];
    size_t compared = compare_with_exiftool(pick, n);
    print_message("compared %zu of %zu found images with ExifTool\n", compared, found.scanned);
    assert_true(compared > 0);
    for (size_t i = 0; i < found.scanned; i++)
        free(found.paths[i]);
    free(found.paths);
}

/* The bundled sample web's images: rights written by ExifTool with a PLUS config. */
static void license_matches_exiftool_on_demo_site(void **state)
{
    found_files found = {0};
    scan_dir(&found, CLEARSET_SOURCE_DIR "/demo/site/www", 0);
    if (found.scanned == 0) fail_msg("no images under demo/site/www: the sample web is missing");
    qsort(found.paths, found.scanned, sizeof *found.paths, by_name);
    assert_int_equal(compare_with_exiftool((const char *const *)found.paths, found.scanned),
                     found.scanned);
    for (size_t i = 0; i < found.scanned; i++)
        free(found.paths[i]);
    free(found.paths);
}

static json_t *license_of(const char *fixture)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes = ts_read_file(ts_fixture(path, "license", fixture), &len);
    license_embedded emb;
    assert_int_equal(license_read_embedded((unsigned char *)bytes, len, &emb, NULL), CS_OK);
    json_t *obj = license_embedded_json(&emb, fixture);
    license_embedded_free(&emb);
    free(bytes);
    return obj;
}

static const char *jstr(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    if (b) v = json_object_get(v, b);
    return json_string_value(v);
}

static void embedded_summary_normalises_each_fixture(void **state)
{
    json_t *o = license_of("jpeg-cc-by-sa-full.jpg");
    assert_string_equal(jstr(o, "license", "spdx"), "CC-BY-SA-4.0");
    assert_string_equal(jstr(o, "attribution", "name"), "Jane Doe");
    assert_string_equal(jstr(o, "rights_claim", NULL), "copyright");
    assert_true(json_is_false(json_object_get(o, "ai_generated")));
    json_decref(o);

    o = license_of("png-legacy-cc-xmp.png");
    assert_string_equal(jstr(o, "license", "spdx"), "CC-BY-SA-2.0-UK");
    assert_string_equal(jstr(o, "license", "jurisdiction"), "uk");
    assert_string_equal(jstr(o, "data_mining", NULL),
                        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING");
    assert_string_equal(jstr(o, "attribution", "name"), "Old Style");
    json_decref(o);

    o = license_of("webp-cc0-xmp-exif.webp");
    assert_string_equal(jstr(o, "license", "spdx"), "CC0-1.0");
    assert_string_equal(jstr(o, "data_mining", NULL), "DMI-ALLOWED");
    assert_true(json_is_true(json_object_get(o, "ai_generated")));
    json_decref(o);

    o = license_of("png-raw-profile-xmp.png");
    assert_string_equal(jstr(o, "license", "spdx"), "CC-BY-NC-3.0-DE");
    json_decref(o);

    o = license_of("jpeg-conflict-arr.jpg");
    assert_string_equal(jstr(o, "license", "spdx"), "CC-BY-4.0");
    assert_string_equal(jstr(o, "rights_claim", NULL), "all-rights-reserved");
    json_decref(o);

    o = license_of("jpeg-exif-le-latin-iptc.jpg");
    assert_string_equal(jstr(o, "rights_claim", NULL), "all-rights-reserved");
    assert_true(json_is_null(json_object_get(o, "license")));
    json_decref(o);
}

static void c2pa_training_mining_is_read_and_handed_to_robots(void **state)
{
    char path[TS_PATH_MAX];
    size_t len;
    char *bytes = ts_read_file(ts_fixture(path, "license", "jpeg-c2pa-training-mining.jpg"), &len);
    license_embedded emb;
    assert_int_equal(license_read_embedded((unsigned char *)bytes, len, &emb, NULL), CS_OK);
    assert_non_null(emb.training_mining);
    assert_string_equal(json_string_value(json_object_get(emb.training_mining, "c2pa.ai_training")),
                        "notAllowed");
    assert_string_equal(json_string_value(json_object_get(emb.training_mining, "c2pa.data_mining")),
                        "allowed");
    robots_signal_list signals;
    robots_signal_list_init(&signals);
    assert_int_equal(license_embedded_signals(&emb, &signals, "fixture", NULL), CS_OK);
    assert_int_equal(signals.count, 2);
    robots_decision decision;
    assert_int_equal(robots_decide(&signals, ROBOTS_OWN_AGENT, NULL, &decision, NULL), CS_OK);
    assert_true(decision.opted_out);
    robots_decision_free(&decision);
    robots_signal_list_free(&signals);
    license_embedded_free(&emb);
    free(bytes);

    /* plus:DataMining goes the same way: prohibited opts out, allowed does not */
    bytes = ts_read_file(ts_fixture(path, "license", "png-legacy-cc-xmp.png"), &len);
    assert_int_equal(license_read_embedded((unsigned char *)bytes, len, &emb, NULL), CS_OK);
    robots_signal_list_init(&signals);
    assert_int_equal(license_embedded_signals(&emb, &signals, "fixture", NULL), CS_OK);
    assert_int_equal(robots_decide(&signals, ROBOTS_OWN_AGENT, NULL, &decision, NULL), CS_OK);
    assert_true(decision.opted_out);
    robots_decision_free(&decision);
    robots_signal_list_free(&signals);
    license_embedded_free(&emb);
    free(bytes);
    bytes = ts_read_file(ts_fixture(path, "license", "webp-cc0-xmp-exif.webp"), &len);
    assert_int_equal(license_read_embedded((unsigned char *)bytes, len, &emb, NULL), CS_OK);
    robots_signal_list_init(&signals);
    assert_int_equal(license_embedded_signals(&emb, &signals, "fixture", NULL), CS_OK);
    assert_int_equal(robots_decide(&signals, ROBOTS_OWN_AGENT, NULL, &decision, NULL), CS_OK);
    assert_false(decision.opted_out);
    robots_decision_free(&decision);
    robots_signal_list_free(&signals);
    license_embedded_free(&emb);
    free(bytes);
}

/* The nine IPTC 2023.1 plus:DataMining values, with and without the vocabulary prefix. */
static void all_data_mining_values_are_extracted_and_decided(void **state)
{
    static const struct {
        const char *term;
        int opts_out;
    } values[] = {
        {"DMI-UNSPECIFIED", 0},
        {"DMI-ALLOWED", 0},
        {"DMI-PROHIBITED-AIMLTRAINING", 1},
        {"DMI-PROHIBITED-GENAIMLTRAINING", 1},
        {"DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", 1},
        {"DMI-PROHIBITED", 1},
        {"DMI-PROHIBITED-SEECONSTRAINT", 1},
        {"DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", 1},
        {"DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", 1},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(values); i++)
        for (int prefixed = 0; prefixed < 2; prefixed++) {
            char value[160], packet[1024];
            snprintf(value, sizeof value, "%s%s",
                     prefixed ? "http://ns.useplus.org/ldf/vocab/" : "", values[i].term);
            snprintf(packet, sizeof packet,
                     "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
                     "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
                     "xmlns:plus='http://ns.useplus.org/ldf/xmp/1.0/'><plus:DataMining>%s"
                     "</plus:DataMining></rdf:Description></rdf:RDF></x:xmpmeta>",
                     value);
            json_t *fields = json_object();
            assert_int_equal(license_parse_xmp((const unsigned char *)packet, strlen(packet),
                                               fields, NULL, NULL),
                             CS_OK);
            const char *got = json_string_value(json_object_get(fields, "XMP-plus:DataMining"));
            assert_non_null(got);
            assert_string_equal(got, value);
            robots_signal_list signals;
            robots_signal_list_init(&signals);
            assert_int_equal(
                robots_signals_from_data_mining(&signals, got, strlen(got), "test", NULL), CS_OK);
            robots_decision decision;
            assert_int_equal(robots_decide(&signals, ROBOTS_OWN_AGENT, NULL, &decision, NULL),
                             CS_OK);
            if (decision.opted_out != values[i].opts_out)
                fail_msg("%s: opted_out %d", value, decision.opted_out);
            robots_decision_free(&decision);
            robots_signal_list_free(&signals);
            json_decref(fields);
        }
}

static void icc_profile_copyright_is_never_the_images(void **state)
{
    json_t *o = license_of("jpeg-icc-copyright-only.jpg");
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value) assert_null(strchr(key, ':'));
    assert_true(json_is_null(json_object_get(o, "license")));
    assert_true(json_is_null(json_object_get(o, "rights_claim")));
    json_decref(o);
}

static void license_command_exit_status_follows_the_contract(void **state)
{
    char dir[TS_PATH_MAX], text[TS_PATH_MAX], image[TS_PATH_MAX];
    ts_tempdir(dir);
    ts_write_file(ts_join(text, dir, "notes.txt"), "hello", 5);
    ts_fixture(image, "license", "jpeg-cc-by-sa-full.jpg");
    ts_run_result r;
    ts_run_clearset(&r, dir, (const char *[]){"clearset", "license", "--help", NULL});
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage"));
    ts_run_result_free(&r);
    ts_run_clearset(&r, dir, (const char *[]){"clearset", "license", NULL});
    assert_int_equal(r.status, 2);
    ts_run_result_free(&r);
    /* a missing file and a non-image are bad input, each with an "error" in its line;
     * the image still gets its line */
    ts_run_clearset(&r, dir,
                    (const char *[]){"clearset", "license", "missing.jpg", text, image, NULL});
    assert_int_equal(r.status, 2);
    json_t *lines = parse_json_lines(r.out);
    assert_int_equal(json_array_size(lines), 3);
    assert_non_null(json_object_get(json_array_get(lines, 0), "error"));
    assert_non_null(json_object_get(json_array_get(lines, 1), "error"));
    assert_null(json_object_get(json_array_get(lines, 2), "error"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 2), "file")),
                        image);
    json_decref(lines);
    assert_non_null(strstr(r.err, "missing.jpg"));
    ts_run_result_free(&r);
    ts_rmtree(dir);
}

static void non_images_have_no_media_type(void **state)
{
    license_embedded emb;
    const unsigned char text[] = "just some text";
    assert_int_equal(license_read_embedded(text, sizeof text - 1, &emb, NULL), CS_OK);
    assert_null(emb.media_type);
    assert_int_equal(json_object_size(emb.fields), 0);
    license_embedded_free(&emb);
}

/* ------------------------------------------------------------------------- */
/* Normalisation                                                              */

typedef struct url_case {
    const char *url;
    const char *spdx;
    const char *family;
    const char *version;
    const char *jurisdiction;
} url_case;

static const url_case url_cases[] = {
    /* scheme, host and trailing-slash forms */
    {"http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", "CC-BY", "4.0", ""},
    {"https://creativecommons.org/licenses/by/4.0", "CC-BY-4.0", "CC-BY", "4.0", ""},
    {"https://www.creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", "CC-BY", "4.0", ""},
    {"//creativecommons.org/licenses/by-sa/4.0/", "CC-BY-SA-4.0", "CC-BY-SA", "4.0", ""},
    {"creativecommons.org/licenses/by-nd/4.0/", "CC-BY-ND-4.0", "CC-BY-ND", "4.0", ""},
    {"HTTPS://CreativeCommons.org/Licenses/BY-NC/4.0/", "CC-BY-NC-4.0", "CC-BY-NC", "4.0", ""},
    {"  <https://creativecommons.org/licenses/by/4.0/>  ", "CC-BY-4.0", "CC-BY", "4.0", ""},
    /* deed, legalcode, rdf, query, fragment */
    {"https://creativecommons.org/licenses/by-nc-sa/4.0/deed.en", "CC-BY-NC-SA-4.0", "CC-BY-NC-SA",
     "4.0", ""},
    {"https://creativecommons.org/licenses/by-nc-sa/4.0/deed.zh-hans", "CC-BY-NC-SA-4.0",
     "CC-BY-NC-SA", "4.0", ""},
    {"https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode", "CC-BY-NC-ND-4.0",
     "CC-BY-NC-ND", "4.0", ""},
    {"https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode.fr", "CC-BY-NC-ND-4.0",
     "CC-BY-NC-ND", "4.0", ""},
    {"http://creativecommons.org/licenses/by/3.0/rdf", "CC-BY-3.0", "CC-BY", "3.0", ""},
    {"https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1", "CC-BY-4.0", "CC-BY", "4.0",
     ""},
    {"https://creativecommons.org/licenses/by/4.0/#ref-appropriate-credit", "CC-BY-4.0", "CC-BY",
     "4.0", ""},
    {"https://creativecommons.org/licenses/by/4.0/deed.de?x=1#y", "CC-BY-4.0", "CC-BY", "4.0", ""},
    /* versions 1.0 - 4.0 */
    {"http://creativecommons.org/licenses/by/1.0/", "CC-BY-1.0", "CC-BY", "1.0", ""},
    {"http://creativecommons.org/licenses/by-sa/2.0/", "CC-BY-SA-2.0", "CC-BY-SA", "2.0", ""},
    {"http://creativecommons.org/licenses/by/2.5/", "CC-BY-2.5", "CC-BY", "2.5", ""},
    {"http://creativecommons.org/licenses/by-nc/3.0/", "CC-BY-NC-3.0", "CC-BY-NC", "3.0", ""},
    {"http://creativecommons.org/licenses/by-nd-nc/1.0/", "CC-BY-NC-ND-1.0", "CC-BY-NC-ND", "1.0",
     ""},
    /* jurisdiction ports: SPDX ids where SPDX has one, LicenseRef otherwise */
    {"https://creativecommons.org/licenses/by-sa/2.0/uk/", "CC-BY-SA-2.0-UK", "CC-BY-SA", "2.0",
     "uk"},
    {"http://creativecommons.org/licenses/by-sa/2.1/jp/deed.ja", "CC-BY-SA-2.1-JP", "CC-BY-SA",
     "2.1", "jp"},
    {"http://creativecommons.org/licenses/by/3.0/de/legalcode", "CC-BY-3.0-DE", "CC-BY", "3.0",
     "de"},
    {"http://creativecommons.org/licenses/by/3.0/igo/", "CC-BY-3.0-IGO", "CC-BY", "3.0", "igo"},
    {"http://creativecommons.org/licenses/by/3.0/us/", "CC-BY-3.0-US", "CC-BY", "3.0", "us"},
    {"http://creativecommons.org/licenses/by-nc-sa/2.0/fr/", "CC-BY-NC-SA-2.0-FR", "CC-BY-NC-SA",
     "2.0", "fr"},
    {"http://creativecommons.org/licenses/by/3.0/fr/", "LicenseRef-CC-BY-3.0-FR", "CC-BY", "3.0",
     "fr"},
    {"http://creativecommons.org/licenses/by-sa/2.5/scotland/", "LicenseRef-CC-BY-SA-2.5-SCOTLAND",
     "CC-BY-SA", "2.5", "scotland"},
    {"http://creativecommons.org/licenses/by-nc-nd/2.5/es/deed.ca", "LicenseRef-CC-BY-NC-ND-2.5-ES",
     "CC-BY-NC-ND", "2.5", "es"},
    /* public-domain tools */
    {"https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0", "CC0", "1.0", ""},
    {"http://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0", "CC0", "1.0", ""},
    {"https://creativecommons.org/publicdomain/zero/1.0/deed.fr", "CC0-1.0", "CC0", "1.0", ""},
    {"https://creativecommons.org/publicdomain/mark/1.0/", "CC-PDM-1.0", "CC-PDM", "1.0", ""},
    {"http://creativecommons.org/licenses/mark/1.0/", "CC-PDM-1.0", "CC-PDM", "1.0", ""},
    {"http://creativecommons.org/licenses/publicdomain/", "CC-PDDC", "CC-PD", "", ""},
    {"http://creativecommons.org/licenses/publicdomain/deed.en", "CC-PDDC", "CC-PD", "", ""},
    {"http://web.resource.org/cc/PublicDomain", "CC-PDDC", "CC-PD", "", ""},
    /* retired families */
    {"http://creativecommons.org/licenses/sampling+/1.0/", "LicenseRef-CC-SAMPLING-PLUS-1.0",
     "CC-SAMPLING-PLUS", "1.0", ""},
    {"http://creativecommons.org/licenses/nc-sampling+/1.0/", "LicenseRef-CC-NC-SAMPLING-PLUS-1.0",
     "CC-NC-SAMPLING-PLUS", "1.0", ""},
    {"http://creativecommons.org/licenses/sampling/1.0/", "LicenseRef-CC-SAMPLING-1.0",
     "CC-SAMPLING", "1.0", ""},
    {"http://creativecommons.org/licenses/devnations/2.0/", "LicenseRef-CC-DEVNATIONS-2.0",
     "CC-DEVNATIONS", "2.0", ""},
    {"http://creativecommons.org/licenses/nc/1.0/", "LicenseRef-CC-NC-1.0", "CC-NC", "1.0", ""},
    {"http://creativecommons.org/licenses/sa/1.0/", "CC-SA-1.0", "CC-SA", "1.0", ""},
    {"http://creativecommons.org/licenses/nd-nc/1.0/", "LicenseRef-CC-NC-ND-1.0", "CC-NC-ND", "1.0",
     ""},
    /* the CC GPL / LGPL wrappers are those licences */
    {"http://creativecommons.org/licenses/GPL/2.0/", "GPL-2.0-or-later", "GPL", "2.0", ""},
    {"http://creativecommons.org/licenses/LGPL/2.1/", "LGPL-2.1-or-later", "LGPL", "2.1", ""},
    /* other licences by URL */
    {"https://opensource.org/licenses/MIT", "MIT", "MIT", "", ""},
    {"https://opensource.org/license/bsd-3-clause/", "BSD-3-Clause", "BSD", "", ""},
    {"http://www.apache.org/licenses/LICENSE-2.0.html", "Apache-2.0", "Apache", "2.0", ""},
    {"https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only", "GPL", "3.0", ""},
    {"https://www.gnu.org/licenses/old-licenses/gpl-2.0.html", "GPL-2.0-only", "GPL", "2.0", ""},
    {"https://www.gnu.org/licenses/fdl-1.3.html", "GFDL-1.3-only", "GFDL", "1.3", ""},
    {"https://scripts.sil.org/OFL", "OFL-1.1", "OFL", "1.1", ""},
    {"https://spdx.org/licenses/CC-BY-SA-4.0.html", "CC-BY-SA-4.0", "CC-BY-SA", "4.0", ""},
    {"https://spdx.org/licenses/MIT.html", "MIT", "MIT", "", ""},
};

static void normalize_url_covers_every_form(void **state)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(url_cases); i++) {
        const url_case *c = &url_cases[i];
        license_info info;
        int rc = license_normalize_url(c->url, strlen(c->url), &info);
        if (rc != CS_OK) fail_msg("not recognised: %s", c->url);
        if (strcmp(info.spdx, c->spdx) != 0 || strcmp(info.family, c->family) != 0 ||
            strcmp(info.version, c->version) != 0 ||
            strcmp(info.jurisdiction, c->jurisdiction) != 0)
            fail_msg("%s: got %s/%s/%s/%s, want %s/%s/%s/%s", c->url, info.spdx, info.family,
                     info.version, info.jurisdiction, c->spdx, c->family, c->version,
                     c->jurisdiction);
    }
}

static void normalize_url_gives_canonical_https_urls(void **state)
{
    license_info info;
    const char *u = "//www.creativecommons.org/licenses/by-sa/2.0/uk/deed.en_GB?x#y";
    assert_int_equal(license_normalize_url(u, strlen(u), &info), CS_OK);
    assert_string_equal(info.url, "https://creativecommons.org/licenses/by-sa/2.0/uk/");
    assert_true(info.attribution && info.share_alike && !info.non_commercial);
    u = "http://creativecommons.org/licenses/by-nd-nc/1.0/";
    assert_int_equal(license_normalize_url(u, strlen(u), &info), CS_OK);
    assert_string_equal(info.url, "https://creativecommons.org/licenses/by-nd-nc/1.0/");
    assert_true(info.no_derivatives && info.non_commercial);
}

static void normalize_url_rejects_what_is_not_a_licence(void **state)
{
    static const char *const bad[] = {
        "https://creativecommons.org/",
        "https://creativecommons.org/about/",
        "https://creativecommons.org/licenses/",
        "https://creativecommons.org/licenses/foo/4.0/",
        "https://creativecommons.org/licenses/by/4.0/not a jurisdiction!/",
        "https://example.org/licenses/by/4.0/",
        "https://creativecommons.org.evil.example/licenses/by/4.0/",
        "",
        "mailto:someone@example.org",
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++) {
        license_info info;
        if (license_normalize_url(bad[i], strlen(bad[i]), &info) != CS_ENOTFOUND)
            fail_msg("recognised as a licence: '%s' -> %s", bad[i], info.spdx);
    }
}

typedef struct text_case {
    const char *text;
    const char *spdx; /* NULL: no licence */
    license_claim claim;
} text_case;

static const text_case text_cases[] = {
    {"CC BY 4.0", "CC-BY-4.0", LICENSE_CLAIM_NONE},
    {"CC-BY-SA-4.0", "CC-BY-SA-4.0", LICENSE_CLAIM_NONE},
    {"cc by-nc-sa 2.0 uk", "CC-BY-NC-SA-2.0-UK", LICENSE_CLAIM_NONE},
    {"Creative Commons Attribution-ShareAlike 4.0 International", "CC-BY-SA-4.0",
     LICENSE_CLAIM_NONE},
    {"Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International License",
     "CC-BY-NC-ND-4.0", LICENSE_CLAIM_NONE},
    {"Creative Commons Attribution 2.0 Generic", "CC-BY-2.0", LICENSE_CLAIM_NONE},
    {"CC0", "CC0-1.0", LICENSE_CLAIM_NONE},
    {"CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0", LICENSE_CLAIM_NONE},
    {"Public Domain Mark 1.0", "CC-PDM-1.0", LICENSE_CLAIM_NONE},
    {"This work is licensed under https://creativecommons.org/licenses/by/3.0/.", "CC-BY-3.0",
     LICENSE_CLAIM_NONE},
    {"© 2021 Jane Doe, CC BY 4.0", "CC-BY-4.0", LICENSE_CLAIM_COPYRIGHT},
    {"Public Domain", NULL, LICENSE_CLAIM_PUBLIC_DOMAIN},
    {"This image is in the public domain.", NULL, LICENSE_CLAIM_PUBLIC_DOMAIN},
    {"All rights reserved", NULL, LICENSE_CLAIM_ALL_RIGHTS_RESERVED},
    {"© 2020 Example Corp. All Rights Reserved.", NULL, LICENSE_CLAIM_ALL_RIGHTS_RESERVED},
    {"©", NULL, LICENSE_CLAIM_COPYRIGHT},
    {"(c) Someone", NULL, LICENSE_CLAIM_COPYRIGHT},
    {"Copyright 1999 Foo", NULL, LICENSE_CLAIM_COPYRIGHT},
    {"MIT", "MIT", LICENSE_CLAIM_NONE},
    {"Released under the MIT License", "MIT", LICENSE_CLAIM_NONE},
    {"Apache License, Version 2.0", "Apache-2.0", LICENSE_CLAIM_NONE},
    {"BSD 3-Clause", "BSD-3-Clause", LICENSE_CLAIM_NONE},
    {"GPLv3+", "GPL-3.0-or-later", LICENSE_CLAIM_NONE},
    {"GPL-2.0", "GPL-2.0-only", LICENSE_CLAIM_NONE},
    {"GNU Lesser General Public License v2.1", "LGPL-2.1-only", LICENSE_CLAIM_NONE},
    {"LGPL-2.1-or-later", "LGPL-2.1-or-later", LICENSE_CLAIM_NONE},
    {"SIL Open Font License 1.1", "OFL-1.1", LICENSE_CLAIM_NONE},
    {"GFDL", "GFDL-1.3-only", LICENSE_CLAIM_NONE},
    {"Licence Art Libre", "LAL-1.3", LICENSE_CLAIM_NONE},
    {"Some rights reserved", NULL, LICENSE_CLAIM_NONE},
    {"Foto mit freundlicher Genehmigung", NULL, LICENSE_CLAIM_NONE},
    {"A sunset over the sea", NULL, LICENSE_CLAIM_NONE},
};

static void normalize_text_finds_licences_and_claims(void **state)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(text_cases); i++) {
        const text_case *c = &text_cases[i];
        license_info info;
        int has = 0;
        license_claim claim;
        license_normalize_text(c->text, strlen(c->text), &info, &has, &claim);
        if (c->spdx && (!has || strcmp(info.spdx, c->spdx) != 0))
            fail_msg("'%s': licence %s, want %s", c->text, has ? info.spdx : "(none)", c->spdx);
        if (!c->spdx && has) fail_msg("'%s': unexpected licence %s", c->text, info.spdx);
        if (claim != c->claim)
            fail_msg("'%s': claim %d, want %d", c->text, (int)claim, (int)c->claim);
    }
}

static void from_spdx_round_trips_cc_ids(void **state)
{
    for (size_t i = 0; i < CS_ARRAY_LEN(url_cases); i++) {
        license_info a, b;
        if (license_normalize_url(url_cases[i].url, strlen(url_cases[i].url), &a) != CS_OK)
            continue;
        assert_int_equal(license_from_spdx(a.spdx, &b), CS_OK);
        assert_string_equal(a.spdx, b.spdx);
        assert_string_equal(a.family, b.family);
    }
}

/* ------------------------------------------------------------------------- */
/* Page evidence                                                              */

static const license_evidence *find_ev(const license_evidence_list *l, const char *image,
                                       const char *field_prefix)
{
    for (size_t i = 0; i < l->count; i++)
        if ((!image || (l->items[i].image_url && strcmp(l->items[i].image_url, image) == 0)) &&
            l->items[i].field &&
            strncmp(l->items[i].field, field_prefix, strlen(field_prefix)) == 0)
            return &l->items[i];
    return NULL;
}

static size_t count_ev(const license_evidence_list *l, const char *image)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        if (l->items[i].image_url && strcmp(l->items[i].image_url, image) == 0) n++;
    return n;
}

static void rel_license_is_scoped_by_about_figure_or_page(void **state)
{
    const char *images[] = {"https://ex.org/a.jpg", "https://ex.org/b.jpg", "https://cdn.ex/c.jpg"};
    const char *fig[] = {"https://ex.org/b.jpg"};
    license_page_link links[] = {
        {.href = "https://creativecommons.org/licenses/by-sa/4.0/",
         .about = "https://ex.org/a.jpg",
         .attribution_name = "Ann",
         .attribution_url = "https://ex.org/ann",
         .title = "A"},
        {.href = "http://creativecommons.org/licenses/by-nc/2.0/",
         .figure_images = fig,
         .figure_image_count = 1},
        {.href = "https://creativecommons.org/publicdomain/zero/1.0/", .in_head = 1},
    };
    license_page_input in = {.page_url = "https://ex.org/page",
                             .links = links,
                             .link_count = 3,
                             .image_urls = images,
                             .image_url_count = 3};
    license_evidence_list out = {0};
    assert_int_equal(license_page_evidence(&in, &out, NULL), CS_OK);
    const license_evidence *a = find_ev(&out, images[0], "rel=license");
    assert_non_null(a);
    assert_int_equal(a->scope, LICENSE_SCOPE_RDFA_ABOUT);
    assert_int_equal(a->confidence, LICENSE_CONFIDENCE_HIGH);
    assert_string_equal(a->license.spdx, "CC-BY-SA-4.0");
    assert_string_equal(a->attribution_name, "Ann");
    assert_string_equal(a->found_at, "https://ex.org/page");
    int figure_seen = 0, page_wide = 0;
    for (size_t i = 0; i < out.count; i++) {
        const license_evidence *e = &out.items[i];
        if (e->scope == LICENSE_SCOPE_FIGURE) {
            figure_seen++;
            assert_string_equal(e->image_url, images[1]);
            assert_string_equal(e->license.spdx, "CC-BY-NC-2.0");
        }
        if (e->scope == LICENSE_SCOPE_PAGE) {
            page_wide++;
            assert_int_equal(e->confidence, LICENSE_CONFIDENCE_MEDIUM);
            assert_string_equal(e->license.spdx, "CC0-1.0");
        }
    }
    assert_int_equal(figure_seen, 1);
    /* the head licence covers the shown images the page says nothing else about */
    assert_int_equal(page_wide, 1);
    assert_non_null(find_ev(&out, images[2], "rel=license"));
    assert_int_equal(count_ev(&out, images[0]), 1);
    assert_int_equal(count_ev(&out, images[1]), 1);
    license_evidence_list_free(&out);
}

static void jsonld_image_objects_match_shown_images(void **state)
{
    const char *images[] = {"https://ex.org/a.jpg", "https://ex.org/b.jpg"};
    const char block1[] =
        "{\"@context\":\"https://schema.org\",\"@graph\":[{\"@type\":\"WebPage\","
        "\"license\":\"https://creativecommons.org/licenses/by/4.0/\"},"
        "{\"@type\":\"ImageObject\",\"contentUrl\":\"http://ex.org/a.jpg\","
        "\"license\":{\"@id\":\"https://creativecommons.org/licenses/by-nd/4.0/\"},"
        "\"creator\":[{\"@type\":\"Person\",\"name\":\"Bo\",\"url\":\"https://bo.ex\"}],"
        "\"copyrightNotice\":\"Bo 2024\",\"acquireLicensePage\":\"https://ex.org/buy\","
        "\"name\":\"Picture A\"}]}";
    const char block2[] = "{ not json at all";
    const char block3[] = "[{\"@type\":[\"ImageObject\"],\"url\":\"https://elsewhere.ex/z.png\","
                          "\"license\":\"CC BY-SA 3.0\",\"creditText\":\"Zed\"}]";
    license_page_jsonld jsonld[] = {
        {block1, sizeof block1 - 1}, {block2, sizeof block2 - 1}, {block3, sizeof block3 - 1}};
    license_page_input in = {.page_url = "https://ex.org/page",
                             .jsonld = jsonld,
                             .jsonld_count = 3,
                             .image_urls = images,
                             .image_url_count = 2};
    license_evidence_list out = {0};
    assert_int_equal(license_page_evidence(&in, &out, NULL), CS_OK);
    const license_evidence *lic = find_ev(&out, images[0], "JSON-LD ImageObject.license");
    assert_non_null(lic);
    assert_int_equal(lic->scope, LICENSE_SCOPE_JSON_LD);
    assert_string_equal(lic->license.spdx, "CC-BY-ND-4.0");
    assert_string_equal(lic->creator, "Bo");
    assert_string_equal(lic->attribution_url, "https://bo.ex");
    assert_string_equal(lic->title, "Picture A");
    const license_evidence *notice =
        find_ev(&out, images[0], "JSON-LD ImageObject.copyrightNotice");
    assert_non_null(notice);
    assert_int_equal(notice->claim, LICENSE_CLAIM_COPYRIGHT);
    assert_non_null(find_ev(&out, images[0], "JSON-LD ImageObject.acquireLicensePage"));
    const license_evidence *page = find_ev(&out, images[1], "JSON-LD WebPage.license");
    assert_non_null(page);
    assert_int_equal(page->scope, LICENSE_SCOPE_PAGE);
    /* an ImageObject for an image the page does not show is evidence for its own URL */
    const license_evidence *z = find_ev(&out, "https://elsewhere.ex/z.png", "JSON-LD");
    assert_non_null(z);
    assert_string_equal(z->license.spdx, "CC-BY-SA-3.0");
    assert_string_equal(z->attribution_name, "Zed");
    license_evidence_list_free(&out);
}

static void jsonld_relative_urls_resolve_against_the_page(void **state)
{
    (void)state;
    const char *images[] = {"https://ex.org/b.jpg", "https://ex.org/dir/c.jpg"};
    const char block[] = "[{\"@type\":\"ImageObject\",\"contentUrl\":\"/b.jpg\","
                         "\"license\":\"https://creativecommons.org/licenses/by/4.0/\"},"
                         "{\"@type\":\"ImageObject\",\"contentUrl\":\"c.jpg\","
                         "\"license\":\"https://creativecommons.org/publicdomain/zero/1.0/\"},"
                         "{\"@type\":\"ImageObject\",\"contentUrl\":\"d.jpg\","
                         "\"license\":\"https://creativecommons.org/licenses/by-sa/4.0/\"}]";
    license_page_jsonld jsonld[] = {{block, sizeof block - 1}};
    license_page_input in = {.page_url = "https://ex.org/dir/page?x=1",
                             .jsonld = jsonld,
                             .jsonld_count = 1,
                             .image_urls = images,
                             .image_url_count = 2};
    license_evidence_list out = {0};
    assert_int_equal(license_page_evidence(&in, &out, NULL), CS_OK);
    const license_evidence *b = find_ev(&out, images[0], "JSON-LD ImageObject.license");
    assert_non_null(b);
    assert_string_equal(b->license.spdx, "CC-BY-4.0");
    const license_evidence *c = find_ev(&out, images[1], "JSON-LD ImageObject.license");
    assert_non_null(c);
    assert_string_equal(c->license.spdx, "CC0-1.0");
    /* not shown on the page: evidence for its own, resolved, URL */
    assert_non_null(find_ev(&out, "https://ex.org/dir/d.jpg", "JSON-LD"));
    license_evidence_list_free(&out);
}

/* Issue 10: "../img/a.jpg" on http://h/x/page.html is http://h/img/a.jpg, dot segments removed. */
static void jsonld_dot_segments_resolve_to_the_shown_image(void **state)
{
    (void)state;
    const char *images[] = {"http://h/img/a.jpg"};
    const char block[] = "{\"@type\":\"ImageObject\",\"contentUrl\":\"../img/a.jpg\","
                         "\"license\":\"https://creativecommons.org/licenses/by/4.0/\"}";
    license_page_jsonld jsonld[] = {{block, sizeof block - 1}};
    license_page_input in = {.page_url = "http://h/x/page.html",
                             .jsonld = jsonld,
                             .jsonld_count = 1,
                             .image_urls = images,
                             .image_url_count = 1};
    license_evidence_list out = {0};
    assert_int_equal(license_page_evidence(&in, &out, NULL), CS_OK);
    const license_evidence *a = find_ev(&out, images[0], "JSON-LD ImageObject.license");
    assert_non_null(a);
    assert_int_equal(a->scope, LICENSE_SCOPE_JSON_LD);
    assert_string_equal(a->license.spdx, "CC-BY-4.0");
    assert_int_equal(out.count, 1);
    license_evidence_list_free(&out);
}

/* Captions: an ImageObject's schema.org caption for the image it names (relative URLs
 * resolved, {"@value"} read, the first one kept, trimmed, cut at 2000 bytes); a caption for
 * an image the page does not show, or on another type, is nobody's; microdata too. */
static void image_object_captions_go_to_the_image_they_name(void **state)
{
    (void)state;
    const char *images[] = {"http://h/img/a.jpg", "http://h/img/b.jpg", "http://h/img/c.jpg",
                            "http://h/img/d.jpg"};
    char long_caption[3000];
    memset(long_caption, 'x', sizeof long_caption - 1);
    long_caption[sizeof long_caption - 1] = '\0';
    char block[4096];
    snprintf(block, sizeof block,
             "[{\"@type\":\"ImageObject\",\"contentUrl\":\"../img/a.jpg\","
             "\"caption\":\"  Harbour at noon \"},"
             "{\"@type\":\"ImageObject\",\"contentUrl\":\"/img/a.jpg\",\"caption\":\"second\"},"
             "{\"@type\":\"Photograph\",\"url\":\"http://h/img/b.jpg\","
             "\"caption\":{\"@value\":\"Dunes\",\"@language\":\"en\"}},"
             "{\"@type\":\"ImageObject\",\"contentUrl\":\"http://h/img/c.jpg\",\"caption\":\"%s\"},"
             "{\"@type\":\"ImageObject\",\"contentUrl\":\"http://h/img/zz.jpg\",\"caption\":\"x\"},"
             "{\"@type\":\"WebPage\",\"caption\":\"not an image\"}]",
             long_caption);
    license_page_jsonld jsonld[] = {{block, strlen(block)}, {"{not json", 9}};
    license_microdata_prop props[] = {{"contentUrl", "http://h/img/d.jpg"}, {"caption", "Fern"}};
    license_microdata_item items[] = {{.type = "https://schema.org/ImageObject",
                                       .props = props,
                                       .prop_count = 2,
                                       .parent_index = -1}};
    license_page_input in = {.page_url = "http://h/x/page.html",
                             .jsonld = jsonld,
                             .jsonld_count = 2,
                             .microdata = items,
                             .microdata_count = 1,
                             .image_urls = images,
                             .image_url_count = 4};
    char *captions[4] = {0};
    license_evidence_list evidence = {0};
    assert_int_equal(license_page_read(&in, &evidence, captions, NULL), CS_OK);
    assert_int_equal(evidence.count, 0); /* captions are no rights statements */
    license_evidence_list_free(&evidence);
    assert_string_equal(captions[0], "Harbour at noon");
    assert_string_equal(captions[1], "Dunes");
    assert_int_equal(strlen(captions[2]), 2000);
    assert_string_equal(captions[3], "Fern");
    for (int i = 0; i < 4; i++) {
        free(captions[i]);
        captions[i] = NULL;
    }
    /* a page with no structured data gives no captions */
    license_page_input bare = {.page_url = "http://h/", .image_urls = images, .image_url_count = 4};
    assert_int_equal(license_page_read(&bare, &evidence, captions, NULL), CS_OK);
    license_evidence_list_free(&evidence);
    for (int i = 0; i < 4; i++)
        assert_null(captions[i]);
}

static void microdata_and_meta_become_evidence(void **state)
{
    const char *images[] = {"https://ex.org/m.jpg", "https://ex.org/n.jpg"};
    license_microdata_prop image_props[] = {{"contentUrl", "https://ex.org/m.jpg"},
                                            {"license", "https://opensource.org/licenses/MIT"}};
    license_microdata_prop person_props[] = {{"name", "Mia"}};
    license_microdata_item items[] = {
        {.type = "https://schema.org/ImageObject",
         .props = image_props,
         .prop_count = 2,
         .parent_index = -1},
        {.type = "https://schema.org/Person",
         .props = person_props,
         .prop_count = 1,
         .parent_index = 0,
         .parent_prop = "creator"},
    };
    license_page_meta metas[] = {{"copyright", "Example Media Ltd"},
                                 {"description", "not rights"},
                                 {"DC.rights", "All rights reserved"}};
    license_page_input in = {.page_url = "https://ex.org/p",
                             .microdata = items,
                             .microdata_count = 2,
                             .metas = metas,
                             .meta_count = 3,
                             .image_urls = images,
                             .image_url_count = 2};
    license_evidence_list out = {0};
    assert_int_equal(license_page_evidence(&in, &out, NULL), CS_OK);
    const license_evidence *md = find_ev(&out, images[0], "microdata ImageObject.license");
    assert_non_null(md);
    assert_int_equal(md->scope, LICENSE_SCOPE_MICRODATA);
    assert_string_equal(md->license.spdx, "MIT");
    assert_string_equal(md->creator, "Mia");
    /* the page's own ImageObject beats its page-wide meta for m.jpg ... */
    assert_int_equal(count_ev(&out, images[0]), 1);
    /* ... while n.jpg, which the page says nothing specific about, gets the meta */
    const license_evidence *c = find_ev(&out, images[1], "meta[name=copyright]");
    assert_non_null(c);
    assert_int_equal(c->confidence, LICENSE_CONFIDENCE_LOW);
    assert_int_equal(c->claim, LICENSE_CLAIM_COPYRIGHT);
    const license_evidence *r = find_ev(&out, images[1], "meta[name=DC.rights]");
    assert_non_null(r);
    assert_int_equal(r->claim, LICENSE_CLAIM_ALL_RIGHTS_RESERVED);
    assert_int_equal(count_ev(&out, images[1]), 2);
    license_evidence_list_free(&out);
}

/* ------------------------------------------------------------------------- */
/* Policies and clearance                                                     */

static license_evidence make_ev(const char *raw, license_scope scope, const char *image,
                                const char *page)
{
    license_evidence ev = {.scope = scope,
                           .origin = scope == LICENSE_SCOPE_EMBEDDED ? LICENSE_ORIGIN_XMP
                                                                     : LICENSE_ORIGIN_REL_LICENSE,
                           .confidence = scope == LICENSE_SCOPE_PAGE ? LICENSE_CONFIDENCE_MEDIUM
                                                                     : LICENSE_CONFIDENCE_HIGH,
                           .field = "test",
                           .raw_value = (char *)raw,
                           .image_url = (char *)image,
                           .found_at = (char *)page};
    license_normalize_text(raw, strlen(raw), &ev.license, &ev.has_license, &ev.claim);
    return ev;
}

static int has_rule(const license_verdict *v, const char *rule)
{
    size_t i;
    json_t *r;
    json_array_foreach(v->reasons, i, r) if (strcmp(json_string_value(json_object_get(r, "rule")),
                                                    rule) == 0) return 1;
    return 0;
}

static license_verdict decide(const char *policy_name, const license_evidence *ev, size_t n,
                              const char *const *pages, size_t page_count)
{
    license_policy *policy;
    assert_int_equal(license_policy_builtin(policy_name, &policy, NULL), CS_OK);
    license_clearance_input in = {
        .evidence = ev, .evidence_count = n, .page_urls = pages, .page_url_count = page_count};
    license_verdict v;
    assert_int_equal(license_clear(policy, &in, &v, NULL), CS_OK);
    license_policy_free(policy);
    return v;
}

static void presets_accept_what_the_design_names(void **state)
{
    static const struct {
        const char *spdx;
        int strict, open, research;
    } cases[] = {
        {"CC0-1.0", 1, 1, 1},      {"CC-PDM-1.0", 1, 1, 1},
        {"CC-BY-4.0", 1, 1, 1},    {"CC-BY-SA-2.0-UK", 0, 1, 1},
        {"CC-BY-NC-4.0", 0, 0, 1}, {"CC-BY-NC-SA-3.0", 0, 0, 1},
        {"CC-BY-ND-4.0", 0, 0, 0}, {"CC-BY-NC-ND-4.0", 0, 0, 0},
        {"MIT", 0, 0, 0},          {"LicenseRef-CC-BY-3.0-FR", 1, 1, 1},
    };
    const char *names[] = {"strict", "open", "research"};
    for (size_t p = 0; p < 3; p++) {
        license_policy *policy;
        assert_int_equal(license_policy_builtin(names[p], &policy, NULL), CS_OK);
        for (size_t i = 0; i < CS_ARRAY_LEN(cases); i++) {
            license_info info;
            assert_int_equal(license_from_spdx(cases[i].spdx, &info), CS_OK);
            int want = p == 0 ? cases[i].strict : p == 1 ? cases[i].open : cases[i].research;
            if (license_policy_accepts(policy, &info) != want)
                fail_msg("%s %s: accepts %d", names[p], cases[i].spdx, !want);
        }
        license_policy_free(policy);
    }
}

static void policy_files_are_checked(void **state)
{
    license_policy *p = NULL;
    const char good[] = "{\"accept\": [\"MIT\", \"CC-BY-3.0-*\", \"cc-by-sa\"], "
                        "\"page_wide\": \"any\", \"require_attribution_name\": true, "
                        "\"opt_out_directives\": [\"noindex\", \"NoML\"]}";
    assert_int_equal(license_policy_parse(good, sizeof good - 1, "mine.json", &p, NULL), CS_OK);
    robots_policy counted;
    license_policy_robots(p, &counted);
    assert_int_equal(counted.flags, ROBOTS_POLICY_NOINDEX | ROBOTS_POLICY_NOML);
    assert_true(counted.ai_crawler_rules); /* the defaults stay */
    license_info info;
    license_from_spdx("CC-BY-3.0-DE", &info);
    assert_true(license_policy_accepts(p, &info));
    license_from_spdx("CC-BY-4.0", &info);
    assert_false(license_policy_accepts(p, &info));
    license_from_spdx("CC-BY-SA-2.5", &info);
    assert_true(license_policy_accepts(p, &info));
    assert_string_equal(license_policy_name(p), "mine.json");
    license_policy_free(p);
    static const char *const bad[] = {
        "[]",
        "{}",
        "{\"accept\": []}",
        "{\"accept\": \"CC0\"}",
        "{\"accept\": [\"CC0\"], \"page_wide\": \"sometimes\"}",
        "{\"accept\": [\"CC0\"], \"colour\": \"blue\"}",
        "{\"accept\": [\"CC0\"], \"opt_out_directives\": [\"noai\"]}",
        "{\"accept\": [\"CC0\"], \"opt_out_directives\": \"noindex\"}",
        "{"};
    for (size_t i = 0; i < CS_ARRAY_LEN(bad); i++) {
        cs_error err;
        if (license_policy_parse(bad[i], strlen(bad[i]), "bad", &p, &err) != CS_EFORMAT)
            fail_msg("accepted policy %s", bad[i]);
        assert_non_null(strstr(err.message, "bad"));
    }
    assert_int_equal(license_policy_builtin("lenient", &p, NULL), CS_ENOTFOUND);
    /* no preset counts noindex & co. */
    assert_int_equal(license_policy_builtin("research", &p, NULL), CS_OK);
    license_policy_robots(p, &counted);
    assert_int_equal(counted.flags, 0);
    license_policy_free(p);
}

static void most_restrictive_evidence_wins_and_conflict_is_a_reason(void **state)
{
    const char *img = "https://ex.org/a.jpg", *page = "https://ex.org/p";
    license_evidence ev[] = {
        make_ev("All rights reserved", LICENSE_SCOPE_EMBEDDED, img, NULL),
        make_ev("https://creativecommons.org/licenses/by/4.0/", LICENSE_SCOPE_FIGURE, img, page)};
    license_verdict v = decide("research", ev, 2, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "conflict"));
    license_verdict_free(&v);

    license_evidence nc[] = {
        make_ev("CC BY-NC 4.0", LICENSE_SCOPE_EMBEDDED, img, NULL),
        make_ev("https://creativecommons.org/licenses/by/4.0/", LICENSE_SCOPE_FIGURE, img, page)};
    v = decide("strict", nc, 2, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_string_equal(v.license.spdx, "CC-BY-NC-4.0");
    assert_true(has_rule(&v, "conflict"));
    assert_true(has_rule(&v, "policy"));
    license_verdict_free(&v);
    v = decide("research", nc, 2, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    assert_true(has_rule(&v, "conflict"));
    license_verdict_free(&v);
}

static void page_wide_licence_covers_only_the_pages_own_host(void **state)
{
    const char *page = "https://ex.org/gallery";
    license_evidence own = make_ev("https://creativecommons.org/licenses/by/4.0/",
                                   LICENSE_SCOPE_PAGE, "https://ex.org/a.jpg", page);
    license_verdict v = decide("strict", &own, 1, &page, 1);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    /* no author supplied: the source page is credited, and that is recorded */
    assert_int_equal(v.attribution_source, LICENSE_ATTRIBUTION_SOURCE_PAGE);
    assert_string_equal(json_string_value(json_object_get(v.attribution, "source")), "source-page");
    assert_string_equal(json_string_value(json_object_get(v.attribution, "page")), page);
    license_verdict_free(&v);

    license_evidence other = make_ev("https://creativecommons.org/licenses/by/4.0/",
                                     LICENSE_SCOPE_PAGE, "https://hotlinked.example/a.jpg", page);
    v = decide("strict", &other, 1, &page, 1);
    assert_int_equal(v.kind, LICENSE_VERDICT_UNKNOWN);
    assert_true(has_rule(&v, "page-wide-scope"));
    license_verdict_free(&v);

    license_policy *any;
    const char text[] = "{\"accept\": [\"CC-BY\"], \"page_wide\": \"any\"}";
    assert_int_equal(license_policy_parse(text, sizeof text - 1, "any", &any, NULL), CS_OK);
    license_clearance_input in = {.evidence = &other, .evidence_count = 1};
    assert_int_equal(license_clear(any, &in, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    license_verdict_free(&v);
    license_policy_free(any);
}

/* Issue 10: IPv6 literal hosts are compared whole, not up to their first ':'. */
static void page_wide_same_host_tells_ipv6_hosts_apart(void **state)
{
    (void)state;
    const char *page = "http://[2001:db8::1]/gallery";
    license_evidence other = make_ev("https://creativecommons.org/licenses/by/4.0/",
                                     LICENSE_SCOPE_PAGE, "http://[2001:db8::2]/a.jpg", page);
    license_verdict v = decide("strict", &other, 1, &page, 1);
    assert_int_equal(v.kind, LICENSE_VERDICT_UNKNOWN);
    assert_true(has_rule(&v, "page-wide-scope"));
    license_verdict_free(&v);

    license_evidence own = make_ev("https://creativecommons.org/licenses/by/4.0/",
                                   LICENSE_SCOPE_PAGE, "http://[2001:DB8::1]:8080/a.jpg", page);
    v = decide("strict", &own, 1, &page, 1);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    license_verdict_free(&v);
}

static void attribution_comes_from_the_licensor_when_supplied(void **state)
{
    license_evidence ev =
        make_ev("https://creativecommons.org/licenses/by/4.0/", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    ev.attribution_name = "Jane Doe";
    license_verdict v = decide("strict", &ev, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    assert_int_equal(v.attribution_source, LICENSE_ATTRIBUTION_LICENSOR);
    assert_string_equal(json_string_value(json_object_get(v.attribution, "name")), "Jane Doe");
    license_verdict_free(&v);
    /* no author and no page to credit: attribution unknown, so not cleared */
    ev.attribution_name = NULL;
    v = decide("strict", &ev, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_UNKNOWN);
    assert_int_equal(v.attribution_source, LICENSE_ATTRIBUTION_MISSING);
    license_verdict_free(&v);
    /* CC0 needs none */
    license_evidence cc0 = make_ev("CC0", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    v = decide("strict", &cc0, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_CLEARED);
    assert_null(v.attribution);
    license_verdict_free(&v);
}

/* One robots.txt statement recorded for the image and for two pages showing it is one
 * reason carrying all three signal ids; a statement found elsewhere stays its own. */
static void one_optout_statement_is_one_reason(void **state)
{
    (void)state;
    license_evidence cc0 = make_ev("CC0", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    license_policy *policy;
    assert_int_equal(license_policy_builtin("strict", &policy, NULL), CS_OK);
    license_optout o[4];
    for (int i = 0; i < 3; i++)
        o[i] = (license_optout){.signal_id = 10 + i,
                                .kind = "content-signal",
                                .raw_value = "ai-train=no",
                                .found_at = "http://h/robots.txt"};
    o[3] = (license_optout){.signal_id = 20,
                            .kind = "content-signal",
                            .raw_value = "ai-train=no",
                            .found_at = "http://h/page.html"};
    license_clearance_input in = {
        .evidence = &cc0, .evidence_count = 1, .optouts = o, .optout_count = 4};
    license_verdict v;
    assert_int_equal(license_clear(policy, &in, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    size_t optouts = 0, i;
    json_t *r;
    json_array_foreach(v.reasons, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "rule")), "optout") != 0) continue;
        const char *detail = json_string_value(json_object_get(r, "detail"));
        json_t *ids = json_object_get(r, "signals");
        if (optouts++ == 0) {
            assert_non_null(strstr(detail, "robots.txt"));
            assert_int_equal(json_array_size(ids), 3);
            assert_int_equal(json_integer_value(json_array_get(ids, 2)), 12);
        } else {
            assert_non_null(strstr(detail, "page.html"));
            assert_int_equal(json_array_size(ids), 1);
        }
    }
    assert_int_equal(optouts, 2);
    license_verdict_free(&v);
    license_policy_free(policy);
}

static void optouts_claims_and_laundering_block(void **state)
{
    license_evidence cc0 = make_ev("CC0", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    license_policy *policy;
    assert_int_equal(license_policy_builtin("strict", &policy, NULL), CS_OK);
    license_optout optout = {.signal_id = 9,
                             .kind = "iptc-data-mining",
                             .raw_value = "DMI-PROHIBITED-AIMLTRAINING",
                             .found_at = "file"};
    license_clearance_input in = {
        .evidence = &cc0, .evidence_count = 1, .optouts = &optout, .optout_count = 1};
    license_verdict v;
    assert_int_equal(license_clear(policy, &in, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "optout"));
    license_verdict_free(&v);

    /* a copy of a blocked image is laundering; the blocked original, a near duplicate
       of its own blocked copy, is blocked by its own opt-out or claim alone */
    license_near_duplicate copy_of = {
        .other_image_id = 4, .other_sha256 = "cd", .other_blocked = 1, .distance = 12};
    license_clearance_input copy = {
        .evidence = &cc0, .evidence_count = 1, .near = &copy_of, .near_count = 1};
    assert_int_equal(license_clear(policy, &copy, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "laundering"));
    license_verdict_free(&v);
    license_clearance_input original = {.evidence = &cc0,
                                        .evidence_count = 1,
                                        .optouts = &optout,
                                        .optout_count = 1,
                                        .near = &copy_of,
                                        .near_count = 1};
    assert_int_equal(license_clear(policy, &original, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "optout"));
    assert_false(has_rule(&v, "laundering"));
    license_verdict_free(&v);
    license_evidence reserved = make_ev("© 2020 Someone", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    license_clearance_input claimed = {
        .evidence = &reserved, .evidence_count = 1, .near = &copy_of, .near_count = 1};
    assert_int_equal(license_clear(policy, &claimed, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_false(has_rule(&v, "laundering"));
    license_verdict_free(&v);

    /* opt-outs of one kind at one place are one reason listing their values, each once
       however many resources recorded it; another place is another reason */
    license_optout rules[] = {
        {.signal_id = 1,
         .kind = "ai-crawler-rule",
         .raw_value = "GPTBot: disallow: /",
         .found_at = "http://h/robots.txt"},
        {.signal_id = 2,
         .kind = "ai-crawler-rule",
         .raw_value = "CCBot: disallow: /",
         .found_at = "http://h/robots.txt"},
        {.signal_id = 3,
         .kind = "ai-crawler-rule",
         .raw_value = "GPTBot: disallow: /",
         .found_at = "http://h/robots.txt"},
        {.signal_id = 4, .kind = "x-robots-tag", .raw_value = "noai", .found_at = "http://h/"}};
    license_clearance_input grouped = {
        .evidence = &cc0, .evidence_count = 1, .optouts = rules, .optout_count = 4};
    assert_int_equal(license_clear(policy, &grouped, &v, NULL), CS_OK);
    assert_int_equal(json_array_size(v.reasons), 2);
    json_t *first = json_array_get(v.reasons, 0);
    assert_string_equal(json_string_value(json_object_get(first, "detail")),
                        "opt-out ai-crawler-rule \"GPTBot: disallow: /\", \"CCBot: disallow: /\" "
                        "at http://h/robots.txt");
    assert_int_equal(json_array_size(json_object_get(first, "signals")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v.reasons, 1), "detail")),
                        "opt-out x-robots-tag \"noai\" at http://h/");
    license_verdict_free(&v);

    license_near_duplicate near = {.other_sha256 = "ab", .protected_work = 1, .distance = 10};
    license_clearance_input in2 = {
        .evidence = &cc0, .evidence_count = 1, .near = &near, .near_count = 1};
    assert_int_equal(license_clear(policy, &in2, &v, NULL), CS_OK);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "laundering"));
    license_verdict_free(&v);
    license_policy_free(policy);

    license_evidence claim = make_ev("© 2020 Someone", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    v = decide("strict", &claim, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    license_verdict_free(&v);

    license_evidence pd = make_ev("Public domain", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    v = decide("strict", &pd, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_UNKNOWN);
    license_verdict_free(&v);

    v = decide("strict", NULL, 0, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_UNKNOWN);
    assert_true(has_rule(&v, "no-evidence"));
    license_verdict_free(&v);

    license_evidence nd = make_ev("CC BY-ND 4.0", LICENSE_SCOPE_EMBEDDED, NULL, NULL);
    nd.attribution_name = "X";
    v = decide("research", &nd, 1, NULL, 0);
    assert_int_equal(v.kind, LICENSE_VERDICT_BLOCKED);
    assert_true(has_rule(&v, "policy"));
    license_verdict_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalize_url_covers_every_form),
        cmocka_unit_test(normalize_url_gives_canonical_https_urls),
        cmocka_unit_test(normalize_url_rejects_what_is_not_a_licence),
        cmocka_unit_test(normalize_text_finds_licences_and_claims),
        cmocka_unit_test(from_spdx_round_trips_cc_ids),
        cmocka_unit_test(embedded_summary_normalises_each_fixture),
        cmocka_unit_test(icc_profile_copyright_is_never_the_images),
        cmocka_unit_test(c2pa_training_mining_is_read_and_handed_to_robots),
        cmocka_unit_test(all_data_mining_values_are_extracted_and_decided),
        cmocka_unit_test(non_images_have_no_media_type),
        cmocka_unit_test(license_command_exit_status_follows_the_contract),
        cmocka_unit_test(rel_license_is_scoped_by_about_figure_or_page),
        cmocka_unit_test(jsonld_image_objects_match_shown_images),
        cmocka_unit_test(jsonld_relative_urls_resolve_against_the_page),
        cmocka_unit_test(jsonld_dot_segments_resolve_to_the_shown_image),
        cmocka_unit_test(image_object_captions_go_to_the_image_they_name),
        cmocka_unit_test(microdata_and_meta_become_evidence),
        cmocka_unit_test(presets_accept_what_the_design_names),
        cmocka_unit_test(policy_files_are_checked),
        cmocka_unit_test(most_restrictive_evidence_wins_and_conflict_is_a_reason),
        cmocka_unit_test(page_wide_licence_covers_only_the_pages_own_host),
        cmocka_unit_test(page_wide_same_host_tells_ipv6_hosts_apart),
        cmocka_unit_test(attribution_comes_from_the_licensor_when_supplied),
        cmocka_unit_test(optouts_claims_and_laundering_block),
        cmocka_unit_test(one_optout_statement_is_one_reason),
        cmocka_unit_test(license_matches_exiftool_on_fixtures),
        cmocka_unit_test(license_matches_exiftool_on_made_files),
        cmocka_unit_test(license_matches_exiftool_on_demo_site),
        cmocka_unit_test(license_matches_exiftool_on_found_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
