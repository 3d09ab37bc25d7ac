/* Merged line coverage through gcovr. See coverage_merge.h. */
#include "harness/cli/coverage_merge.h"

#include <assert.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cli/options.h"
#include "sim/runtime/arena.h"

extern char **environ;

enum { OUTPUT_ARGS = 6, PATH_TEXT_MAX = 4096 };

/* Every tracefile readable and the directory there; 0 or 2 after a message.
 * Checked before gcovr runs so the error names the file as merge's other
 * input errors do. */
static int check_inputs(const char *const *tracefiles, size_t count, const char *out_dir,
                        FILE *err) {
    assert(tracefiles != NULL && out_dir != NULL && err != NULL);
    for (size_t i = 0; i < count; i++) {
        assert(tracefiles[i] != NULL);
        if (access(tracefiles[i], R_OK) != 0) {
            fprintf(err, "%s: error: cannot read the coverage tracefile: %s\n", tracefiles[i],
                    strerror(errno));
            return 2;
        }
    }
    struct stat info;
    errno = 0;
    if ((mkdir(out_dir, 0777) != 0 && errno != EEXIST) || stat(out_dir, &info) != 0 ||
        !S_ISDIR(info.st_mode)) {
        fprintf(err, "faultline merge: --coverage-out %s: cannot make the directory: %s\n",
                out_dir, errno == 0 || errno == EEXIST ? "not a directory" : strerror(errno));
        return 2;
    }
    return 0;
}

/* gcovr's argv, in arena: the tracefiles, then the three reports in out_dir. */
static char **gcovr_argv(fl_arena_t *arena, const char *const *tracefiles, size_t count,
                         const char *out_dir) {
    assert(arena != NULL && tracefiles != NULL && out_dir != NULL);
    size_t total = 1 + 2 * count + OUTPUT_ARGS + 1;
    char **argv = fl_arena_alloc(arena, total * sizeof *argv);
    size_t a = 0;
    argv[a++] = "gcovr";
    for (size_t i = 0; i < count; i++) {
        argv[a++] = "--add-tracefile";
        argv[a++] = (char *)tracefiles[i];
    }
    argv[a++] = "--html-details";
    argv[a++] = fl_arena_printf(arena, "%s/index.html", out_dir);
    argv[a++] = "--cobertura";
    argv[a++] = fl_arena_printf(arena, "%s/coverage.xml", out_dir);
    argv[a++] = "--json";
    argv[a++] = fl_arena_printf(arena, "%s/coverage.json", out_dir);
    argv[a] = NULL;
    assert(a + 1 == total);
    return argv;
}

/* Spawns gcovr from PATH and waits; 0 when it exited 0, else 2 after a
 * message (a missing gcovr is said so, with how to install it). */
static int spawn_and_wait(char **argv, FILE *err) {
    assert(argv != NULL && argv[0] != NULL && err != NULL);
    pid_t pid;
    fflush(NULL); /* gcovr shares stdout and stderr: ours first */
    int spawned = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (spawned == ENOENT) {
        fprintf(err, "faultline merge: --coverage-out needs gcovr, which is not installed (not on "
                     "PATH): install Debian's gcovr (apt-get install gcovr, or make deps)\n");
        return 2;
    }
    if (spawned != 0) {
        fprintf(err, "faultline merge: cannot start gcovr: %s\n", strerror(spawned));
        return 2;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(err, "faultline merge: waiting for gcovr: %s\n", strerror(errno));
            return 2;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status))
        fprintf(err, "faultline merge: gcovr exited %d: the coverage reports are not merged\n",
                WEXITSTATUS(status));
    else
        fprintf(err, "faultline merge: gcovr died (signal %d)\n", WTERMSIG(status));
    return 2;
}

int fl_coverage_merge(const char *const *tracefiles, size_t count, const char *out_dir,
                      FILE *err) {
    assert(tracefiles != NULL && out_dir != NULL && err != NULL);
    assert(count > 0 && count <= FL_OPTIONS_TRACEFILES_MAX);
    if (check_inputs(tracefiles, count, out_dir, err) != 0) return 2;
    fl_arena_t arena;
    fl_arena_init(&arena);
    int status = spawn_and_wait(gcovr_argv(&arena, tracefiles, count, out_dir), err);
    fl_arena_destroy(&arena);
    return status;
}
