/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plugin.c -- the entry points Wireshark looks for in an epan plugin: the exported version
 * symbols, plugin_register(), and from 4.4 on plugin_describe() (what kind of plugin it is). */
#include "usbipx.h"

#include <ws_symbol_export.h>
#if USBIPX_WS_AT_LEAST(4, 3)
#include <wsutil/plugins.h>
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = "0.1.0";
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

void plugin_register(void)
{
    static const proto_plugin plugin = {
        .register_protoinfo = proto_register_usbipx,
        .register_handoff = proto_reg_handoff_usbipx,
    };
    proto_register_plugin(&plugin);
}

#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
