/*
 * cmd_hash.c - `clearset hash [--exact] [--dihedral] FILE...`: one JSON object
 * per file on stdout with its SHA-256, PDQ hash and quality, pHash and size.
 *
 * A file that cannot be read or decoded gets {"file", "error"} instead (and a
 * line on stderr) and the others still print; the exit status is then 2. A
 * path that is not a regular file (a FIFO, a directory) is refused without
 * being opened for reading. --exact hashes the full-resolution pixels without
 * EXIF orientation, as the PDQ reference does.
 */
#include "cli/cli.h"
#include "dedup/dedup.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Largest image file hashed: far above any photo, small enough to hold in memory. */
#define HASH_MAX_FILE_BYTES (256u * 1024 * 1024)

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset hash [--exact] [--dihedral] [--max-pixels N] FILE...\n\n"
            "Prints one JSON object per file: file, sha256, pdq (64 hex), pdq_quality,\n"
            "phash (16 hex), width, height, format; or file and error when it cannot\n"
            "be decoded (exit status 2).\n\n"
            "  --exact         full-resolution decode, no EXIF orientation: the PDQ\n"
            "                  reference's input (bit-exact with its hashes)\n"
            "  --dihedral      also print pdq_dihedral: the 8 hashes of the image's\n"
            "                  rotations and flips, in the reference's order\n"
            "  --max-pixels N  refuse images whose header declares more pixels\n"
            "                  (default %llu)\n",
            (unsigned long long)DEDUP_DEFAULT_MAX_PIXELS);
}

static int print_hashes(const char *path, const dedup_hashes *h, int dihedral)
{
    char pdq_hex[PDQ_HEX_LEN + 1], phash_hex[PHASH_HEX_LEN + 1];
    pdq_hash_to_hex(&h->pdq, pdq_hex);
    phash_to_hex(h->phash, phash_hex);
    json_t *o =
        json_pack("{s:o, s:s, s:s, s:i, s:s, s:i, s:i, s:s}", "file", cli_json_text(path), "sha256",
                  h->sha256, "pdq", pdq_hex, "pdq_quality", h->pdq_quality, "phash", phash_hex,
                  "width", h->width, "height", h->height, "format", dedup_format_name(h->format));
    if (o && dihedral) {
        json_t *a = json_array();
        for (int t = 0; a && t < PDQ_DIH_COUNT; t++) {
            pdq_hash_to_hex(&h->dihedral[t], pdq_hex);
            if (json_array_append_new(a, json_string(pdq_hex)) != 0) {
                json_decref(a);
                a = NULL;
            }
        }
        if (a == NULL || json_object_set_new(o, "pdq_dihedral", a) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return cli_print_json("hash", o, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int cmd_hash(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    enum { OPT_EXACT, OPT_DIHEDRAL, OPT_MAX_PIXELS };
    static const cli_option options[] = {
        {"--exact", OPT_EXACT, CLI_FLAG, 0, 0},
        {"--dihedral", OPT_DIHEDRAL, CLI_FLAG, 0, 0},
        {"--max-pixels", OPT_MAX_PIXELS, CLI_COUNT, 1, CLI_MAX_PIXELS_LIMIT},
    };
    int exact = 0, dihedral = 0, kind;
    uint64_t max_pixels = DEDUP_DEFAULT_MAX_PIXELS;
    cli_args args = cli_args_start("hash", argc, argv, options, CS_ARRAY_LEN(options), 1);
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION) {
        if (args.id == OPT_EXACT)
            exact = 1;
        else if (args.id == OPT_DIHEDRAL)
            dihedral = 1;
        else
            max_pixels = args.number;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    int i = args.next - 1; /* the first FILE */
    if (kind == CLI_ARG_END) return cli_usage_error("hash", "no FILE given");

    int status = CLI_EXIT_OK;
    for (; i < argc; i++) {
        cs_error err;
        cs_error_clear(&err);
        unsigned char *bytes = NULL;
        size_t len = 0;
        int rc = cs_read_regular_file(argv[i], HASH_MAX_FILE_BYTES, &bytes, &len, &err);
        dedup_hashes h;
        if (rc == CS_OK) rc = dedup_hash_bytes(bytes, len, exact, max_pixels, &h, &err);
        free(bytes);
        if (rc != CS_OK) {
            const char *why = err.message[0] ? err.message : cs_strerror(rc);
            if (cli_print_file_error("hash", argv[i], why) != CLI_EXIT_OK) return CLI_EXIT_RUNTIME;
            /* a FILE that cannot be read is bad input here, not a runtime failure */
            int s = rc == CS_EIO ? CLI_EXIT_USAGE : cli_exit_status(rc);
            if (s > status) status = s;
            continue;
        }
        if (print_hashes(argv[i], &h, dihedral) != CLI_EXIT_OK) return CLI_EXIT_RUNTIME;
        fflush(stdout);
    }
    return status;
}
