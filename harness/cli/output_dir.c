#include "harness/cli/output_dir.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { OUTPUT_PATH_MAX = 4096 };

/* mkdir -p: each missing prefix of dir, in order. */
static int make_directories(const char *dir) {
    assert(dir != NULL && dir[0] != '\0');
    char path[OUTPUT_PATH_MAX];
    size_t length = strlen(dir);
    if (length >= sizeof path) return errno = ENAMETOOLONG, -1;
    memcpy(path, dir, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char kept = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) return -1;
        path[i] = kept;
    }
    assert(strcmp(path, dir) == 0);
    return 0;
}

int fl_output_dir_prepare(const char *option, const char *dir, FILE *err) {
    assert(option != NULL && dir != NULL && err != NULL);
    struct stat info;
    if (dir[0] == '\0' || make_directories(dir) != 0 || stat(dir, &info) != 0) {
        fprintf(err, "faultline run: %s %s: cannot make the directory: %s\n", option, dir,
                strerror(dir[0] == '\0' ? ENOENT : errno));
        return 2;
    }
    if (!S_ISDIR(info.st_mode)) {
        fprintf(err, "faultline run: %s %s: not a directory\n", option, dir);
        return 2;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(err, "faultline run: %s %s: cannot write there: %s\n", option, dir,
                strerror(errno));
        return 2;
    }
    return 0;
}

int fl_output_file_check(const char *command, const char *option, const char *file, FILE *err) {
    assert(command != NULL && option != NULL && file != NULL && err != NULL);
    char dir[OUTPUT_PATH_MAX];
    const char *slash = strrchr(file, '/');
    size_t length = slash == NULL ? 0 : (size_t)(slash - file);
    if (file[0] == '\0' || length >= sizeof dir) {
        fprintf(err, "faultline %s: %s '%s': not a file name that can be written\n", command,
                option, file);
        return 2;
    }
    /* "report.xml" goes into ".", "/report.xml" into "/". */
    if (slash == NULL) memcpy(dir, ".", 2);
    else if (length == 0) memcpy(dir, "/", 2);
    else memcpy(dir, file, length), dir[length] = '\0';
    struct stat info;
    const char *problem = NULL;
    if (stat(dir, &info) != 0) problem = strerror(errno);
    else if (!S_ISDIR(info.st_mode)) problem = "Not a directory";
    else if (access(dir, W_OK | X_OK) != 0) problem = strerror(errno);
    if (problem == NULL) return 0;
    fprintf(err, "faultline %s: %s %s: cannot write into %s: %s\n", command, option, file, dir,
            problem);
    return 2;
}

char *fl_output_dir_file(const char *dir, const char *name, char *out, size_t size) {
    assert(dir != NULL && dir[0] != '\0' && name != NULL);
    assert(out != NULL && size > 0);
    snprintf(out, size, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return out;
}
