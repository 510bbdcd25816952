/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every defined ioctl's request number equals what the kernel's own macros
 * make of it, and every device type's table is indexed and searchable. */
#include "atom/atom-abi.h"
#include "fifo/fifo-abi.h"
#include "spi/spi-abi.h"
#include "tty/tty-abi.h"   /* <asm/termios.h>: the kernel's termios, not the C library's */
#include "cusekit-private.h"

#include <linux/gpio.h>
#include <linux/ioctl.h>
#include <linux/i2c-dev.h>
#include <linux/rtc.h>
#include <linux/spi/spidev.h>
#include <linux/watchdog.h>
#include <string.h>

struct expected {
        const char *name;
        unsigned long request;
};

/* Written with the kernel's macros, by hand: the other side of the check. */
static const struct expected expected_atom[] = {
        { "ATOM_GET", _IOR(0xD1, 0x01, struct atom_state) },
        { "ATOM_SET", _IOW(0xD1, 0x02, struct atom_state) },
        { "ATOM_FLIP", _IOWR(0xD1, 0x03, struct atom_flip) },
        { "ATOM_RESET", _IO(0xD1, 0x04) },
        { "ATOM_POKE", 0xD105 },
        { "ATOM_LOAD", _IOR(0xD1, 0x06, struct atom_state) },
        { "ATOM_BLOB_SET", _IOW(0xD1, 0x07, struct atom_blob) },
        { "ATOM_BLOB_GET", _IOWR(0xD1, 0x08, struct atom_blob) },
};

/* rtc and watchdog: the kernel's own constants from the uapi headers */
static const struct expected expected_rtc[] = {
        { "RTC_AIE_ON", RTC_AIE_ON },
        { "RTC_AIE_OFF", RTC_AIE_OFF },
        { "RTC_UIE_ON", RTC_UIE_ON },
        { "RTC_UIE_OFF", RTC_UIE_OFF },
        { "RTC_PIE_ON", RTC_PIE_ON },
        { "RTC_PIE_OFF", RTC_PIE_OFF },
        { "RTC_ALM_SET", RTC_ALM_SET },
        { "RTC_ALM_READ", RTC_ALM_READ },
        { "RTC_RD_TIME", RTC_RD_TIME },
        { "RTC_SET_TIME", RTC_SET_TIME },
        { "RTC_IRQP_READ", RTC_IRQP_READ },
        { "RTC_IRQP_SET", RTC_IRQP_SET },
        { "RTC_EPOCH_READ", RTC_EPOCH_READ },
        { "RTC_EPOCH_SET", RTC_EPOCH_SET },
        { "RTC_WKALM_SET", RTC_WKALM_SET },
        { "RTC_WKALM_RD", RTC_WKALM_RD },
        { "RTC_PARAM_GET", RTC_PARAM_GET },
        { "RTC_PARAM_SET", RTC_PARAM_SET },
};

static const struct expected expected_watchdog[] = {
        { "WDIOC_GETSUPPORT", WDIOC_GETSUPPORT },
        { "WDIOC_GETSTATUS", WDIOC_GETSTATUS },
        { "WDIOC_GETBOOTSTATUS", WDIOC_GETBOOTSTATUS },
        { "WDIOC_GETTEMP", WDIOC_GETTEMP },
        { "WDIOC_SETOPTIONS", WDIOC_SETOPTIONS },
        { "WDIOC_KEEPALIVE", WDIOC_KEEPALIVE },
        { "WDIOC_SETTIMEOUT", WDIOC_SETTIMEOUT },
        { "WDIOC_GETTIMEOUT", WDIOC_GETTIMEOUT },
        { "WDIOC_SETPRETIMEOUT", WDIOC_SETPRETIMEOUT },
        { "WDIOC_GETPRETIMEOUT", WDIOC_GETPRETIMEOUT },
        { "WDIOC_GETTIMELEFT", WDIOC_GETTIMELEFT },
};

static const struct expected expected_i2c[] = {
        { "I2C_RETRIES", I2C_RETRIES },
        { "I2C_TIMEOUT", I2C_TIMEOUT },
        { "I2C_SLAVE", I2C_SLAVE },
        { "I2C_TENBIT", I2C_TENBIT },
        { "I2C_FUNCS", I2C_FUNCS },
        { "I2C_SLAVE_FORCE", I2C_SLAVE_FORCE },
        { "I2C_RDWR", I2C_RDWR },
        { "I2C_PEC", I2C_PEC },
        { "I2C_SMBUS", I2C_SMBUS },
};

/* FIONREAD from the kernel's <asm/ioctls.h> */
static const struct expected expected_fifo[] = {
        { "FIONREAD", FIONREAD },
        { "FIFO_RESET", _IO(0xD2, 0x01) },
        { "FIFO_GET_INFO", _IOR(0xD2, 0x02, struct fifo_info) },
};

/* SPI_IOC_MESSAGE's row is its number for 0 transfers; any count finds it */
static const struct expected expected_spi[] = {
        { "SPI_IOC_MESSAGE", SPI_IOC_MESSAGE(0) },
        { "SPI_IOC_RD_MODE", SPI_IOC_RD_MODE },
        { "SPI_IOC_WR_MODE", SPI_IOC_WR_MODE },
        { "SPI_IOC_RD_LSB_FIRST", SPI_IOC_RD_LSB_FIRST },
        { "SPI_IOC_WR_LSB_FIRST", SPI_IOC_WR_LSB_FIRST },
        { "SPI_IOC_RD_BITS_PER_WORD", SPI_IOC_RD_BITS_PER_WORD },
        { "SPI_IOC_WR_BITS_PER_WORD", SPI_IOC_WR_BITS_PER_WORD },
        { "SPI_IOC_RD_MAX_SPEED_HZ", SPI_IOC_RD_MAX_SPEED_HZ },
        { "SPI_IOC_WR_MAX_SPEED_HZ", SPI_IOC_WR_MAX_SPEED_HZ },
        { "SPI_IOC_RD_MODE32", SPI_IOC_RD_MODE32 },
        { "SPI_IOC_WR_MODE32", SPI_IOC_WR_MODE32 },
};

static const struct expected expected_tty[] = {
        { "TCGETS", TCGETS }, { "TCSETS", TCSETS }, { "TCSETSW", TCSETSW }, { "TCSETSF", TCSETSF },
        { "TCGETA", TCGETA }, { "TCSETA", TCSETA }, { "TCSETAW", TCSETAW }, { "TCSETAF", TCSETAF },
        { "TCSBRK", TCSBRK }, { "TCXONC", TCXONC }, { "TCFLSH", TCFLSH }, { "TIOCEXCL", TIOCEXCL },
        { "TIOCNXCL", TIOCNXCL }, { "TIOCOUTQ", TIOCOUTQ }, { "TIOCSTI", TIOCSTI }, { "TIOCGWINSZ", TIOCGWINSZ },
        { "TIOCSWINSZ", TIOCSWINSZ }, { "TIOCMGET", TIOCMGET }, { "TIOCMBIS", TIOCMBIS },
        { "TIOCMBIC", TIOCMBIC }, { "TIOCMSET", TIOCMSET }, { "TIOCGSOFTCAR", TIOCGSOFTCAR },
        { "TIOCSSOFTCAR", TIOCSSOFTCAR }, { "TIOCINQ", TIOCINQ }, { "TIOCGSERIAL", TIOCGSERIAL },
        { "TIOCSSERIAL", TIOCSSERIAL }, { "TIOCGETD", TIOCGETD }, { "TIOCSETD", TIOCSETD },
        { "TIOCSBRK", TIOCSBRK }, { "TIOCCBRK", TIOCCBRK }, { "TCGETS2", TCGETS2 }, { "TCSETS2", TCSETS2 },
        { "TCSETSW2", TCSETSW2 }, { "TCSETSF2", TCSETSF2 }, { "TCSBRKP", TCSBRKP }, { "TIOCGRS485", TIOCGRS485 },
        { "TIOCGLCKTRMIOS", TIOCGLCKTRMIOS }, { "TIOCSLCKTRMIOS", TIOCSLCKTRMIOS },
        { "TIOCSERGETLSR", TIOCSERGETLSR }, { "TIOCMIWAIT", TIOCMIWAIT }, { "TIOCGICOUNT", TIOCGICOUNT }, { "TIOCGEXCL", TIOCGEXCL },
};

static const struct expected expected_gpio[] = {
        { "GPIO_GET_CHIPINFO_IOCTL", GPIO_GET_CHIPINFO_IOCTL },
        { "GPIO_GET_LINEINFO_IOCTL", GPIO_GET_LINEINFO_IOCTL },
        { "GPIO_GET_LINEHANDLE_IOCTL", GPIO_GET_LINEHANDLE_IOCTL },
        { "GPIO_GET_LINEEVENT_IOCTL", GPIO_GET_LINEEVENT_IOCTL },
        { "GPIO_GET_LINEINFO_WATCH_IOCTL", GPIO_GET_LINEINFO_WATCH_IOCTL },
        { "GPIO_GET_LINEINFO_UNWATCH_IOCTL", GPIO_GET_LINEINFO_UNWATCH_IOCTL },
        { "GPIO_V2_GET_LINEINFO_IOCTL", GPIO_V2_GET_LINEINFO_IOCTL },
        { "GPIO_V2_GET_LINEINFO_WATCH_IOCTL", GPIO_V2_GET_LINEINFO_WATCH_IOCTL },
        { "GPIO_V2_GET_LINE_IOCTL", GPIO_V2_GET_LINE_IOCTL },
};

static const struct expected expected_gpio_line[] = {
        { "GPIO_V2_LINE_SET_CONFIG_IOCTL", GPIO_V2_LINE_SET_CONFIG_IOCTL },
        { "GPIO_V2_LINE_GET_VALUES_IOCTL", GPIO_V2_LINE_GET_VALUES_IOCTL },
        { "GPIO_V2_LINE_SET_VALUES_IOCTL", GPIO_V2_LINE_SET_VALUES_IOCTL },
};

static const struct expected expected_gpio_handle[] = {
        { "GPIOHANDLE_GET_LINE_VALUES_IOCTL", GPIOHANDLE_GET_LINE_VALUES_IOCTL },
        { "GPIOHANDLE_SET_LINE_VALUES_IOCTL", GPIOHANDLE_SET_LINE_VALUES_IOCTL },
        { "GPIOHANDLE_SET_CONFIG_IOCTL", GPIOHANDLE_SET_CONFIG_IOCTL },
};

/* evdev: <linux/input.h> clashes with the kernel's termios above, so its
 * macros are written out by hand (struct sizes on x86_64: input_id 8,
 * input_keymap_entry 40, ff_effect 48, input_mask 16);
 * sized rows at index 0 and length 0.  devices/evdev checks the real
 * macros at compile time. */
static const struct expected expected_evdev[] = {
        { "EVIOCGVERSION", _IOR('E', 0x01, int) }, { "EVIOCGID", _IOC(_IOC_READ, 'E', 0x02, 8) },
        { "EVIOCGREP", _IOR('E', 0x03, unsigned int[2]) }, { "EVIOCSREP", _IOW('E', 0x03, unsigned int[2]) },
        { "EVIOCGKEYCODE", _IOR('E', 0x04, unsigned int[2]) }, { "EVIOCGKEYCODE_V2", _IOC(_IOC_READ, 'E', 0x04, 40) },
        { "EVIOCSKEYCODE", _IOW('E', 0x04, unsigned int[2]) }, { "EVIOCSKEYCODE_V2", _IOC(_IOC_WRITE, 'E', 0x04, 40) },
        { "EVIOCGNAME", _IOC(_IOC_READ, 'E', 0x06, 0) }, { "EVIOCGPHYS", _IOC(_IOC_READ, 'E', 0x07, 0) },
        { "EVIOCGUNIQ", _IOC(_IOC_READ, 'E', 0x08, 0) }, { "EVIOCGPROP", _IOC(_IOC_READ, 'E', 0x09, 0) },
        { "EVIOCGMTSLOTS", _IOC(_IOC_READ, 'E', 0x0a, 0) }, { "EVIOCGKEY", _IOC(_IOC_READ, 'E', 0x18, 0) },
        { "EVIOCGLED", _IOC(_IOC_READ, 'E', 0x19, 0) }, { "EVIOCGSND", _IOC(_IOC_READ, 'E', 0x1a, 0) },
        { "EVIOCGSW", _IOC(_IOC_READ, 'E', 0x1b, 0) }, { "EVIOCGBIT", _IOC(_IOC_READ, 'E', 0x20, 0) },
        { "EVIOCGABS", _IOC(_IOC_READ, 'E', 0x40, 0) }, { "EVIOCSABS", _IOC(_IOC_WRITE, 'E', 0xc0, 0) },
        { "EVIOCSFF", _IOC(_IOC_WRITE, 'E', 0x80, 48) }, { "EVIOCRMFF", _IOW('E', 0x81, int) },
        { "EVIOCGEFFECTS", _IOR('E', 0x84, int) }, { "EVIOCGRAB", _IOW('E', 0x90, int) },
        { "EVIOCREVOKE", _IOW('E', 0x91, int) }, { "EVIOCGMASK", _IOC(_IOC_READ, 'E', 0x92, 16) },
        { "EVIOCSMASK", _IOC(_IOC_WRITE, 'E', 0x93, 16) }, { "EVIOCSCLOCKID", _IOW('E', 0xa0, int) },
};

/* the kernel's lineevent_ioctl() answers GPIOHANDLE_GET_LINE_VALUES_IOCTL */
static const struct expected expected_gpio_event[] = {
        { "GPIOEVENT_GET_LINE_VALUES_IOCTL", GPIOHANDLE_GET_LINE_VALUES_IOCTL },
};

static const struct {
        const char *type;
        const struct expected *list;
        size_t n;
} expected_tables[] = {
        { "atom", expected_atom, G_N_ELEMENTS(expected_atom) },
        { "atom-flat", expected_atom, 4 },   /* GET SET FLIP RESET */
        { "rtc", expected_rtc, G_N_ELEMENTS(expected_rtc) },
        { "watchdog", expected_watchdog, G_N_ELEMENTS(expected_watchdog) },
        { "i2c", expected_i2c, G_N_ELEMENTS(expected_i2c) },
        { "fifo", expected_fifo, G_N_ELEMENTS(expected_fifo) },
        { "spi", expected_spi, G_N_ELEMENTS(expected_spi) },
        { "tty", expected_tty, G_N_ELEMENTS(expected_tty) },
        { "gpio", expected_gpio, G_N_ELEMENTS(expected_gpio) },
        { "gpio-linehandle", expected_gpio_handle, G_N_ELEMENTS(expected_gpio_handle) },   /* file types */
        { "gpio-event", expected_gpio_event, G_N_ELEMENTS(expected_gpio_event) },
        { "gpio-line", expected_gpio_line, G_N_ELEMENTS(expected_gpio_line) },
        { "evdev", expected_evdev, G_N_ELEMENTS(expected_evdev) },
};

/* One table (a device type's, or a file type's) against the kernel's macros. */
static void check_expected(const struct ck_type_index *t)
{
        const struct expected *list = NULL;
        size_t n = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(expected_tables); i++)
                if (strcmp(expected_tables[i].type, t->type->name) == 0) {
                        list = expected_tables[i].list;
                        n = expected_tables[i].n;
                }
        if (!list)
                g_error("device type %s has no kernel-macro expectations in this test", t->type->name);
        g_assert_cmpuint(n, ==, t->type->n_ioctls);
        for (size_t i = 0; i < n; i++) {
                const struct ck_ioctl *io = &t->type->ioctls[i];
                g_assert_cmpstr(io->name, ==, list[i].name);
                g_assert_cmphex(io->request, ==, list[i].request);
                g_assert_true(ck_type_index_lookup(t, list[i].request) == io);
        }
}

static void test_requests_match_kernel_macros(void)
{
        const struct ck_type_index *const *all = ck_registry_all();

        g_assert_nonnull(all[0]);
        for (const struct ck_type_index *const *t = all; *t; t++)
                for (size_t k = 0; k <= (*t)->n_files; k++)
                        check_expected(k == 0 ? *t : (*t)->files[k - 1]);
}

/* Traces name fields from the definitions: every struct argument of every
 * family needs its field list, of the right size. */
static void check_described(const struct ck_type_index *t)
{
        for (size_t i = 0; i < t->type->n_ioctls; i++) {
                const struct ck_ioctl *io = &t->type->ioctls[i];
                const struct ck_struct_desc *d = t->arg_descs[i];
                if (strncmp(io->arg_type, "struct ", 7) != 0)
                        continue;
                if (!d)
                        g_error("%s: %s: no CK_STRUCT_DESC for '%s'", t->type->name, io->name, io->arg_type);
                g_assert_cmpuint(d->size, ==, io->arg_size);
                for (unsigned f = 0; f < d->n_fields; f++)
                        g_assert_cmpuint(d->fields[f].offset + d->fields[f].size * d->fields[f].count, <=, d->size);
        }
}

static void test_struct_args_are_described(void)
{
        for (const struct ck_type_index *const *t = ck_registry_all(); *t; t++)
                for (size_t k = 0; k <= (*t)->n_files; k++)
                        check_described(k == 0 ? *t : (*t)->files[k - 1]);
}

static void test_compile_time_facts(void)
{
        /* The same numbers through the client-side macro. */
        g_assert_cmphex(CK_REQUEST(ATOM_GET), ==, _IOR(0xD1, 0x01, struct atom_state));
        g_assert_cmphex(CK_REQUEST(ATOM_POKE), ==, 0xD105);
        g_assert_cmpint(ck_flow_ATOM_LOAD, ==, CK_FLOW_IN);
        g_assert_cmpint(_IOC_DIR(CK_REQUEST(ATOM_LOAD)), ==, _IOC_READ);
        g_assert_cmpint(ck_argsize_ATOM_RESET, ==, 0);
        g_assert_cmpint(ck_argsize_ATOM_POKE, ==, sizeof(unsigned int));
}

static void test_lookup_misses(void)
{
        const struct ck_type_index *atom = ck_registry_find("atom");

        g_assert_nonnull(atom);
        g_assert_null(ck_type_index_lookup(atom, 0));
        g_assert_null(ck_type_index_lookup(atom, _IOR(0xD1, 0x01, int)));   /* right nr, wrong size */
        g_assert_null(ck_type_index_lookup(atom, ~0ul));
        g_assert_null(ck_registry_find("no-such-type"));
        g_assert_true(atom->unrestricted);
        g_assert_false(ck_registry_find("atom-flat")->unrestricted);
}

static void test_caller_sized_lookup(void)
{
        const struct ck_type_index *spi = ck_registry_find("spi");
        const struct ck_ioctl *message = ck_type_index_lookup(spi, SPI_IOC_MESSAGE(0));

        g_assert_nonnull(message);
        for (unsigned n = 1; n <= 511; n += 17)
                g_assert_true(ck_type_index_lookup(spi, SPI_IOC_MESSAGE(n)) == message);
        g_assert_true(ck_type_index_lookup(spi, SPI_IOC_MESSAGE(511)) == message);
        g_assert_true(ck_type_index_lookup(spi, _IOC(_IOC_WRITE, SPI_IOC_MAGIC, 0, 7)) == message);
        g_assert_null(ck_type_index_lookup(spi, _IOC(_IOC_READ, SPI_IOC_MAGIC, 0, 32)));
        g_assert_cmphex(CK_REQUEST_N(SPI_IOC_MESSAGE, 3), ==, SPI_IOC_MESSAGE(3));
        g_assert_cmpuint(message->count_max, ==, 511);
        g_assert_cmpuint(message->arg_size, ==, sizeof(struct spi_ioc_transfer));
}

static void test_lie_is_recorded(void)
{
        const struct ck_type_index *atom = ck_registry_find("atom");
        const struct ck_ioctl *load = ck_type_index_lookup(atom, CK_REQUEST(ATOM_LOAD));
        const struct ck_ioctl *set = ck_type_index_lookup(atom, CK_REQUEST(ATOM_SET));

        g_assert_nonnull(load->lie);
        g_assert_cmpint(load->flow, ==, CK_FLOW_IN);
        g_assert_cmpint(load->encoding, ==, CK_ENC_IOR);
        g_assert_null(set->lie);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/encoding/requests-match-kernel-macros", test_requests_match_kernel_macros);
        g_test_add_func("/encoding/compile-time-facts", test_compile_time_facts);
        g_test_add_func("/encoding/struct-args-are-described", test_struct_args_are_described);
        g_test_add_func("/encoding/lookup-misses", test_lookup_misses);
        g_test_add_func("/encoding/lie-is-recorded", test_lie_is_recorded);
        g_test_add_func("/encoding/caller-sized-lookup", test_caller_sized_lookup);
        return g_test_run();
}
