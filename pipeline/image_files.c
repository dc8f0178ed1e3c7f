/*
 * image_files.c - the image files a list of PATHs names: what `protect` registers
 * and `audit` checks (both take files and folders alike).
 *
 * A PATH that is not a folder is passed as it is: the caller reads it and says
 * what is wrong with it when it is no image (a file named on the command line
 * that is not an image is the user's mistake, not something to skip). A folder
 * is walked depth first, each folder's entries sorted bytewise, so two runs
 * over the same tree see the same order; in a folder only regular files whose
 * first bytes sniff as JPEG, PNG or WebP (cs_image_sniff: content, not the
 * name) are passed, because folders of works hold READMEs and sidecars too.
 * Links to files are followed; links to folders are not, so a link loop
 * cannot make the walk endless. One folder's names are in memory per level,
 * never the whole tree.
 */
#include "pipeline/pipeline.h"

#include "common/imagemeta.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_SNIFF_BYTES 16      /* enough for every signature cs_image_sniff knows */
#define WALK_MAX_ENTRIES 1000000 /* names in one folder: past this the folder is refused */

typedef struct walk {
    pipeline_image_file_fn each;
    void *arg;
} walk;

static int is_image_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char head[WALK_SNIFF_BYTES];
    ssize_t n;
    do {
        n = read(fd, head, sizeof head);
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n > 0 && cs_image_sniff(head, (size_t)n) != CS_IMAGE_UNKNOWN;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int report_problem(const walk *w, const char *path, int code, const char *why)
{
    cs_error problem;
    cs_error_set(&problem, code, "%s: %s", path, why);
    return w->each(w->arg, path, &problem);
}

/* The sorted names of folder dir (without . and ..); free each and the array. */
static int list_folder(const char *dir, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL) return CS_EIO;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = CS_OK;
    struct dirent *e;
    while (rc == CS_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        rc = cs_array_reserve((void **)&names, &cap, n, sizeof *names, WALK_MAX_ENTRIES);
        if (rc == CS_OK && (names[n] = strdup(e->d_name)) == NULL) rc = CS_ENOMEM;
        if (rc == CS_OK) n++;
    }
    closedir(d);
    if (rc != CS_OK) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return rc;
    }
    if (n) qsort(names, n, sizeof *names, compare_names);
    *out = names;
    *count = n;
    return CS_OK;
}

static int walk_folder(const walk *w, const char *dir, int depth)
{
    if (depth > PIPELINE_WALK_MAX_DEPTH)
        return report_problem(w, dir, CS_ELIMIT, "folders nested too deep; not walked");
    char **names;
    size_t count;
    int rc = list_folder(dir, &names, &count);
    if (rc == CS_ENOMEM) return rc;
    if (rc != CS_OK)
        return report_problem(w, dir, rc == CS_ELIMIT ? CS_ELIMIT : CS_EIO,
                              rc == CS_ELIMIT ? "too many entries in one folder"
                                              : "cannot list this folder");
    size_t dir_len = strlen(dir);
    int slash = dir_len > 0 && dir[dir_len - 1] == '/';
    for (size_t i = 0; rc == CS_OK && i < count; i++) {
        size_t len = dir_len + 1 + strlen(names[i]) + 1;
        char *path = malloc(len);
        if (path == NULL) {
            rc = CS_ENOMEM;
            break;
        }
        snprintf(path, len, "%s%s%s", dir, slash ? "" : "/", names[i]);
        struct stat link_st, st;
        if (lstat(path, &link_st) == 0 && S_ISDIR(link_st.st_mode))
            rc = walk_folder(w, path, depth + 1);
        else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && is_image_file(path))
            rc = w->each(w->arg, path, NULL);
        free(path);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

int pipeline_each_image_file(const char *const *paths, size_t count, pipeline_image_file_fn each,
                             void *arg)
{
    walk w = {each, arg};
    int rc = CS_OK;
    for (size_t i = 0; rc == CS_OK && i < count; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk_folder(&w, paths[i], 0);
        else
            rc = each(arg, paths[i], NULL);
    }
    return rc;
}
