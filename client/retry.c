/* Retry: see retry.h for the order of checks, the delays and Retry-After. */
#include "sim/runtime/marks.h"
#include "client/retry.h"
#include "client/error_kinds.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "client/headers.h"
#include "sim/runtime/status.h"

typedef struct retry {
    fl_middleware_t base; /* first: handle() gets a pointer to it */
    uint32_t max_attempts;
    int64_t base_delay_ns;
    int64_t max_delay_ns;
    int statuses[FL_RETRY_STATUSES_MAX];
    size_t status_count;
    const char *methods[FL_RETRY_METHODS_MAX];
    size_t method_count;
    bool respect_retry_after;
    bool refuse_streamed_body;
    fl_retry_budget_t *budget;
    fl_retry_stats_t stats;
} retry_t;

static const int default_statuses[] = {408, 429, 502, 503, 504};
static const char *const default_methods[] = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"};

fl_retry_options_t fl_retry_options_default(void) {
    return (fl_retry_options_t){
        .max_attempts = 3,
        .base_delay_ns = FL_MS(100),
        .max_delay_ns = FL_SECONDS(5),
        .retry_statuses = NULL,
        .retry_status_count = 0,
        .retry_methods = NULL,
        .retry_method_count = 0,
        .respect_retry_after = true,
        .refuse_streamed_body = true,
        .budget = NULL,
    };
}

/* --- options ---------------------------------------------------------------- */

static bool refuse(char *error, size_t error_size, const char *message) {
    if (error != NULL && error_size > 0) snprintf(error, error_size, "retry: %s", message);
    return false;
}

static bool lists_valid(const fl_retry_options_t *options, char *error, size_t error_size) {
    if (options->retry_statuses != NULL) {
        if (options->retry_status_count > FL_RETRY_STATUSES_MAX)
            return refuse(error, error_size, "at most 32 retry_statuses");
        for (size_t i = 0; i < options->retry_status_count; i++)
            if (options->retry_statuses[i] < 100 || options->retry_statuses[i] > 599)
                return refuse(error, error_size, "retry_statuses must be 100..599");
    }
    if (options->retry_methods != NULL) {
        if (options->retry_method_count > FL_RETRY_METHODS_MAX)
            return refuse(error, error_size, "at most 16 retry_methods");
        for (size_t i = 0; i < options->retry_method_count; i++) {
            const char *method = options->retry_methods[i];
            if (method == NULL || method[0] == '\0' ||
                strlen(method) > FL_RETRY_METHOD_LENGTH_MAX)
                return refuse(error, error_size, "retry_methods must be 1..32 characters");
        }
    }
    return true;
}

static bool options_valid(const fl_retry_options_t *options, char *error, size_t error_size) {
    if (options->max_attempts < 1 || options->max_attempts > FL_RETRY_ATTEMPTS_MAX)
        return refuse(error, error_size, "max_attempts must be 1..100");
    if (options->base_delay_ns < 0 || options->base_delay_ns > FL_RETRY_DELAY_MAX_NS)
        return refuse(error, error_size, "base_delay must be 0..1 day");
    if (options->max_delay_ns < 0 || options->max_delay_ns > FL_RETRY_DELAY_MAX_NS)
        return refuse(error, error_size, "max_delay must be 0..1 day");
    return lists_valid(options, error, error_size);
}

static void copy_lists(fl_arena_t *arena, retry_t *retry, const fl_retry_options_t *options) {
    const int *statuses = options->retry_statuses != NULL ? options->retry_statuses
                                                          : default_statuses;
    size_t status_count = options->retry_statuses != NULL
                              ? options->retry_status_count
                              : sizeof default_statuses / sizeof default_statuses[0];
    for (size_t i = 0; i < status_count; i++) retry->statuses[i] = statuses[i];
    retry->status_count = status_count;
    const char *const *methods = options->retry_methods != NULL ? options->retry_methods
                                                                : default_methods;
    size_t method_count = options->retry_methods != NULL
                              ? options->retry_method_count
                              : sizeof default_methods / sizeof default_methods[0];
    for (size_t i = 0; i < method_count; i++) retry->methods[i] = fl_arena_strdup(arena, methods[i]);
    retry->method_count = method_count;
}

/* --- retryable? ------------------------------------------------------------- */

static int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Case-insensitive in ASCII only, whatever the C locale. */
static bool ascii_equal_ignoring_case(const char *a, const char *b) {
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b)) return false;
    return *a == *b;
}

static bool method_retryable(const retry_t *retry, const char *method) {
    for (size_t i = 0; i < retry->method_count; i++)
        if (ascii_equal_ignoring_case(method, retry->methods[i])) return true;
    return false;
}

static const fl_response_t *status_error_response(const fl_error_t *error) {
    return fl_error_is(error, FL_ERR_STATUS_ERROR) ? error->payload : NULL;
}

static int status_of(const fl_error_t *error) {
    if (error->http_status != 0) return error->http_status;
    const fl_response_t *response = status_error_response(error);
    return response != NULL ? response->status : 0;
}

static bool status_retryable(const retry_t *retry, int status) {
    for (size_t i = 0; i < retry->status_count; i++)
        if (retry->statuses[i] == status) return true;
    return false;
}

static bool retryable(const retry_t *retry, const char *method, const fl_error_t *error) {
    assert(method != NULL && error != NULL);
    if (!method_retryable(retry, method)) return false;
    if (fl_error_is(error, FL_ERR_NETWORK_ERROR) || fl_error_is(error, FL_ERR_TIMEOUT_ERROR))
        return true;
    if (fl_error_is(error, FL_ERR_STATUS_ERROR)) return status_retryable(retry, status_of(error));
    return false; /* TransportError and the rest, the caller's errors, Cancelled */
}

/* --- Retry-After ------------------------------------------------------------ */

enum { TOKENS_MAX = 8, TOKEN_LENGTH_MAX = 24 };

typedef struct tokens {
    char text[TOKENS_MAX][TOKEN_LENGTH_MAX];
    size_t count;
} tokens_t;

static bool is_space(char c) { return c == ' ' || c == '\t'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Splits on spaces, tabs and commas; false when there are too many tokens
 * or one is too long (no HTTP-date has either). */
static bool tokenize(const char *value, tokens_t *tokens) {
    tokens->count = 0;
    const char *p = value;
    for (;;) {
        while (is_space(*p) || *p == ',') p++;
        if (*p == '\0') return true;
        if (tokens->count == TOKENS_MAX) return false;
        size_t length = 0;
        char *out = tokens->text[tokens->count++];
        for (; *p != '\0' && !is_space(*p) && *p != ','; p++) {
            if (length + 1 == TOKEN_LENGTH_MAX) return false;
            out[length++] = *p;
        }
        out[length] = '\0';
    }
}

/* A run of 1..max_digits digits that is the whole text. */
static bool parse_number(const char *text, size_t max_digits, int *value_out) {
    size_t length = strlen(text);
    if (length == 0 || length > max_digits) return false;
    int value = 0;
    for (size_t i = 0; i < length; i++) {
        if (!is_digit(text[i])) return false;
        value = value * 10 + (text[i] - '0');
    }
    *value_out = value;
    return true;
}

static bool parse_month(const char *text, int *month_out) {
    static const char *const months[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++) {
        if (ascii_equal_ignoring_case(text, months[i])) {
            *month_out = i + 1;
            return true;
        }
    }
    return false;
}

static bool is_day_name(const char *text) {
    static const char *const days[14] = {"mon",    "tue",     "wed",       "thu",      "fri",
                                         "sat",    "sun",     "monday",    "tuesday",  "wednesday",
                                         "thursday", "friday", "saturday", "sunday"};
    for (int i = 0; i < 14; i++)
        if (ascii_equal_ignoring_case(text, days[i])) return true;
    return false;
}

/* Two-digit years as Python's email.utils reads them. */
static bool parse_year(const char *text, int *year_out) {
    int year;
    size_t length = strlen(text);
    if ((length != 2 && length != 4) || !parse_number(text, 4, &year)) return false;
    if (length == 2) year += year > 68 ? 1900 : 2000;
    *year_out = year;
    return true;
}

typedef struct civil {
    int year, month, day, hour, minute, second;
    int offset_s; /* the zone's offset east of UTC */
} civil_t;

static bool parse_time(const char *text, civil_t *civil) {
    char parts[3][3];
    size_t part = 0, length = 0;
    for (const char *p = text;; p++) {
        if (*p == ':' || *p == '\0') {
            if (length == 0) return false;
            parts[part++][length] = '\0';
            length = 0;
            if (*p == '\0') break;
            if (part == 3) return false;
            continue;
        }
        if (length == 2) return false;
        parts[part][length++] = *p;
    }
    return part == 3 && parse_number(parts[0], 2, &civil->hour) &&
           parse_number(parts[1], 2, &civil->minute) && parse_number(parts[2], 2, &civil->second);
}

static bool parse_zone(const char *text, civil_t *civil) {
    static const char *const utc_names[4] = {"gmt", "utc", "ut", "z"};
    for (int i = 0; i < 4; i++) {
        if (ascii_equal_ignoring_case(text, utc_names[i])) {
            civil->offset_s = 0;
            return true;
        }
    }
    int hhmm;
    if ((text[0] != '+' && text[0] != '-') || strlen(text) != 5 ||
        !parse_number(text + 1, 4, &hhmm) || hhmm % 100 > 59)
        return false;
    int offset_s = (hhmm / 100) * 3600 + (hhmm % 100) * 60;
    civil->offset_s = text[0] == '-' ? -offset_s : offset_s;
    return true;
}

/* "06-Nov-94" (RFC 850's date). */
static bool parse_dashed_date(const char *text, civil_t *civil) {
    char parts[3][TOKEN_LENGTH_MAX];
    size_t part = 0, length = 0;
    for (const char *p = text;; p++) {
        if (*p == '-' || *p == '\0') {
            parts[part++][length] = '\0';
            length = 0;
            if (*p == '\0') break;
            if (part == 3) return false;
            continue;
        }
        parts[part][length++] = *p;
    }
    return part == 3 && parse_number(parts[0], 2, &civil->day) &&
           parse_month(parts[1], &civil->month) && parse_year(parts[2], &civil->year);
}

/* Fills civil from the tokens after an optional day name: IMF-fixdate
 * (day month year time zone), RFC 850 (dd-Mon-yy time zone) or asctime
 * (month day time year). The zone is optional (GMT). */
static bool parse_date_tokens(const tokens_t *tokens, civil_t *civil) {
    size_t i = 0, n = tokens->count;
    if (i < n && is_day_name(tokens->text[i])) i++;
    if (n - i < 3) return false;
    const char *first = tokens->text[i];
    size_t zone_index;
    if (strchr(first, '-') != NULL) {
        if (!parse_dashed_date(first, civil) || !parse_time(tokens->text[i + 1], civil))
            return false;
        zone_index = i + 2;
    } else if (is_digit(first[0])) {
        if (n - i < 4 || !parse_number(first, 2, &civil->day) ||
            !parse_month(tokens->text[i + 1], &civil->month) ||
            !parse_year(tokens->text[i + 2], &civil->year) ||
            !parse_time(tokens->text[i + 3], civil))
            return false;
        zone_index = i + 4;
    } else {
        if (n - i < 4 || !parse_month(first, &civil->month) ||
            !parse_number(tokens->text[i + 1], 2, &civil->day) ||
            !parse_time(tokens->text[i + 2], civil) || strlen(tokens->text[i + 3]) != 4 ||
            !parse_year(tokens->text[i + 3], &civil->year))
            return false;
        zone_index = i + 4;
    }
    civil->offset_s = 0;
    if (zone_index == n) return true;
    return zone_index + 1 == n && parse_zone(tokens->text[zone_index], civil);
}

static bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

static bool civil_valid(const civil_t *civil) {
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (civil->year < 1900 || civil->year > 9999) return false;
    if (civil->month < 1 || civil->month > 12) return false;
    int days = month_days[civil->month - 1] + (civil->month == 2 && leap_year(civil->year));
    return civil->day >= 1 && civil->day <= days && civil->hour <= 23 && civil->minute <= 59 &&
           civil->second <= 60;
}

/* Days from 1970-01-01 to the date, proleptic Gregorian (H. Hinnant's
 * days_from_civil), so no libc time function and no time zone is involved. */
static int64_t days_from_civil(int64_t year, int month, int day) {
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static bool parse_http_date(const char *value, int64_t *unix_s_out) {
    tokens_t tokens;
    civil_t civil = {0};
    if (!tokenize(value, &tokens) || !parse_date_tokens(&tokens, &civil) || !civil_valid(&civil))
        return false;
    *unix_s_out = days_from_civil(civil.year, civil.month, civil.day) * 86400 +
                  (int64_t)civil.hour * 3600 + (int64_t)civil.minute * 60 + civil.second -
                  civil.offset_s;
    return true;
}

/* Optionally signed digits, optional blanks around; negative counts as 0. */
static bool parse_delta_seconds(const char *value, int64_t *delay_ns_out) {
    const int64_t saturation_s = FL_RETRY_DELAY_MAX_NS / FL_SECONDS(1);
    const char *p = value;
    while (is_space(*p)) p++;
    bool negative = *p == '-';
    if (*p == '+' || *p == '-') p++;
    if (!is_digit(*p)) return false;
    int64_t seconds = 0;
    for (; is_digit(*p); p++)
        if (seconds <= saturation_s) seconds = seconds * 10 + (*p - '0');
    while (is_space(*p)) p++;
    if (*p != '\0') return false;
    if (negative) seconds = 0;
    *delay_ns_out = seconds >= saturation_s ? FL_RETRY_DELAY_MAX_NS : seconds * FL_SECONDS(1);
    return true;
}

bool fl_retry_after_parse(const char *value, int64_t now_ns, int64_t *delay_ns_out) {
    assert(value != NULL && delay_ns_out != NULL && now_ns >= 0);
    if (parse_delta_seconds(value, delay_ns_out)) return true;
    int64_t unix_s;
    if (!parse_http_date(value, &unix_s)) return false;
    /* Years 1900..9999 keep this within about -4e9..2.5e11 seconds. */
    int64_t since_epoch_s = unix_s - FL_RETRY_VIRTUAL_EPOCH_UNIX_S;
    if (since_epoch_s > INT64_MAX / FL_SECONDS(1) - 1) {
        *delay_ns_out = FL_RETRY_DELAY_MAX_NS;
        return true;
    }
    int64_t at_ns = since_epoch_s * FL_SECONDS(1);
    int64_t delay_ns = at_ns <= now_ns ? 0 : at_ns - now_ns;
    *delay_ns_out = delay_ns > FL_RETRY_DELAY_MAX_NS ? FL_RETRY_DELAY_MAX_NS : delay_ns;
    return true;
}

/* --- the middleware --------------------------------------------------------- */

static retry_t *retry_from(const fl_middleware_t *middleware);

static void trace(fl_world_t *world, uint32_t attempt, int64_t value, const char *detail) {
    fl_world_trace_event(world, FL_TRACE_CLIENT, attempt, value, detail);
}

static int64_t jitter_delay(fl_world_t *world, const retry_t *retry, uint32_t attempt) {
    int64_t cap_ns = retry->base_delay_ns;
    /* base * 2^(attempt-1), stopping at the cap: bounded by max_attempts. */
    for (uint32_t i = 1; i < attempt && cap_ns < retry->max_delay_ns; i++) cap_ns *= 2;
    if (cap_ns > retry->max_delay_ns) cap_ns = retry->max_delay_ns;
    uint64_t draw = fl_world_draw(world, FL_PRNG_CLIENT, (uint64_t)cap_ns + 1);
    assert(draw <= (uint64_t)cap_ns);
    return (int64_t)draw;
}

static int64_t backoff_delay(fl_world_t *world, const retry_t *retry, const fl_error_t *error,
                             uint32_t attempt) {
    const fl_response_t *response = status_error_response(error);
    if (retry->respect_retry_after && response != NULL && response->headers != NULL) {
        const char *header = fl_headers_get(response->headers, "Retry-After");
        int64_t delay_ns;
        if (header != NULL && fl_retry_after_parse(header, fl_now(world), &delay_ns))
            return delay_ns < retry->max_delay_ns ? delay_ns : retry->max_delay_ns;
    }
    return jitter_delay(world, retry, attempt);
}

/* "1 attempt", "2 attempts": the messages count in English. */
static const char *attempts_word(uint32_t attempts) {
    assert(attempts >= 1);
    return attempts == 1 ? "attempt" : "attempts";
}

static fl_error_t *budget_exhausted(fl_world_t *world, fl_error_t *last, uint32_t attempt) {
    fl_error_t *error = fl_error_new(fl_world_arena(world), FL_ERR_RETRY_BUDGET_EXHAUSTED,
                                     "retry budget exhausted after %u %s", attempt,
                                     attempts_word(attempt));
    error->cause = last;
    if (fl_error_is(last, FL_ERR_STATUS_ERROR)) {
        error->http_status = status_of(last);
        error->payload = last->payload;
    }
    return error;
}

/* Checks 1 to 4 of retry.h, in order, after failed attempt number attempt.
 * Returns the error that ends the call, or NULL to retry after *delay_ns_out. */
static fl_error_t *decide(retry_t *retry, fl_world_t *world, const fl_request_t *request,
                          fl_error_t *error, uint32_t attempt, int64_t *delay_ns_out) {
    fl_arena_t *arena = fl_world_arena(world);
    if (!retryable(retry, request->method, error)) return error;
    if (request->streaming_body && retry->refuse_streamed_body) {
        fl_error_add_note(arena, error, "%s", FL_RETRY_NOTE_STREAMED_BODY);
        FL_MARK(RETRY_STREAMED_BODY_REFUSED);
        retry->stats.streamed_body_refusals++;
        trace(world, attempt, 0, "retry-refused-streamed-body");
        return error;
    }
    if (attempt >= retry->max_attempts) {
        fl_error_add_note(arena, error, FL_RETRY_NOTE_GAVE_UP_PREFIX "%u %s", attempt,
                          attempts_word(attempt));
        FL_MARK(RETRY_GAVE_UP);
        retry->stats.gave_up++;
        trace(world, attempt, 0, "retry-gave-up");
        return error;
    }
    if (retry->budget != NULL && !fl_retry_budget_try_withdraw(world, retry->budget)) {
        FL_MARK(RETRY_BUDGET_REFUSED);
        retry->stats.budget_exhausted++;
        trace(world, attempt, 0, "retry-budget-exhausted");
        return budget_exhausted(world, error, attempt);
    }
    FL_MARK(RETRY_RETRIED);
    *delay_ns_out = backoff_delay(world, retry, error, attempt);
    return NULL;
}

static fl_error_t *retry_handle(fl_middleware_t *self, fl_world_t *world, fl_request_t *request,
                                fl_next_t next, fl_response_t **response_out) {
    retry_t *retry = retry_from(self);
    assert(world != NULL && request != NULL && request->method != NULL && response_out != NULL);
    *response_out = NULL;
    retry->stats.calls++;
    if (retry->budget != NULL) fl_retry_budget_deposit(world, retry->budget);
    for (uint32_t attempt = 1; attempt <= retry->max_attempts; attempt++) {
        fl_response_t *response = NULL;
        retry->stats.attempts++;
        fl_error_t *error = fl_next_call(next, world, request, &response);
        if (error == NULL) {
            assert(response != NULL);
            *response_out = response;
            return NULL;
        }
        int64_t delay_ns = 0;
        fl_error_t *final = decide(retry, world, request, error, attempt, &delay_ns);
        if (final != NULL) return final;
        assert(delay_ns >= 0 && delay_ns <= retry->max_delay_ns);
        retry->stats.last_delay_ns = delay_ns;
        trace(world, attempt, delay_ns, "retry-backoff");
        int status = fl_sleep(world, delay_ns);
        if (status != FL_OK) return fl_error_from_status(fl_world_arena(world), status, "retry backoff");
        retry->stats.retries++;
        retry->stats.backoff_total_ns += delay_ns;
        if (request->streaming_body) retry->stats.streamed_body_retries++;
        request->attempt++;
    }
    assert(!"retry: the last attempt always ends the call in decide()");
    return NULL;
}

static retry_t *retry_from(const fl_middleware_t *middleware) {
    assert(middleware != NULL && middleware->handle == retry_handle);
    return (retry_t *)middleware;
}

fl_middleware_t *fl_retry_create(fl_world_t *world, const fl_retry_options_t *options,
                                 char *error, size_t error_size) {
    fl_client_error_kinds_add();
    assert(world != NULL);
    fl_retry_options_t chosen = options != NULL ? *options : fl_retry_options_default();
    if (!options_valid(&chosen, error, error_size)) return NULL;
    fl_arena_t *arena = fl_world_arena(world);
    retry_t *retry = fl_arena_zalloc(arena, sizeof *retry);
    retry->base = (fl_middleware_t){.name = "retry", .handle = retry_handle};
    retry->max_attempts = chosen.max_attempts;
    retry->base_delay_ns = chosen.base_delay_ns;
    retry->max_delay_ns = chosen.max_delay_ns;
    copy_lists(arena, retry, &chosen);
    retry->respect_retry_after = chosen.respect_retry_after;
    retry->refuse_streamed_body = chosen.refuse_streamed_body;
    retry->budget = chosen.budget;
    retry->stats.last_delay_ns = -1;
    return &retry->base;
}

fl_retry_stats_t fl_retry_stats(const fl_middleware_t *retry) { return retry_from(retry)->stats; }

bool fl_retry_is_retryable(const fl_middleware_t *retry, const char *method,
                           const fl_error_t *error) {
    fl_client_error_kinds_add();
    return retryable(retry_from(retry), method, error);
}
