#include "harness/report/xml_text.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at p that XML 1.0 allows (2 to
 * 4 bytes), or 0: overlong forms, surrogates, code points past U+10FFFF,
 * U+FFFE and U+FFFF are refused, as a parser would refuse them. */
static size_t utf8_sequence_length(const unsigned char *p) {
    assert(p != NULL && *p >= 0x80);
    size_t length = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
    if (length == 0 || *p > 0xF4) return 0;
    unsigned long code = *p & (0x7Fu >> length);
    for (size_t i = 1; i < length; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        code = code << 6 | (p[i] & 0x3Fu);
    }
    static const unsigned long smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF) return 0;
    if ((code >= 0xD800 && code <= 0xDFFF) || code == 0xFFFE || code == 0xFFFF) return 0;
    assert(length >= 2 && length <= 4);
    return length;
}

/* The escape of an ASCII byte, or NULL when it stands for itself. */
static const char *ascii_escape(unsigned char c) {
    assert(c < 0x80);
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    default: return c < 0x20 ? "?" : NULL;
    }
}

void fl_xml_text(FILE *out, const char *text) {
    assert(out != NULL && text != NULL);
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        if (*p < 0x80) {
            const char *escape = ascii_escape(*p);
            if (escape != NULL)
                fputs(escape, out);
            else
                fputc(*p, out);
            p++;
            continue;
        }
        size_t length = utf8_sequence_length(p);
        if (length == 0) {
            fputc('?', out); /* one byte at a time: the next may start a valid sequence */
            p++;
            continue;
        }
        fwrite(p, 1, length, out);
        p += length;
    }
    assert(*p == '\0');
}
