/* The libuv driver: the connection interface (net.h) over real TCP sockets.
 *
 * fl_uvnet_create makes a network for one world and installs it as the
 * world's driver (world.h): from then on the world's clock is real time, and
 * whenever no task is ready fl_world_run runs the libuv loop once, until an
 * outside event (a socket, a fault timer) or the world's next timer. Tasks
 * wait for sockets on conditions (condition.h) that the libuv callbacks
 * notify, so every blocking call stays a checkpoint and a cancel scope's
 * deadline interrupts it exactly as on the simulated network.
 *
 * What the same server and client code sees, beyond net.h:
 *   - listen takes IPv4 and IPv6 literals and "localhost" (127.0.0.1); any
 *     other name gives FL_ENOTFOUND. It does not block.
 *   - connect also resolves names (uv_getaddrinfo, the task waiting on a
 *     condition) and tries up to 8 addresses in turn: FL_EREFUSED when none
 *     accepts, FL_ENOTFOUND when the name does not resolve.
 *   - read, write, connect and accept are checkpoints, even when they could
 *     proceed at once; listen, shutdown_write, close and reset are not.
 *   - each socket is read eagerly into a per-connection buffer of at most
 *     256 KiB (then reading stops until the task drains it: backpressure
 *     reaches the peer through TCP). A write returns once the kernel
 *     accepted every byte; a write cancelled while waiting still sends its
 *     current chunk (at most 64 KiB), since the kernel may hold part of it.
 *   - close sends FIN after the pending writes, then closes the socket;
 *     reset closes at once with RST. Either way the endpoint's later calls
 *     fail with FL_ECLOSED and tasks blocked on it wake with FL_ECLOSED.
 *   - a reset that arrives (ECONNRESET) drops the bytes not yet read: the
 *     pending and later reads and writes fail with FL_ERESET, as net.h says.
 *   - connections are numbered 1, 2, 3... in the order they are
 *     established. When both endpoints of a connection belong to this
 *     network (a server and a client in one world), they share one number,
 *     as on the simulated network: they are matched by address.
 *   - fl_net_event does nothing: event triggers are not supported here.
 *
 * Faults: a plan may hold 'at' and 'bytes' triggers with the reset, close,
 * half-close, stall and delay actions; anything else makes fl_uvnet_create
 * fail with a message. The plan is copied (its counters are not touched).
 *   - at: real time since the network was created, armed as a libuv timer;
 *     the action hits every open endpoint of action.connection (0: all).
 *   - bytes: counted per endpoint: a client's c2s bytes are those it wrote
 *     and its s2c bytes those it read; the server's the other way round.
 *     When both endpoints are local only the writing one counts, so a
 *     threshold is reached once per connection. A write or read that would
 *     cross the threshold moves exactly up to it; the action runs before the
 *     rest (for a write: once the kernel accepted the bytes before it).
 *     A threshold of 0 fires before the first byte of that direction.
 *   - reset: every local endpoint of the connection sends RST (SO_LINGER 0);
 *     the endpoint's own later calls fail with FL_ERESET, the peer's too.
 *   - close, half-close: the local endpoints on action.side close (FIN, then
 *     their calls fail with FL_ECLOSED) or shut down writing (writes fail
 *     with FL_EPIPE); an endpoint that is not on this network is left alone.
 *   - stall, delay: act on the receiving endpoint of the direction when it
 *     is local (reads stop, or each read delivery waits duration after its
 *     bytes arrived or after the previous delivery; the data stays
 *     buffered), else on the sending endpoint (writes are held, or each
 *     write call waits duration before it starts). A stall's end and a
 *     delay are world timers: the waiting task stays cancellable.
 * Every firing is a FL_TRACE_FAULT event (object: connection, value: the
 * entry's 1-based index, detail: the action's name); socket events are
 * FL_TRACE_NET events with static details ("listen", "connect", "accept",
 * "read", "write", "fin", "eof", "rst", "reset", "close", "refused", ...).
 *
 * SIGPIPE: the first network created sets SIGPIPE to ignored if it was at
 * its default (a write to a reset socket must fail with EPIPE, not kill the
 * process), as libuv expects of its applications.
 *
 * One libuv network per world. It is not thread-safe: it runs on the thread
 * that calls fl_world_run.
 */
#ifndef FL_UVNET_H
#define FL_UVNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/net/fault.h"
#include "sim/net/net.h"
#include "sim/runtime/world.h"

/* Creates a libuv-backed network for the world and installs it as the
 * world's driver: the world's clock becomes real time (it goes on from the
 * world's time now, in nanoseconds from uv_hrtime) and fl_world_run runs the
 * libuv loop whenever no task is ready. faults may be NULL; the plan is read,
 * never modified, and may be freed afterwards.
 *
 * Returns the network, owned by the world: everything it holds (sockets,
 * libuv handles, buffers) is released when the world is destroyed, by a
 * cleanup registered with fl_world_defer that closes every handle and runs
 * the loop until their close callbacks ran. Returns NULL and writes a message
 * into error (capacity error_size) when the plan holds a fault this driver
 * cannot carry out or libuv cannot start a loop. Call it outside the world's
 * tasks or from one; at most once per world. */
fl_net_t *fl_uvnet_create(fl_world_t *world, const fl_fault_plan_t *faults, char *error,
                          size_t error_size);

/* The network's libuv loop, for handles that live beside it (the serve
 * command's signal handles); they must be closed before the world ends. */
struct uv_loop_s *fl_uvnet_loop(fl_net_t *net); /* a uv_loop_t */

/* The address of conn's peer ("127.0.0.1" and its port) into host
 * (capacity host_size) and *port_out; false for a connection of another
 * driver or an address libuv cannot name. */
bool fl_uvnet_peer(const fl_conn_t *conn, char *host, size_t host_size, uint16_t *port_out);

/* How many times the plan's faults fired, in all. */
uint64_t fl_uvnet_faults_fired(const fl_net_t *net);

#endif /* FL_UVNET_H */
