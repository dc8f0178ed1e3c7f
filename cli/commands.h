/*
 * commands.h - the table of subcommands, as an X-macro so that main.c's
 * dispatch and the top-level --help stay in one place.
 *
 * COMMAND(name, function, one-line summary). Add a line when a command lands;
 * a command that is not built yet does not appear.
 */
#include "cli/cli.h"

#ifndef COMMAND
#define COMMAND(name, function, summary) int function(cli_context *ctx, int argc, char **argv);
#define CLI_COMMANDS_UNDEF
#endif

COMMAND("status", cmd_status, "counts per host, per verdict, per licence")
COMMAND("crawl", cmd_crawl, "polite, resumable crawl into the catalog")
COMMAND("signals", cmd_signals,
        "signals URL [--bots]: AI opt-out signals for a URL and the decision, or per AI crawler")
COMMAND("crawlers", cmd_crawlers,
        "crawlers ACCESS_LOG...: which AI crawlers came, which ignored robots.txt")
COMMAND("robots", cmd_robots, "robots check ROBOTS_FILE AGENT URL...: what a robots.txt allows")
COMMAND("hash", cmd_hash, "SHA-256, PDQ and pHash of image files, as JSON lines")
COMMAND("dedup", cmd_dedup, "hash new images, cluster near duplicates, flag licence conflicts")
COMMAND("license", cmd_license, "the rights metadata embedded in image files, as JSON lines")
COMMAND("clear", cmd_clear, "decides every image: cleared, blocked or unknown, with reasons")
COMMAND("explain", cmd_explain, "the evidence and reasoning behind one image's verdict")
COMMAND("export", cmd_export, "the cleared images as a dataset folder: metadata, attribution, card")
COMMAND("keygen", cmd_keygen, "keygen --out KEY: an Ed25519 key pair for signing exports")
COMMAND("verify", cmd_verify, "verify DIR: an export's signature, file hashes and nothing extra")
COMMAND("train", cmd_train, "trains the GAN on a verified export only; model card beside it")
COMMAND("protect", cmd_protect, "registers protected works (also --list, --remove ID)")
COMMAND("audit", cmd_audit, "checks images against the protected works; JSON and HTML report")
COMMAND("generate", cmd_generate,
        "samples a trained model: labelled PNGs, audited for copies and memorisation")
COMMAND("report", cmd_report,
        "report --out FILE.html: the catalog as one page: hosts, signals, verdicts, thumbnails")
COMMAND("demo", cmd_demo, "the whole pipeline on the bundled sample site, on loopback")
COMMAND("migrate", cmd_migrate, "migrate --from DB --to postgresql://...: copies a catalog across")

#ifdef CLI_COMMANDS_UNDEF
#undef COMMAND
#undef CLI_COMMANDS_UNDEF
#endif
