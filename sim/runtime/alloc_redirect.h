/* The torture build's forced header (gcc -include, see `make torture`):
 * sends every malloc, calloc, realloc, strdup and strndup call of faultline's
 * own sources through the counter of alloc_fail.h, so the N-th of them can be
 * made to fail. The system headers that declare them come first, so their
 * declarations are left as they are and only calls are renamed. free is not
 * touched: the counter allocates with the real functions. */
#ifndef FL_ALLOC_REDIRECT_H
#define FL_ALLOC_REDIRECT_H
/* The assembly task switch is compiled with the same flags: it has no calls
 * to rename and cannot read C declarations. */
#ifndef __ASSEMBLER__

#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h" /* beside this file: llhttp is built without -I. */

#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup
#define malloc(size) fl_alloc_malloc(size)
#define calloc(count, size) fl_alloc_calloc(count, size)
#define realloc(block, size) fl_alloc_realloc(block, size)
#define strdup(text) fl_alloc_strdup(text)
#define strndup(text, length_max) fl_alloc_strndup(text, length_max)
#endif /* __ASSEMBLER__ */

#endif /* FL_ALLOC_REDIRECT_H */
