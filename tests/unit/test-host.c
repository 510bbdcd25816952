/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ck_host: what every hosting program shares (specs, config, settings,
 * state directory, control socket), without a transport. */
#include "host.h"

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        return g_test_run();
}
