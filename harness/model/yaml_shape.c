/* What a scenario's text must be before libyaml builds its document: text
 * (no NUL byte, which libyaml's string input would take for the end and
 * silently drop what follows), one document (libyaml's loader reads the
 * first and ignores the rest), and nested at most NESTING_MAX deep (the
 * document loader's time grows with the square of the depth: 40,000 flow
 * levels took 16 s). The check is one pass of libyaml's event parser that
 * stops at the first event past a limit, so hostile text costs no more
 * than the limits allow. */
#include <assert.h>
#include <string.h>

#include "harness/model/yaml_reader.h"
#include "sim/runtime/assume.h"
#include "sim/runtime/status.h"

/* The line and column (from 0, as libyaml's marks count) of byte offset in
 * text: a column counts characters, so UTF-8 continuation bytes add none. */
yaml_mark_t fl__yaml_mark_of_offset(const char *text, size_t length, size_t offset) {
    assert(text != NULL && offset <= length);
    yaml_mark_t mark = {.index = offset, .line = 0, .column = 0};
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            mark.line++;
            mark.column = 0;
        } else if ((c & 0xC0) != 0x80) {
            mark.column++;
        }
    }
    assert(mark.line <= offset && mark.column <= offset);
    return mark;
}

static int check_no_nul(fl_yaml_reader_t *ld, const char *text, size_t length) {
    assert(ld != NULL && text != NULL);
    const char *nul = memchr(text, '\0', length);
    if (nul == NULL) return 0;
    size_t offset = (size_t)(nul - text);
    yaml_mark_t mark = fl__yaml_mark_of_offset(text, length, offset);
    return fl__yaml_fail_at(ld, mark,
                            "binary content at %zu:%zu (a NUL byte): the scenario is not text",
                            mark.line + 1, mark.column + 1);
}

/* The parser's error, at its place: a reader error (bytes that are not
 * UTF-8 text, control characters) has an offset, not a mark. */
int fl__yaml_fail_syntax(fl_yaml_reader_t *ld, const yaml_parser_t *parser, const char *text,
                         size_t length) {
    assert(ld != NULL && parser != NULL && text != NULL);
    /* Not the file's fault. libyaml 0.2.5's loader also fails with no error
     * set at all, when the copy of a default tag cannot be allocated. */
    if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR)
        fl__out_of_memory("yaml parser");
    const char *problem = parser->problem ? parser->problem : "malformed document";
    if (parser->error == YAML_READER_ERROR) {
        size_t offset = parser->problem_offset <= length ? parser->problem_offset : length;
        return fl__yaml_fail_at(ld, fl__yaml_mark_of_offset(text, length, offset),
                                "the scenario is not text: %s", problem);
    }
    return fl__yaml_fail_at(ld, parser->problem_mark, "YAML syntax: %s%s%s", problem,
                            parser->context ? " " : "", parser->context ? parser->context : "");
}

/* One event's effect on the shape; 0, or an error at the event. */
static int check_event(fl_yaml_reader_t *ld, const yaml_event_t *event, int *depth,
                       int *documents) {
    assert(ld != NULL && event != NULL && depth != NULL && documents != NULL);
    assert(*depth >= 0 && *depth <= NESTING_MAX);
    switch (event->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*documents > 1)
            return fl__yaml_fail_at(ld, event->start_mark,
                                    "a second YAML document: a scenario file holds one");
        return 0;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (++*depth > NESTING_MAX)
            return fl__yaml_fail_at(ld, event->start_mark,
                                    "nested more than %d levels deep", NESTING_MAX);
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        assert(*depth > 0); /* the parser pairs every end with its start */
        --*depth;
        return 0;
    default: return 0;
    }
}

int fl__yaml_check_shape(fl_yaml_reader_t *ld, const char *text, size_t length) {
    assert(ld != NULL && text != NULL);
    TRY(check_no_nul(ld, text, length));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) fl__out_of_memory("yaml_parser_initialize");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, length);
    int status = 0, depth = 0, documents = 0;
    /* Each event consumes input, and the input is at most FILE_BYTES_MAX: the loop ends. */
    for (bool done = false; !done && status == 0;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            status = fl__yaml_fail_syntax(ld, &parser, text, length);
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        status = check_event(ld, &event, &depth, &documents);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    assert(status == 0 || status == FL_EINVAL);
    return status;
}
