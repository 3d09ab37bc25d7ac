/* XML escaping for the JUnit report: text that came from scenario files,
 * checks and the server's log, written so that any XML 1.0 parser reads
 * back the same characters.
 *
 * XML 1.0 cannot carry every byte: control characters other than tab, line
 * feed and carriage return are not allowed even as character references,
 * and a byte that is not part of valid UTF-8 makes a parser refuse the
 * whole document. Both are written as '?', so one odd byte in a message
 * never costs a CI system the report. */
#ifndef FL_HARNESS_XML_TEXT_H
#define FL_HARNESS_XML_TEXT_H

#include <stdio.h>

/* Writes text (NUL-terminated) escaped for an attribute value in double
 * quotes or for element content: & < > " as entities; tab, line feed and
 * carriage return as character references, so attribute normalisation
 * keeps them; what XML 1.0 cannot hold as '?'. */
void fl_xml_text(FILE *out, const char *text);

#endif /* FL_HARNESS_XML_TEXT_H */
