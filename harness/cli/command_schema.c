/* faultline schema: the scenario file's JSON Schema on stdout, for editors
 * (yaml-language-server) to complete and check scenario files with. */
#include <assert.h>
#include <stdio.h>

#include "harness/cli/commands.h"
#include "harness/cli/options.h"
#include "harness/model/schema.h"

static void print_usage(FILE *out) {
    fputs("usage: faultline schema\n"
          "\n"
          "Prints the JSON Schema (draft 2020-12) of scenario files, made from the\n"
          "loader's tables: every key and kind with its doc and default. Save it and\n"
          "name it on a scenario file's first line for yaml-language-server:\n"
          "\n"
          "  faultline schema > faultline.schema.json\n"
          "  # yaml-language-server: $schema=faultline.schema.json\n"
          "\n"
          "The schema catches unknown keys and kinds, wrong scalar types and missing\n"
          "required keys; `faultline check` remains the judge of the rest.\n",
          out);
}

int fl_cli_schema(int argc, char **argv, FILE *out, FILE *err) {
    assert(argc >= 1 && argv != NULL && out != NULL && err != NULL);
    if (fl_options_wants_help(argc, argv)) return print_usage(out), FL_EXIT_HELD;
    if (argc != 1) {
        fprintf(err, "faultline schema: takes no arguments, not '%s'\n", argv[1]);
        print_usage(err);
        return FL_EXIT_ERROR;
    }
    fl_scenario_schema_write(out);
    if (fflush(out) != 0 || ferror(out)) {
        fputs("faultline schema: cannot write the schema\n", err);
        return FL_EXIT_ERROR;
    }
    return FL_EXIT_HELD;
}
