/* The shrunk scenario file: the original text with the dropped faults'
 * lines taken out, and its network and seeds replaced by the shrunk run's.
 * Editing the text, not writing the model out again, keeps every other
 * line, comment and layout as the author wrote it. */
#include "harness/cli/shrink_file.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/runtime/out_of_memory.h"
#include "sim/runtime/status.h"

/* Lines [first, end) of the text, 0-based. */
typedef struct line_span {
    size_t first, end;
} line_span_t;

/* A node's lines: a block value ends where the next token starts, at the
 * start of a line (column 0) that is not its own. */
static line_span_t span_of(const yaml_node_t *start, const yaml_node_t *node) {
    assert(start != NULL && node != NULL);
    size_t end = node->end_mark.line + (node->end_mark.column > 0 ? 1 : 0);
    if (end <= start->start_mark.line) end = start->start_mark.line + 1;
    return (line_span_t){start->start_mark.line, end};
}

static yaml_node_t *root_value(yaml_document_t *doc, const char *key, yaml_node_t **key_out) {
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0) {
            *key_out = k;
            return yaml_document_get_node(doc, p->value);
        }
    }
    return NULL;
}

static void drop(bool *dropped, size_t lines, line_span_t span) {
    for (size_t l = span.first; l < span.end && l < lines; l++) dropped[l] = true;
}

/* Marks the lines of every dropped fault (or of the whole faults key). */
static void drop_faults(yaml_document_t *doc, const fl_shrink_result_t *r, bool *dropped,
                        size_t lines) {
    yaml_node_t *key, *faults = root_value(doc, "faults", &key);
    if (faults == NULL || faults->type != YAML_SEQUENCE_NODE) return;
    if (r->faults_kept == 0) {
        drop(dropped, lines, span_of(key, faults));
        return;
    }
    yaml_node_item_t *items = faults->data.sequence.items.start;
    size_t count = (size_t)(faults->data.sequence.items.top - items);
    for (size_t i = 0; i < count && i < FL_SCENARIO_FAULTS_MAX; i++) {
        if (r->fault_kept[i]) continue;
        yaml_node_t *item = yaml_document_get_node(doc, items[i]);
        line_span_t span = span_of(item, item);
        /* An item runs to the next one's line: its "- " is on its first. */
        if (i + 1 < count) span.end = yaml_document_get_node(doc, items[i + 1])->start_mark.line;
        drop(dropped, lines, span);
    }
}

static void write_network(FILE *f, const fl_simnet_options_t *n) {
    assert(f != NULL && n != NULL);
    fprintf(f, "network: {latency: %" PRId64 "ns, jitter: %" PRId64 "ns, bandwidth: %" PRIu64
               ", buffer: %zu, segmentation: %s, backlog: %zu}\n",
            n->latency_ns, n->latency_jitter_ns, n->bytes_per_second, n->buffer_bytes,
            n->segmentation ? "true" : "false", n->backlog);
}

int fl_shrink_file_write(const char *source_path, const char *out_path, uint64_t seed,
                         const fl_shrink_result_t *r, FILE *err) {
    assert(source_path != NULL && out_path != NULL && r != NULL && err != NULL);
    FILE *in = fopen(source_path, "rb");
    if (in == NULL) return fprintf(err, "faultline shrink: cannot read %s: %s\n", source_path, strerror(errno)), 2;
    char *text = NULL;
    size_t length = 0;
    FILE *copy = open_memstream(&text, &length);
    if (copy == NULL) fl__out_of_memory("shrink");
    for (int c; (c = fgetc(in)) != EOF;) fputc(c, copy);
    fclose(in);
    if (fclose(copy) != 0 || text == NULL) fl__out_of_memory("shrink");
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) fl__out_of_memory("shrink");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    if (!yaml_parser_load(&parser, &doc)) {
        /* A memory error is not the file's (yaml_shape.c: libyaml may set none). */
        if (parser.error == YAML_MEMORY_ERROR || parser.error == YAML_NO_ERROR)
            fl__out_of_memory("shrink");
        yaml_parser_delete(&parser);
        free(text);
        return fprintf(err, "faultline shrink: %s no longer parses\n", source_path), 2;
    }
    size_t lines = 1;
    for (size_t i = 0; i < length; i++) lines += text[i] == '\n';
    bool *dropped = calloc(lines + 1, sizeof *dropped);
    if (dropped == NULL) fl__out_of_memory("shrink");
    drop_faults(&doc, r, dropped, lines);
    yaml_node_t *key, *value;
    if ((value = root_value(&doc, "network", &key)) != NULL) drop(dropped, lines, span_of(key, value));
    if ((value = root_value(&doc, "seeds", &key)) != NULL) drop(dropped, lines, span_of(key, value));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    FILE *out = fopen(out_path, "w");
    if (out == NULL) {
        free(dropped), free(text);
        return fprintf(err, "faultline shrink: cannot write %s: %s\n", out_path, strerror(errno)), 2;
    }
    size_t line = 0;
    for (const char *p = text; p < text + length; p++) {
        if (!dropped[line]) fputc(*p, out);
        if (*p == '\n') line++;
    }
    if (length > 0 && text[length - 1] != '\n') fputc('\n', out);
    fprintf(out, "# shrunk by faultline shrink from %s seed %" PRIu64 "\n", source_path, seed);
    fprintf(out, "seeds: %" PRIu64 "\n", seed);
    write_network(out, &r->network);
    free(dropped);
    free(text);
    if (fclose(out) != 0) return fprintf(err, "faultline shrink: cannot write %s\n", out_path), 2;
    return 0;
}
