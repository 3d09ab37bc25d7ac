#include "tests/support/child_process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* An unlinked temporary file: the child writes it, the parent reads it
 * back after the child is gone, and nothing is left on disk. Files rather
 * than pipes, so a child that writes much cannot block on a full pipe
 * while the parent waits for it. */
static int scratch_file(void) {
    char path[] = "/tmp/faultline-child-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    unlink(path);
    return fd;
}

static void read_back(int fd, char *text, size_t size) {
    size_t length = 0;
    if (lseek(fd, 0, SEEK_SET) != 0) abort();
    while (length + 1 < size) {
        ssize_t n = read(fd, text + length, size - 1 - length);
        if (n <= 0) break;
        length += (size_t)n;
    }
    text[length] = '\0';
    close(fd);
}

void child_run(void (*body)(void *arg), void *arg, child_result_t *result) {
    int out_fd = scratch_file();
    int err_fd = scratch_file();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) abort();
    if (pid == 0) {
        if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) _exit(127);
        /* abort() must end the child as it would end the program, whatever
         * the test framework installed. */
        signal(SIGABRT, SIG_DFL);
        body(arg);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) != pid)
        if (errno != EINTR) abort();
    *result = (child_result_t){0};
    result->exited = WIFEXITED(status);
    result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    read_back(out_fd, result->out, sizeof result->out);
    read_back(err_fd, result->err, sizeof result->err);
}
