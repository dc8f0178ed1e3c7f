/*
 * cmd_license.c - `clearset license FILE...`: the rights metadata embedded in
 * image files, one JSON object per file and line, fields named as
 * `exiftool -j -G1 -n -struct` names them, then the normalised licence.
 *
 * Exit status: 0 when every file was read; 2 when a file could not be read
 * or is not a JPEG, PNG or WebP (its line is still printed when it was read).
 */
#include "cli/cli.h"
#include "license/license.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset license FILE...\n\n"
                 "Prints one JSON object per file: \"file\", every embedded rights field\n"
                 "(XMP, IPTC-IIM, EXIF IFD0) under ExifTool's name (exiftool -j -G1 -n -struct),\n"
                 "then \"license\" {spdx, url, family, version, jurisdiction} or null,\n"
                 "\"rights_claim\", \"data_mining\", \"ai_generated\", \"attribution\" and\n"
                 "\"training_mining\" (C2PA / CAWG training-and-data-mining entries).\n"
                 "ICC profile copyrights are never reported as the image's.\n");
}

int cmd_license(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0) first++;
    if (first >= argc) return cli_usage_error("license", "needs at least one FILE");
    int status = CLI_EXIT_OK;
    for (int i = first; i < argc; i++) {
        cs_error err = {0};
        unsigned char *bytes = NULL;
        size_t len = 0;
        int rc = cs_read_file(argv[i], LICENSE_MAX_FILE_BYTES, &bytes, &len, &err);
        if (rc != CS_OK) {
            cli_fail("license", &err);
            status = CLI_EXIT_USAGE;
            continue;
        }
        license_embedded emb;
        rc = license_read_embedded(bytes, len, &emb, &err);
        free(bytes);
        if (rc != CS_OK) {
            cli_fail("license", &err);
            license_embedded_free(&emb);
            status = rc == CS_ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_USAGE;
            continue;
        }
        if (!emb.media_type) {
            fprintf(stderr, "clearset license: %s: not a JPEG, PNG or WebP file\n", argv[i]);
            status = CLI_EXIT_USAGE;
        }
        json_t *obj = license_embedded_json(&emb, argv[i]);
        license_embedded_free(&emb);
        if (!obj) {
            fprintf(stderr, "clearset license: out of memory\n");
            return CLI_EXIT_RUNTIME;
        }
        char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(obj);
        if (line) {
            fputs(line, stdout);
            fputc('\n', stdout);
            free(line);
        }
    }
    return status;
}
