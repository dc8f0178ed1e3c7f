/*
 * replay.c - runs a libFuzzer target without libFuzzer: a main that feeds every
 * file of the given folders (or the given files) to LLVMFuzzerTestOneInput once,
 * in name order. The default test suite links each tests/fuzz/fuzz_*.c with this
 * file, with gcc and under ASan/UBSan in the sanitizer build, and replays the
 * committed seed corpus tests/fuzz/corpus/NAME/, so the targets are compiled and
 * their seeds (every crash input ever found among them) rerun on every change.
 *
 * Exit status: 0 when every input ran (a target reports a bug by aborting, which
 * the sanitizers or abort() turn into a non-zero exit), 2 when a folder is missing
 * or holds no input: a replay that feeds nothing must not pass.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT (16 * 1024 * 1024) /* bigger than any seed: a stray file is refused */
#define REPLAY_MAX_FILES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > REPLAY_MAX_INPUT) {
        fprintf(stderr, "replay: %s is not a regular file under %d bytes\n", path,
                REPLAY_MAX_INPUT);
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    /* An exact-size heap copy, so ASan sees any read past the input's end. */
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir; returns how many, or -1. */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = calloc(REPLAY_MAX_FILES, sizeof *names);
    size_t count = 0;
    struct dirent *e;
    while (names && (e = readdir(d)) && count < REPLAY_MAX_FILES) {
        if (e->d_name[0] == '.') continue;
        names[count] = strdup(e->d_name);
        if (!names[count]) break;
        count++;
    }
    closedir(d);
    if (!names) return -1;
    qsort(names, count, sizeof *names, by_name);
    int replayed = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (replayed >= 0 && replay_file(path) == 0)
            replayed++;
        else
            replayed = -1;
        free(names[i]);
    }
    free(names);
    return replayed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such corpus\n", argv[i]);
            return 2;
        }
        int n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : (replay_file(argv[i]) == 0 ? 1 : -1);
        if (n <= 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], n == 0 ? "holds no input" : "unreadable");
            return 2;
        }
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
