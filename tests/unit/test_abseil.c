/* abseil.c: the switch is found in the Abseil this project links. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <grpc/grpc.h>

#include "abseil.h"

/* The services link gRPC core, which brings Abseil; so does this test. */
static void load_grpc(void)
{
    cr_assert_not_null(grpc_version_string());
}

/* Fails when Debian's Abseil changes its inline namespace: the detector
 * would then silently stay on, at a cost on every gRPC mutex. */
Test(abseil, the_deadlock_switch_is_found_and_thrown)
{
    load_grpc();
    cr_assert_eq(abseil_skip_deadlock_checks(), 0);
}

/* The symbol names what abseil.c calls: Abseil's own function. */
Test(abseil, the_switch_is_abseils_function)
{
    Dl_info info;
    load_grpc();
    void *sym = dlsym(RTLD_DEFAULT, ABSEIL_SET_MODE_SYMBOL);
    cr_assert_not_null(sym);
    cr_assert(dladdr(sym, &info) != 0);
    cr_assert_not_null(strstr(info.dli_fname, "libabsl_synchronization"), "%s", info.dli_fname);
}
