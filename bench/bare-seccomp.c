/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-bare-seccomp: the anchor `cusekit run` is measured against.  The
 * least a seccomp-notification server can do per ioctl: the filter traps
 * ioctl(any fd, REQUEST) only, and the supervisor loops
 *
 *   SECCOMP_IOCTL_NOTIF_RECV (blocking), process_vm_readv(16 bytes from
 *   the argument), process_vm_writev(the 16 bytes back), NOTIF_SEND (0)
 *
 * with no poll, no main loop, no descriptor identity, no NOTIF_ID_VALID,
 * no pipeline.  It never reads or replies to anything else.
 *
 *   bench-bare-seccomp [--extra stat,fstatat,valid,poll] REQUEST -- PROGRAM [ARGS...]
 *
 * --extra adds, per notification, what `cusekit run` does on top (to split
 * its cost): stat("/proc/PID/fd/N") (the descriptor's identity; fstatat:
 * the same through /proc/PID/fd opened once), two NOTIF_ID_VALID (one per
 * copy), a poll(0) on the listener after the reply.
 * Exits with PROGRAM's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARG_SIZE 16

static bool extra_stat, extra_fstatat, extra_valid, extra_poll;

static void die(const char *what)
{
        fprintf(stderr, "bench-bare-seccomp: %s: %s\n", what, strerror(errno));
        exit(125);
}

/* The program is the only thing under the filter: when it ends, so does the
 * server (a blocking RECV would never return once no task is left). */
static void on_sigchld(int sig)
{
        int st;

        (void)sig;
        /* any child: it is the only one, and it may end before fork()'s
         * return value is even stored */
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p < 0 && errno == ECHILD)
                _exit(125);
        if (p <= 0)
                return;
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int install_filter(unsigned request)
{
        struct sock_filter insns[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                /* the low half of args[1]: the request */
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, request, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        };
        struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -1;
        return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

static void send_fd(int sock, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
        char byte = 0;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        if (sendmsg(sock, &msg, 0) != 1)
                _exit(125);
}

static int recv_fd(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
        int fd;

        if (recvmsg(sock, &msg, 0) != 1)
                return -1;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        if (!cm || cm->cmsg_type != SCM_RIGHTS)
                return -1;
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
}

static void parse_extra(const char *list)
{
        char *copy = strdup(list), *save = NULL;

        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (!strcmp(w, "stat"))
                        extra_stat = true;
                else if (!strcmp(w, "fstatat"))
                        extra_fstatat = true;
                else if (!strcmp(w, "valid"))
                        extra_valid = true;
                else if (!strcmp(w, "poll"))
                        extra_poll = true;
                else {
                        fprintf(stderr, "bench-bare-seccomp: unknown --extra %s\n", w);
                        exit(2);
                }
        }
        free(copy);
}

int main(int argc, char **argv)
{
        int i = 1;

        if (i + 1 < argc && !strcmp(argv[i], "--extra")) {
                parse_extra(argv[i + 1]);
                i += 2;
        }
        if (argc - i < 3 || strcmp(argv[i + 1], "--")) {
                fprintf(stderr, "usage: bench-bare-seccomp [--extra stat,fstatat,valid,poll] REQUEST -- PROGRAM [ARGS...]\n");
                return 2;
        }
        unsigned request = (unsigned)strtoul(argv[i], NULL, 0);
        char **program = argv + i + 2;

        struct seccomp_notif_sizes sizes;
        if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                die("SECCOMP_GET_NOTIF_SIZES");
        struct seccomp_notif *req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req));
        struct seccomp_notif_resp *resp =
                calloc(1, sizes.seccomp_notif_resp > sizeof(*resp) ? sizes.seccomp_notif_resp : sizeof(*resp));

        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                die("socketpair");
        struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP };
        sigaction(SIGCHLD, &sa, NULL);
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_UNBLOCK, &chld, NULL);     /* a parent (perf) may have it blocked */
        pid_t child = fork();
        if (child < 0)
                die("fork");
        if (child == 0) {
                int listener = install_filter(request);
                if (listener < 0)
                        _exit(125);
                send_fd(sv[1], listener);
                close(listener);
                execvp(program[0], program);
                _exit(127);
        }
        close(sv[1]);
        int listener = recv_fd(sv[0]);
        if (listener < 0)
                die("receiving the listener");
        close(sv[0]);

        unsigned char data[ARG_SIZE];
        pid_t fd_dir_pid = 0;
        int fd_dir = -1;
        for (;;) {
                memset(req, 0, sizes.seccomp_notif);
                if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
                        if (errno == EINTR || errno == ENOENT) {
                                on_sigchld(SIGCHLD);     /* gone? then so are we */
                                continue;
                        }
                        die("SECCOMP_IOCTL_NOTIF_RECV");
                }
                if (extra_stat) {
                        char path[64];
                        struct stat st;
                        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)req->pid, (int)req->data.args[0]);
                        stat(path, &st);
                }
                if (extra_fstatat) {
                        char name[16];
                        struct stat st;
                        if (fd_dir < 0 || fd_dir_pid != (pid_t)req->pid) {
                                char path[64];
                                if (fd_dir >= 0)
                                        close(fd_dir);
                                snprintf(path, sizeof(path), "/proc/%d/fd", (int)req->pid);
                                fd_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                                fd_dir_pid = (pid_t)req->pid;
                        }
                        snprintf(name, sizeof(name), "%d", (int)req->data.args[0]);
                        fstatat(fd_dir, name, &st, 0);
                }
                struct iovec local = { .iov_base = data, .iov_len = ARG_SIZE };
                struct iovec remote = { .iov_base = (void *)(uintptr_t)req->data.args[2], .iov_len = ARG_SIZE };
                long r = process_vm_readv(req->pid, &local, 1, &remote, 1, 0) == ARG_SIZE ? 0 : -EFAULT;
                if (extra_valid)
                        ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id);
                if (r == 0) {
                        if (extra_valid)
                                ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id);
                        r = process_vm_writev(req->pid, &local, 1, &remote, 1, 0) == ARG_SIZE ? 0 : -EFAULT;
                }
                *resp = (struct seccomp_notif_resp){ .id = req->id, .error = (int)r };
                ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
                if (extra_poll) {
                        struct pollfd p = { .fd = listener, .events = POLLIN };
                        poll(&p, 1, 0);
                }
        }
}
