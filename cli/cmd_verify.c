/*
 * cmd_verify.c - `clearset verify DIR [--pubkey KEY]`: is DIR exactly what its
 * signer exported? manifest_verify_dir checks the signature of manifest.json,
 * every listed file's size and SHA-256, and that nothing unlisted (and no
 * symlink) is there; this file prints its report.
 *
 * stdout: one JSON object {"dir", "ok", "signature" ("valid"/"invalid"),
 * "fingerprint" (of the key used, or null), "trusted_key" (whether the key
 * came from --pubkey), "files_checked", "problems": [{"path", "message"}]}.
 * stderr: each problem as "DIR/PATH: MESSAGE", and, without --pubkey, that
 * the key inside the folder (signer.pub) was trusted: that proves the folder
 * is intact, not who signed it.
 * Exit: 0 all holds, 1 a problem, 2 bad usage or not an export folder (no
 * manifest.json) or an unusable --pubkey, 3 a runtime failure.
 */
#include "cli/cli.h"
#include "dataset/manifest.h"

#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset verify DIR [--pubkey KEY]\n\n"
                 "Checks that the export folder DIR is exactly what was signed: the Ed25519\n"
                 "signature (manifest.sig) over manifest.json, every listed file's size and\n"
                 "SHA-256, and that no unlisted file, symlink or other non-regular file is\n"
                 "there. Prints one JSON object (dir, ok, signature, fingerprint, trusted_key,\n"
                 "files_checked, problems) and each problem on stderr, naming the file.\n\n"
                 "  --pubkey KEY  the signer's public key (KEY.pub from keygen); without it\n"
                 "                the folder's own signer.pub is trusted, which shows the\n"
                 "                folder is intact but not who signed it\n\n"
                 "Exit status: 0 all holds, 1 something is wrong, 2 bad usage or not an\n"
                 "export folder, 3 a runtime failure.\n");
}

static json_t *report_json(const char *dir, const manifest_report *r, int ok)
{
    json_t *problems = json_array();
    for (size_t i = 0; problems && i < r->problem_count; i++) {
        json_t *p = json_object();
        if (p == NULL || json_object_set_new(p, "path", cli_json_text(r->problems[i].path)) != 0 ||
            json_object_set_new(p, "message", cli_json_text(r->problems[i].message)) != 0 ||
            json_array_append_new(problems, p) != 0) {
            json_decref(problems);
            return NULL;
        }
    }
    if (problems == NULL) return NULL;
    return json_pack("{s:o, s:b, s:s, s:o, s:b, s:I, s:o}", "dir", cli_json_text(dir), "ok", ok,
                     "signature", r->signature_ok ? "valid" : "invalid", "fingerprint",
                     r->fingerprint[0] ? json_string(r->fingerprint) : json_null(), "trusted_key",
                     r->trusted_key_given, "files_checked", (json_int_t)r->files_checked,
                     "problems", problems);
}

int cmd_verify(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    enum { OPT_PUBKEY };
    static const cli_option options[] = {
        {"--pubkey", OPT_PUBKEY, CLI_TEXT, 0, 0},
    };
    const char *dir = NULL, *pubkey = NULL;
    int kind;
    cli_args args = cli_args_start("verify", argc, argv, options, CS_ARRAY_LEN(options), 0);
    while ((kind = cli_args_next(&args)) > CLI_ARG_END) {
        if (kind == CLI_ARG_OPERAND && dir)
            return cli_usage_error("verify", "unexpected argument '%s'", args.value);
        else if (kind == CLI_ARG_OPERAND)
            dir = args.value;
        else
            pubkey = args.value;
    }
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    if (dir == NULL) return cli_usage_error("verify", "needs a DIR to check");
    if (pubkey && pubkey[0] == '\0') return cli_usage_error("verify", "--pubkey needs a file");

    cs_error err = {0};
    manifest_report report;
    if (manifest_verify_dir(dir, pubkey, &report, &err) != CS_OK) {
        manifest_report_free(&report);
        return cli_fail("verify", &err);
    }
    int ok = report.signature_ok && report.problem_count == 0;
    size_t dir_len = strlen(dir);
    const char *slash = dir_len > 0 && dir[dir_len - 1] == '/' ? "" : "/";
    for (size_t i = 0; i < report.problem_count; i++)
        fprintf(stderr, "clearset verify: %s%s%s: %s\n", dir, slash, report.problems[i].path,
                report.problems[i].message);
    if (!pubkey && report.fingerprint[0])
        fprintf(stderr,
                "clearset verify: trusted the key inside the folder (%s%ssigner.pub, fingerprint "
                "%s); pass --pubkey KEY.pub to check who signed it\n",
                dir, slash, report.fingerprint);
    if (ok)
        fprintf(stderr, "clearset verify: %s: signature valid; all %zu listed files match\n", dir,
                report.files_checked);
    int status =
        cli_print_json("verify", report_json(dir, &report, ok), JSON_COMPACT | JSON_PRESERVE_ORDER);
    manifest_report_free(&report);
    if (status != CLI_EXIT_OK) return status;
    return ok ? CLI_EXIT_OK : CLI_EXIT_FOUND;
}
