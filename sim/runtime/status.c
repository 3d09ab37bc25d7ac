#include "sim/runtime/status.h"

const char *fl_status_name(int status) {
    switch (status) {
#define FL__STATUS_NAME(name, value, message)                                  \
    case (value):                                                              \
        return #name;
        FL_STATUS_CODES(FL__STATUS_NAME)
#undef FL__STATUS_NAME
    }
    return "EUNKNOWN";
}

const char *fl_status_message(int status) {
    switch (status) {
#define FL__STATUS_MESSAGE(name, value, message)                               \
    case (value):                                                              \
        return message;
        FL_STATUS_CODES(FL__STATUS_MESSAGE)
#undef FL__STATUS_MESSAGE
    }
    return "unknown status";
}
