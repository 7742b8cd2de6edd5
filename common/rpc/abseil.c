/* Abseil's settings for gRPC core's mutexes; see abseil.h. */
#include "abseil.h"

#include <dlfcn.h>
#include <string.h>

/* absl::OnDeadlockCycle::kIgnore: the enum class's first value, an int. */
#define ON_DEADLOCK_CYCLE_IGNORE 0

int abseil_skip_deadlock_checks(void)
{
    void *sym = dlsym(RTLD_DEFAULT, ABSEIL_SET_MODE_SYMBOL);
    if (!sym)
        return -1;
    void (*set_mode)(int);
    memcpy(&set_mode, &sym, sizeof(set_mode)); /* object to function pointer, without UB */
    set_mode(ON_DEADLOCK_CYCLE_IGNORE);
    return 0;
}
