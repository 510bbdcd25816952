/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cusekit run: emulated devices for one program tree, without root, CUSE,
 * FUSE or preloading; served through the seccomp transport.
 */
#include "cusekit-run.h"

#include "cli.h"
#include "host.h"
#include "seccomp.h"
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The exit statuses of env(1) and chroot(1) for their own failures. */
#define EXIT_RUN_FAILED 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* The nodes' numbers, as cusekitd's default gives its CUSE nodes. */
#define NODE_MAJOR 120

/* Keys of a device spec for its node, as cusekitd's. */
static const char *const node_keys[] = { "mode", "group", NULL };

/* cusekitd's own keys of a shared config file: accepted, not used here. */
static const char *const cusekitd_keys[] = {
        "major", "first-minor", "runas", "mode", "group", "pidfile", "cuse-path", NULL,
};

#define fail(status, ...) ck_cli_fail("cusekit run", status, __VA_ARGS__)

struct run {
        GMainLoop *loop;
        pid_t child;
        int status;               /* as waitpid() gave it */
        bool exited;
        int exec_errno;           /* the child could not exec PROGRAM */
        guint exec_watch;
        guint child_watch;
};

/* PROGRAM ended (its pidfd is readable). */
static gboolean on_child_exit(gint fd, GIOCondition cond, gpointer userdata)
{
        struct run *run = userdata;

        if (waitpid(run->child, &run->status, WNOHANG) == run->child) {
                run->exited = true;
                run->child_watch = 0;
                g_main_loop_quit(run->loop);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

/* A subreaper inherits the tree's orphans: reap them now and then. */
static gboolean reap_orphans(gpointer userdata)
{
        struct run *run = userdata;
        siginfo_t info;

        for (;;) {
                memset(&info, 0, sizeof(info));
                /* look without reaping: PROGRAM itself is on_child_exit()'s */
                if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0 ||
                    info.si_pid == run->child)
                        break;
                waitpid(info.si_pid, NULL, WNOHANG);
        }
        return G_SOURCE_CONTINUE;
}

struct forward {
        struct run *run;
        int signo;
};

static gboolean on_forward(gpointer userdata)
{
        const struct forward *f = userdata;

        if (!f->run->exited)
                kill(f->run->child, f->signo);
        return G_SOURCE_CONTINUE;
}

static gboolean on_ignore(gpointer userdata)
{
        return G_SOURCE_CONTINUE;
}

static gboolean on_exec_report(gint fd, GIOCondition cond, gpointer userdata)
{
        struct run *run = userdata;
        int e;

        if (recv(fd, &e, sizeof(e), MSG_DONTWAIT) == sizeof(e))
                run->exec_errno = e;
        run->exec_watch = 0;
        return G_SOURCE_REMOVE;
}

/* Child side, between fork() and exec(): async-signal-safe calls only. */
static G_GNUC_NORETURN void child_exec(const struct ck_seccomp_filter *filter, int sock, const char *path,
                                       char **argv, char **envp)
{
        sigset_t none;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* an ignored signal stays ignored across exec: PROGRAM gets the default */
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigaction(SIGPIPE, &dfl, NULL);
        int listener = ck_seccomp_filter_install(filter);
        char control[CMSG_SPACE(sizeof(int))] = { 0 };
        int payload = listener < 0 ? -listener : 0;
        struct iovec iov = { .iov_base = &payload, .iov_len = sizeof(payload) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (listener >= 0) {
                msg.msg_control = control;
                msg.msg_controllen = sizeof(control);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &listener, sizeof(int));
        }
        if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 || listener < 0)
                _exit(EXIT_RUN_FAILED);
        close(listener);
        execve(path, argv, envp);
        /* send(), not write(): write is the filter's and its supervisor's to serve */
        int e = errno;
        send(sock, &e, sizeof(e), MSG_NOSIGNAL);
        _exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}

/* The listener from the child, or -errno why it could not install one. */
static int receive_listener(int sock)
{
        int payload = 0;
        char control[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = &payload, .iov_len = sizeof(payload) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                              .msg_controllen = sizeof(control) };

        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n != sizeof(payload))
                return -EPIPE;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (payload || !cm || cm->cmsg_type != SCM_RIGHTS)
                return payload ? -payload : -EPROTO;
        int fd;
        memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
        return fd;
}

/* mode= and group= of a spec (or cusekitd's [cusekitd] mode/group are not
 * read: a run's nodes are its user's). */
static int apply_node_access(struct ck_seccomp *transport, const struct ck_host *host, guint i)
{
        const struct ck_device_spec *spec = ck_host_spec(host, i);
        const char *mode_text = g_hash_table_lookup(spec->params, "mode");
        const char *group = g_hash_table_lookup(spec->params, "group");
        mode_t mode = 0600;
        gid_t gid = getgid();

        if (mode_text && !ck_parse_mode(mode_text, &mode))
                return fail(-EINVAL, "device '%s': mode=%s is not an octal mode", spec->name, mode_text);
        if (group) {
                struct group *gr = getgrnam(group);
                if (!gr)
                        return fail(-EINVAL, "device '%s': group '%s' does not exist", spec->name, group);
                gid = gr->gr_gid;
        }
        return ck_seccomp_set_node_access(transport, ck_host_device(host, i), mode, gid);
}

static const char *filter_refused(int e)
{
        switch (e) {
        case EINVAL:
        case ENOSYS:
                return "this kernel has no seccomp user notification (Linux 5.9 or later is needed)";
        case EACCES:
        case EPERM:
                return "seccomp(2) is not permitted here (a container's seccomp profile or an LSM forbids it)";
        case EBUSY:
                return "another seccomp supervisor already watches this process (runs do not nest)";
        default:
                return "the kernel refused the seccomp filter";
        }
}

static char *make_work_dir(GError **error)
{
        /* tmpfs if there is one: the sysfs tree of 1000 devices is made in
         * a fraction of a second there, in many seconds on a busy disk */
        const char *candidates[] = { g_getenv("XDG_RUNTIME_DIR"), "/dev/shm", g_get_tmp_dir() };
        const char *base = g_get_tmp_dir();
        for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++)
                if (candidates[i] && candidates[i][0] == '/' && access(candidates[i], W_OK | X_OK) == 0) {
                        base = candidates[i];
                        break;
                }
        g_autofree char *tmpl = g_build_filename(base, "cusekit-run.XXXXXX", NULL);
        if (!g_mkdtemp_full(tmpl, 0700)) {
                int e = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "cannot make a directory in %s: %s",
                            base, g_strerror(e));
                return NULL;
        }
        return g_steal_pointer(&tmpl);
}

static void remove_tree(const char *path)
{
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
                g_autofree char *child = g_build_filename(path, name, NULL);
                if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                        remove_tree(child);
                else
                        g_unlink(child);
        }
        g_rmdir(path);
}

const char cusekit_run_description[] =
        "Runs PROGRAM with the devices at /dev/NAME, for it and every process it\n"
        "starts (a real node of that name is shadowed for them, never touched).\n"
        "It exits with PROGRAM's status (128+N when a signal N ended it; 125 when\n"
        "the run could not start, 126 when PROGRAM cannot be executed, 127 when it\n"
        "is not found).\n"
        "\n"
        "Needs: Linux 5.9 or later with seccomp user notification, and seccomp(2)\n"
        "allowed (Docker's default profile allows it). No root, no capability, no\n"
        "CUSE, FUSE or LD_PRELOAD: static binaries are served too. PROGRAM runs with\n"
        "no_new_privs (setuid programs do not gain privileges).\n"
        "\n"
        "The run's control socket is exported to PROGRAM as CUSEKIT_CONTROL, so\n"
        "'cusekit set/fault/trace ...' works from inside (and, with --socket, from\n"
        "outside). Device specs and config files are cusekitd's (see cusekitd --help).";

/* Modules load during option parsing, after the default directories (as
 * in cusekitd), so that --device can name their types. */
static gboolean defaults_loaded;

static int load_default_modules(GError **error)
{
        if (defaults_loaded)
                return 0;
        defaults_loaded = TRUE;
        return ck_registry_load_default_modules(error);
}

static gboolean on_module(const char *option_name, const char *value, gpointer data, GError **error)
{
        if (load_default_modules(error) < 0 || ck_registry_load_module(value, error) < 0) {
                g_prefix_error(error, "--module: ");
                return FALSE;
        }
        return TRUE;
}

static char **devices;
static char *config;
static char *state_dir;
static char *control_socket;
static char *trace_size;
static gboolean verbose;

const GOptionEntry cusekit_run_options[] = {
        { "device", 'd', 0, G_OPTION_ARG_STRING_ARRAY, &devices, "Emulate a device (repeatable)", "TYPE:NAME[,key=value...]" },
        { "module", 0, G_OPTION_FLAG_FILENAME, G_OPTION_ARG_CALLBACK, (gpointer)on_module, "Load device types from a module (repeatable; after $CUSEKIT_MODULE_PATH's)", "PATH.so" },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Read devices and settings from FILE (cusekitd's format)", "FILE" },
        { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "Keep persistent device state in DIR across runs", "DIR" },
        { "control-socket", 0, 0, G_OPTION_ARG_FILENAME, &control_socket, "Control socket (default: in the run's private directory; 'none': no control)", "PATH" },
        { "trace-size", 0, 0, G_OPTION_ARG_STRING, &trace_size, "Requests kept in the trace ring (default 4096; 0: no trace)", "N" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Say where the control socket is, and what was served", NULL },
        { 0 },
};

int cusekit_run(int argc, char **argv)
{
        g_autoptr(GError) error = NULL;
        int first = 1;

        if (first < argc && strcmp(argv[first], "--") == 0)
                first++;
        if (first >= argc)
                return fail(EXIT_RUN_FAILED, "no PROGRAM to run (see --help)");

        if (load_default_modules(&error) < 0)
                return fail(EXIT_RUN_FAILED, "default modules (CUSEKIT_MODULE_PATH=\"\" for none): %s", error->message);
        g_autoptr(ck_host) host = NULL;
        int r = ck_host_new(node_keys, &host);
        if (r < 0)
                return fail(EXIT_RUN_FAILED, "%s", g_strerror(-r));
        const struct { const char *key, *value; } settings[] = {
                { "state-dir", state_dir }, { "control-socket", control_socket }, { "trace-size", trace_size },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
                if (settings[i].value && ck_host_set(host, settings[i].key, settings[i].value, &error) < 0)
                        return fail(EXIT_RUN_FAILED, "--%s: %s", settings[i].key, error->message);
        for (char **d = devices; d && *d; d++)
                if (ck_host_add_device(host, *d, &error) < 0)
                        return fail(EXIT_RUN_FAILED, "%s", error->message);
        if (config && ck_host_load_config(host, config, "cusekitd", cusekitd_keys, NULL, &error) < 0)
                return fail(EXIT_RUN_FAILED, "%s", error->message);
        if (ck_host_create_devices(host, &error) < 0)
                return fail(EXIT_RUN_FAILED, "%s", error->message);
        if (ck_host_n_devices(host) == 0)
                return fail(EXIT_RUN_FAILED, "no devices: give --device TYPE:NAME or --config FILE (see --help)");

        /* a path is exec'd as given, so that its errno says why not (126, 127) */
        g_autofree char *program = strchr(argv[first], '/') ? g_strdup(argv[first])
                                                            : g_find_program_in_path(argv[first]);
        if (!program)
                return fail(EXIT_NOT_FOUND, "%s: command not found", argv[first]);

        g_autofree char *work_dir = make_work_dir(&error);
        if (!work_dir)
                return fail(EXIT_RUN_FAILED, "%s", error->message);
        g_autofree char *default_socket = g_build_filename(work_dir, "control.sock", NULL);
        int status = EXIT_RUN_FAILED;
        {
                g_autoptr(GPtrArray) list = g_ptr_array_new();
                for (guint i = 0; i < ck_host_n_devices(host); i++)
                        g_ptr_array_add(list, ck_host_device(host, i));
                /* the /sys the devices' real drivers would show, merged with the host's */
                g_autofree char *root = g_build_filename(work_dir, "root", NULL);
                g_autoptr(ck_sysfs) sysfs = NULL;
                if (g_mkdir(root, 0700) < 0 ||
                    ck_sysfs_new(root, (struct ck_device *const *)list->pdata, list->len, NODE_MAJOR, 0, &sysfs,
                                 &error) < 0) {
                        fail(EXIT_RUN_FAILED, "emulated /sys: %s", error ? error->message : g_strerror(errno));
                        goto out;
                }
                const struct ck_seccomp_options options = {
                        .work_dir = work_dir,
                        .sysfs = sysfs,
                        .major = NODE_MAJOR,
                        .first_minor = 0,
                };
                g_autoptr(ck_seccomp) transport = NULL;
                if (ck_seccomp_new(list, &options, &transport, &error) < 0) {
                        fail(EXIT_RUN_FAILED, "%s", error->message);
                        goto out;
                }
                for (guint i = 0; i < list->len; i++)
                        if (apply_node_access(transport, host, i) < 0)
                                goto out;
                /* the control socket is up before PROGRAM can look for it */
                if (ck_host_start(host, default_socket, &error) < 0) {
                        fail(EXIT_RUN_FAILED, "%s", error->message);
                        goto out;
                }
                const char *socket_path = ck_host_get(host, "control-socket");
                if (!socket_path)
                        socket_path = default_socket;
                bool has_control = strcmp(socket_path, "none") != 0;
                if (verbose && has_control)
                        g_printerr("cusekit run: control socket %s\n", socket_path);

                g_auto(GStrv) envp = g_get_environ();
                if (has_control)
                        envp = g_environ_setenv(envp, "CUSEKIT_CONTROL", socket_path, TRUE);
                else
                        envp = g_environ_unsetenv(envp, "CUSEKIT_CONTROL");

                int sv[2];
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                        fail(EXIT_RUN_FAILED, "socketpair: %s", g_strerror(errno));
                        goto out;
                }
                /* descendants whose parent died stay ours, so process_vm_readv
                 * still reaches them under Yama's ptrace_scope 1 */
                prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
                struct ck_seccomp_filter *filter = ck_seccomp_filter_new();
                struct run run = { .loop = g_main_loop_new(NULL, FALSE) };
                run.child = fork();
                if (run.child == 0)
                        child_exec(filter, sv[1], program, argv + first, envp);
                ck_seccomp_filter_free(filter);
                close(sv[1]);
                if (run.child < 0) {
                        fail(EXIT_RUN_FAILED, "fork: %s", g_strerror(errno));
                        close(sv[0]);
                        g_main_loop_unref(run.loop);
                        goto out;
                }
                int listener = receive_listener(sv[0]);
                if (listener < 0) {
                        int wstatus;
                        waitpid(run.child, &wstatus, 0);
                        fail(EXIT_RUN_FAILED, "%s: %s", filter_refused(-listener), g_strerror(-listener));
                        close(sv[0]);
                        g_main_loop_unref(run.loop);
                        goto out;
                }
                ck_seccomp_attach(transport, listener);
                run.exec_watch = g_unix_fd_add(sv[0], G_IO_IN, on_exec_report, &run);
                int pidfd = (int)syscall(SYS_pidfd_open, run.child, 0);
                run.child_watch = pidfd >= 0 ? g_unix_fd_add(pidfd, G_IO_IN, on_child_exit, &run) : 0;
                guint reaper = g_timeout_add_seconds(1, reap_orphans, &run);
                static const int forwarded[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 };
                struct forward fw[G_N_ELEMENTS(forwarded)];
                guint fw_sources[G_N_ELEMENTS(forwarded)];
                for (size_t i = 0; i < G_N_ELEMENTS(forwarded); i++) {
                        fw[i] = (struct forward){ .run = &run, .signo = forwarded[i] };
                        fw_sources[i] = g_unix_signal_add(forwarded[i], on_forward, &fw[i]);
                }
                /* the terminal's ^C reaches PROGRAM itself; it decides */
                guint sigint = g_unix_signal_add(SIGINT, on_ignore, NULL);
                if (pidfd < 0)
                        fail(EXIT_RUN_FAILED, "pidfd_open: %s (Linux 5.3 or later is needed)", g_strerror(errno));
                else
                        g_main_loop_run(run.loop);

                if (run.exec_watch) {
                        g_source_remove(run.exec_watch);
                        on_exec_report(sv[0], G_IO_IN, &run);
                }
                g_source_remove(sigint);
                for (size_t i = 0; i < G_N_ELEMENTS(forwarded); i++)
                        g_source_remove(fw_sources[i]);
                if (run.child_watch)
                        g_source_remove(run.child_watch);
                g_source_remove(reaper);
                if (pidfd >= 0)
                        close(pidfd);
                close(sv[0]);
                g_main_loop_unref(run.loop);

                if (run.exec_errno)
                        status = fail(run.exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC, "%s: %s",
                                      argv[first], g_strerror(run.exec_errno));
                else if (WIFEXITED(run.status))
                        status = WEXITSTATUS(run.status);
                else if (WIFSIGNALED(run.status))
                        status = 128 + WTERMSIG(run.status);
                if (verbose)
                        g_printerr("cusekit run: %" G_GUINT64_FORMAT " requests served\n",
                                   ck_seccomp_served(transport));
        }
        if (ck_host_flush(host, &error) < 0)
                g_printerr("cusekit run: saving state: %s\n", error->message);
out:
        g_clear_pointer(&host, ck_host_free);
        remove_tree(work_dir);
        return status;
}
