/* The scenario files a command names: paths given on the command line,
 * directories searched for *.yaml and *.yml, in an order that never
 * depends on the file system (sorted per directory). */
#ifndef FL_HARNESS_SCENARIO_FILES_H
#define FL_HARNESS_SCENARIO_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Bounds: a suite is a few hundred files, not an unbounded walk. */
enum { FL_FILES_MAX = 4096, FL_FILES_DEPTH_MAX = 16, FL_FILES_DIRECTORIES_MAX = 4096 };

/* A real file, whatever path (symlinks, "..") reaches it. */
typedef struct fl_file_identity {
    dev_t device;
    ino_t inode;
} fl_file_identity_t;

/* Each real file is collected once, under the first path that reaches it
 * in the walk's order, and each real directory is walked once: a symlink
 * back up the tree is no loop, and no file runs twice. */
typedef struct fl_file_list {
    char *paths[FL_FILES_MAX]; /* malloc'd; fl_files_free frees them */
    size_t count;
    bool overflow;             /* more than FL_FILES_MAX were found */
    fl_file_identity_t files[FL_FILES_MAX]; /* the collected files' (not the shard's) */
    size_t file_count;
    fl_file_identity_t directories[FL_FILES_DIRECTORIES_MAX]; /* the directories walked */
    size_t directory_count;
} fl_file_list_t;

/* Adds every scenario file under each of paths[0..count) to list. Returns
 * 0, or 2 after printing to err what could not be read (or that the list
 * overflowed); what could be read is in the list either way. */
int fl_files_collect(fl_file_list_t *list, const char *const *paths, size_t count, FILE *err);

/* Keeps file i when i mod shard_count = shard_index, in order (--shard). */
void fl_files_keep_shard(fl_file_list_t *list, unsigned shard_index, unsigned shard_count);

void fl_files_free(fl_file_list_t *list);

/* Loads the one scenario file a command (replay, explore, shrink) names
 * into arena, which it initialises. Returns 0 (the caller destroys the
 * arena), or 2 after the loader's message on err (the arena is destroyed). */
struct fl_arena;
struct fl_scenario;
int fl_files_load_one(const char *path, struct fl_arena *arena, struct fl_scenario *s, FILE *err);

#endif /* FL_HARNESS_SCENARIO_FILES_H */
