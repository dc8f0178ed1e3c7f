/*
 * cmd_robots.c - `clearset robots check ROBOTS_FILE AGENT URL...`: how a
 * robots.txt file treats a crawler, one line per URL on stdout
 * ("allowed<TAB>URL" or "disallowed<TAB>URL"), with RFC 9309 semantics as
 * Google's reference parser applies them (robots/robots.h).
 *
 * Exit status: 0 when every URL is allowed, 1 when any is disallowed, 2 for
 * bad usage or an unreadable file. An AGENT that is not a valid product token
 * is still answered, the way the reference answers it, with a warning on
 * stderr: site owners use this to see how their file treats such crawlers.
 */
#include "cli/cli.h"
#include "robots/robots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clearset robots check [--explain] ROBOTS_FILE AGENT URL...\n\n"
            "Prints, for each URL, 'allowed<TAB>URL' or 'disallowed<TAB>URL': what the\n"
            "robots.txt in ROBOTS_FILE says to the crawler whose product token is AGENT\n"
            "(RFC 9309, matched as Google's open-source reference parser matches).\n"
            "Only the first %d KiB of the file are read, as crawlers do.\n\n"
            "  --explain   also print, on stderr, the line and rule that decided each URL\n\n"
            "AGENT should be a product token: letters, '-' and '_' only (e.g. %s).\n"
            "Other values are answered as the reference would and draw a warning.\n\n"
            "exit status: 0 all allowed, 1 some URL disallowed, 2 bad usage or input\n",
            ROBOTS_MAX_BYTES / 1024, ROBOTS_OWN_AGENT);
}

/* Reads at most ROBOTS_MAX_BYTES + 1 bytes, so that robots_parse sees a longer file as such. */
static int read_prefix(const char *path, char **out, size_t *out_len, cs_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return cs_error_set(err, CS_EINVAL, "cannot read %s: %s", path, strerror(errno));
    size_t cap = (size_t)ROBOTS_MAX_BYTES + 1;
    char *bytes = malloc(cap);
    if (bytes == NULL) {
        fclose(f);
        return cs_error_set(err, CS_ENOMEM, "out of memory reading %s", path);
    }
    size_t len = fread(bytes, 1, cap, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(bytes);
        return cs_error_set(err, CS_EINVAL, "cannot read %s", path);
    }
    *out = bytes;
    *out_len = len;
    return CS_OK;
}

/* argv[0] is "check". */
static int run_check(int argc, char **argv)
{
    static const cli_option options[] = {{"--explain", 0, CLI_FLAG, 0, 0}};
    cli_args args = cli_args_start("robots", argc, argv, options, CS_ARRAY_LEN(options), 1);
    int explain = 0, kind;
    while ((kind = cli_args_next(&args)) == CLI_ARG_OPTION)
        explain = 1;
    if (kind == CLI_ARG_ERROR) return CLI_EXIT_USAGE;
    int i = kind == CLI_ARG_OPERAND ? args.next - 1 : argc; /* ROBOTS_FILE */
    if (argc - i < 3)
        return cli_usage_error("robots", "check needs ROBOTS_FILE, AGENT and at least one URL");
    const char *path = argv[i], *agent = argv[i + 1];

    if (!robots_agent_is_valid(agent))
        fprintf(stderr,
                "clearset robots: warning: '%s' is not a valid product token (letters, '-' "
                "and '_' only); answering as the reference parser does: it compares the whole "
                "of it with each user-agent value cut at its first other character, so it "
                "usually matches only the '*' group\n",
                agent);

    cs_error err;
    cs_error_clear(&err);
    char *bytes = NULL;
    size_t len = 0;
    robots_rules *rules = NULL;
    int rc = read_prefix(path, &bytes, &len, &err);
    if (rc == CS_OK) rc = robots_parse(bytes, len, &rules, &err);
    free(bytes);
    if (rc) return cli_fail("robots", &err);
    if (robots_truncated(rules))
        fprintf(stderr, "clearset robots: warning: %s is longer than %d KiB; the rest is ignored\n",
                path, ROBOTS_MAX_BYTES / 1024);

    int status = CLI_EXIT_OK;
    for (int u = i + 2; u < argc; u++) {
        robots_match match;
        robots_check(rules, agent, argv[u], &match);
        printf("%s\t%s\n", match.allowed ? "allowed" : "disallowed", argv[u]);
        if (!match.allowed) status = CLI_EXIT_FOUND;
        if (explain) {
            const char *group = match.specific ? "the group naming the agent" : "the '*' group";
            if (match.line > 0)
                fprintf(stderr, "%s: line %d, %s: %s, in %s\n", argv[u], match.line,
                        match.rule_is_allow ? "allow" : "disallow", match.pattern, group);
            else
                fprintf(stderr, "%s: no rule matches (%s)\n", argv[u],
                        match.allowed ? "allowed by default" : "everything disallowed");
        }
    }
    robots_free(rules);
    if (fflush(stdout) != 0) return CLI_EXIT_RUNTIME;
    return status;
}

int cmd_robots(cli_context *ctx, int argc, char **argv)
{
    (void)ctx;
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "check") == 0) return run_check(argc - 1, argv + 1);
    return cli_usage_error("robots", "unknown subcommand '%s'", argv[1]);
}
