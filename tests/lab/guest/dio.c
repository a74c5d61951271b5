/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dio.c -- lab-dio, the lab guest's workload runner and clock.
 *
 *   lab-dio read|write DEVICE OFFSET_MIB COUNT BLOCK_KIB
 *     reads or writes DEVICE with O_DIRECT from one buffer in 2 MiB huge pages (BLOCK_KIB at most
 *     8192; /proc/sys/vm/nr_hugepages: 4 for 8 MiB), so that every request is made of whole
 *     physically contiguous 2 MiB pieces and the kernel issues the same SCSI commands in every
 *     run (dd's buffer is ordinary memory: its requests split wherever its pages happen to be
 *     discontiguous, differently from run to run). Prints the microseconds from the open to the
 *     close, as dd times itself.
 *   lab-dio run COMMAND [ARG...]
 *     runs COMMAND (stdout to /dev/null) and prints the microseconds from the fork to its exit:
 *     a shell's own clock would add its pipelines' time under emulation.
 *
 * Exit 0, or 1 with a one-line reason (2: usage). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUGE_PAGE (2ul << 20)
#define MAX_BLOCK (4 * HUGE_PAGE)

static int fail(const char *what)
{
    fprintf(stderr, "lab-dio: %s: %s\n", what, strerror(errno));
    return 1;
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int run(char **argv)
{
    long long t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork");
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "lab-dio: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return fail("waitpid");
    long long t1 = now_us();
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "lab-dio: %s failed (status %d)\n", argv[0], status);
        return 1;
    }
    printf("%lld\n", t1 - t0);
    return 0;
}

static int direct_io(char **argv)
{
    int writing = !strcmp(argv[0], "write");
    long offset_mib = atol(argv[2]), count = atol(argv[3]), block = atol(argv[4]) * 1024;
    if (offset_mib < 0 || count <= 0 || block <= 0 || block > (long)MAX_BLOCK) {
        fprintf(stderr, "lab-dio: OFFSET_MIB >= 0, COUNT > 0, 0 < BLOCK_KIB <= 8192\n");
        return 2;
    }
    size_t size = ((size_t)block + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (buf == MAP_FAILED)
        return fail("huge pages for the buffer (nr_hugepages?)");
    memset(buf, 0, size);
    long long t0 = now_us();
    int fd = open(argv[1], (writing ? O_WRONLY : O_RDONLY) | O_DIRECT);
    if (fd < 0)
        return fail(argv[1]);
    off_t at = (off_t)offset_mib << 20;
    for (long i = 0; i < count; i++, at += block) {
        ssize_t n = writing ? pwrite(fd, buf, (size_t)block, at) : pread(fd, buf, (size_t)block, at);
        if (n != block)
            return fail(n < 0 ? (writing ? "write" : "read") : "short transfer");
    }
    if (close(fd))
        return fail("close");
    printf("%lld\n", now_us() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "run"))
        return run(argv + 2);
    if (argc == 6 && (!strcmp(argv[1], "read") || !strcmp(argv[1], "write")))
        return direct_io(argv + 1);
    fprintf(stderr, "usage: lab-dio read|write DEVICE OFFSET_MIB COUNT BLOCK_KIB | run COMMAND [ARG...]\n");
    return 2;
}
