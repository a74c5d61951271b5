/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_capture.c -- libFuzzer target: arbitrary bytes as a capture file through the whole
 * session (libpcap, link layers, TCP reassembly, framers, tracker). Must never crash or hang. */
#include "fuzz_input.h"
#include "uip/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file("capture", data, size);
    if (!path)
        return 0;
    struct uip_session_config cfg = {.data_keep = 64, .control_keep = 4096};
    cfg.capture.detect_any_port = size > 0 && (data[size - 1] & 1);
    struct uip_session_callbacks cb = {0};
    char err[256];
    int code;
    struct uip_session *s = uip_session_open(path, &cfg, &cb, NULL, &code, err, sizeof err);
    if (s) {
        uip_session_run(s, err, sizeof err);
        uip_session_close(s);
    }
    return 0;
}
