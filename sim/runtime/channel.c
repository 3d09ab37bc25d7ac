#include "sim/runtime/channel.h"

#include <assert.h>

#include "sim/runtime/internal.h"
#include "sim/runtime/status.h"

struct fl_channel {
    fl_waitable_t waitable;
    void **buffer; /* ring of capacity slots (arena) */
    size_t capacity;
    size_t head;
    size_t count;
    fl__waitq_t senders;   /* waiter.item: the item offered */
    fl__waitq_t receivers; /* waiter.item: filled by the sender */
    bool send_closed;
    bool receive_closed;
};

fl_channel_t *fl_channel_create(fl_world_t *world, size_t capacity, const char *name) {
    assert(capacity <= FL_CHANNEL_CAPACITY_MAX);
    fl_channel_t *channel = fl_arena_zalloc(fl__object_arena(world), sizeof *channel);
    fl__waitable_init(world, &channel->waitable, "channel", name);
    channel->capacity = capacity;
    if (capacity > 0)
        channel->buffer = fl_arena_alloc(fl__object_arena(world), capacity * sizeof(void *));
    return channel;
}

/* The ring wraps by a subtraction, not a modulo: head and count are each
 * below capacity, so their sum is below twice it, and a division by a
 * variable capacity costs tens of cycles on every send and receive. */
static void buffer_push(fl_channel_t *channel, void *item) {
    assert(channel->count < channel->capacity && channel->head < channel->capacity);
    size_t at = channel->head + channel->count++;
    if (at >= channel->capacity) at -= channel->capacity;
    channel->buffer[at] = item;
}

static void *buffer_pop(fl_channel_t *channel) {
    assert(channel->count > 0 && channel->head < channel->capacity);
    void *item = channel->buffer[channel->head];
    channel->head = channel->head + 1 == channel->capacity ? 0 : channel->head + 1;
    channel->count--;
    return item;
}

int fl_channel_send_nowait(fl_world_t *world, fl_channel_t *channel, void *item) {
    if (channel->send_closed) return FL_ECLOSED;
    if (channel->receive_closed) return FL_EBROKEN;
    fl__waiter_t *receiver = fl__waitq_pop(&channel->receivers);
    if (receiver != NULL) {
        receiver->item = item;
        fl__wake(world, receiver, FL_OK);
        return FL_OK;
    }
    if (channel->count < channel->capacity) {
        buffer_push(channel, item);
        return FL_OK;
    }
    return FL_EWOULDBLOCK;
}

int fl_channel_send(fl_world_t *world, fl_channel_t *channel, void *item) {
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status;
    status = fl_channel_send_nowait(world, channel, item);
    if (status != FL_EWOULDBLOCK) return status;
    fl__waiter_t waiter;
    waiter.item = item;
    /* On FL_ECANCELLED the waiter is already off the queue: withdrawn. */
    return fl__park(world, &channel->senders, &waiter, &channel->waitable, "send", true);
}

int fl_channel_receive_nowait(fl_world_t *world, fl_channel_t *channel, void **item_out) {
    if (channel->receive_closed) return FL_ECLOSED;
    fl__waiter_t *sender = fl__waitq_pop(&channel->senders);
    if (channel->count > 0) {
        *item_out = buffer_pop(channel);
        /* A waiting sender's item takes the freed slot, keeping order. */
        if (sender != NULL) {
            buffer_push(channel, sender->item);
            fl__wake(world, sender, FL_OK);
        }
        return FL_OK;
    }
    if (sender != NULL) {
        *item_out = sender->item;
        fl__wake(world, sender, FL_OK);
        return FL_OK;
    }
    if (channel->send_closed) return FL_EENDOFSTREAM;
    return FL_EWOULDBLOCK;
}

int fl_channel_receive(fl_world_t *world, fl_channel_t *channel, void **item_out) {
    int status = fl_checkpoint(world);
    if (status != FL_OK) return status;
    status = fl_channel_receive_nowait(world, channel, item_out);
    if (status != FL_EWOULDBLOCK) return status;
    fl__waiter_t waiter;
    waiter.item = NULL;
    status = fl__park(world, &channel->receivers, &waiter, &channel->waitable, "receive", true);
    if (status == FL_OK) *item_out = waiter.item;
    return status;
}

void fl_channel_close_send(fl_world_t *world, fl_channel_t *channel) {
    if (channel->send_closed) return;
    channel->send_closed = true;
    /* Receivers only wait on an empty buffer, so they get end-of-stream now. */
    fl__waiter_t *receiver;
    while ((receiver = fl__waitq_pop(&channel->receivers)) != NULL)
        fl__wake(world, receiver, FL_EENDOFSTREAM);
}

void fl_channel_close_receive(fl_world_t *world, fl_channel_t *channel) {
    if (channel->receive_closed) return;
    channel->receive_closed = true;
    channel->count = 0;
    channel->head = 0;
    fl__waiter_t *sender;
    while ((sender = fl__waitq_pop(&channel->senders)) != NULL)
        fl__wake(world, sender, FL_EBROKEN);
}

size_t fl_channel_buffered(const fl_channel_t *channel) { return channel->count; }
size_t fl_channel_waiting_senders(const fl_channel_t *channel) { return channel->senders.count; }
size_t fl_channel_waiting_receivers(const fl_channel_t *channel) {
    return channel->receivers.count;
}
