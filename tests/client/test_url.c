/* URLs: what parses (and into what), the target, authority and formatted
 * text, and every error with its kind and the words of its message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/url.h"
#include "sim/runtime/arena.h"
#include "sim/runtime/error.h"

/* Each test gets a fresh arena; teardown frees it, so the sanitizer build
 * catches anything that reads or writes outside what was allocated. */
static int arena_setup(void **state) {
    static fl_arena_t arena;
    fl_arena_init(&arena);
    *state = &arena;
    return 0;
}

static int arena_teardown(void **state) {
    fl_arena_destroy(*state);
    return 0;
}

/* --- URLs that parse ------------------------------------------------------ */

typedef struct valid_case {
    const char *text;
    const char *host;
    unsigned port;
    bool port_given;
    bool ipv6;
    const char *path;
    const char *query;
    const char *target;
    const char *authority;
    const char *formatted;
} valid_case_t;

static const valid_case_t valid_cases[] = {
    {"http://example.com", "example.com", 80, false, false, "/", "", "/", "example.com",
     "http://example.com/"},
    {"http://example.com:8080/a/b?x=1&y=2", "example.com", 8080, true, false, "/a/b", "x=1&y=2",
     "/a/b?x=1&y=2", "example.com:8080", "http://example.com:8080/a/b?x=1&y=2"},
    /* The scheme ignores case; the host keeps its own. */
    {"HTTP://Example.COM/Path", "Example.COM", 80, false, false, "/Path", "", "/Path",
     "Example.COM", "http://Example.COM/Path"},
    {"hTtP://h/", "h", 80, false, false, "/", "", "/", "h", "http://h/"},
    {"http://127.0.0.1:9000/", "127.0.0.1", 9000, true, false, "/", "", "/", "127.0.0.1:9000",
     "http://127.0.0.1:9000/"},
    {"http://0.0.0.0/", "0.0.0.0", 80, false, false, "/", "", "/", "0.0.0.0", "http://0.0.0.0/"},
    {"http://[::1]:8080/x", "::1", 8080, true, true, "/x", "", "/x", "[::1]:8080",
     "http://[::1]:8080/x"},
    {"http://[2001:DB8::1]/", "2001:DB8::1", 80, false, true, "/", "", "/", "[2001:DB8::1]",
     "http://[2001:DB8::1]/"},
    {"http://[::ffff:1.2.3.4]", "::ffff:1.2.3.4", 80, false, true, "/", "", "/",
     "[::ffff:1.2.3.4]", "http://[::ffff:1.2.3.4]/"},
    /* The fragment never goes on the wire, nor into the URL. */
    {"http://h/p#frag", "h", 80, false, false, "/p", "", "/p", "h", "http://h/p"},
    {"http://h/p?q=1#frag?x", "h", 80, false, false, "/p", "q=1", "/p?q=1", "h",
     "http://h/p?q=1"},
    {"http://h#f", "h", 80, false, false, "/", "", "/", "h", "http://h/"},
    {"http://h?q", "h", 80, false, false, "/", "q", "/?q", "h", "http://h/?q"},
    {"http://h/a?b?c/d", "h", 80, false, false, "/a", "b?c/d", "/a?b?c/d", "h",
     "http://h/a?b?c/d"},
    /* An empty query is no query. */
    {"http://h/?", "h", 80, false, false, "/", "", "/", "h", "http://h/"},
    /* A named 80 is left out of the Host header but kept when formatting. */
    {"http://h:80/", "h", 80, true, false, "/", "", "/", "h", "http://h:80/"},
    {"http://h:1", "h", 1, true, false, "/", "", "/", "h:1", "http://h:1/"},
    {"http://h:65535/", "h", 65535, true, false, "/", "", "/", "h:65535", "http://h:65535/"},
    {"http://h:080/", "h", 80, true, false, "/", "", "/", "h", "http://h:80/"},
    /* Percent-encoding is kept as given; a final dot is allowed. */
    {"http://a-b.c-d.example./%20x%2F", "a-b.c-d.example.", 80, false, false, "/%20x%2F", "",
     "/%20x%2F", "a-b.c-d.example.", "http://a-b.c-d.example./%20x%2F"},
    /* Digits that are not four dotted groups make a name, not an address. */
    {"http://123/", "123", 80, false, false, "/", "", "/", "123", "http://123/"},
    {"http://1.2.3/", "1.2.3", 80, false, false, "/", "", "/", "1.2.3", "http://1.2.3/"},
    {"http://h//double//slash", "h", 80, false, false, "//double//slash", "", "//double//slash",
     "h", "http://h//double//slash"},
};

static void test_valid_urls_parse_into_their_parts(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const valid_case_t *c = &valid_cases[i];
        fl_url_t url;
        fl_error_t *error = fl_url_parse(arena, c->text, &url);
        if (error != NULL) fail_msg("%s: %s", c->text, error->message);
        assert_string_equal(url.scheme, "http");
        assert_string_equal(url.host, c->host);
        assert_int_equal(url.port, c->port);
        assert_int_equal(url.port_given, c->port_given);
        assert_int_equal(url.ipv6, c->ipv6);
        assert_string_equal(url.path, c->path);
        assert_string_equal(url.query, c->query);
        assert_string_equal(fl_url_target(arena, &url), c->target);
        assert_string_equal(fl_url_authority(arena, &url), c->authority);
        assert_string_equal(fl_url_format(arena, &url), c->formatted);
    }
}

/* Formatting and parsing again gives the same URL. */
static void test_formatted_urls_parse_back_the_same(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        fl_url_t url, again;
        assert_null(fl_url_parse(arena, valid_cases[i].text, &url));
        assert_null(fl_url_parse(arena, fl_url_format(arena, &url), &again));
        assert_string_equal(again.host, url.host);
        assert_int_equal(again.port, url.port);
        assert_int_equal(again.port_given, url.port_given);
        assert_int_equal(again.ipv6, url.ipv6);
        assert_string_equal(again.path, url.path);
        assert_string_equal(again.query, url.query);
    }
}

/* The parts are copies in the arena: the caller's text may go away. */
static void test_parts_are_copied_into_the_arena(void **state) {
    fl_arena_t *arena = *state;
    char text[64];
    snprintf(text, sizeof text, "http://%s:%d/%s?%s", "host.example", 81, "path", "q=v");
    fl_url_t url;
    assert_null(fl_url_parse(arena, text, &url));
    memset(text, 'X', sizeof text - 1);
    assert_string_equal(url.host, "host.example");
    assert_string_equal(url.path, "/path");
    assert_string_equal(url.query, "q=v");
    assert_string_equal(fl_url_format(arena, &url), "http://host.example:81/path?q=v");
}

/* The limit is 8 KiB: exactly 8192 bytes parse, 8193 do not. */
static void test_length_limit(void **state) {
    fl_arena_t *arena = *state;
    enum { LIMIT = 8192 };
    char *text = malloc(LIMIT + 2);
    assert_non_null(text);
    memcpy(text, "http://h/", 9);
    memset(text + 9, 'a', LIMIT - 9);
    text[LIMIT] = '\0';
    fl_url_t url;
    assert_null(fl_url_parse(arena, text, &url));
    assert_int_equal(strlen(url.path), LIMIT - 8);

    text[LIMIT] = 'a';
    text[LIMIT + 1] = '\0';
    fl_error_t *error = fl_url_parse(arena, text, &url);
    assert_non_null(error);
    assert_int_equal(error->kind, FL_ERR_INVALID_URL);
    assert_non_null(strstr(error->message, "URL too long"));
    /* The message quotes the start of the URL, not all of it. */
    assert_non_null(strstr(error->message, "Invalid URL 'http://h/aaa"));
    assert_true(strlen(error->message) < 300);
    free(text);
}

/* --- errors --------------------------------------------------------------- */

typedef struct error_case {
    const char *text;
    fl_error_kind_t kind;
    const char *message; /* the whole message when exact, else a part of it */
    bool exact;
} error_case_t;

static const char missing_protocol[] =
    "Request URL is missing an 'http://' or 'https://' protocol.";

static const error_case_t error_cases[] = {
    /* Protocols, in httpx's words. */
    {"https://example.com/", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'https://'.", true},
    {"HTTPS://example.com/", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'https://'.", true},
    {"ftp://example.com/f", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'ftp://'.", true},
    {"ws://example.com/", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'ws://'.", true},
    {"httpx://example.com/", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'httpx://'.", true},
    /* As in httpx, "name:port" reads as a scheme. */
    {"localhost:8080", FL_ERR_UNSUPPORTED_PROTOCOL,
     "Request URL has an unsupported protocol 'localhost://'.", true},
    {"example.com/path", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    {"//example.com/", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    {"/just/a/path", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    {"1http://h/", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    {"://h/", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    {"http", FL_ERR_UNSUPPORTED_PROTOCOL, missing_protocol, true},
    /* Empty, and no host. */
    {"", FL_ERR_INVALID_URL, "Invalid URL '': empty", true},
    {"http:", FL_ERR_INVALID_URL, "Invalid URL 'http:': no host", true},
    {"http:/x", FL_ERR_INVALID_URL, "Invalid URL 'http:/x': no host", true},
    {"http:x", FL_ERR_INVALID_URL, "Invalid URL 'http:x': no host", true},
    {"http://", FL_ERR_INVALID_URL, "Invalid URL 'http://': no host", true},
    {"http:///path", FL_ERR_INVALID_URL, "Invalid URL 'http:///path': no host", true},
    {"http://:80/", FL_ERR_INVALID_URL, "Invalid URL 'http://:80/': no host", true},
    {"http://?q", FL_ERR_INVALID_URL, "Invalid URL 'http://?q': no host", true},
    {"http://[]/", FL_ERR_INVALID_URL, "Invalid URL 'http://[]/': no host", true},
    /* Userinfo. */
    {"http://user:pass@h/", FL_ERR_INVALID_URL, "'http://user:pass@h/': credentials", false},
    {"http://user@h/", FL_ERR_INVALID_URL, "(userinfo) are not supported", false},
    {"http://@h/", FL_ERR_INVALID_URL, "userinfo", false},
    /* Ports. */
    {"http://h:0/", FL_ERR_INVALID_URL, "Invalid URL 'http://h:0/': invalid port '0'", true},
    {"http://h:65536/", FL_ERR_INVALID_URL, "invalid port '65536'", false},
    {"http://h:99999999999999999999/", FL_ERR_INVALID_URL, "invalid port '9999", false},
    {"http://h:abc/", FL_ERR_INVALID_URL, "invalid port 'abc'", false},
    {"http://h:8a/", FL_ERR_INVALID_URL, "invalid port '8a'", false},
    {"http://h:-1/", FL_ERR_INVALID_URL, "invalid port '-1'", false},
    {"http://h:+80/", FL_ERR_INVALID_URL, "invalid port '+80'", false},
    {"http://h:/", FL_ERR_INVALID_URL, "invalid port ''", false},
    {"http://h:80:81/", FL_ERR_INVALID_URL, "invalid port '80:81'", false},
    {"http://[::1]:/", FL_ERR_INVALID_URL, "invalid port ''", false},
    {"http://[::1]:70000/", FL_ERR_INVALID_URL, "invalid port '70000'", false},
    /* Brackets and IPv6 literals. */
    {"http://[::1/", FL_ERR_INVALID_URL, "unbalanced brackets", false},
    {"http://::1]/", FL_ERR_INVALID_URL, "unbalanced brackets", false},
    {"http://h]/", FL_ERR_INVALID_URL, "unbalanced brackets", false},
    {"http://h[/", FL_ERR_INVALID_URL, "unbalanced brackets", false},
    {"http://::1/", FL_ERR_INVALID_URL, "no host", false},
    {"http://[::1]x/", FL_ERR_INVALID_URL, "unexpected characters after the IPv6 address", false},
    {"http://[::g]/", FL_ERR_INVALID_URL, "invalid IPv6 address '[::g]'", false},
    {"http://[1.2.3.4]/", FL_ERR_INVALID_URL, "invalid IPv6 address '[1.2.3.4]'", false},
    {"http://[1:2:3:4:5:6:7:8:9]/", FL_ERR_INVALID_URL, "invalid IPv6 address", false},
    {"http://[fe80::1%25eth0]/", FL_ERR_INVALID_URL, "invalid IPv6 address", false},
    {"http://[0000:0000:0000:0000:0000:0000:0000:0000:0000]/", FL_ERR_INVALID_URL,
     "invalid IPv6 address", false},
    /* IPv4 literals and names. */
    {"http://256.1.1.1/", FL_ERR_INVALID_URL, "invalid IPv4 address '256.1.1.1'", false},
    {"http://1.2.3.999/", FL_ERR_INVALID_URL, "invalid IPv4 address", false},
    {"http://01.2.3.4/", FL_ERR_INVALID_URL, "invalid IPv4 address '01.2.3.4'", false},
    {"http://a..b/", FL_ERR_INVALID_URL, "empty label in host", false},
    {"http://.a/", FL_ERR_INVALID_URL, "empty label in host", false},
    {"http://./", FL_ERR_INVALID_URL, "empty label in host", false},
    {"http://a../", FL_ERR_INVALID_URL, "empty label in host", false},
    {"http://a_b/", FL_ERR_INVALID_URL, "invalid character '_' in host", false},
    {"http://a%20b/", FL_ERR_INVALID_URL, "invalid character '%' in host", false},
    {"http://a,b/", FL_ERR_INVALID_URL, "invalid character ',' in host", false},
    /* Spaces, controls, DEL and non-ASCII bytes anywhere. */
    {"http://h/a b", FL_ERR_INVALID_URL,
     "Invalid URL 'http://h/a b': invalid character \\x20 at offset 10", true},
    {"http://h/?q=a b", FL_ERR_INVALID_URL, "invalid character \\x20 at offset 13", false},
    {" http://h/", FL_ERR_INVALID_URL, "invalid character \\x20 at offset 0", false},
    {"http://h/ ", FL_ERR_INVALID_URL, "invalid character \\x20 at offset 9", false},
    {"http://h/a\tb", FL_ERR_INVALID_URL, "invalid character \\x09", false},
    {"http://h/a\x7f", FL_ERR_INVALID_URL, "invalid character \\x7f", false},
    {"http://h/caf\xc3\xa9", FL_ERR_INVALID_URL, "invalid character \\xc3 at offset 12", false},
    {"http://h#a b", FL_ERR_INVALID_URL, "invalid character \\x20", false},
    /* A CR/LF in the URL is escaped in the message, so it cannot split it. */
    {"http://h/\r\nX-Injected: 1", FL_ERR_INVALID_URL,
     "Invalid URL 'http://h/\\x0d\\x0aX-Injected: 1': invalid character \\x0d at offset 9",
     true},
};

static void test_errors_have_their_kind_and_message(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case_t *c = &error_cases[i];
        fl_url_t url;
        fl_error_t *error = fl_url_parse(arena, c->text, &url);
        if (error == NULL) fail_msg("case %zu (%s) parsed", i, c->text);
        if (error->kind != c->kind)
            fail_msg("case %zu (%s): %s, wanted %s", i, c->text, fl_error_kind_name(error->kind),
                     fl_error_kind_name(c->kind));
        assert_true(fl_error_is(error, c->kind));
        bool matches = c->exact ? strcmp(error->message, c->message) == 0
                                : strstr(error->message, c->message) != NULL;
        if (!matches) fail_msg("case %zu (%s): message \"%s\"", i, c->text, error->message);
        /* No message carries a raw line break or control character. */
        for (const char *p = error->message; *p != '\0'; p++)
            assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    }
}

/* Every URL error is a TransportError (and a ClientError), but not a
 * NetworkError: retry must never retry one. */
static void test_url_errors_are_transport_errors_not_network_errors(void **state) {
    fl_arena_t *arena = *state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        fl_url_t url;
        fl_error_t *error = fl_url_parse(arena, error_cases[i].text, &url);
        assert_non_null(error);
        assert_true(fl_error_is(error, FL_ERR_TRANSPORT_ERROR));
        assert_true(fl_error_is(error, FL_ERR_CLIENT_ERROR));
        assert_false(fl_error_is(error, FL_ERR_NETWORK_ERROR));
        assert_false(fl_error_is(error, FL_ERR_PROTOCOL_ERROR));
        assert_false(fl_error_is(error, FL_ERR_TIMEOUT_ERROR));
    }
    assert_true(fl_error_kind_is(FL_ERR_INVALID_URL, FL_ERR_TRANSPORT_ERROR));
    assert_true(fl_error_kind_is(FL_ERR_UNSUPPORTED_PROTOCOL, FL_ERR_TRANSPORT_ERROR));
    assert_false(fl_error_kind_is(FL_ERR_INVALID_URL, FL_ERR_UNSUPPORTED_PROTOCOL));
}

/* Hosts at DNS's limits: labels of 63 and names of 253 characters pass,
 * one more fails. */
static void test_host_length_limits(void **state) {
    fl_arena_t *arena = *state;
    char label[70];
    memset(label, 'a', sizeof label);
    char text[400];
    fl_url_t url;

    snprintf(text, sizeof text, "http://%.*s.com/", 63, label);
    assert_null(fl_url_parse(arena, text, &url));
    snprintf(text, sizeof text, "http://%.*s.com/", 64, label);
    fl_error_t *error = fl_url_parse(arena, text, &url);
    assert_true(fl_error_is(error, FL_ERR_INVALID_URL));
    assert_non_null(strstr(error->message, "host label longer than 63"));

    /* 4 labels of 63 plus 3 dots is 255: too long; trimmed to 253, fine. */
    char host[260];
    snprintf(host, sizeof host, "%.*s.%.*s.%.*s.%.*s", 63, label, 63, label, 63, label, 61, label);
    assert_int_equal(strlen(host), 253);
    snprintf(text, sizeof text, "http://%s/", host);
    assert_null(fl_url_parse(arena, text, &url));
    snprintf(text, sizeof text, "http://%s./", host); /* a final dot does not count */
    assert_null(fl_url_parse(arena, text, &url));
    snprintf(text, sizeof text, "http://a%s/", host);
    error = fl_url_parse(arena, text, &url);
    assert_true(fl_error_is(error, FL_ERR_INVALID_URL));
    assert_non_null(strstr(error->message, "host longer than 253"));
}

/* A long bad URL is quoted in part: the message stays short. */
static void test_long_bad_url_is_quoted_in_part(void **state) {
    fl_arena_t *arena = *state;
    char text[1000];
    memcpy(text, "http://h/", 9);
    memset(text + 9, 'p', sizeof text - 9);
    text[sizeof text - 2] = ' ';
    text[sizeof text - 1] = '\0';
    fl_url_t url;
    fl_error_t *error = fl_url_parse(arena, text, &url);
    assert_true(fl_error_is(error, FL_ERR_INVALID_URL));
    assert_non_null(strstr(error->message, "...': invalid character \\x20 at offset 998"));
    assert_true(strlen(error->message) < 200);
}

/* Errors and results come from the arena given: many parses in one arena
 * are independent. */
static void test_repeated_parses_are_independent(void **state) {
    fl_arena_t *arena = *state;
    fl_url_t first, second;
    assert_null(fl_url_parse(arena, "http://one:1/a?x", &first));
    assert_null(fl_url_parse(arena, "http://[::2]:2/b", &second));
    assert_string_equal(first.host, "one");
    assert_string_equal(second.host, "::2");
    assert_string_equal(fl_url_authority(arena, &first), "one:1");
    assert_string_equal(fl_url_authority(arena, &second), "[::2]:2");
    assert_string_equal(fl_url_target(arena, &first), "/a?x");
    assert_string_equal(fl_url_target(arena, &second), "/b");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_urls_parse_into_their_parts, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_formatted_urls_parse_back_the_same, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_parts_are_copied_into_the_arena, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_length_limit, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_errors_have_their_kind_and_message, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_url_errors_are_transport_errors_not_network_errors,
                                        arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_host_length_limits, arena_setup, arena_teardown),
        cmocka_unit_test_setup_teardown(test_long_bad_url_is_quoted_in_part, arena_setup,
                                        arena_teardown),
        cmocka_unit_test_setup_teardown(test_repeated_parses_are_independent, arena_setup,
                                        arena_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
