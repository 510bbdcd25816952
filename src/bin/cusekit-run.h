/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `cusekit run ...`: @argv[0] is "run". Returns the exit status. */
int cusekit_run(int argc, char **argv);
