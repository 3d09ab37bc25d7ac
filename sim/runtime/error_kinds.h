/* The runtime's error kinds, as a tree: X(ENUM, "Name", PARENT).
 *
 * The shape follows Python: BaseError is the root; Cancelled sits beside
 * Exception (it is not an Exception, so nothing that catches errors catches
 * it). The layers above add their own kinds as tables of the same shape
 * (fl_error_kinds_add, error.h): the client's tree is client/error_kinds.h.
 * Names are unique across every table: scenario files refer to kinds by
 * name, and a name matches a kind and all its descendants, as isinstance
 * does.
 */
#ifndef FL_ERROR_KINDS_H
#define FL_ERROR_KINDS_H

#define FL_RUNTIME_ERROR_KINDS(X)                                                      \
    X(BASE_ERROR, "BaseError", BASE_ERROR)                                     \
    X(CANCELLED, "Cancelled", BASE_ERROR)                                      \
    X(EXCEPTION, "Exception", BASE_ERROR)                                      \
    /* runtime */                                                              \
    X(GROUP_ERROR, "GroupError", EXCEPTION)                                    \
    X(RUNTIME_ERROR, "RuntimeError", EXCEPTION)                                \
    X(ASSERTION_ERROR, "AssertionError", EXCEPTION)                            \
    X(VALUE_ERROR, "ValueError", EXCEPTION)                                    \
    X(DEADLINE_EXCEEDED, "DeadlineExceeded", EXCEPTION)                        \
    X(END_OF_STREAM, "EndOfStream", EXCEPTION)                                 \
    X(BROKEN_RESOURCE, "BrokenResourceError", EXCEPTION)                       \
    X(CLOSED_RESOURCE, "ClosedResourceError", EXCEPTION)                       \
    X(WOULD_BLOCK, "WouldBlock", EXCEPTION)                                    \
    X(OS_ERROR, "OSError", EXCEPTION)                                          \
    X(CLIENT_DISCONNECT, "ClientDisconnect", OS_ERROR)

#endif /* FL_ERROR_KINDS_H */
