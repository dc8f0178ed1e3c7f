/*
 * cmd_clear.c - `clearset clear [--policy NAME|FILE]`: decides every image in
 * the catalog (cleared, blocked or unknown), stores each verdict with its
 * reasons and prints one JSON line per image.
 *
 * Laundering needs the verdicts of cluster mates, so images are decided in
 * rounds: the first round decides everything; later rounds redecide the
 * images that have cluster mates, now that the mates' verdicts are stored,
 * until nothing changes (a cluster chain needs at most as many rounds as it
 * has members; CLEAR_MAX_ROUNDS bounds it).
 */
#include "cli/clearance.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#define CLEAR_MAX_ROUNDS 8 /* laundering propagates one cluster hop per round */

static void usage(FILE *out)
{
    fprintf(out, "usage: clearset [--catalog PATH] clear [--policy NAME|FILE]\n\n"
                 "Decides every image in the catalog: cleared, blocked or unknown, with reasons,\n"
                 "and stores the verdicts. One JSON object per image on stdout.\n\n"
                 "  --policy NAME|FILE  strict (default: CC0, PDM, CC BY), open (adds CC BY-SA),\n"
                 "                      research (adds the NC variants), or a JSON policy file:\n"
                 "                      {\"accept\": [\"CC-BY\", \"MIT\", ...], \"page_wide\":\n"
                 "                      \"same-host\"|\"any\"|\"never\", "
                 "\"require_attribution_name\": false}\n");
}

static int store(catalog *cat, const license_policy *policy, const cli_decision *d, cs_error *err)
{
    char *attribution =
        d->verdict.attribution ? json_dumps(d->verdict.attribution, JSON_COMPACT) : NULL;
    char *reasons = json_dumps(d->verdict.reasons, JSON_COMPACT);
    int rc = catalog_put_verdict(
        cat, d->facts.image_id, license_policy_name(policy), license_verdict_name(d->verdict.kind),
        d->verdict.has_license ? d->verdict.license.spdx : NULL, attribution, reasons, err);
    free(attribution);
    free(reasons);
    return rc;
}

int cmd_clear(cli_context *ctx, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const char *policy_name = "strict";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy_name = argv[++i];
        else if (strncmp(argv[i], "--policy=", 9) == 0)
            policy_name = argv[i] + 9;
        else
            return cli_usage_error("clear", "unexpected argument '%s'", argv[i]);
    }
    cs_error err = {0};
    license_policy *policy = NULL;
    if (license_policy_load(policy_name, &policy, &err) != CS_OK) return cli_fail("clear", &err);
    catalog *cat = NULL;
    if (catalog_open(ctx->catalog_path, &cat, &err) != CS_OK) {
        license_policy_free(policy);
        return cli_fail("clear", &err);
    }
    int64_t *ids = NULL;
    size_t count = 0;
    int rc = catalog_clearance_images(cat, &ids, &count, &err);
    unsigned char *kinds = calloc(count ? count : 1, 1);
    unsigned char *has_mates = calloc(count ? count : 1, 1);
    if (rc == CS_OK && (!kinds || !has_mates))
        rc = cs_error_set(&err, CS_ENOMEM, "clear: out of memory");
    int changed = 1;
    for (int round = 0; rc == CS_OK && changed && round < CLEAR_MAX_ROUNDS; round++) {
        changed = 0;
        rc = catalog_begin(cat, &err);
        for (size_t i = 0; rc == CS_OK && i < count; i++) {
            if (round > 0 && !has_mates[i]) continue;
            cli_decision d;
            rc = cli_decide(cat, policy, ids[i], &d, &err);
            if (rc != CS_OK) break;
            has_mates[i] = d.facts.near_count > 0;
            if (round > 0 && kinds[i] != (unsigned char)d.verdict.kind) changed = 1;
            kinds[i] = (unsigned char)d.verdict.kind;
            rc = store(cat, policy, &d, &err);
            if (round == 0) changed |= has_mates[i];
            cli_decision_free(&d);
        }
        if (rc == CS_OK)
            rc = catalog_commit(cat, &err);
        else
            catalog_rollback(cat);
    }
    size_t totals[3] = {0, 0, 0};
    for (size_t i = 0; rc == CS_OK && i < count; i++) {
        /* print the final verdicts (the stored ones), one line per image */
        cli_decision d;
        rc = cli_decide(cat, policy, ids[i], &d, &err);
        if (rc != CS_OK) break;
        totals[d.verdict.kind]++;
        json_t *obj = cli_decision_json(&d, policy);
        char *line = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (line) printf("%s\n", line);
        free(line);
        json_decref(obj);
        cli_decision_free(&d);
    }
    if (rc == CS_OK)
        fprintf(stderr,
                "clearset clear: %zu images under policy %s: %zu cleared, %zu blocked, "
                "%zu unknown\n",
                count, license_policy_name(policy), totals[LICENSE_VERDICT_CLEARED],
                totals[LICENSE_VERDICT_BLOCKED], totals[LICENSE_VERDICT_UNKNOWN]);
    free(ids);
    free(kinds);
    free(has_mates);
    catalog_close(cat);
    license_policy_free(policy);
    return rc == CS_OK ? CLI_EXIT_OK : cli_fail("clear", &err);
}
