/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cusekit abi MODULE.so|TYPE [--table|--header|--check]; argv[0] is "abi".
 * Needs no daemon. */
int cusekit_abi(int argc, char **argv);
