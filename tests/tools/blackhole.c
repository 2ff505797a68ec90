/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blackhole.c - a name server that never answers, for bench/attack.sh:
 * it listens on 127.0.0.1 PORT over UDP and TCP, reads every query and
 * drops it, so a resolver sending there times out (as it would with a
 * real unresponsive server) instead of getting an ICMP port unreachable
 * or a TCP reset, which fail fast.  TCP connections are accepted and kept
 * open, silent, until the client closes them; past BLACKHOLE_MAX_CONN
 * open connections it stops accepting (the backlog fills, further SYNs
 * go unanswered).
 *
 * It counts what reaches it and writes the counts to COUNT-FILE, one
 * line, about every second and when it stops:
 *   udp=N tcp_connections=N tcp_queries=N
 * (tcp_queries: length-prefixed messages read).  That is how the
 * benchmark counts the upstream queries nobody answers.
 *
 *   blackhole -l PORT -c COUNT-FILE [-t LIFETIME-S] [-b]
 *
 * -b: bind, then go to the background and print the pid (so the caller
 * knows it is ready).  It stops by itself after LIFETIME seconds
 * (default 600), or at SIGTERM / SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define BLACKHOLE_MAX_CONN	1000

struct conn {
	int fd;
	size_t skip;		/* octets of the current message still to read */
	size_t have;		/* octets of the length prefix read (0..1) */
	uint8_t hi;		/* its first octet */
};

static volatile sig_atomic_t stop;
static unsigned long long n_udp, n_conn, n_tcpq;
static const char *count_file;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: blackhole -l PORT -c COUNT-FILE [-t LIFETIME-S] [-b]\n");
	exit(2);
}


/* The counts to count_file, atomically (a reader never sees half). */
static void
write_counts(void)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", count_file);
	if (!(f = fopen(tmp, "w")))
		return;
	fprintf(f, "udp=%llu tcp_connections=%llu tcp_queries=%llu\n",
	    n_udp, n_conn, n_tcpq);
	if (fclose(f) == 0)
		rename(tmp, count_file);
}

/* Read what the connection has sent, counting the messages; 0 when the
 * client has closed it. */
static int
drain(struct conn *c)
{
	uint8_t buf[65536];
	ssize_t n;
	size_t i, take;

	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		for (i = 0; i < (size_t)n; ) {
			if (c->skip > 0) {
				take = (size_t)n - i < c->skip ? (size_t)n - i : c->skip;
				c->skip -= take;
				i += take;
			} else if (c->have == 0) {
				c->hi = buf[i++];
				c->have = 1;
			} else {
				c->skip = (size_t)c->hi << 8 | buf[i++];
				c->have = 0;
				n_tcpq++;
			}
		}
	}
}

int
main(int argc, char **argv)
{
	unsigned port = 0, lifetime = 600;
	int background = 0, opt, ufd, tfd, i, nconn = 0;
	static struct conn conns[BLACKHOLE_MAX_CONN];
	static struct pollfd pfd[BLACKHOLE_MAX_CONN + 2];
	time_t end, last = 0, now;
	unsigned long long written = ~0ULL;
	uint8_t dgram[65536];

	while ((opt = getopt(argc, argv, "l:c:t:b")) != -1) {
		switch (opt) {
		case 'l': port = (unsigned)atoi(optarg); break;
		case 'c': count_file = optarg; break;
		case 't': lifetime = (unsigned)atoi(optarg); break;
		case 'b': background = 1; break;
		default: usage();
		}
	}
	if (port == 0 || port > 65535 || !count_file)
		usage();
	if ((ufd = tool_listen(SOCK_DGRAM, port)) < 0 ||
	    (tfd = tool_listen(SOCK_STREAM, port)) < 0) {
		fprintf(stderr, "blackhole: cannot listen on 127.0.0.1 port %u: %s\n",
		    port, strerror(errno));
		return 1;
	}
	fcntl(ufd, F_SETFL, fcntl(ufd, F_GETFL) | O_NONBLOCK);
	fcntl(tfd, F_SETFL, fcntl(tfd, F_GETFL) | O_NONBLOCK);
	if (background)
		tool_background();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	write_counts();
	end = time(NULL) + lifetime;
	while (!stop && (now = time(NULL)) < end) {
		int n = 0;

		pfd[n].fd = ufd; pfd[n++].events = POLLIN;
		pfd[n].fd = nconn < BLACKHOLE_MAX_CONN ? tfd : -1;
		pfd[n++].events = POLLIN;
		for (i = 0; i < nconn; i++) {
			pfd[n].fd = conns[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, 500) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			while (recv(ufd, dgram, sizeof(dgram), MSG_DONTWAIT) >= 0)
				n_udp++;
		/* Connections first (indexes still match pfd), then accept. */
		for (i = nconn - 1; i >= 0; i--) {
			if (!pfd[2 + i].revents)
				continue;
			if (!drain(&conns[i])) {
				close(conns[i].fd);
				conns[i] = conns[--nconn];
			}
		}
		if (pfd[1].revents & POLLIN) {
			int cfd;

			while (nconn < BLACKHOLE_MAX_CONN &&
			    (cfd = accept(tfd, NULL, NULL)) >= 0) {
				fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
				memset(&conns[nconn], 0, sizeof(conns[nconn]));
				conns[nconn++].fd = cfd;
				n_conn++;
			}
		}
		if (now != last && n_udp + n_conn + n_tcpq != written) {
			write_counts();
			written = n_udp + n_conn + n_tcpq;
			last = now;
		}
	}
	write_counts();
	return 0;
}
