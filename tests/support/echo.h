/* An echo server and client written against the connection interface only,
 * so the very same code runs over the simulated network and over libuv.
 *
 * The client writes a seeded pseudo-random payload and reads the echo back
 * concurrently (a writer and a reader task in one task group: with bounded
 * buffers, writing everything before reading would deadlock, as it would on
 * real TCP), then compares it byte for byte. */
#ifndef FL_TEST_ECHO_H
#define FL_TEST_ECHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/net/net.h"
#include "sim/runtime/event.h"

typedef struct echo_run {
    fl_net_t *net;
    const char *host;          /* NULL: the driver's default */
    uint16_t port;             /* set by the server once it listens */
    size_t payload_bytes;
    size_t write_chunk;        /* the client's write size; 0: 4096 */
    uint64_t pattern_seed;
    fl_event_t *listening;     /* set by the server; the client waits on it */
    fl_conn_t *client_conn;    /* the client's connection, shared by its tasks */
    /* results */
    size_t server_bytes;       /* bytes the server read (and echoed) */
    size_t client_received;    /* bytes the client read back */
    size_t mismatch_at;        /* first differing offset, or SIZE_MAX */
    int server_status;         /* how the server's read loop ended (FL_EEOF expected) */
    int client_write_status;
    int client_read_status;    /* FL_EEOF expected */
    size_t server_reads;       /* read calls that returned data */
} echo_run_t;

/* Prepares the run (creates the event in world). */
void echo_init(echo_run_t *run, fl_world_t *world, fl_net_t *net, size_t payload_bytes,
               uint64_t pattern_seed);

/* Task bodies: spawn both with arg = the echo_run_t. */
fl_error_t *echo_server_task(fl_world_t *world, void *arg);
fl_error_t *echo_client_task(fl_world_t *world, void *arg);

/* The payload's byte at offset i. */
unsigned char echo_pattern(uint64_t seed, size_t i);

/* True when the run ended as a clean echo. */
bool echo_succeeded(const echo_run_t *run);

#endif /* FL_TEST_ECHO_H */
