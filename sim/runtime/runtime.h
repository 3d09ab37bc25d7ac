/* The deterministic runtime, in one include. */
#ifndef FL_RUNTIME_H
#define FL_RUNTIME_H

#include "sim/runtime/arena.h"
#include "sim/runtime/cancel.h"
#include "sim/runtime/channel.h"
#include "sim/runtime/condition.h"
#include "sim/runtime/error.h"
#include "sim/runtime/event.h"
#include "sim/runtime/lock.h"
#include "sim/runtime/policy.h"
#include "sim/runtime/prng.h"
#include "sim/runtime/semaphore.h"
#include "sim/runtime/status.h"
#include "sim/runtime/taskgroup.h"
#include "sim/runtime/trace.h"
#include "sim/runtime/world.h"

#endif /* FL_RUNTIME_H */
