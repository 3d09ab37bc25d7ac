/* Channels: anyio's memory object streams, one object with both ends.
 *
 * capacity 0 is a rendezvous: a send completes when a receiver takes the
 * item. send and receive are checkpoints first, even when they could
 * complete at once. Closing the send side gives receivers FL_EENDOFSTREAM
 * once the buffer is drained; closing the receive side drops the buffer and
 * gives senders FL_EBROKEN. A sender cancelled while blocked withdraws its
 * item: it is never delivered. An item handed to a woken receiver is never
 * lost, even if the receiver is cancelled before it runs.
 *
 * Items are opaque pointers; the channel never owns what they point at.
 * The channel lives in the world's arena.
 */
#ifndef FL_CHANNEL_H
#define FL_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/runtime/world.h"

typedef struct fl_channel fl_channel_t;

/* Creates a channel; capacity at most FL_CHANNEL_CAPACITY_MAX. */
fl_channel_t *fl_channel_create(fl_world_t *world, size_t capacity, const char *name);
#define FL_CHANNEL_CAPACITY_MAX ((size_t)1 << 20)

/* Returns 0, FL_ECANCELLED (item withdrawn), FL_EBROKEN or FL_ECLOSED. */
int fl_channel_send(fl_world_t *world, fl_channel_t *channel, void *item);
/* Returns 0 and the item, FL_ECANCELLED, FL_EENDOFSTREAM or FL_ECLOSED. */
int fl_channel_receive(fl_world_t *world, fl_channel_t *channel, void **item_out);

/* Non-blocking forms (no checkpoint): FL_EWOULDBLOCK instead of waiting. */
int fl_channel_send_nowait(fl_world_t *world, fl_channel_t *channel, void *item);
int fl_channel_receive_nowait(fl_world_t *world, fl_channel_t *channel, void **item_out);

/* Close one side (idempotent); callable from any task or from outside. */
void fl_channel_close_send(fl_world_t *world, fl_channel_t *channel);
void fl_channel_close_receive(fl_world_t *world, fl_channel_t *channel);

size_t fl_channel_buffered(const fl_channel_t *channel);
size_t fl_channel_waiting_senders(const fl_channel_t *channel);
size_t fl_channel_waiting_receivers(const fl_channel_t *channel);

#endif /* FL_CHANNEL_H */
