/* plugin.c -- the entry points Wireshark 4.0 looks for in an epan plugin. */
#include "usbipx.h"

#include <ws_symbol_export.h>
#include <ws_version.h>

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = "0.1.0";
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
