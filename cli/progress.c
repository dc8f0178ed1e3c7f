/*
 * progress.c - the one way a long-running command (crawl, dedup, export,
 * train, audit) shows how far it is: a bar on a terminal, JSON Lines with
 * --json-progress, nothing otherwise (so logs stay clean).
 *
 * A command fills a cli_progress with cli_progress_start, asks
 * cli_progress_due before building an update (the rate limit lives here:
 * at most one update every CLI_PROGRESS_INTERVAL_MS, and the final one
 * always) and hands it to cli_progress_show. Both outputs go to stderr;
 * stdout keeps only the command's results, the same with or without the
 * flag. With --json-progress there is no bar, terminal or not.
 *
 * The JSON progress format (documented once, here; the commands' --help and
 * the README point to it): one object per line,
 *
 *   {"progress":"COMMAND","unit":"...","done":N,"total":M, FIELDS...,
 *    "elapsed_s":X,"final":false}
 *
 * - progress: the command (crawl, dedup, export, train, audit);
 * - unit: what done and total count (crawl: requests, dedup: images to
 *   hash, export: images, train: steps, audit: images);
 * - done, total: 0 <= done <= total, done never decreasing; total is what is
 *   known when the line is written (crawl: requests made plus URLs queued,
 *   so it moves as pages add URLs and skipped ones leave; audit: the image files found);
 * - FIELDS: the command's own counters (crawl: requests, pages, images,
 *   bytes, errors, refused, disallowed, excluded, hosts, hosts_active,
 *   queued; dedup: hashed, failed, and on the final line images and
 *   clusters; export: images written, and cleared, duplicates, bytes on the
 *   final line; train: step, steps, d_loss, g_loss, images_per_s, eta_s; audit:
 *   checked, risky);
 * - elapsed_s: seconds since the command started its work;
 * - final: true on the last line of a run that produced its result (also a
 *   crawl or training stopped by a limit or Ctrl-C), which carries the same
 *   figures as the stdout summary. A run that fails ends without one; its
 *   message is on stderr as usual.
 *
 * stderr also holds the command's usual messages ("clearset COMMAND: ..."):
 * progress lines are exactly the lines that start with '{'.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Updates shown at most this often (the final one aside): a bar that moves
 * smoothly, a JSON stream of at most ~4 lines a second however big the run. */
#define CLI_PROGRESS_INTERVAL_MS 250
#define CLI_PROGRESS_BAR_WIDTH   40  /* the bar's width when the terminal has room */
#define CLI_PROGRESS_BAR_MIN     10  /* narrower than this says nothing */
#define CLI_PROGRESS_TAIL_MAX    256 /* "done/total EXTRA", cut there */

/* The terminal's width in columns, or 0 when it is not known. */
static int terminal_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0) return 0;
    return ws.ws_col;
}

/* "\rCOMMAND [####    ] done/total EXTRA" fitted to the terminal's width when it is
 * known (a narrower bar, then the text cut), so the line never wraps: a wrapped line
 * cannot be redrawn in place. */
static void draw_bar(const char *command, uint64_t done, uint64_t total, const char *extra)
{
    char tail[CLI_PROGRESS_TAIL_MAX];
    snprintf(tail, sizeof tail, "%llu/%llu%s", (unsigned long long)done, (unsigned long long)total,
             extra ? extra : "");
    int width = CLI_PROGRESS_BAR_WIDTH, columns = terminal_columns();
    int fixed = (int)strlen(command) + 4; /* " [", "] " */
    if (columns > 0) {
        width =
            CS_MAX(CLI_PROGRESS_BAR_MIN, CS_MIN(width, columns - 1 - fixed - (int)strlen(tail)));
        int room = columns - 1 - fixed - width;
        if (room >= 0 && (size_t)room < strlen(tail)) tail[room] = '\0';
    }
    int filled = total ? (int)((double)CS_MIN(done, total) * width / (double)total) : width;
    /* "\033[K" clears what a longer line before left behind */
    fprintf(stderr, "\r%s [%.*s%*s] %s\033[K", command, filled,
            "########################################", width - filled, "", tail);
    fflush(stderr);
}

void cli_progress_bar(const char *command, size_t done, size_t total, const char *extra)
{
    draw_bar(command, done, total, extra);
    if (done >= total) fputc('\n', stderr);
}

void cli_progress_start(cli_progress *p, const char *command, const char *unit,
                        const cli_context *ctx, int json)
{
    memset(p, 0, sizeof *p);
    p->command = command;
    p->unit = unit;
    p->json = json;
    p->bar = !json && ctx->stderr_is_tty;
    p->started_ns = cs_monotonic_ns();
}

int cli_progress_due(const cli_progress *p, int final)
{
    if (!p->json && !p->bar) return 0;
    if (final || !p->shown) return 1;
    return cs_monotonic_ns() - p->last_ns >= (int64_t)CLI_PROGRESS_INTERVAL_MS * 1000000;
}

static void print_json(cli_progress *p, uint64_t done, uint64_t total, json_t *fields, int final)
{
    double elapsed = (double)(p->last_ns - p->started_ns) / 1e9;
    json_t *line = json_pack("{s:s, s:s, s:I, s:I}", "progress", p->command, "unit", p->unit,
                             "done", (json_int_t)done, "total", (json_int_t)total);
    if (line && fields && json_object_update(line, fields) != 0) {
        json_decref(line);
        line = NULL;
    }
    if (line && (json_object_set_new(line, "elapsed_s", json_real(elapsed)) != 0 ||
                 json_object_set_new(line, "final", json_boolean(final)) != 0)) {
        json_decref(line);
        line = NULL;
    }
    char *text =
        line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(line);
    if (text == NULL) return; /* out of memory: a progress line is not worth failing for */
    fprintf(stderr, "%s\n", text);
    fflush(stderr);
    free(text);
}

void cli_progress_show(cli_progress *p, uint64_t done, uint64_t total, int final, json_t *fields,
                       const char *bar_extra)
{
    if (!cli_progress_due(p, final)) {
        json_decref(fields);
        return;
    }
    /* the promises of the format: done never goes back, never passes total */
    if (done < p->done) done = p->done;
    if (total < done) total = done;
    p->done = done;
    p->shown = 1;
    p->last_ns = cs_monotonic_ns();
    if (p->json) {
        print_json(p, done, total, fields, final);
    } else {
        draw_bar(p->command, done, total, bar_extra);
        p->bar_open = !final;
        if (final) fputc('\n', stderr);
    }
    json_decref(fields);
}

void cli_progress_break(cli_progress *p)
{
    if (p->bar_open) fputc('\n', stderr);
    p->bar_open = 0;
}
