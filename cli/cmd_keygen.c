/*
 * cmd_keygen.c - `clearset keygen --out KEY [--force]`: a new Ed25519 key
 * pair for signing exports, KEY (private, PEM PKCS#8, mode 0600) and KEY.pub
 * (public, PEM), and one JSON object naming both and the public key's
 * fingerprint (SHA-256 of its DER), which verify prints for the signer too.
 *
 * An existing KEY or KEY.pub is refused (exit 2) unless --force: a signing
 * key replaced by mistake cannot be got back.
 */
#include "cli/cli.h"
#include "dataset/manifest.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset keygen --out KEY [--force]\n\n"
                 "Writes a new Ed25519 key pair for signing exports: KEY, the private key\n"
                 "(PEM, readable by its owner only: mode 0600), and KEY.pub, the public key\n"
                 "(PEM). Prints {\"private_key\", \"public_key\", \"fingerprint\"}: the\n"
                 "fingerprint (SHA-256 of the public key) identifies the signer.\n\n"
                 "  --out KEY  where to write the private key (KEY.pub beside it)\n"
                 "  --force    replace KEY and KEY.pub if they exist (refused otherwise)\n");
}

int cmd_keygen(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    enum { OPT_OUT, OPT_FORCE };
    static const cli_option options[] = {
        {"--out", OPT_OUT, CLI_TEXT, 0, 0},
        {"--force", OPT_FORCE, CLI_FLAG, 0, 0},
    };
    const char *key_path = NULL;
    int force = 0, kind;
    cli_args args = cli_args_start("keygen", argc, argv, options, CS_ARRAY_LEN(options), 0);
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND)
            return cli_usage_error("keygen", "unexpected argument '%s'", args.value);
        if (args.id == OPT_OUT)
            key_path = args.value;
        else
            force = 1;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (key_path == NULL || key_path[0] == '\0')
        return cli_usage_error("keygen", "needs --out KEY");

    cs_error err = {0};
    char fingerprint[MANIFEST_FINGERPRINT_HEX];
    if (manifest_keygen(key_path, force, fingerprint, &err) != CS_OK) {
        if (err.code == CS_EEXIST)
            fprintf(stderr, "clearset keygen: %s (--force replaces it)\n", err.message);
        else
            cli_fail("keygen", &err);
        return cli_exit_status(err.code);
    }
    size_t n = strlen(key_path);
    char *pub_path = malloc(n + 5);
    if (pub_path == NULL) {
        fprintf(stderr, "clearset keygen: out of memory\n");
        return CLI_EXIT_RUNTIME;
    }
    snprintf(pub_path, n + 5, "%s.pub", key_path);
    json_t *o = json_pack("{s:s, s:s, s:s}", "private_key", key_path, "public_key", pub_path,
                          "fingerprint", fingerprint);
    free(pub_path);
    return cli_print_json("keygen", o, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
