#include "harness/model/yaml_reader.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/runtime/assume.h"
#include "sim/runtime/format.h"
#include "sim/runtime/status.h"
#include "sim/runtime/world.h"

int fl__yaml_fail_at(fl_yaml_reader_t *ld, yaml_mark_t mark, const char *format, ...) {
    assert(ld != NULL && format != NULL);
    assert(ld->file != NULL && (ld->error != NULL || ld->error_size == 0));
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s:%zu:%zu: error: ", ld->file, mark.line + 1,
             mark.column + 1);
    va_list args;
    va_start(args, format);
    fl_vformat_after(ld->error, ld->error_size, prefix, format, args);
    va_end(args);
    ld->error_recorded = false;
    return FL_EINVAL;
}

int fl__yaml_go_on(fl_yaml_reader_t *ld, int status, bool *failed) {
    assert(ld != NULL && failed != NULL);
    assert(status == 0 || status == FL_EINVAL);
    if (status == 0 || ld->errors == NULL) return status;
    *failed = true;
    if (ld->error_recorded) return 0; /* a part inside this one recorded it */
    ld->error_recorded = true;
    fl_yaml_errors_t *errors = ld->errors;
    if (errors->count == FL_YAML_ERRORS_MAX) {
        errors->more++;
        return 0;
    }
    assert(errors->count < FL_YAML_ERRORS_MAX && ld->error_size > 0);
    errors->lines[errors->count++] = fl_arena_strdup(ld->arena, ld->error);
    return 0;
}

fl_location_t fl__yaml_location(const fl_yaml_reader_t *ld, const fl_yaml_node_t *node) {
    assert(ld != NULL && node != NULL);
    assert(ld->file != NULL);
    return (fl_location_t){.file = ld->file,
                           .line = (uint32_t)node->start_mark.line + 1,
                           .column = (uint32_t)node->start_mark.column + 1};
}

const char *fl__yaml_child_path(fl_yaml_reader_t *ld, const char *path, const char *key) {
    assert(ld != NULL && path != NULL && key != NULL);
    return path[0] ? fl_arena_printf(ld->arena, "%s.%s", path, key) : key;
}

const char *fl__yaml_index_path(fl_yaml_reader_t *ld, const char *path, size_t index) {
    assert(ld != NULL && path != NULL);
    return fl_arena_printf(ld->arena, "%s[%zu]", path, index);
}

const char *fl__yaml_text(const fl_yaml_node_t *node) {
    assert(node != NULL);
    assert(node->type == YAML_SCALAR_NODE);
    assert(node->data.scalar.value != NULL);
    return (const char *)node->data.scalar.value;
}

/* A plain empty scalar, "~" or "null": what "key:" with nothing after gives. */
static bool is_null(const fl_yaml_node_t *node) {
    assert(node != NULL);
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *text = fl__yaml_text(node);
    return text[0] == '\0' || strcmp(text, "~") == 0 || strcmp(text, "null") == 0;
}

fl_yaml_node_t *fl__yaml_node_at(fl_yaml_reader_t *ld, int index) {
    assert(ld != NULL && ld->document != NULL);
    assert(index >= 1); /* libyaml's node indexes are 1-based */
    fl_yaml_node_t *node = yaml_document_get_node(ld->document, index);
    assert(node != NULL); /* an index the document itself handed out */
    return node;
}

/* --- mappings ---------------------------------------------------------------------- */

/* Counts a container and its count children against the document's node
 * budget. An alias is the node it names, so a list of aliases to a list is
 * counted in full each time it is read: the budget bounds the expanded
 * tree, which is what the loader's time and memory follow. */
static int visit(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, size_t count) {
    assert(ld != NULL && node != NULL && path != NULL);
    assert(ld->nodes_visited <= NODES_MAX);
    if (count >= NODES_MAX - ld->nodes_visited)
        return FAIL(ld, node,
                    "%s: the scenario expands to more than %d nodes (each use of an "
                    "alias counts in full)",
                    path[0] ? path : "scenario", NODES_MAX);
    ld->nodes_visited += count + 1;
    assert(ld->nodes_visited <= NODES_MAX);
    return 0;
}

int fl__yaml_expect_mapping(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path) {
    assert(ld != NULL && node != NULL && path != NULL);
    if (node->type == YAML_MAPPING_NODE || is_null(node))
        return visit(ld, node, path, fl__yaml_pair_count(node));
    return FAIL(ld, node, "%s: expected a mapping", path);
}

int fl__yaml_expect_sequence(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path) {
    assert(ld != NULL && node != NULL && path != NULL);
    if (node->type == YAML_SEQUENCE_NODE) {
        assert(node->data.sequence.items.top >= node->data.sequence.items.start);
        size_t count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
        if (count > LIST_MAX) return FAIL(ld, node, "%s: more than %d items", path, LIST_MAX);
        return visit(ld, node, path, count);
    }
    return FAIL(ld, node, "%s: expected a list", path);
}

size_t fl__yaml_sequence_count(const fl_yaml_node_t *node) {
    assert(node != NULL);
    if (node->type != YAML_SEQUENCE_NODE) return 0;
    assert(node->data.sequence.items.top >= node->data.sequence.items.start);
    return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
}

fl_yaml_node_t *fl__yaml_sequence_item(fl_yaml_reader_t *ld, const fl_yaml_node_t *node,
                                       size_t index) {
    assert(ld != NULL && node != NULL);
    assert(node->type == YAML_SEQUENCE_NODE);
    assert(index < fl__yaml_sequence_count(node));
    return fl__yaml_node_at(ld, node->data.sequence.items.start[index]);
}

size_t fl__yaml_pair_count(const fl_yaml_node_t *node) {
    assert(node != NULL);
    if (node->type != YAML_MAPPING_NODE) return 0;
    assert(node->data.mapping.pairs.top >= node->data.mapping.pairs.start);
    return (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
}

/* Refuses keys outside allowed (NULL-terminated), non-scalar keys and
 * duplicates. */
/* Edit distance (insert, delete, substitute), ignoring case, bounded:
 * names are short. */
static size_t edit_distance(const char *a, const char *b) {
    assert(a != NULL && b != NULL);
    enum { NAME_MAX_CHARS = 64 };
    size_t n = strlen(a), m = strlen(b);
    if (n > NAME_MAX_CHARS || m > NAME_MAX_CHARS) return SIZE_MAX;
    size_t row[NAME_MAX_CHARS + 1];
    for (size_t j = 0; j <= m; j++) row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t above = row[j];
            size_t best =
                diagonal + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    assert(row[m] <= (n > m ? n : m)); /* never more edits than the longer name's length */
    return row[m];
}

/* At most two edits, as a misspelling usually is. */
enum { LIKELY_MISSPELLING_EDITS = 2 };

fl_name_list_t fl__name_list_for(const char *given) {
    fl_name_list_t list = {
        .used = 0, .given = given, .closest_distance = LIKELY_MISSPELLING_EDITS + 1};
    return list;
}

/* Keeps name when it is the closest to the given name so far. Every name
 * counts, also those a full list no longer shows. */
static void name_list_consider(fl_name_list_t *list, const char *name) {
    assert(list != NULL && name != NULL);
    if (list->given == NULL || list->given[0] == '\0') return;
    size_t distance = edit_distance(list->given, name);
    if (distance < list->closest_distance) {
        list->closest = name;
        list->closest_distance = distance;
    }
}

void fl__name_list_add(fl_name_list_t *list, const char *separator, const char *name) {
    assert(list != NULL && separator != NULL && name != NULL && list->used < sizeof list->text);
    name_list_consider(list, name);
    if (list->full) return;
    const char *before = list->used > 0 ? separator : "";
    size_t need = strlen(before) + strlen(name);
    if (list->used + need + 4 >= sizeof list->text) { /* room for "..." and the NUL */
        memcpy(list->text + list->used, "...", 4);
        list->used += 3;
        list->full = true;
        return;
    }
    snprintf(list->text + list->used, sizeof list->text - list->used, "%s%s", before, name);
    list->used += need;
    assert(list->used < sizeof list->text);
}

const char *fl__name_list_hint(fl_yaml_reader_t *ld, const fl_name_list_t *list) {
    assert(ld != NULL && list != NULL);
    if (list->closest == NULL) return "";
    assert(list->closest_distance <= LIKELY_MISSPELLING_EDITS);
    return fl_arena_printf(ld->arena, "did you mean '%s'? ", list->closest);
}

static int unknown_key(fl_yaml_reader_t *ld, fl_yaml_node_t *key, const char *path,
                       const fl_key_t *keys) {
    assert(ld != NULL && key != NULL && path != NULL && keys != NULL);
    const char *name = fl__yaml_text(key);
    fl_name_list_t valid = fl__name_list_for(name);
    for (size_t k = 0; keys[k].name != NULL; k++) fl__name_list_add(&valid, ", ", keys[k].name);
    if (keys[0].name == NULL) fl__name_list_add(&valid, "", "none");
    const char *hint = fl__name_list_hint(ld, &valid);
    if (path[0])
        return FAIL(ld, key, "unknown key '%s' in %s (%sthe keys: %s)", name, path, hint,
                    valid.text);
    return FAIL(ld, key, "unknown key '%s' (%sthe keys: %s)", name, hint, valid.text);
}

int fl__yaml_check_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        const fl_key_t *keys) {
    assert(ld != NULL && node != NULL && path != NULL && keys != NULL);
    TRY(fl__yaml_expect_mapping(ld, node, path));
    size_t count = fl__yaml_pair_count(node);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *key = fl__yaml_node_at(ld, node->data.mapping.pairs.start[i].key);
        if (key->type != YAML_SCALAR_NODE)
            return FAIL(ld, key, "%s: keys must be plain names", path[0] ? path : "scenario");
        bool known = false;
        for (size_t k = 0; keys[k].name != NULL && !known; k++)
            known = strcmp(keys[k].name, fl__yaml_text(key)) == 0;
        if (!known) return unknown_key(ld, key, path, keys);
        for (size_t j = 0; j < i; j++) {
            fl_yaml_node_t *earlier = fl__yaml_node_at(ld, node->data.mapping.pairs.start[j].key);
            if (strcmp(fl__yaml_text(earlier), fl__yaml_text(key)) == 0)
                return FAIL(ld, key, "duplicate key '%s' in %s", fl__yaml_text(key),
                            path[0] ? path : "scenario");
        }
    }
    return 0;
}

fl_yaml_node_t *fl__yaml_get(fl_yaml_reader_t *ld, fl_yaml_node_t *mapping, const char *key) {
    assert(ld != NULL && mapping != NULL && key != NULL);
    size_t count = fl__yaml_pair_count(mapping);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *k = fl__yaml_node_at(ld, mapping->data.mapping.pairs.start[i].key);
        if (k->type == YAML_SCALAR_NODE && strcmp(fl__yaml_text(k), key) == 0)
            return fl__yaml_node_at(ld, mapping->data.mapping.pairs.start[i].value);
    }
    return NULL;
}

int fl__yaml_require(fl_yaml_reader_t *ld, fl_yaml_node_t *mapping, const char *key,
                     const char *path, fl_yaml_node_t **out) {
    assert(path != NULL && out != NULL);
    *out = fl__yaml_get(ld, mapping, key);
    if (*out == NULL)
        return FAIL(ld, mapping, "missing required key '%s' in %s", key,
                    path[0] ? path : "scenario");
    return 0;
}

/* --- scalars ----------------------------------------------------------------------- */

int fl__yaml_expect_scalar(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                           const char *what) {
    assert(ld != NULL && node != NULL && path != NULL && what != NULL);
    if (node->type == YAML_SCALAR_NODE) return 0;
    return FAIL(ld, node, "%s: expected %s", path, what);
}

int fl__yaml_string(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                    const char **out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a string"));
    *out = fl_arena_strdup(ld->arena, fl__yaml_text(node));
    assert(*out != NULL);
    return 0;
}

int fl__yaml_nonempty(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                      const char **out) {
    TRY(fl__yaml_string(ld, node, path, out));
    assert(*out != NULL);
    if ((*out)[0] == '\0') return FAIL(ld, node, "%s: must not be empty", path);
    return 0;
}

int fl__yaml_integer(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int64_t min,
                     int64_t max, int64_t *out) {
    assert(min <= max && out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "an integer"));
    const char *text = fl__yaml_text(node);
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (text[0] == '\0' || isspace((unsigned char)text[0]) || *end != '\0' || errno != 0)
        return FAIL(ld, node, "%s: expected an integer, not '%s'", path, text);
    if (value < min || value > max)
        return FAIL(ld, node, "%s: %lld is out of range (%lld..%lld)", path, value, (long long)min,
                    (long long)max);
    *out = value;
    assert(*out >= min && *out <= max);
    return 0;
}

/* An integer 0..max into an unsigned field of size bytes (4 or 8). */
static int read_unsigned(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int64_t max,
                         void *out, size_t size) {
    assert(out != NULL && (size == sizeof(uint32_t) || size == sizeof(uint64_t)));
    int64_t value;
    TRY(fl__yaml_integer(ld, node, path, 0, max, &value));
    assert(value >= 0 && value <= max);
    uint32_t narrow = (uint32_t)value;
    uint64_t wide = (uint64_t)value;
    memcpy(out, size == sizeof narrow ? (const void *)&narrow : (const void *)&wide, size);
    return 0;
}

int fl__yaml_uint32(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, uint32_t *out) {
    return read_unsigned(ld, node, path, UINT32_MAX, out, sizeof *out);
}

int fl__yaml_count(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, size_t *out) {
    return read_unsigned(ld, node, path, INT32_MAX, out, sizeof *out);
}

int fl__yaml_bool(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, bool *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "true or false"));
    const char *text = fl__yaml_text(node);
    if (strcmp(text, "true") == 0)
        *out = true;
    else if (strcmp(text, "false") == 0)
        *out = false;
    else
        return FAIL(ld, node, "%s: expected true or false, not '%s'", path, text);
    return 0;
}

/* "1.5s" into a whole number of units: digits, an optional fraction, then a
 * unit from the table. Returns false for anything else or on overflow. */
typedef struct unit {
    const char *suffix;
    int64_t scale;
} unit_t;

static bool parse_scaled(const char *text, const unit_t *units, int64_t *out) {
    assert(text != NULL && units != NULL && out != NULL);
    const char *p = text;
    if (!isdigit((unsigned char)*p)) return false;
    int64_t whole = 0;
    while (isdigit((unsigned char)*p)) {
        if (whole > (INT64_MAX - 9) / 10) return false;
        whole = whole * 10 + (*p++ - '0');
    }
    int64_t fraction = 0, fraction_scale = 1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return false;
        for (int digits = 0; isdigit((unsigned char)*p); digits++, p++) {
            if (digits >= 9) return false;
            fraction = fraction * 10 + (*p - '0');
            fraction_scale *= 10;
        }
    }
    assert(fraction >= 0 && fraction < fraction_scale);
    for (const unit_t *u = units; u->suffix != NULL; u++) {
        if (strcmp(p, u->suffix) != 0) continue;
        assert(u->scale > 0);
        if (whole > INT64_MAX / u->scale) return false;
        int64_t result = whole * u->scale;
        /* fraction / fraction_scale of a unit must be a whole number. */
        __int128 part = (__int128)fraction * u->scale;
        if (part % fraction_scale != 0) return false;
        int64_t extra = (int64_t)(part / fraction_scale);
        if (result > INT64_MAX - extra) return false;
        *out = result + extra;
        assert(*out >= 0);
        return true;
    }
    return false;
}

static const unit_t duration_units[] = {
    {"ns", 1},           {"us", 1000},         {"ms", 1000000},
    {"s", 1000000000LL}, {"m", 60000000000LL}, {"h", 3600000000000LL},
    {NULL, 0},
};

static const unit_t size_units[] = {
    {"", 1},          {"B", 1},           {"KB", 1000},     {"KiB", 1024}, {"MB", 1000000},
    {"MiB", 1 << 20}, {"GB", 1000000000}, {"GiB", 1 << 30}, {NULL, 0},
};

/* A duration; "0" alone is allowed, and "forever" when allow_forever (it
 * gives FL_TIME_NEVER). */
int fl__yaml_duration_ex(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         bool allow_forever, int64_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a duration"));
    const char *text = fl__yaml_text(node);
    if (strcmp(text, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (allow_forever && strcmp(text, "forever") == 0) {
        *out = FL_TIME_NEVER;
        return 0;
    }
    if (!parse_scaled(text, duration_units, out))
        return FAIL(ld, node, "%s: bad duration '%s': use 250ms, 2s, 1.5s, 3m, or 100us/500ns%s",
                    path, text, allow_forever ? " (or forever)" : "");
    assert(*out >= 0);
    return 0;
}

int fl__yaml_duration(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int64_t *out) {
    assert(ld != NULL && node != NULL && path != NULL && out != NULL);
    return fl__yaml_duration_ex(ld, node, path, false, out);
}

int fl__yaml_bytes(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, uint64_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a size"));
    int64_t value;
    if (!parse_scaled(fl__yaml_text(node), size_units, &value))
        return FAIL(ld, node, "%s: bad size '%s': use bytes (65536), 64KiB or 1MB", path,
                    fl__yaml_text(node));
    assert(value >= 0);
    *out = (uint64_t)value;
    return 0;
}

int fl__yaml_size(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, size_t *out) {
    assert(out != NULL);
    uint64_t bytes;
    TRY(fl__yaml_bytes(ld, node, path, &bytes));
    *out = (size_t)bytes;
    return 0;
}

/* A name among the reader's names: its index, stored in an int-sized
 * field; an unknown name's error lists them. */
static int read_name(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                     const fl_key_reader_t *reader, void *field) {
    assert(reader->read == NULL && reader->name_of != NULL && reader->count > 0);
    assert(reader->what != NULL && reader->size == sizeof(int));
    TRY(fl__yaml_expect_scalar(ld, node, path, fl_arena_printf(ld->arena, "a %s", reader->what)));
    fl_name_list_t names = fl__name_list_for(fl__yaml_text(node));
    for (int i = 0; i < reader->count; i++) {
        const char *name = reader->name_of(i);
        assert(name != NULL);
        if (strcmp(name, fl__yaml_text(node)) == 0) {
            memcpy(field, &i, sizeof i);
            return 0;
        }
        fl__name_list_add(&names, ", ", name);
    }
    return FAIL(ld, node, "%s: unknown %s '%s' (%sexpected one of: %s)", path, reader->what,
                fl__yaml_text(node), fl__name_list_hint(ld, &names), names.text);
}

int fl__yaml_read_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       const fl_key_t *keys, void *record, size_t record_size) {
    assert(ld != NULL && node != NULL && path != NULL && keys != NULL && record != NULL);
    /* Its keys were checked: a mapping, or a null that stands for an empty
     * one ("- retry:"), as fl__yaml_expect_mapping takes it. */
    assert(node->type == YAML_MAPPING_NODE || is_null(node));
    for (const fl_key_t *key = keys; key->name != NULL; key++) {
        if (key->reader == NULL) continue; /* the kind's parse function reads it */
        assert(key->size == key->reader->size && key->offset + key->size <= record_size);
        fl_yaml_node_t *value;
        if (key->fallback == NULL)
            TRY(fl__yaml_require(ld, node, key->name, path, &value));
        else if ((value = fl__yaml_get(ld, node, key->name)) == NULL)
            continue;
        const char *inner = fl__yaml_child_path(ld, path, key->name);
        char *field = (char *)record + key->offset;
        if (key->reader->read == NULL)
            TRY(read_name(ld, value, inner, key->reader, field));
        else
            TRY(key->reader->read(ld, value, inner, field));
    }
    return 0;
}

int fl__yaml_check_and_read_keys(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                                 const fl_key_t *keys, void *record, size_t record_size) {
    TRY(fl__yaml_check_keys(ld, node, path, keys));
    return fl__yaml_read_keys(ld, node, path, keys, record, record_size);
}

/* A name from a fixed list: the index, or an error listing the choices. */
int fl__yaml_choice(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, const char *what,
                    const char *const *names, int *out) {
    assert(names != NULL && names[0] != NULL && out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "a name"));
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], fl__yaml_text(node)) == 0) {
            *out = i;
            return 0;
        }
    fl_name_list_t choices = fl__name_list_for(fl__yaml_text(node));
    for (int i = 0; names[i] != NULL; i++) fl__name_list_add(&choices, ", ", names[i]);
    return FAIL(ld, node, "%s: unknown %s '%s' (%sexpected one of: %s)", path, what,
                fl__yaml_text(node), fl__name_list_hint(ld, &choices), choices.text);
}

int fl__yaml_error_kind(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                        bool exception_only, fl_error_kind_t *out) {
    assert(out != NULL);
    TRY(fl__yaml_expect_scalar(ld, node, path, "an error kind name"));
    if (!fl_error_kind_from_name(fl__yaml_text(node), out)) {
        fl_name_list_t kinds = fl__name_list_for(fl__yaml_text(node));
        fl_error_kind_t kind;
        for (size_t i = 0; fl_error_kind_at(i, &kind); i++)
            if (!exception_only || fl_error_kind_is(kind, FL_ERR_EXCEPTION))
                fl__name_list_add(&kinds, ", ", fl_error_kind_name(kind));
        return FAIL(ld, node, "%s: unknown error kind '%s' (%sexpected one of: %s)", path,
                    fl__yaml_text(node), fl__name_list_hint(ld, &kinds), kinds.text);
    }
    if (exception_only && !fl_error_kind_is(*out, FL_ERR_EXCEPTION))
        return FAIL(ld, node, "%s: '%s' is not an Exception", path, fl__yaml_text(node));
    assert(!exception_only || fl_error_kind_is(*out, FL_ERR_EXCEPTION));
    return 0;
}

/* One of two names: whether it is the second. */
static int read_either(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       const char *what, const char *first, const char *second, bool *second_out) {
    const char *const names[] = {first, second, NULL};
    int index;
    TRY(fl__yaml_choice(ld, node, path, what, names, &index));
    assert(index == 0 || index == 1);
    *second_out = index == 1;
    return 0;
}

int fl__yaml_direction(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                       fl_direction_t *out) {
    assert(out != NULL);
    bool s2c;
    TRY(read_either(ld, node, path, "direction", "c2s", "s2c", &s2c));
    *out = s2c ? FL_DIRECTION_SERVER_TO_CLIENT : FL_DIRECTION_CLIENT_TO_SERVER;
    return 0;
}

int fl__yaml_side(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, fl_side_t *out) {
    assert(out != NULL);
    bool server;
    TRY(read_either(ld, node, path, "side", "client", "server", &server));
    *out = server ? FL_SIDE_SERVER : FL_SIDE_CLIENT;
    return 0;
}

int fl__yaml_string_list(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                         const char *const **out, size_t *count_out) {
    assert(out != NULL && count_out != NULL);
    TRY(fl__yaml_expect_sequence(ld, node, path));
    size_t count = fl__yaml_sequence_count(node);
    assert(count <= LIST_MAX);
    const char **items = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *items);
    for (size_t i = 0; i < count; i++)
        TRY(fl__yaml_string(ld, fl__yaml_sequence_item(ld, node, i),
                            fl__yaml_index_path(ld, path, i), &items[i]));
    *out = items;
    *count_out = count;
    return 0;
}

int fl__yaml_headers(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                     const fl_asgi_header_t **out, size_t *count_out) {
    assert(out != NULL && count_out != NULL);
    TRY(fl__yaml_expect_mapping(ld, node, path));
    size_t count = fl__yaml_pair_count(node);
    if (count > HEADERS_MAX) return FAIL(ld, node, "%s: more than %d headers", path, HEADERS_MAX);
    fl_asgi_header_t *headers = fl_arena_zalloc(ld->arena, (count ? count : 1) * sizeof *headers);
    for (size_t i = 0; i < count; i++) {
        fl_yaml_node_t *key = fl__yaml_node_at(ld, node->data.mapping.pairs.start[i].key);
        fl_yaml_node_t *value = fl__yaml_node_at(ld, node->data.mapping.pairs.start[i].value);
        TRY(fl__yaml_nonempty(ld, key, path, &headers[i].name));
        TRY(fl__yaml_string(ld, value, fl__yaml_child_path(ld, path, headers[i].name),
                            &headers[i].value));
        assert(headers[i].name != NULL && headers[i].value != NULL);
    }
    *out = headers;
    *count_out = count;
    return 0;
}

int fl__yaml_response_headers(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path,
                              const fl_asgi_header_t **out, size_t *count_out) {
    TRY(fl__yaml_headers(ld, node, path, out, count_out));
    if (*count_out > FL_RESPONSE_HEADERS_MAX)
        return FAIL(ld, node, "%s: more than %d headers in a response", path,
                    FL_RESPONSE_HEADERS_MAX);
    return 0;
}

int fl__yaml_status(fl_yaml_reader_t *ld, fl_yaml_node_t *node, const char *path, int *out) {
    assert(out != NULL);
    int64_t status;
    TRY(fl__yaml_integer(ld, node, path, 100, 599, &status));
    assert(status >= 100 && status <= 599);

    *out = (int)status;
    return 0;
}
