/*
 * bench_license - files per second for reading rights metadata: `clearset
 * license` against `exiftool -j -G1 -n -struct` on the same files in the same
 * run, plus the library alone (license_read_embedded on bytes in memory).
 *
 *   bench_license CLEARSET_BIN DIR...   (bench/license.sh passes the fixtures
 *                                        and the images the machine has)
 *
 * Both programs get every file in one invocation (argument lists of at most
 * BENCH_BATCH files), so process start-up is paid the same way; each is run
 * BENCH_ROUNDS times and the best round counts. Output goes to /dev/null.
 */
#include "license/license.h"

#include <dirent.h>
#include <fnmatch.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#define BENCH_MAX_FILES   2000       /* files measured */
#define BENCH_MAX_SIZE    (4u << 20) /* skip larger files: the corpus is metadata, not pixels */
#define BENCH_BATCH       500        /* files per process invocation */
#define BENCH_ROUNDS      3
#define BENCH_LIB_SECONDS 1.0 /* minimum time for the in-process loop */

extern char **environ;

typedef struct corpus {
    char **paths;
    size_t count, cap;
} corpus;

static int is_image_name(const char *name)
{
    static const char *const globs[] = {"*.[jJ][pP][gG]", "*.[jJ][pP][eE][gG]", "*.[pP][nN][gG]",
                                        "*.[wW][eE][bB][pP]"};
    for (size_t i = 0; i < CS_ARRAY_LEN(globs); i++)
        if (fnmatch(globs[i], name, 0) == 0) return 1;
    return 0;
}

static void scan_corpus(corpus *c, const char *dir, int depth)
{
    DIR *d = depth < 10 ? opendir(dir) : NULL;
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) && c->count < BENCH_MAX_FILES) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            scan_corpus(c, path, depth + 1);
        else if (S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= BENCH_MAX_SIZE &&
                 is_image_name(e->d_name)) {
            if (cs_array_reserve((void **)&c->paths, &c->cap, c->count, sizeof *c->paths, 0) ==
                    CS_OK &&
                (c->paths[c->count] = strdup(path)) != NULL)
                c->count++;
        }
    }
    closedir(d);
}

/* Runs program with fixed args then files[from..to), stdout/stderr to /dev/null. */
static int run_batch(const char *const *fixed, size_t nfixed, char **files, size_t from, size_t to)
{
    size_t n = nfixed + (to - from) + 1;
    char **argv = calloc(n, sizeof *argv);
    for (size_t i = 0; i < nfixed; i++)
        argv[i] = (char *)fixed[i];
    for (size_t i = from; i < to; i++)
        argv[nfixed + i - from] = files[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    if (rc != 0) return -1;
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static double best_rate(const char *const *fixed, size_t nfixed, corpus *c)
{
    double best = 0;
    for (int round = 0; round < BENCH_ROUNDS; round++) {
        int64_t t0 = cs_monotonic_ns();
        for (size_t from = 0; from < c->count; from += BENCH_BATCH)
            if (run_batch(fixed, nfixed, c->paths, from, CS_MIN(c->count, from + BENCH_BATCH)) < 0)
                return -1;
        double s = (double)(cs_monotonic_ns() - t0) / 1e9;
        double rate = (double)c->count / s;
        if (rate > best) best = rate;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_license CLEARSET_BIN DIR...\n");
        return 2;
    }
    corpus c = {0};
    for (int i = 2; i < argc; i++)
        scan_corpus(&c, argv[i], 0);
    if (c.count == 0) {
        fprintf(stderr, "bench_license: no JPEG/PNG/WebP files under the given directories\n");
        return 2;
    }
    /* the library alone, bytes already in memory */
    unsigned char **bytes = calloc(c.count, sizeof *bytes);
    size_t *lens = calloc(c.count, sizeof *lens);
    size_t total = 0, with_fields = 0;
    for (size_t i = 0; i < c.count; i++) {
        cs_read_file(c.paths[i], BENCH_MAX_SIZE, &bytes[i], &lens[i], NULL);
        total += lens[i];
        license_embedded emb;
        license_read_embedded(bytes[i], lens[i], &emb, NULL);
        with_fields += json_object_size(emb.fields) > 0;
        license_embedded_free(&emb);
    }
    size_t done = 0;
    int64_t t0 = cs_monotonic_ns();
    double s = 0;
    while (s < BENCH_LIB_SECONDS) {
        for (size_t i = 0; i < c.count; i++) {
            license_embedded emb;
            license_read_embedded(bytes[i], lens[i], &emb, NULL);
            license_embedded_free(&emb);
        }
        done += c.count;
        s = (double)(cs_monotonic_ns() - t0) / 1e9;
    }
    printf("corpus: %zu files, %.1f MiB, %zu with rights fields\n", c.count,
           (double)total / (1 << 20), with_fields);
    printf("license_read_embedded (in memory): %.0f files/s\n", (double)done / s);

    const char *clearset[] = {argv[1], "license"};
    const char *exiftool[] = {"/usr/bin/exiftool", "-j", "-G1", "-n", "-struct", "-q", "-q"};
    double ours = best_rate(clearset, CS_ARRAY_LEN(clearset), &c);
    double theirs = best_rate(exiftool, CS_ARRAY_LEN(exiftool), &c);
    if (ours < 0) fprintf(stderr, "bench_license: could not run %s\n", argv[1]);
    if (theirs < 0) fprintf(stderr, "bench_license: could not run exiftool\n");
    printf("clearset license:              %.0f files/s (best of %d, %d files per process)\n", ours,
           BENCH_ROUNDS, BENCH_BATCH);
    printf("exiftool -j -G1 -n -struct:    %.0f files/s (same files, same run)\n", theirs);
    if (ours > 0 && theirs > 0) printf("ratio clearset/exiftool:       %.1fx\n", ours / theirs);
    for (size_t i = 0; i < c.count; i++)
        free(bytes[i]), free(c.paths[i]);
    free(bytes);
    free(lens);
    free(c.paths);
    return 0;
}
