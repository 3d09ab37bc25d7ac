#include "harness/cli/scenario_files.h"
#include "sim/runtime/status.h"
#include "harness/model/loader.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/runtime/arena.h"

static bool ends_with(const char *text, const char *suffix) {
    assert(text != NULL && suffix != NULL);
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static int compare_paths(const void *a, const void *b) {
    assert(*(char *const *)a != NULL && *(char *const *)b != NULL); /* strdup'ed, checked */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool same_file(const fl_file_identity_t *ids, size_t count, const struct stat *info) {
    assert(ids != NULL && info != NULL);
    for (size_t i = 0; i < count; i++)
        if (ids[i].device == info->st_dev && ids[i].inode == info->st_ino) return true;
    return false;
}

/* Adds path, unless the real file info describes (NULL: stat failed, and
 * the loader will say why) was collected already. */
static void add_file(fl_file_list_t *list, const char *path, const struct stat *info) {
    assert(list != NULL && path != NULL && list->count <= FL_FILES_MAX);
    assert(path[0] != '\0'); /* stat found it, or it is a directory's child */
    assert(list->file_count <= list->count);
    if (info != NULL && same_file(list->files, list->file_count, info)) return;
    if (list->count == FL_FILES_MAX) {
        list->overflow = true;
        return;
    }
    char *copy = strdup(path);
    if (copy == NULL) fl__out_of_memory("scenario files");
    list->paths[list->count++] = copy;
    if (info != NULL)
        list->files[list->file_count++] =
            (fl_file_identity_t){.device = info->st_dev, .inode = info->st_ino};
}

/* Whether the directory info describes is to be walked: once per real
 * directory. Returns 1 (walk it), 0 (walked already) or -1 after a message
 * (more directories than the bound). */
static int enter_directory(fl_file_list_t *list, const char *path, const struct stat *info,
                           FILE *err) {
    assert(list != NULL && path != NULL && info != NULL && err != NULL);
    assert(S_ISDIR(info->st_mode) && list->directory_count <= FL_FILES_DIRECTORIES_MAX);
    if (same_file(list->directories, list->directory_count, info)) return 0;
    if (list->directory_count == FL_FILES_DIRECTORIES_MAX) {
        fprintf(err, "%s: error: more than %d directories to search\n", path,
                FL_FILES_DIRECTORIES_MAX);
        return -1;
    }
    list->directories[list->directory_count++] =
        (fl_file_identity_t){.device = info->st_dev, .inode = info->st_ino};
    return 1;
}

/* The names in a directory but the hidden ones, sorted, in *names_out
 * (malloc'd, as each name is); returns how many, or -1 after a message.
 * However many entries the directory has, all are read: the cap on
 * scenario files applies to the files collected (add_file), not to what a
 * directory holds beside them. */
static long read_directory(const char *path, char ***names_out, FILE *err) {
    assert(path != NULL && names_out != NULL && err != NULL);
    *names_out = NULL;
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(err, "%s: error: cannot open directory: %s\n", path, strerror(errno));
        return -1;
    }
    size_t count = 0, capacity = 64;
    char **names = malloc(capacity * sizeof *names);
    if (names == NULL) fl__out_of_memory("scenario files");
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        if (count == capacity) {
            assert(capacity <= SIZE_MAX / 2 / sizeof *names);
            capacity *= 2;
            char **grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL) fl__out_of_memory("scenario files"); /* names still held */
            names = grown;
        }
        names[count] = strdup(entry->d_name);
        if (names[count++] == NULL) fl__out_of_memory("scenario files");
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_paths);
    assert(count <= capacity && count <= LONG_MAX);
    *names_out = names;
    return (long)count;
}

/* Collects *.yaml and *.yml files under path. */
static int collect(fl_file_list_t *list, const char *path, int depth, FILE *err) {
    assert(list != NULL && path != NULL && err != NULL);
    assert(depth >= 0 && depth <= FL_FILES_DEPTH_MAX + 1); /* deeper is refused below */
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        add_file(list, path, &st);
        return 0;
    }
    if (depth > FL_FILES_DEPTH_MAX) {
        fprintf(err, "%s: error: directories nested too deep\n", path);
        return -1;
    }
    int enter = enter_directory(list, path, &st, err);
    if (enter <= 0) return enter;
    char **names;
    long count = read_directory(path, &names, err);
    int status = count < 0 ? -1 : 0;
    assert(count < 0 || names != NULL);
    for (long i = 0; i < count; i++) {
        assert(names[i] != NULL);
        char child[4096];
        snprintf(child, sizeof child, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names[i]);
        struct stat child_st;
        bool found = stat(child, &child_st) == 0;
        if (found && S_ISDIR(child_st.st_mode)) {
            if (collect(list, child, depth + 1, err) != 0) status = -1;
        } else if (ends_with(names[i], ".yaml") || ends_with(names[i], ".yml")) {
            add_file(list, child, found ? &child_st : NULL);
        }
        free(names[i]);
    }
    free(names);
    return status;
}

int fl_files_collect(fl_file_list_t *list, const char *const *paths, size_t count, FILE *err) {
    assert(list != NULL && (paths != NULL || count == 0) && err != NULL);
    int status = 0;
    for (size_t i = 0; i < count; i++)
        if (collect(list, paths[i], 0, err) != 0) status = 2;
    if (list->overflow) {
        fprintf(err, "faultline: more than %d scenario files: the rest are not read\n",
                FL_FILES_MAX);
        status = 2;
    }
    assert(list->count <= FL_FILES_MAX);
    return status;
}

void fl_files_keep_shard(fl_file_list_t *list, unsigned shard_index, unsigned shard_count) {
    assert(list != NULL && shard_count > 0 && shard_index < shard_count);
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++) {
        assert(kept <= i);
        if (i % shard_count == shard_index)
            list->paths[kept++] = list->paths[i];
        else
            free(list->paths[i]);
    }
    list->count = kept;
    assert(list->count <= FL_FILES_MAX);
}

void fl_files_free(fl_file_list_t *list) {
    assert(list != NULL && list->count <= FL_FILES_MAX);
    for (size_t i = 0; i < list->count; i++) free(list->paths[i]);
    list->count = 0;
    list->file_count = 0;
    list->directory_count = 0;
}

int fl_files_load_one(const char *path, fl_arena_t *arena, fl_scenario_t *s, FILE *err) {
    assert(path != NULL && arena != NULL && s != NULL && err != NULL);
    fl_arena_init(arena);
    char error[1024];
    if (fl_scenario_load_file(arena, path, s, error, sizeof error) == FL_OK) return 0;
    fprintf(err, "%s\n", error);
    fl_arena_destroy(arena);
    return 2;
}
