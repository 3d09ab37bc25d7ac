/* A request target as a server's scope holds it: the raw path, the query,
 * and the path percent-decoded.
 *
 * uvicorn builds the ASGI scope so: raw_path is the target up to '?' as
 * sent, query_string what follows it, and path is
 * urllib.parse.unquote(raw_path): every %XX decoded, the bytes read as
 * UTF-8 with each invalid sequence replaced by U+FFFD, anything else
 * (a lone '%', "%zz", '+') kept as it is. Starlette routes on that path.
 *
 * Where this differs from uvicorn, on purpose:
 *   - An absolute-form target ("http://host/p?q", RFC 9112 §3.2.2) gives
 *     the path from it ("/p"; "/" when it has none), since a server must
 *     accept that form; uvicorn passes the whole URL on as the path.
 *   - "%00" is kept undecoded: the path is a C string, and a NUL would cut
 *     it short (uvicorn hands the app a "\0").
 *
 * Nothing here allocates: the split points into the caller's target, and
 * the decoding writes into the caller's buffer.
 */
#ifndef FL_NET_REQUEST_TARGET_H
#define FL_NET_REQUEST_TARGET_H

#include <stddef.h>

/* The parts of a target, as spans of it (not NUL-terminated). */
typedef struct fl_request_target {
    const char *raw_path; /* from '/' (or the whole target) up to '?' */
    size_t raw_path_length;
    const char *query; /* after '?'; length 0 when there is none */
    size_t query_length;
} fl_request_target_t;

/* Splits target (NUL-terminated, as the request line gave it) into out.
 * An absolute-form target's scheme and authority are left out; its path is
 * "/" when the target has none (raw_path then points at a static "/"). */
void fl_request_target_split(const char *target, fl_request_target_t *out);

/* The decoded path is never longer than this many bytes for raw_length
 * bytes of raw path (a raw byte outside UTF-8 becomes U+FFFD's three). */
#define FL_PERCENT_DECODED_MAX(raw_length) (3 * (raw_length) + 1)

/* Decodes raw (length bytes) into out as unquote does (see above), NUL-
 * terminated; out_size must be at least FL_PERCENT_DECODED_MAX(length).
 * Returns the decoded length, not counting the NUL. */
size_t fl_percent_decode_path(const char *raw, size_t length, char *out, size_t out_size);

#endif /* FL_NET_REQUEST_TARGET_H */
