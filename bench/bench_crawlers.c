/*
 * bench_crawlers - lines per second of `clearset crawlers` over a generated
 * access log, against `grep -c -F GPTBot` over the same file in the same run
 * (what a site owner types to count one crawler's hits; the target is at
 * least half grep's speed).
 *
 *   bench_crawlers [CLEARSET_BIN]   (default: $CLEARSET_BUILD/cli/clearset, as bench/run sets)
 *
 * The log (BENCH_LINES lines of nginx combined format: a third AI crawlers of
 * a dozen kinds, the rest browsers with a few hundred distinct User-Agents,
 * some paths under /private/, which the generated robots.txt disallows for
 * GPTBot and CCBot) is written to a temporary directory that is removed at
 * the end. Both programs are started with posix_spawn (stdout to a file, see
 * out_path; LC_ALL=C, grep's fastest locale) after one warm-up run each that
 * brings the file into the page cache; BENCH_ROUNDS rounds alternate them and
 * the median wall time of each counts, and the median CPU time (user +
 * system, which a busy machine disturbs less).
 */
#include "common/common.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define BENCH_LINES  1000000
#define BENCH_ROUNDS 5

extern char **environ;

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static const char *const ai_agents[] = {
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
    "+https://openai.com/gptbot)",
    "CCBot/2.0 (https://commoncrawl.org/faq/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; "
    "+claudebot@anthropic.com)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile "
    "Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mozilla/5.0 (compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; "
    "+https://perplexity.ai/perplexitybot)",
    "meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; "
    "+https://openai.com/bot)",
    "Mozilla/5.0 (compatible; Diffbot/0.1; +http://www.diffbot.com)",
    "Scrapy/2.11.2 (+https://scrapy.org)",
    "img2dataset",
    "Mozilla/5.0 (compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot)",
};

static const char *const paths[] = {
    "/",
    "/index.html",
    "/blog/2026/10/spring.html",
    "/images/harbour.jpg",
    "/images/fern.png",
    "/private/drafts/a.html",
    "/private/photos/raw-0042.jpg",
    "/css/site.css",
    "/js/app.js",
    "/search?q=lighthouse&page=2",
    "/feed.xml",
    "/robots.txt",
    "/favicon.ico",
};

static int write_log(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const int statuses[] = {200, 200, 200, 200, 200, 304, 301, 404, 403, 500};
    long t = 0;
    for (long i = 0; i < BENCH_LINES; i++) {
        t += rng() % 16 == 0; /* seconds since the first line: ~16 requests a second */
        long day = t / 86400 % 28 + 1, month = t / (86400 * 28) % 12;
        char ua[256];
        if (rng() % 3 == 0)
            snprintf(ua, sizeof ua, "%s", ai_agents[rng() % CS_ARRAY_LEN(ai_agents)]);
        else /* a few hundred browser User-Agents */
            snprintf(ua, sizeof ua,
                     "Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%u.0.%u.0 "
                     "Safari/537.36",
                     rng() % 2 ? "Windows NT 10.0; Win64; x64" : "X11; Linux x86_64",
                     110 + rng() % 20, 5000 + rng() % 10);
        fprintf(f,
                "%u.%u.%u.%u - - [%02ld/%s/2026:%02ld:%02ld:%02ld +0000] \"GET %s HTTP/1.1\" %d "
                "%u \"-\" \"%s\"\n",
                rng() % 223 + 1, rng() % 256, rng() % 256, rng() % 256, day, months[month],
                t / 3600 % 24, t / 60 % 60, t % 60, paths[rng() % CS_ARRAY_LEN(paths)],
                statuses[rng() % CS_ARRAY_LEN(statuses)], rng() % 200000, ua);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Where the programs' output goes: a file, as GNU grep stops at the first match when its
 * stdout is /dev/null (nothing would be read), which would time nothing. */
static char out_path[4200];

/* Wall seconds of one run of argv (stdout to out_path), its CPU seconds (user + system) in
 * *cpu; -1 when it could not run. */
static double run(char *const argv[], double *cpu, int *exit_status)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    int64_t start = cs_monotonic_ns();
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return -1;
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    *cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
    return (double)(cs_monotonic_ns() - start) / 1e9;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    char bin[4096];
    if (argc > 1)
        cs_strlcpy(bin, argv[1], sizeof bin);
    else if (getenv("CLEARSET_BUILD"))
        snprintf(bin, sizeof bin, "%s/cli/clearset", getenv("CLEARSET_BUILD"));
    else {
        fprintf(stderr, "usage: bench_crawlers CLEARSET_BIN (or run it through bench/run)\n");
        return 2;
    }
    char dir[] = "/tmp/bench_crawlers.XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 3;
    }
    char log[4200], robots[4200];
    snprintf(log, sizeof log, "%s/access.log", dir);
    snprintf(robots, sizeof robots, "%s/robots.txt", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    static const char robots_txt[] = "User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /private/\n"
                                     "\nUser-agent: *\nAllow: /\n";
    int failed = write_log(log) != 0 ||
                 cs_write_file_atomic(robots, robots_txt, sizeof robots_txt - 1, NULL) != CS_OK;
    setenv("LC_ALL", "C", 1);
    char *clearset_argv[] = {bin, "crawlers", log, "--robots", robots, NULL};
    char *grep_argv[] = {"grep", "-c", "-F", "GPTBot", log, NULL};
    double ours[BENCH_ROUNDS], grep[BENCH_ROUNDS], ours_cpu[BENCH_ROUNDS], grep_cpu[BENCH_ROUNDS];
    double cpu = 0;
    int status = 0;
    if (!failed) { /* warm-up: the page cache, and a check that both run */
        failed = run(clearset_argv, &cpu, &status) < 0 || status > 1;
        if (!failed) failed = run(grep_argv, &cpu, &status) < 0 || status > 1;
    }
    for (int r = 0; r < BENCH_ROUNDS && !failed; r++) {
        ours[r] = run(clearset_argv, &ours_cpu[r], &status);
        failed |= ours[r] < 0 || status > 1;
        grep[r] = run(grep_argv, &grep_cpu[r], &status);
        failed |= grep[r] < 0 || status > 1;
    }
    unlink(log);
    unlink(robots);
    unlink(out_path);
    rmdir(dir);
    if (failed) {
        fprintf(stderr, "bench_crawlers: a run failed (%s exit %d)\n", bin, status);
        return 3;
    }
    qsort(ours, BENCH_ROUNDS, sizeof *ours, by_value);
    qsort(grep, BENCH_ROUNDS, sizeof *grep, by_value);
    qsort(ours_cpu, BENCH_ROUNDS, sizeof *ours_cpu, by_value);
    qsort(grep_cpu, BENCH_ROUNDS, sizeof *grep_cpu, by_value);
    double o = ours[BENCH_ROUNDS / 2], g = grep[BENCH_ROUNDS / 2];
    double oc = ours_cpu[BENCH_ROUNDS / 2], gc = grep_cpu[BENCH_ROUNDS / 2];
    printf("access log: %d lines (combined format), median of %d runs each\n", BENCH_LINES,
           BENCH_ROUNDS);
    printf("clearset crawlers --robots: %.3f s wall (%.2f M lines/s), %.3f s CPU\n", o,
           BENCH_LINES / o / 1e6, oc);
    printf("grep -c -F GPTBot:          %.3f s wall (%.2f M lines/s), %.3f s CPU\n", g,
           BENCH_LINES / g / 1e6, gc);
    printf("ratio (clearset / grep speed): %.2fx wall, %.2fx CPU  (target >= 0.5x)\n", g / o,
           gc / oc);
    return 0;
}
