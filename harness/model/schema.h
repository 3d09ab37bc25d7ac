/* The scenario file's JSON Schema (draft 2020-12), written from the
 * loader's tables: the top level's, network's, client's, a task's, a
 * route's and a fault's keys, and every row of the kind tables
 * (model/kinds.h), each with its doc and default. Editors that speak
 * yaml-language-server complete and check a scenario file with it.
 *
 * What a key's reader reads (durations, sizes, counts, booleans, a name
 * among a table's) becomes its type; a key read by hand becomes the
 * schema of what it holds where the loader says so by its type (a list of
 * client steps, of handler steps, of middleware, ...) and is otherwise
 * left open, with its doc: the schema must never refuse a file the
 * loader reads. What it refuses, the loader refuses too: a key no table
 * has, a kind no table has, a value of the wrong scalar type, a missing
 * required key. The loader stays the judge of everything else. */
#ifndef FL_HARNESS_SCHEMA_H
#define FL_HARNESS_SCHEMA_H

#include <stdio.h>

/* Writes the schema to out as one JSON document and a newline. */
void fl_scenario_schema_write(FILE *out);

#endif /* FL_HARNESS_SCHEMA_H */
