#include "sim/runtime/format.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef enum length {
    LENGTH_INT,
    LENGTH_LONG,
    LENGTH_LONG_LONG,
    LENGTH_SIZE,
    LENGTH_INTMAX,
} length_t;

/* Reads a length modifier at *p (advancing past it). */
static length_t read_length(const char **p) {
    const char *c = *p;
    length_t length = LENGTH_INT;
    if (c[0] == 'l' && c[1] == 'l') {
        length = LENGTH_LONG_LONG;
        c += 2;
    } else if (c[0] == 'l') {
        length = LENGTH_LONG;
        c++;
    } else if (c[0] == 'z') {
        length = LENGTH_SIZE;
        c++;
    } else if (c[0] == 'j') {
        length = LENGTH_INTMAX;
        c++;
    }
    *p = c;
    return length;
}

/* Formats are short: a plain loop beats a strchr call per conversion. */
static const char *next_percent(const char *p) {
    while (*p != '\0' && *p != '%') p++;
    return p;
}

bool fl_format_is_native(const char *format) {
    for (const char *p = next_percent(format); *p != '\0'; p = next_percent(p)) {
        p++;
        if (*p == '%' || *p == 'c' || *p == 's') {
            p++;
            continue;
        }
        if (p[0] == '.' && p[1] == '*' && p[2] == 's') {
            p += 3;
            continue;
        }
        read_length(&p);
        if (*p != 'd' && *p != 'i' && *p != 'u' && *p != 'x') return false;
        p++;
    }
    return true;
}

/* The output so far: bytes past the buffer are counted, not written. */
typedef struct out {
    char *buffer;
    size_t capacity; /* bytes that may hold text: size - 1 */
    size_t length;
} out_t;

static void put(out_t *o, const char *text, size_t n) {
    if (o->length < o->capacity) {
        size_t room = o->capacity - o->length;
        memcpy(o->buffer + o->length, text, n < room ? n : room);
    }
    o->length += n;
}

static void put_unsigned(out_t *o, uintmax_t value, unsigned base) {
    assert(base == 10 || base == 16);
    char digits[3 * sizeof value];
    size_t at = sizeof digits;
    /* One loop per base, so that each divides by a constant, which the
     * compiler makes a multiply or a shift: a 64-bit division by a variable
     * base costs tens of cycles a digit, and every trace line and HTTP head
     * has numbers in it. */
    if (base == 16) {
        do {
            digits[--at] = "0123456789abcdef"[value & 15];
            value >>= 4;
        } while (value != 0);
    } else {
        do {
            digits[--at] = (char)('0' + value % 10);
            value /= 10;
        } while (value != 0);
    }
    put(o, digits + at, sizeof digits - at);
}

static void put_signed(out_t *o, intmax_t value) {
    if (value < 0) {
        put(o, "-", 1);
        put_unsigned(o, (uintmax_t)0 - (uintmax_t)value, 10);
    } else {
        put_unsigned(o, (uintmax_t)value, 10);
    }
}

static intmax_t read_signed(va_list *args, length_t length) {
    switch (length) {
    case LENGTH_LONG: return va_arg(*args, long);
    case LENGTH_LONG_LONG: return va_arg(*args, long long);
    case LENGTH_SIZE: return va_arg(*args, ptrdiff_t); /* %zd: size_t's signed twin */
    case LENGTH_INTMAX: return va_arg(*args, intmax_t);
    case LENGTH_INT: break;
    }
    return va_arg(*args, int);
}

static uintmax_t read_unsigned(va_list *args, length_t length) {
    switch (length) {
    case LENGTH_LONG: return va_arg(*args, unsigned long);
    case LENGTH_LONG_LONG: return va_arg(*args, unsigned long long);
    case LENGTH_SIZE: return va_arg(*args, size_t);
    case LENGTH_INTMAX: return va_arg(*args, uintmax_t);
    case LENGTH_INT: break;
    }
    return va_arg(*args, unsigned);
}

/* %.*s: at most precision bytes of s, as glibc prints them. */
static void put_precise(out_t *o, int precision, const char *s) {
    size_t n = 0;
    if (s == NULL) {
        s = "(null)"; /* glibc prints it whole only when it fits */
        n = precision < 0 || precision >= 6 ? 6 : 0;
    } else if (precision < 0) {
        n = strlen(s);
    } else {
        const char *end = memchr(s, '\0', (size_t)precision);
        n = end ? (size_t)(end - s) : (size_t)precision;
    }
    put(o, s, n);
}

/* Formats the conversion at *p (just past its '%'), advancing past it.
 * Returns false, having consumed nothing that matters, when it is one
 * fl_format_is_native refuses: the caller then hands the call over. */
static bool put_conversion(out_t *o, const char **p, va_list *ap) {
    const char *c = *p;
    if (*c == '%') {
        put(o, "%", 1);
    } else if (*c == 'c') {
        char character = (char)va_arg(*ap, int);
        put(o, &character, 1);
    } else if (*c == 's') {
        const char *s = va_arg(*ap, const char *);
        if (s == NULL) s = "(null)"; /* glibc's rendering */
        put(o, s, strlen(s));
    } else if (c[0] == '.' && c[1] == '*' && c[2] == 's') {
        int precision = va_arg(*ap, int);
        put_precise(o, precision, va_arg(*ap, const char *));
        c += 2;
    } else {
        length_t length = read_length(&c);
        if (*c == 'd' || *c == 'i')
            put_signed(o, read_signed(ap, length));
        else if (*c == 'u' || *c == 'x')
            put_unsigned(o, read_unsigned(ap, length), *c == 'x' ? 16 : 10);
        else
            return false;
    }
    *p = c + 1;
    return true;
}

int fl_vformat(char *buffer, size_t size, const char *format, va_list args) {
    /* One pass: the format is not scanned first for conversions this file
     * cannot do (that scan was a third of the cost). On meeting one, what
     * was written is dropped and vsnprintf formats the whole call from the
     * untouched args, so the output is still always vsnprintf's. */
    out_t o = {buffer, size ? size - 1 : 0, 0};
    va_list ap;
    va_copy(ap, args); /* va_arg through a pointer needs an lvalue of our own */
    for (const char *p = format; *p != '\0';) {
        const char *percent = next_percent(p);
        put(&o, p, (size_t)(percent - p));
        if (*percent == '\0') break;
        p = percent + 1;
        if (!put_conversion(&o, &p, &ap)) {
            va_end(ap);
            return vsnprintf(buffer, size, format, args);
        }
    }
    va_end(ap);
    if (size > 0) buffer[o.length < o.capacity ? o.length : o.capacity] = '\0';
    return o.length > INT32_MAX ? -1 : (int)o.length;
}

int fl_format(char *buffer, size_t size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = fl_vformat(buffer, size, format, args);
    va_end(args);
    return n;
}

void fl_vformat_after(char *buffer, size_t size, const char *prefix, const char *format,
                      va_list args) {
    assert(prefix != NULL && format != NULL && (buffer != NULL || size == 0));
    if (size == 0) return;
    size_t used = strlen(prefix);
    if (used >= size) used = size - 1;
    memcpy(buffer, prefix, used);
    buffer[used] = '\0';
    vsnprintf(buffer + used, size - used, format, args);
    assert(strlen(buffer) < size);
}
