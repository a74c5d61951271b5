/* SPDX-License-Identifier: GPL-2.0-or-later */
/* usbipx-compat.h -- the few places where Wireshark's plugin API differs between the releases the
 * plugin builds against (4.0 to 4.6), keyed on Wireshark's version macros, so that one source
 * builds without warnings on each. The plugin is written against the newest API; this header
 * maps it back for older releases. */
#ifndef USBIPX_COMPAT_H
#define USBIPX_COMPAT_H

#include <ws_version.h>

#define USBIPX_WS_AT_LEAST(major, minor)                                                        \
    (WIRESHARK_VERSION_MAJOR > (major) ||                                                       \
     (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

/* 4.4 moved from GLib's gboolean to C's bool for boolean preferences and for what a heuristic
 * dissector returns, and renamed tvb_get_uint8 and friends tvb_get_uint8 (the old names are
 * deprecated there). Both changes came in the 4.3 development series. */
#if USBIPX_WS_AT_LEAST(4, 3)
typedef bool usbipx_pref_bool;
typedef bool usbipx_heur_result;
#else
typedef gboolean usbipx_pref_bool;
typedef gboolean usbipx_heur_result;
#define tvb_get_uint8 tvb_get_guint8
#endif

/* epan_get_interface_name() takes the record's pcapng section from 4.3 on (checked: 4.0 without,
 * 4.4 and 4.6 with; 4.2 not checked). */
#if USBIPX_WS_AT_LEAST(4, 3)
#define usbipx_interface_name(pinfo, id) epan_get_interface_name((pinfo)->epan, (id), (pinfo)->rec->section_number)
#else
#define usbipx_interface_name(pinfo, id) epan_get_interface_name((pinfo)->epan, (id))
#endif

#endif
