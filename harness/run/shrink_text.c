#include "harness/run/shrink_text.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/runtime/status.h"

int fl_shrink_source_read(const char *path, fl_shrink_source_t *out) {
    assert(path != NULL && out != NULL);
    *out = (fl_shrink_source_t){0};
    FILE *in = fopen(path, "rb");
    if (in == NULL) return -errno;
    FILE *copy = open_memstream(&out->text, &out->length);
    if (copy == NULL) fl__out_of_memory("shrink");
    for (int c; (c = fgetc(in)) != EOF;) fputc(c, copy);
    fclose(in);
    /* open_memstream leaves the text NUL-terminated, or fails to grow it. */
    if (fclose(copy) != 0 || out->text == NULL) fl__out_of_memory("shrink");
    assert(out->text != NULL && strlen(out->text) <= out->length);
    return 0;
}

void fl_shrink_source_free(fl_shrink_source_t *source) {
    assert(source != NULL);
    free(source->text);
    *source = (fl_shrink_source_t){0};
}

static bool parse(const fl_shrink_source_t *source, yaml_document_t *doc) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) fl__out_of_memory("shrink");
    yaml_parser_set_input_string(&parser, (const unsigned char *)source->text, source->length);
    bool ok = yaml_parser_load(&parser, doc) != 0;
    /* A memory error is not the file's (yaml_shape.c: libyaml may set none). */
    if (!ok && (parser.error == YAML_MEMORY_ERROR || parser.error == YAML_NO_ERROR))
        fl__out_of_memory("shrink");
    yaml_parser_delete(&parser);
    if (ok && yaml_document_get_root_node(doc) == NULL) yaml_document_delete(doc), ok = false;
    return ok;
}

/* mapping's value for key (and the key's node), or NULL. */
static yaml_node_t *value_of(yaml_document_t *doc, yaml_node_t *mapping, const char *key,
                             yaml_node_t **key_out) {
    if (mapping == NULL || mapping->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = mapping->data.mapping.pairs.start;
         p < mapping->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0) {
            if (key_out != NULL) *key_out = k;
            return yaml_document_get_node(doc, p->value);
        }
    }
    return NULL;
}

/* The byte where 0-based line starts (the text's end past its last). */
static size_t line_start(const fl_shrink_source_t *source, size_t line) {
    size_t offset = 0;
    for (size_t l = 0; l < line && offset < source->length; offset++)
        if (source->text[offset] == '\n') l++;
    return offset;
}

/* A block node's whole lines, from start's line to where node ends: a
 * block value ends where the next token starts, at the start of a line
 * (column 0) that is not its own. */
static fl_shrink_edit_t lines_of(const fl_shrink_source_t *source, const yaml_node_t *start,
                                 const yaml_node_t *node) {
    size_t first = start->start_mark.line;
    size_t end = node->end_mark.line + (node->end_mark.column > 0 ? 1 : 0);
    if (end <= first) end = first + 1;
    return (fl_shrink_edit_t){.start = line_start(source, first), .end = line_start(source, end)};
}

/* Item i of sequence seq, to cut: in a flow sequence the item and the
 * separator after it (before it, for the last); in a block sequence its
 * lines, "- " and all, up to the next item's. */
static fl_shrink_edit_t item_range(const fl_shrink_source_t *source, yaml_document_t *doc,
                                   const yaml_node_t *seq, size_t i) {
    yaml_node_item_t *items = seq->data.sequence.items.start;
    size_t count = (size_t)(seq->data.sequence.items.top - items);
    assert(i < count);
    yaml_node_t *item = yaml_document_get_node(doc, items[i]);
    yaml_node_t *next = i + 1 < count ? yaml_document_get_node(doc, items[i + 1]) : NULL;
    if (seq->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE) {
        if (next != NULL) return (fl_shrink_edit_t){.start = item->start_mark.index,
                                                    .end = next->start_mark.index};
        yaml_node_t *before = i > 0 ? yaml_document_get_node(doc, items[i - 1]) : NULL;
        return (fl_shrink_edit_t){.start = before != NULL ? before->end_mark.index
                                                          : item->start_mark.index,
                                  .end = item->end_mark.index};
    }
    fl_shrink_edit_t range = lines_of(source, item, item);
    if (next != NULL) range.end = line_start(source, next->start_mark.line);
    return range;
}

enum { RANGES_MAX = FL_SHRINK_EDITS_MAX + FL_SCENARIO_FAULTS_MAX + 2 };

/* Every range the shrunk text leaves out or replaces, unsorted. */
static size_t ranges_of(const fl_shrink_source_t *source, yaml_document_t *doc,
                        const fl_shrink_result_t *r, fl_shrink_edit_t *ranges) {
    yaml_node_t *root = yaml_document_get_root_node(doc), *key = NULL, *value;
    size_t n = 0;
    if ((value = value_of(doc, root, "faults", &key)) != NULL && value->type == YAML_SEQUENCE_NODE) {
        size_t count = (size_t)(value->data.sequence.items.top - value->data.sequence.items.start);
        size_t kept = 0;
        for (size_t i = 0; i < count && i < FL_SCENARIO_FAULTS_MAX; i++) kept += r->fault_kept[i];
        for (size_t i = 0; i < count && i < FL_SCENARIO_FAULTS_MAX && kept > 0; i++)
            if (!r->fault_kept[i]) ranges[n++] = item_range(source, doc, value, i);
        if (kept == 0) ranges[n++] = lines_of(source, key, value);
    }
    if ((value = value_of(doc, root, "network", &key)) != NULL) ranges[n++] = lines_of(source, key, value);
    if ((value = value_of(doc, root, "seeds", &key)) != NULL) ranges[n++] = lines_of(source, key, value);
    assert(r->edit_count <= FL_SHRINK_EDITS_MAX && n + r->edit_count <= RANGES_MAX);
    for (size_t i = 0; i < r->edit_count; i++) ranges[n++] = r->edits[i];
    return n;
}

static void write_network(FILE *f, const fl_simnet_options_t *n) {
    assert(f != NULL && n != NULL);
    fprintf(f, "network: {latency: %" PRId64 "ns, jitter: %" PRId64 "ns, bandwidth: %" PRIu64
               ", buffer: %zu, segmentation: %s, backlog: %zu}\n",
            n->latency_ns, n->latency_jitter_ns, n->bytes_per_second, n->buffer_bytes,
            n->segmentation ? "true" : "false", n->backlog);
}

char *fl_shrink_text_render(const fl_shrink_source_t *source, const char *origin,
                            uint64_t origin_seed, const fl_shrink_result_t *r) {
    assert(source != NULL && source->text != NULL && origin != NULL && r != NULL);
    yaml_document_t doc;
    if (!parse(source, &doc)) return NULL;
    fl_shrink_edit_t ranges[RANGES_MAX];
    size_t n = ranges_of(source, &doc, r, ranges);
    yaml_document_delete(&doc);
    for (size_t i = 1; i < n; i++) /* by start: a few dozen at most */
        for (size_t j = i; j > 0 && ranges[j].start < ranges[j - 1].start; j--) {
            fl_shrink_edit_t swap = ranges[j];
            ranges[j] = ranges[j - 1], ranges[j - 1] = swap;
        }
    char *text = NULL;
    size_t length = 0, at = 0;
    FILE *out = open_memstream(&text, &length);
    if (out == NULL) fl__out_of_memory("shrink");
    for (size_t i = 0; i < n; i++) {
        assert(ranges[i].start >= at && ranges[i].end >= ranges[i].start); /* never overlap */
        assert(ranges[i].end <= source->length);
        fwrite(source->text + at, 1, ranges[i].start - at, out);
        fputs(ranges[i].text, out);
        at = ranges[i].end;
    }
    fwrite(source->text + at, 1, source->length - at, out);
    if (source->length > 0 && source->text[source->length - 1] != '\n') fputc('\n', out);
    fprintf(out, "# shrunk by faultline shrink from %s seed %" PRIu64 "\n", origin, origin_seed);
    fprintf(out, "seeds: %" PRIu64 "\n", r->seed);
    write_network(out, &r->network);
    if (fclose(out) != 0 || text == NULL) fl__out_of_memory("shrink");
    return text;
}

/* A trigger's number as written ("68", "50ms"): plain, digits first, then
 * a short unit of letters. */
static bool trigger_number(const yaml_node_t *node, fl_shrink_cut_t *cut) {
    if (node == NULL || node->type != YAML_SCALAR_NODE ||
        node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *text = (const char *)node->data.scalar.value;
    if (text[0] < '0' || text[0] > '9') return false;
    char *unit;
    errno = 0;
    unsigned long long value = strtoull(text, &unit, 10);
    if (errno != 0 || strlen(unit) >= sizeof cut->unit) return false;
    for (const char *u = unit; *u != '\0'; u++)
        if ((*u < 'a' || *u > 'z') && (*u < 'A' || *u > 'Z')) return false;
    cut->value = value;
    snprintf(cut->unit, sizeof cut->unit, "%s", unit);
    cut->start = node->start_mark.index, cut->end = node->end_mark.index;
    return true;
}

static size_t trigger_cuts(yaml_document_t *doc, fl_shrink_cut_t *cuts, size_t max) {
    static const struct { const char *key; uint64_t low; } KEYS[] = {
        {"at", 0}, {"bytes", 0}, {"count", 1}, {"connect", 1}};
    yaml_node_t *faults = value_of(doc, yaml_document_get_root_node(doc), "faults", NULL);
    if (faults == NULL || faults->type != YAML_SEQUENCE_NODE) return 0;
    size_t n = 0, count = (size_t)(faults->data.sequence.items.top - faults->data.sequence.items.start);
    for (size_t i = 0; i < count && i < FL_SCENARIO_FAULTS_MAX; i++) {
        yaml_node_t *fault = yaml_document_get_node(doc, faults->data.sequence.items.start[i]);
        yaml_node_t *trigger = value_of(doc, fault, "trigger", NULL);
        for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0] && n < max; k++) {
            fl_shrink_cut_t cut = {.kind = FL_SHRINK_CUT_TRIGGER, .fault = i, .low = KEYS[k].low};
            if (trigger_number(value_of(doc, trigger, KEYS[k].key, NULL), &cut) &&
                cut.value > cut.low)
                cuts[n++] = cut;
        }
    }
    return n;
}

/* The client's tasks, last first, then each one's top-level steps. */
static size_t task_cuts(const fl_shrink_source_t *source, yaml_document_t *doc,
                        fl_shrink_cut_t *cuts, size_t max) {
    yaml_node_t *client = value_of(doc, yaml_document_get_root_node(doc), "client", NULL);
    yaml_node_t *tasks = value_of(doc, client, "tasks", NULL);
    if (tasks == NULL || tasks->type != YAML_SEQUENCE_NODE) return 0;
    size_t n = 0, count = (size_t)(tasks->data.sequence.items.top - tasks->data.sequence.items.start);
    for (size_t i = count; i-- > 0 && n < max;) {
        fl_shrink_edit_t range = item_range(source, doc, tasks, i);
        cuts[n++] = (fl_shrink_cut_t){.kind = FL_SHRINK_CUT_TASK, .start = range.start, .end = range.end};
    }
    for (size_t i = count; i-- > 0;) {
        yaml_node_t *task = yaml_document_get_node(doc, tasks->data.sequence.items.start[i]);
        yaml_node_t *steps = value_of(doc, task, "steps", NULL);
        if (steps == NULL || steps->type != YAML_SEQUENCE_NODE) continue;
        size_t step_count = (size_t)(steps->data.sequence.items.top - steps->data.sequence.items.start);
        for (size_t j = step_count; j-- > 0 && n < max;) {
            fl_shrink_edit_t range = item_range(source, doc, steps, j);
            cuts[n++] = (fl_shrink_cut_t){.kind = FL_SHRINK_CUT_STEP, .start = range.start, .end = range.end};
        }
    }
    return n;
}

size_t fl_shrink_text_cuts(const fl_shrink_source_t *source, fl_shrink_cut_t *cuts, size_t max) {
    assert(source != NULL && cuts != NULL);
    yaml_document_t doc;
    if (!parse(source, &doc)) return 0;
    size_t n = task_cuts(source, &doc, cuts, max);
    n += trigger_cuts(&doc, cuts + n, max - n);
    yaml_document_delete(&doc);
    assert(n <= max);
    return n;
}
