/* Unit tests for res_register: a method table row names its resource, and a
 * row that names none, or another resource than its method, is refused at
 * registration (before any call could reach it). Built with planning's own
 * resources (brand.c, campaign.c, sql.c). */
#include "res.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stddef.h>

#include "../../services/planning/planning.h"

static int try_table(const rpc_method *methods, size_t n)
{
    const rpc_service svc = {
        .binary = "cameos-planning",
        .desc = &cameos__planning__v1__planning_service__descriptor,
        .methods = methods,
        .nmethods = n,
        .stmts = planning_stmts,
        .nstmts = PLANNING_NSTMTS,
    };
    return res_register(&svc);
}

#define TRY(rows) try_table(rows, sizeof(rows) / sizeof(rows[0]))

Test(resource_table, rows_that_name_their_resource_register, .init = cr_redirect_stderr)
{
    static const rpc_method rows[] = {
        {"GetBrandGuideline", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
        {"ListBrandGuidelines", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
        {"CreateCampaign", res_create, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
        {"UpdateCampaign", res_update, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
        {"DeleteCampaign", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    };
    cr_assert_eq(TRY(rows), 0);
}

Test(resource_table, a_row_without_a_resource_is_refused, .init = cr_redirect_stderr)
{
    static const rpc_method rows[] = {
        {"GetBrandGuideline", res_get, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
        {"GetCampaign", res_get, RPC_AUTH_USER, RPC_UNARY, NULL},
    };
    cr_assert_eq(TRY(rows), -1);
    fflush(stderr);
    cr_assert_stderr_eq_str(
        "cameos-planning: method table: GetCampaign: the row names no resource (rpc_method.arg)\n");
}

Test(resource_table, a_row_naming_another_resource_is_refused, .init = cr_redirect_stderr)
{
    static const rpc_method rows[] = {
        {"ListCampaigns", res_list, RPC_AUTH_USER, RPC_UNARY, &planning_brand},
    };
    cr_assert_eq(TRY(rows), -1);
    fflush(stderr);
    cr_assert_stderr_eq_str("cameos-planning: method table: ListCampaigns: the row names another "
                            "resource than the method does\n");
}

Test(resource_table, a_handler_of_the_wrong_verb_is_refused, .init = cr_redirect_stderr)
{
    static const rpc_method rows[] = {
        {"GetCampaign", res_delete, RPC_AUTH_USER, RPC_UNARY, &planning_campaign},
    };
    cr_assert_eq(TRY(rows), -1);
}
