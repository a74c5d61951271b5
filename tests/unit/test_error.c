/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_error.c -- every error code has a distinct name and a message; unknown codes are named so. */
#include <criterion/criterion.h>
#include <string.h>
#include "uip/error.h"

static const int uip_all_codes[] = {
#define UIP_ERR_CODE_(name, value, msg) value,
    UIP_ERROR_LIST(UIP_ERR_CODE_)
#undef UIP_ERR_CODE_
};
#define N_CODES (sizeof uip_all_codes / sizeof uip_all_codes[0])

Test(error, count_matches_list)
{
    cr_assert_eq(N_CODES, (size_t)UIP_ERR_COUNT);
}

Test(error, codes_are_dense_from_zero_down)
{
    for (size_t i = 0; i < N_CODES; i++)
        cr_assert_eq(uip_all_codes[i], -(int)i, "code at %zu is %d", i, uip_all_codes[i]);
}

Test(error, every_code_has_distinct_name_and_message)
{
    for (size_t i = 0; i < N_CODES; i++) {
        int c = uip_all_codes[i];
        cr_assert_str_neq(uip_err_name(c), "UIP_ERR_UNKNOWN", "code %d", c);
        cr_assert_str_neq(uip_strerror(c), "unknown error", "code %d", c);
        cr_assert(strncmp(uip_err_name(c), "UIP_ERR_", 8) == 0);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(uip_err_name(c), uip_err_name(uip_all_codes[j]));
    }
    cr_assert_str_eq(uip_err_name(UIP_ERR_TRUNCATED), "UIP_ERR_TRUNCATED");
}

Test(error, unknown_codes)
{
    cr_assert_str_eq(uip_err_name(1), "UIP_ERR_UNKNOWN");
    cr_assert_str_eq(uip_err_name(-UIP_ERR_COUNT), "UIP_ERR_UNKNOWN");
    cr_assert_str_eq(uip_strerror(-1000), "unknown error");
}
