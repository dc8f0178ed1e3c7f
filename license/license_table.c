/*
 * license_table.c - licences other than Creative Commons that images carry
 * (software and font licences used for icons and artwork, the GNU FDL and the
 * Free Art License used on Wikimedia), recognised by SPDX id, by URL and by
 * name.
 *
 * Each row names its SPDX id, the family a policy keys on, the conditions,
 * the URL prefixes that mean it (host without "www.", path prefix, compared
 * case-insensitively) and the names people write for it, as upper-cased word
 * sequences that must appear contiguously in the text. Rows that are more
 * specific come first: LGPL before GPL, "or later" before plain versions.
 */
#include "license/license_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TABLE_URLS_MAX  4
#define TABLE_NAMES_MAX 6

typedef struct table_url {
    const char *host;
    const char *path_prefix;
} table_url;

typedef struct table_row {
    const char *spdx;
    const char *family;
    const char *version;
    const char *canonical_url;
    unsigned attribution : 1, share_alike : 1;
    table_url urls[TABLE_URLS_MAX];
    const char *names[TABLE_NAMES_MAX];
} table_row;

static const table_row rows[] = {
    {"MIT",
     "MIT",
     "",
     "https://opensource.org/licenses/MIT",
     1,
     0,
     {{"opensource.org", "/licenses/mit"}, {"opensource.org", "/license/mit"}},
     {"MIT LICENSE", "EXPAT LICENSE", "MIT LICENCE"}},
    {"BSD-2-Clause",
     "BSD",
     "",
     "https://opensource.org/licenses/BSD-2-Clause",
     1,
     0,
     {{"opensource.org", "/licenses/bsd-2-clause"}, {"opensource.org", "/license/bsd-2-clause"}},
     {"BSD 2 CLAUSE", "SIMPLIFIED BSD", "FREEBSD LICENSE", "2 CLAUSE BSD"}},
    {"BSD-3-Clause",
     "BSD",
     "",
     "https://opensource.org/licenses/BSD-3-Clause",
     1,
     0,
     {{"opensource.org", "/licenses/bsd-3-clause"}, {"opensource.org", "/license/bsd-3-clause"}},
     {"BSD 3 CLAUSE", "NEW BSD", "MODIFIED BSD", "REVISED BSD", "3 CLAUSE BSD"}},
    {"Apache-2.0",
     "Apache",
     "2.0",
     "https://www.apache.org/licenses/LICENSE-2.0",
     1,
     0,
     {{"apache.org", "/licenses/license-2.0"},
      {"opensource.org", "/licenses/apache-2.0"},
      {"opensource.org", "/license/apache-2.0"}},
     {"APACHE LICENSE 2.0", "APACHE LICENSE VERSION 2.0", "APACHE 2.0", "APACHE LICENSE V2.0",
      "APACHE LICENSE V2", "APACHE LICENCE 2.0"}},
    {"AGPL-3.0-or-later",
     "AGPL",
     "3.0",
     "https://www.gnu.org/licenses/agpl-3.0.html",
     1,
     1,
     {{0, 0}},
     {"AGPL 3.0 OR LATER", "AGPLV3 OR LATER", "AGPL 3.0+", "AGPLV3+"}},
    {"AGPL-3.0-only",
     "AGPL",
     "3.0",
     "https://www.gnu.org/licenses/agpl-3.0.html",
     1,
     1,
     {{"gnu.org", "/licenses/agpl"}, {"opensource.org", "/licenses/agpl-3.0"}},
     {"AGPL 3.0", "AGPLV3", "AFFERO GENERAL PUBLIC LICENSE"}},
    {"LGPL-2.1-or-later",
     "LGPL",
     "2.1",
     "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
     1,
     1,
     {{0, 0}},
     {"LGPL 2.1 OR LATER", "LGPLV2.1 OR LATER", "LGPL 2.1+", "LGPLV2.1+"}},
    {"LGPL-3.0-or-later",
     "LGPL",
     "3.0",
     "https://www.gnu.org/licenses/lgpl-3.0.html",
     1,
     1,
     {{0, 0}},
     {"LGPL 3.0 OR LATER", "LGPLV3 OR LATER", "LGPL 3.0+", "LGPLV3+"}},
    {"LGPL-2.1-only",
     "LGPL",
     "2.1",
     "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html",
     1,
     1,
     {{"gnu.org", "/licenses/old-licenses/lgpl-2.1"}, {"opensource.org", "/licenses/lgpl-2.1"}},
     {"LGPL 2.1", "LGPLV2.1", "LESSER GENERAL PUBLIC LICENSE VERSION 2.1",
      "LESSER GENERAL PUBLIC LICENSE V2.1"}},
    {"LGPL-3.0-only",
     "LGPL",
     "3.0",
     "https://www.gnu.org/licenses/lgpl-3.0.html",
     1,
     1,
     {{"gnu.org", "/licenses/lgpl"}, {"opensource.org", "/licenses/lgpl-3.0"}},
     {"LGPL 3.0", "LGPLV3", "LESSER GENERAL PUBLIC LICENSE VERSION 3",
      "LESSER GENERAL PUBLIC LICENSE", "LGPL"}},
    {"GPL-2.0-or-later",
     "GPL",
     "2.0",
     "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
     1,
     1,
     {{0, 0}},
     {"GPL 2.0 OR LATER", "GPLV2 OR LATER", "GPL 2.0+", "GPLV2+", "GPL 2+"}},
    {"GPL-3.0-or-later",
     "GPL",
     "3.0",
     "https://www.gnu.org/licenses/gpl-3.0.html",
     1,
     1,
     {{0, 0}},
     {"GPL 3.0 OR LATER", "GPLV3 OR LATER", "GPL 3.0+", "GPLV3+", "GPL 3+"}},
    {"GPL-2.0-only",
     "GPL",
     "2.0",
     "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
     1,
     1,
     {{"gnu.org", "/licenses/old-licenses/gpl-2.0"}, {"opensource.org", "/licenses/gpl-2.0"}},
     {"GPL 2.0", "GPLV2", "GPL V2", "GENERAL PUBLIC LICENSE VERSION 2", "GPL 2"}},
    {"GPL-3.0-only",
     "GPL",
     "3.0",
     "https://www.gnu.org/licenses/gpl-3.0.html",
     1,
     1,
     {{"gnu.org", "/licenses/gpl"}, {"opensource.org", "/licenses/gpl-3.0"}},
     {"GPL 3.0", "GPLV3", "GPL V3", "GENERAL PUBLIC LICENSE VERSION 3", "GPL 3",
      "GNU GENERAL PUBLIC LICENSE"}},
    {"GFDL-1.2-or-later",
     "GFDL",
     "1.2",
     "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html",
     1,
     1,
     {{0, 0}},
     {"GFDL 1.2 OR LATER", "GFDL 1.2+"}},
    {"GFDL-1.3-or-later",
     "GFDL",
     "1.3",
     "https://www.gnu.org/licenses/fdl-1.3.html",
     1,
     1,
     {{0, 0}},
     {"GFDL 1.3 OR LATER", "GFDL 1.3+"}},
    {"GFDL-1.2-only",
     "GFDL",
     "1.2",
     "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html",
     1,
     1,
     {{"gnu.org", "/licenses/old-licenses/fdl-1.2"}},
     {"GFDL 1.2", "FREE DOCUMENTATION LICENSE VERSION 1.2"}},
    {"GFDL-1.3-only",
     "GFDL",
     "1.3",
     "https://www.gnu.org/licenses/fdl-1.3.html",
     1,
     1,
     {{"gnu.org", "/licenses/fdl"}, {"gnu.org", "/copyleft/fdl"}},
     {"GFDL 1.3", "FREE DOCUMENTATION LICENSE", "GFDL"}},
    {"MPL-2.0",
     "MPL",
     "2.0",
     "https://www.mozilla.org/MPL/2.0/",
     1,
     1,
     {{"mozilla.org", "/mpl/2.0"}, {"opensource.org", "/licenses/mpl-2.0"}},
     {"MOZILLA PUBLIC LICENSE 2.0", "MOZILLA PUBLIC LICENSE VERSION 2.0", "MPL 2.0"}},
    {"OFL-1.1",
     "OFL",
     "1.1",
     "https://openfontlicense.org/",
     1,
     1,
     {{"scripts.sil.org", "/ofl"},
      {"openfontlicense.org", "/"},
      {"opensource.org", "/licenses/ofl-1.1"}},
     {"OPEN FONT LICENSE", "SIL OFL", "OFL 1.1"}},
    {"LAL-1.3",
     "LAL",
     "1.3",
     "https://artlibre.org/licence/lal/en/",
     1,
     1,
     {{"artlibre.org", "/licence/lal"}},
     {"FREE ART LICENSE", "LICENCE ART LIBRE", "FREE ART LICENCE"}},
    {"ISC",
     "ISC",
     "",
     "https://opensource.org/licenses/ISC",
     1,
     0,
     {{"opensource.org", "/licenses/isc"}, {"opensource.org", "/license/isc"}},
     {"ISC LICENSE", "ISC LICENCE"}},
    {"Zlib",
     "Zlib",
     "",
     "https://opensource.org/licenses/Zlib",
     0,
     0,
     {{"opensource.org", "/licenses/zlib"}, {"zlib.net", "/zlib_license"}},
     {"ZLIB LICENSE", "ZLIB LICENCE"}},
    {"Unlicense",
     "Unlicense",
     "",
     "https://unlicense.org/",
     0,
     0,
     {{"unlicense.org", "/"}},
     {"THE UNLICENSE", "UNLICENSE"}},
    {"WTFPL", "WTFPL", "", "http://www.wtfpl.net/", 0, 0, {{"wtfpl.net", "/"}}, {"WTFPL"}},
};

static void fill_row(const table_row *row, license_info *out)
{
    memset(out, 0, sizeof *out);
    cs_strlcpy(out->spdx, row->spdx, sizeof out->spdx);
    cs_strlcpy(out->family, row->family, sizeof out->family);
    cs_strlcpy(out->version, row->version, sizeof out->version);
    cs_strlcpy(out->url, row->canonical_url, sizeof out->url);
    out->attribution = row->attribution;
    out->share_alike = row->share_alike;
}

static int prefix_ieq(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && cs_ascii_ieq(s, p, prefix);
}

int license_table_match_url(const char *host, size_t host_len, const char *path, size_t path_len,
                            license_info *out)
{
    memset(out, 0, sizeof *out);
    if (cs_ascii_ieq(host, host_len, "spdx.org") && prefix_ieq(path, path_len, "/licenses/")) {
        char id[LICENSE_SPDX_MAX];
        size_t start = strlen("/licenses/"), n = 0;
        for (size_t i = start; i < path_len && path[i] != '/' && n + 1 < sizeof id; i++)
            id[n++] = path[i];
        id[n] = '\0';
        char *dot = strstr(id, ".html");
        if (!dot) dot = strstr(id, ".json");
        if (dot) *dot = '\0';
        return license_from_spdx(id, out);
    }
    for (size_t r = 0; r < CS_ARRAY_LEN(rows); r++)
        for (size_t u = 0; u < TABLE_URLS_MAX && rows[r].urls[u].host; u++)
            if (cs_ascii_ieq(host, host_len, rows[r].urls[u].host) &&
                prefix_ieq(path, path_len, rows[r].urls[u].path_prefix)) {
                fill_row(&rows[r], out);
                return CS_OK;
            }
    return CS_ENOTFOUND;
}

/* 1 when the space-separated upper-case phrase occurs as contiguous words. */
static int phrase_in_words(const char (*words)[LICENSE_WORD_MAX], size_t count, const char *phrase)
{
    char parts[8][LICENSE_WORD_MAX];
    size_t n = 0;
    const char *p = phrase;
    while (*p && n < 8) {
        size_t k = 0;
        while (*p && *p != ' ' && k + 1 < LICENSE_WORD_MAX)
            parts[n][k++] = *p++;
        parts[n++][k] = '\0';
        while (*p == ' ')
            p++;
    }
    for (size_t i = 0; i + n <= count; i++) {
        size_t k = 0;
        while (k < n && strcmp(words[i + k], parts[k]) == 0)
            k++;
        if (k == n) return 1;
    }
    return 0;
}

int license_table_match_words(const char (*words)[LICENSE_WORD_MAX], size_t count,
                              license_info *out)
{
    memset(out, 0, sizeof *out);
    for (size_t r = 0; r < CS_ARRAY_LEN(rows); r++)
        for (size_t k = 0; k < TABLE_NAMES_MAX && rows[r].names[k]; k++)
            if (phrase_in_words(words, count, rows[r].names[k])) {
                fill_row(&rows[r], out);
                return CS_OK;
            }
    return CS_ENOTFOUND;
}

int license_table_match_spdx(const char *spdx, license_info *out)
{
    memset(out, 0, sizeof *out);
    /* Deprecated SPDX ids that still appear: "GPL-2.0", "GPL-3.0+", "LGPL-2.1". */
    char id[LICENSE_SPDX_MAX];
    cs_strlcpy(id, spdx, sizeof id);
    size_t n = strlen(id);
    int plus = n > 0 && id[n - 1] == '+';
    if (plus) id[--n] = '\0';
    for (size_t r = 0; r < CS_ARRAY_LEN(rows); r++) {
        const char *row_id = rows[r].spdx;
        if (cs_ascii_ieq(id, n, row_id) && !plus) {
            fill_row(&rows[r], out);
            return CS_OK;
        }
        /* "GPL-2.0" matches "GPL-2.0-only", "GPL-2.0+" matches "GPL-2.0-or-later" */
        size_t rl = strlen(row_id);
        const char *suffix = plus ? "-or-later" : "-only";
        size_t sl = strlen(suffix);
        if (rl == n + sl && strncasecmp(row_id, id, n) == 0 && strcmp(row_id + n, suffix) == 0) {
            fill_row(&rows[r], out);
            return CS_OK;
        }
    }
    return CS_ENOTFOUND;
}
