/* Status codes returned by every blocking primitive and most calls in faultline.
 *
 * A status is an int: 0 for success or a negative FL_E* code. Rich errors
 * (messages, notes, causes) are fl_error_t objects; see error.h. The codes,
 * their names and their messages come from the one X-macro list below, so a
 * new code cannot be added without a name and a message.
 */
#ifndef FL_STATUS_H
#define FL_STATUS_H

/* X(NAME, value, message) */
#define FL_STATUS_CODES(X)                                                     \
    X(OK, 0, "success")                                                        \
    X(ECANCELLED, -1, "cancelled by an enclosing cancel scope")                \
    X(ETIMEDOUT, -2, "timed out")                                              \
    X(EENDOFSTREAM, -3, "end of stream: the sending side is closed")           \
    X(EBROKEN, -4, "broken resource: the other side is closed")                \
    X(ECLOSED, -5, "resource already closed")                                  \
    X(EWOULDBLOCK, -6, "operation would block")                                \
    X(EINVAL, -7, "invalid argument")                                          \
    X(ENOMEM, -8, "out of memory")                                             \
    X(ECROSSTASK, -9, "used from a task that does not own it")                 \
    X(ESTATE, -10, "operation not valid in the current state")                 \
    X(EREFUSED, -11, "connection refused")                                     \
    X(ERESET, -12, "connection reset by peer")                                 \
    X(EPIPE, -13, "broken pipe")                                               \
    X(EEOF, -14, "end of file")                                                \
    X(ELIMIT, -15, "limit exceeded")                                           \
    X(EPARSE, -16, "parse error")                                              \
    X(ENOTFOUND, -17, "not found")                                             \
    X(EIO, -18, "input/output error")                                          \
    X(EADDRINUSE, -19, "address already in use")

enum fl_status_code {
#define FL__STATUS_ENUM(name, value, message) FL_##name = (value),
    FL_STATUS_CODES(FL__STATUS_ENUM)
#undef FL__STATUS_ENUM
};

/* Returns the code's name ("ECANCELLED"), or "EUNKNOWN" for a value outside
 * the table. The string is static. */
const char *fl_status_name(int status);

/* Returns the code's human-readable message. The string is static. */
const char *fl_status_message(int status);

#endif /* FL_STATUS_H */
