/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.c -- names and messages of the core's error codes (see uip/error.h). */
#include <stddef.h>
#include "uip/error.h"

struct uip_err_text {
    const char *name;
    const char *message;
};

static const struct uip_err_text uip_err_texts[UIP_ERR_COUNT] = {
#define UIP_ERR_TEXT_(name, value, msg) [-(value)] = {"UIP_ERR_" #name, msg},
    UIP_ERROR_LIST(UIP_ERR_TEXT_)
#undef UIP_ERR_TEXT_
};

static const struct uip_err_text *uip_err_lookup(int code)
{
    if (code > 0 || code <= -UIP_ERR_COUNT)
        return NULL;
    return &uip_err_texts[-code];
}

const char *uip_err_name(int code)
{
    const struct uip_err_text *t = uip_err_lookup(code);
    return t && t->name ? t->name : "UIP_ERR_UNKNOWN";
}

const char *uip_strerror(int code)
{
    const struct uip_err_text *t = uip_err_lookup(code);
    return t && t->message ? t->message : "unknown error";
}
