/* HTTP status codes and their reason phrases: one table, for the mock
 * server's status lines and the client's status errors alike.
 *
 * The rows are the codes IANA's HTTP Status Code Registry lists as
 * assigned (RFC 9110 §15 and the RFCs it names), each with the phrase
 * Debian's uvicorn puts on the wire: Python 3.11's http.HTTPStatus, which
 * httpx's status errors then quote (httpx takes the phrase from the status
 * line). That phrase is RFC 9110's, except for four codes
 * whose older names (RFC 7231) Python keeps; the third column says
 * RFC 9110's name, so the difference is written down where it is made.
 * One row more than IANA's: 418, which IANA lists as unused, because
 * uvicorn sends Python's "I'm a Teapot" for it; 306, unused too, is not a
 * row, as in Python. tests/sim/net/test_http_status.c checks the rows
 * against Python's table.
 */
#ifndef FL_HTTP_STATUS_H
#define FL_HTTP_STATUS_H

/* clang-format off */
#define FL_HTTP_STATUSES(X)                                                \
    X(100, "Continue", "Continue")                                               \
    X(101, "Switching Protocols", "Switching Protocols")                         \
    X(102, "Processing", "Processing")                                           \
    X(103, "Early Hints", "Early Hints")                                         \
    X(200, "OK", "OK")                                                           \
    X(201, "Created", "Created")                                                 \
    X(202, "Accepted", "Accepted")                                               \
    X(203, "Non-Authoritative Information", "Non-Authoritative Information")     \
    X(204, "No Content", "No Content")                                           \
    X(205, "Reset Content", "Reset Content")                                     \
    X(206, "Partial Content", "Partial Content")                                 \
    X(207, "Multi-Status", "Multi-Status")                                       \
    X(208, "Already Reported", "Already Reported")                               \
    X(226, "IM Used", "IM Used")                                                 \
    X(300, "Multiple Choices", "Multiple Choices")                               \
    X(301, "Moved Permanently", "Moved Permanently")                             \
    X(302, "Found", "Found")                                                     \
    X(303, "See Other", "See Other")                                             \
    X(304, "Not Modified", "Not Modified")                                       \
    X(305, "Use Proxy", "Use Proxy")                                             \
    X(307, "Temporary Redirect", "Temporary Redirect")                           \
    X(308, "Permanent Redirect", "Permanent Redirect")                           \
    X(400, "Bad Request", "Bad Request")                                         \
    X(401, "Unauthorized", "Unauthorized")                                       \
    X(402, "Payment Required", "Payment Required")                               \
    X(403, "Forbidden", "Forbidden")                                             \
    X(404, "Not Found", "Not Found")                                             \
    X(405, "Method Not Allowed", "Method Not Allowed")                           \
    X(406, "Not Acceptable", "Not Acceptable")                                   \
    X(407, "Proxy Authentication Required", "Proxy Authentication Required")     \
    X(408, "Request Timeout", "Request Timeout")                                 \
    X(409, "Conflict", "Conflict")                                               \
    X(410, "Gone", "Gone")                                                       \
    X(411, "Length Required", "Length Required")                                 \
    X(412, "Precondition Failed", "Precondition Failed")                         \
    X(413, "Request Entity Too Large", "Content Too Large")                      \
    X(414, "Request-URI Too Long", "URI Too Long")                               \
    X(415, "Unsupported Media Type", "Unsupported Media Type")                   \
    X(416, "Requested Range Not Satisfiable", "Range Not Satisfiable")           \
    X(417, "Expectation Failed", "Expectation Failed")                           \
    X(418, "I'm a Teapot", "(Unused)")                                             \
    X(421, "Misdirected Request", "Misdirected Request")                         \
    X(422, "Unprocessable Entity", "Unprocessable Content")                      \
    X(423, "Locked", "Locked")                                                   \
    X(424, "Failed Dependency", "Failed Dependency")                             \
    X(425, "Too Early", "Too Early")                                             \
    X(426, "Upgrade Required", "Upgrade Required")                               \
    X(428, "Precondition Required", "Precondition Required")                     \
    X(429, "Too Many Requests", "Too Many Requests")                             \
    X(431, "Request Header Fields Too Large", "Request Header Fields Too Large") \
    X(451, "Unavailable For Legal Reasons", "Unavailable For Legal Reasons")     \
    X(500, "Internal Server Error", "Internal Server Error")                     \
    X(501, "Not Implemented", "Not Implemented")                                 \
    X(502, "Bad Gateway", "Bad Gateway")                                         \
    X(503, "Service Unavailable", "Service Unavailable")                         \
    X(504, "Gateway Timeout", "Gateway Timeout")                                 \
    X(505, "HTTP Version Not Supported", "HTTP Version Not Supported")           \
    X(506, "Variant Also Negotiates", "Variant Also Negotiates")                 \
    X(507, "Insufficient Storage", "Insufficient Storage")                       \
    X(508, "Loop Detected", "Loop Detected")                                     \
    X(510, "Not Extended", "Not Extended")                                       \
    X(511, "Network Authentication Required", "Network Authentication Required")
/* clang-format on */

/* The phrase for status (a static string), or "" for a code that is not a
 * row: uvicorn sends an empty phrase then ("HTTP/1.1 599 "), and httpx's
 * error message has none. */
const char *fl_http_reason_phrase(int status);

#endif /* FL_HTTP_STATUS_H */
