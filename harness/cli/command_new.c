/* faultline new KIND NAME: a commented starter scenario file, from the row
 * of new_templates.c that KIND names. */
#include "harness/cli/commands.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "harness/cli/new_templates.h"
#include "harness/cli/options.h"

enum { NEW_PATH_MAX = 4096, NEW_NAME_MAX = 128 };

static void print_kinds(FILE *out) {
    assert(out != NULL && FL_NEW_TEMPLATE_COUNT > 0);
    for (size_t i = 0; i < FL_NEW_TEMPLATE_COUNT; i++)
        fprintf(out, "    %-11s %s (%s)\n", FL_NEW_TEMPLATES[i].kind, FL_NEW_TEMPLATES[i].summary,
                FL_NEW_TEMPLATES[i].finds ? "finds" : "holds");
}

static void print_usage(FILE *out) {
    assert(out != NULL);
    fputs("usage: faultline new KIND NAME\n"
          "  writes NAME.yaml (NAME as given when it ends in .yaml or .yml): a starter\n"
          "  scenario of that KIND with comments on each part, which `faultline check`\n"
          "  accepts and `faultline run` passes as it stands: one that holds in every\n"
          "  seed, or one that models a bug and finds it (mode: finds, said in the\n"
          "  file). Edit it from there (docs/SCENARIOS.md, faultline-scenario(5)).\n"
          "  The scenario's name is the file's, without its folder and extension:\n"
          "  letters, digits, '.', '_' and '-'. An existing file is never overwritten.\n"
          "  kinds:\n",
          out);
    print_kinds(out);
    fputs("exit codes: 0 written; 2 a usage error, an unknown KIND, a file that exists\n"
          "  or cannot be written.\n",
          out);
}

static const fl_new_template_t *find_template(const char *kind) {
    assert(kind != NULL);
    for (size_t i = 0; i < FL_NEW_TEMPLATE_COUNT; i++)
        if (strcmp(FL_NEW_TEMPLATES[i].kind, kind) == 0) return &FL_NEW_TEMPLATES[i];
    return NULL;
}

static bool has_suffix(const char *text, const char *suffix) {
    assert(text != NULL && suffix != NULL);
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* The file's path into path and the scenario's name into name (the file's
 * base name without its extension). Returns false, saying why on err, when
 * either would not fit or the name holds a character YAML or a shell would
 * read otherwise. */
static bool name_file(const char *given, char path[NEW_PATH_MAX], char name[NEW_NAME_MAX],
                      FILE *err) {
    assert(given != NULL && path != NULL && name != NULL && err != NULL);
    bool has_extension = has_suffix(given, ".yaml") || has_suffix(given, ".yml");
    int n = snprintf(path, NEW_PATH_MAX, "%s%s", given, has_extension ? "" : ".yaml");
    if (n < 0 || n >= NEW_PATH_MAX) {
        fprintf(err, "faultline new: the path '%s' is too long\n", given);
        return false;
    }
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *extension = strrchr(base, '.'); /* the path ends in .yaml or .yml */
    assert(extension != NULL);
    size_t length = (size_t)(extension - base);
    if (length >= NEW_NAME_MAX) {
        fprintf(err, "faultline new: the name '%s' is too long\n", given);
        return false;
    }
    memcpy(name, base, length);
    name[length] = '\0';
    if (length == 0 || name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789._-")] != '\0') {
        fprintf(err, "faultline new: the name '%s' must be letters, digits, '.', '_' and '-' "
                     "(a path may lead to it)\n", given);
        return false;
    }
    assert(strlen(name) < NEW_NAME_MAX && strlen(path) < NEW_PATH_MAX);
    return true;
}

/* The template with each @NAME@ replaced by name. Returns 0, or an errno. */
static int write_template(FILE *file, const char *text, const char *name) {
    assert(file != NULL && text != NULL && name != NULL);
    static const char PLACEHOLDER[] = "@NAME@";
    for (const char *at; (at = strstr(text, PLACEHOLDER)) != NULL;
         text = at + sizeof PLACEHOLDER - 1) {
        fwrite(text, 1, (size_t)(at - text), file);
        fputs(name, file);
    }
    fputs(text, file);
    return ferror(file) ? EIO : 0;
}

int fl_cli_new(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return print_usage(out), FL_EXIT_HELD;
    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
        fputs("faultline new: a KIND and a NAME are needed\n", err);
        print_usage(err);
        return FL_EXIT_ERROR;
    }
    const fl_new_template_t *row = find_template(argv[1]);
    if (row == NULL) {
        fprintf(err, "faultline new: unknown kind '%s'; the kinds are:\n", argv[1]);
        print_kinds(err);
        return FL_EXIT_ERROR;
    }
    char path[NEW_PATH_MAX], name[NEW_NAME_MAX];
    if (!name_file(argv[2], path, name, err)) return FL_EXIT_ERROR;
    FILE *file = fopen(path, "wx"); /* C11's exclusive mode: an existing file stays */
    if (file == NULL) {
        fprintf(err, "faultline new: cannot write %s: %s%s\n", path, strerror(errno),
                errno == EEXIST ? " (not overwritten)" : "");
        return FL_EXIT_ERROR;
    }
    int status = write_template(file, row->text, name);
    if (fclose(file) != 0 && status == 0) status = errno;
    if (status != 0) {
        fprintf(err, "faultline new: cannot write %s: %s\n", path, strerror(status));
        remove(path);
        return FL_EXIT_ERROR;
    }
    fprintf(out, "wrote %s (kind %s: it %s); try `faultline run %s`\n", path, row->kind,
            row->finds ? "finds a bug, mode: finds" : "holds", path);
    return FL_EXIT_HELD;
}
