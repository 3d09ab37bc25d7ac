#include "tests/support/loopback.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint16_t loopback_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &size) != 0) {
        perror("loopback_free_port");
        abort();
    }
    close(fd);
    return ntohs(address.sin_port);
}

bool loopback_accepts(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connected = connect(fd, (struct sockaddr *)&address, sizeof address) == 0;
    close(fd);
    return connected;
}

void loopback_sleep_ms(long ms) {
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) continue;
}

int loopback_listen(int backlog, uint16_t *port_out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof address) != 0 ||
        listen(fd, backlog) != 0 || getsockname(fd, (struct sockaddr *)&address, &size) != 0) {
        perror("loopback_listen");
        abort();
    }
    *port_out = ntohs(address.sin_port);
    return fd;
}

loopback_peer_t loopback_peer_start(loopback_serve_fn *serve, const void *arg,
                                    unsigned alarm_seconds) {
    loopback_peer_t peer = {0};
    int listener = loopback_listen(4, &peer.port);
    fflush(NULL); /* the child must not write the parent's buffered output again */
    peer.pid = fork();
    if (peer.pid < 0) {
        perror("loopback_peer_start");
        abort();
    }
    if (peer.pid == 0) {
        alarm(alarm_seconds);
        serve(listener, arg);
        _exit(0);
    }
    close(listener);
    return peer;
}

void loopback_peer_stop(loopback_peer_t *peer) {
    if (peer->pid <= 0) return;
    kill(peer->pid, SIGKILL);
    waitpid(peer->pid, NULL, 0);
    peer->pid = 0;
}

long loopback_read_head(int fd, char *buffer, size_t size) {
    size_t have = 0;
    buffer[0] = '\0';
    while (have < size - 1) {
        ssize_t n = recv(fd, buffer + have, size - 1 - have, 0);
        if (n <= 0) return -1;
        have += (size_t)n;
        buffer[have] = '\0';
        char *end = strstr(buffer, "\r\n\r\n");
        if (end != NULL) return (long)(have - (size_t)(end + 4 - buffer));
    }
    return -1;
}
