/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A shared object that is no cusekit module: it registers no device type. */
int mod_plain_answer(void);
int mod_plain_answer(void)
{
        return 42;
}
