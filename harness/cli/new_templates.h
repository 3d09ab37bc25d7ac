/* The rows of `faultline new`: one starter scenario file per kind
 * (new_templates.c holds the data, command_new.c writes it). */
#ifndef FL_HARNESS_NEW_TEMPLATES_H
#define FL_HARNESS_NEW_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fl_new_template {
    const char *kind;     /* as `faultline new KIND` names it */
    bool finds;           /* the file models a bug (mode: finds); else it holds */
    const char *summary;  /* one line for --help and the list of kinds */
    const char *text;     /* the file; each "@NAME@" becomes the scenario's name */
} fl_new_template_t;

extern const fl_new_template_t FL_NEW_TEMPLATES[];
extern const size_t FL_NEW_TEMPLATE_COUNT;

#endif /* FL_HARNESS_NEW_TEMPLATES_H */
