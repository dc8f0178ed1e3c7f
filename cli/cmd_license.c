/*
 * cmd_license.c - `clearset license FILE...`: the rights metadata embedded in
 * image files, one JSON object per file and line, fields named as
 * `exiftool -j -G1 -n -struct` names them, then the normalised licence.
 *
 * Exit status: 0 when every file was read; 2 when a file could not be read
 * or is not a JPEG, PNG or WebP. Such a file's line carries "error": one that
 * was read keeps its other fields (all empty), one that was not (a FIFO or a
 * directory is refused before it is opened) has only "file" and "error", as
 * in `clearset hash`.
 */
#include "cli/cli.h"
#include "license/license.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LICENSE_NOT_AN_IMAGE "not a JPEG, PNG or WebP file"

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset license FILE...\n\n"
                 "Prints one JSON object per file: \"file\", every embedded rights field\n"
                 "(XMP, IPTC-IIM, EXIF IFD0) under ExifTool's name (exiftool -j -G1 -n -struct),\n"
                 "then \"license\" {spdx, url, family, version, jurisdiction} or null,\n"
                 "\"rights_claim\", \"data_mining\", \"ai_generated\", \"attribution\" and\n"
                 "\"training_mining\" (C2PA / CAWG training-and-data-mining entries).\n"
                 "ICC profile copyrights are never reported as the image's.\n"
                 "A file that cannot be read (a FIFO or directory is refused unopened) or is\n"
                 "not a JPEG, PNG or WebP gets \"error\" too, and the exit status is 2.\n");
}

int cmd_license(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    cli_args args = cli_args_start("license", argc, argv, NULL, 0, 1);
    int kind = cli_args_next(&args); /* no options: only "--" or an unknown one */
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (kind == CLI_ARG_END) return cli_usage_error("license", "needs at least one FILE");
    int status = CLI_EXIT_OK;
    for (int i = args.next - 1; i < argc; i++) {
        cs_error err = {0};
        unsigned char *bytes = NULL;
        size_t len = 0;
        int rc = cs_read_regular_file(argv[i], LICENSE_MAX_FILE_BYTES, &bytes, &len, &err);
        license_embedded emb;
        memset(&emb, 0, sizeof emb);
        if (rc == CS_OK) rc = license_read_embedded(bytes, len, &emb, &err);
        free(bytes);
        if (rc != CS_OK) {
            license_embedded_free(&emb);
            if (cli_print_file_error("license", argv[i],
                                     err.message[0] ? err.message : cs_strerror(rc)) != CLI_EXIT_OK)
                return CLI_EXIT_RUNTIME;
            int s = rc == CS_ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_USAGE;
            if (s > status) status = s;
            continue;
        }
        json_t *obj = license_embedded_json(&emb, argv[i]);
        if (obj && !emb.media_type) {
            fprintf(stderr, "clearset license: %s: %s\n", argv[i], LICENSE_NOT_AN_IMAGE);
            if (json_object_set_new(obj, "error", json_string(LICENSE_NOT_AN_IMAGE)) != 0) {
                json_decref(obj);
                obj = NULL;
            }
            status = CS_MAX(status, CLI_EXIT_USAGE);
        }
        license_embedded_free(&emb);
        if (cli_print_json("license", obj, JSON_COMPACT | JSON_PRESERVE_ORDER) != CLI_EXIT_OK)
            return CLI_EXIT_RUNTIME;
    }
    return status;
}
