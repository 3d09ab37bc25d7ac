/* faultline proxy's log: one JSON object per line, on stdout or the
 * --log FILE, flushed after each line (a test reads it while the proxy
 * runs). The lines, their keys in this order:
 *   {"event":"listening","listen":"127.0.0.1:40123","upstream":"127.0.0.1:8000",
 *    "admin":"127.0.0.1:40124","faults":2}                   (admin only with --admin)
 *   {"event":"connection","connection":1,"state":"open","client":"127.0.0.1:51234","time_ms":12}
 *   {"event":"fault","fault":1,"label":"fault #1 event->reset","connection":1,
 *    "trigger":"event","action":"reset","c2s_bytes":78,"s2c_bytes":310,"time_ms":40}
 *   {"event":"connection","connection":1,"state":"closed","c2s_bytes":78,"s2c_bytes":310,
 *    "requests":1,"responses":1,"faults":1,"end":"reset","time_ms":41}
 *   {"event":"summary","connections":3,"requests":5,"responses":5,"faults_fired":2,
 *    "c2s_bytes":...,"s2c_bytes":...}
 * time_ms is real time since the proxy started: the proxy runs in real
 * time, never in a simulated run.
 */
#ifndef FL_PROXY_LOG_H
#define FL_PROXY_LOG_H

#include <stdint.h>
#include <stdio.h>

typedef struct fl_proxy_log {
    FILE *out; /* stdout (the caller's) or the --log file (the log's own) */
    FILE *own; /* the file opened for --log, closed by fl_proxy_log_close; or NULL */
} fl_proxy_log_t;

/* What a connection did, for its fault and closed lines. */
typedef struct fl_proxy_log_counts {
    uint64_t c2s_bytes, s2c_bytes; /* forwarded */
    uint64_t requests, responses, faults;
} fl_proxy_log_counts_t;

/* Logs to path (created or truncated), or to out when path is NULL.
 * Returns 0, or -1 with errno set when the file cannot be opened. */
int fl_proxy_log_open(fl_proxy_log_t *log, const char *path, FILE *out);
void fl_proxy_log_close(fl_proxy_log_t *log);

/* admin may be NULL (no admin API). */
void fl_proxy_log_listening(const fl_proxy_log_t *log, const char *listen, const char *upstream,
                            const char *admin, uint64_t faults);
void fl_proxy_log_opened(const fl_proxy_log_t *log, uint32_t connection, const char *client,
                         uint64_t time_ms);
void fl_proxy_log_fault(const fl_proxy_log_t *log, uint32_t fault_id, const char *label,
                        uint32_t connection, const char *trigger, const char *action,
                        const fl_proxy_log_counts_t *counts, uint64_t time_ms);
void fl_proxy_log_closed(const fl_proxy_log_t *log, uint32_t connection,
                         const fl_proxy_log_counts_t *counts, const char *end, uint64_t time_ms);
/* counts.faults is the faults fired in all. */
void fl_proxy_log_summary(const fl_proxy_log_t *log, uint64_t connections,
                          const fl_proxy_log_counts_t *counts);

#endif /* FL_PROXY_LOG_H */
