/* Reading an item that names a row of a kind table, the same for every
 * table: "- retry: {...}", a mapping of one key. */
#include "harness/model/kinds.h"

#include <assert.h>
#include <string.h>

/* The head of row index (count: the end row). */
static const fl_kind_head_t *fl_kind_head(const fl_kind_table_t *table, size_t index) {
    assert(table != NULL && table->rows != NULL && table->row_size >= sizeof(fl_kind_head_t));
    assert(index <= table->count);
    /* A row begins with its head, so a pointer to the row is one to it. */
    const fl_kind_head_t *head =
        (const fl_kind_head_t *)((const char *)table->rows + index * table->row_size);
    assert((head->name == NULL) == (index == table->count));
    return head;
}

/* The row's defaults, then its keys, into the item's struct. */
static int read_into(fl_yaml_reader_t *ld, const fl_kind_head_t *head, const fl_kind_item_t *item,
                     void *into, size_t into_size) {
    assert(head != NULL && item != NULL && into != NULL && into_size > 0);
    if (head->defaults != NULL) memcpy(into, head->defaults, into_size);
    if (head->keys == NULL) return 0;
    return fl__yaml_read_keys(ld, item->value, item->path, head->keys, into, into_size);
}

int fl__yaml_kind_item(fl_yaml_reader_t *ld, fl_yaml_node_t *item, const char *path,
                       const fl_kind_table_t *table, void *into, size_t into_size,
                       fl_kind_item_t *out) {
    assert(ld != NULL && item != NULL && path != NULL && table != NULL && out != NULL);
    assert((into == NULL) == (into_size == 0));
    if (item->type != YAML_MAPPING_NODE || fl__yaml_pair_count(item) != 1)
        return FAIL(ld, item, "%s: expected a one-key mapping naming the %s", path, table->what);
    fl_yaml_node_t *key = fl__yaml_node_at(ld, item->data.mapping.pairs.start[0].key);
    fl_name_list_t names =
        fl__name_list_for(key->type == YAML_SCALAR_NODE ? fl__yaml_text(key) : NULL);
    for (size_t i = 0; i < table->count; i++) {
        const fl_kind_head_t *head = fl_kind_head(table, i);
        if (key->type != YAML_SCALAR_NODE || strcmp(head->name, fl__yaml_text(key)) != 0) {
            fl__name_list_add(&names, ", ", head->name);
            continue;
        }
        out->index = i;
        out->value = fl__yaml_node_at(ld, item->data.mapping.pairs.start[0].value);
        out->path = fl__yaml_child_path(ld, path, head->name);
        out->at = fl__yaml_location(ld, item);
        if (head->keys != NULL) TRY(fl__yaml_check_keys(ld, out->value, out->path, head->keys));
        assert(out->value != NULL && out->index < table->count);
        return into != NULL ? read_into(ld, head, out, into, into_size) : 0;
    }
    return FAIL(ld, key, "%s: unknown %s '%s' (%sexpected one of: %s)", path, table->what,
                key->type == YAML_SCALAR_NODE ? fl__yaml_text(key) : "?",
                fl__name_list_hint(ld, &names), names.text);
}
