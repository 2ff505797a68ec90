/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fault-server.c - a broken authoritative server for t_faults: on each
 * 127.0.0.1 port it is given, over UDP and TCP, it answers every query
 * the one wrong way named for that port:
 *
 *   servfail   the question echoed, rcode SERVFAIL
 *   refused    the question echoed, rcode REFUSED
 *   truncate   the question echoed, TC set and no records, over UDP and
 *              over TCP alike (a server that never gives the answer)
 *   garbage    the query's ID, then octets that are no DNS message
 *   silent     nothing at all (reads and drops every query)
 *
 *   fault-server [-t LIFETIME-S] PORT:MODE...
 *
 * Binds every port, then goes to the background and prints its pid (so
 * the caller knows it is ready).  Stops by itself after LIFETIME seconds
 * (default 300).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "toolutil.h"

#define MAX_PORTS	16

enum mode { SERVFAIL, REFUSED, TRUNCATE, GARBAGE, SILENT };

static const char *const mode_names[] = {
	"servfail", "refused", "truncate", "garbage", "silent"
};

struct port {
	enum mode mode;
	int udp, tcp;
};


/* The end of the question section, or 0 when the query has none. */
static size_t
question_end(const uint8_t *q, size_t len)
{
	size_t p = 12;

	if (len < 12 || (q[4] == 0 && q[5] == 0))
		return 0;
	while (p < len && q[p] != 0) {
		if (q[p] & 0xc0)
			return 0;
		p += 1 + q[p];
	}
	p += 1 + 4;
	return p <= len ? p : 0;
}

/* The reply to query q in out; its length, 0 for none. */
static size_t
reply(enum mode mode, const uint8_t *q, size_t len, uint8_t *out)
{
	size_t end = question_end(q, len);

	if (mode == SILENT || len < 12)
		return 0;
	if (mode == GARBAGE) {
		memcpy(out, q, 2);
		memset(out + 2, 0xff, 9);
		memcpy(out + 11, "\x03garbage", 8);
		return 19;
	}
	if (end == 0)
		end = 12;
	memcpy(out, q, end);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x79));	/* QR, opcode, RD */
	out[3] = 0;
	memset(out + 6, 0, 6);				/* no records */
	if (end == 12)
		out[4] = out[5] = 0;
	switch (mode) {
	case SERVFAIL: out[3] = 2; break;
	case REFUSED:  out[3] = 5; break;
	case TRUNCATE: out[2] |= 0x04 | 0x02; break;	/* AA, TC */
	default: break;
	}
	return end;
}

static void
serve_udp(const struct port *p)
{
	uint8_t q[65535], out[65535 + 12];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(p->udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
	size_t r;

	if (n <= 0)
		return;
	if ((r = reply(p->mode, q, (size_t)n, out)) > 0)
		(void)sendto(p->udp, out, r, 0, (struct sockaddr *)&from, fl);
}

static int
read_all(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One query per connection; enough for a resolver's fallback to TCP. */
static void
serve_tcp(const struct port *p)
{
	uint8_t q[65535], out[2 + 65535 + 12];
	struct timeval tv = { 2, 0 };
	size_t len, r;
	int fd = accept(p->tcp, NULL, NULL);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_all(fd, q, 2) == 0) {
		len = (size_t)q[0] << 8 | q[1];
		if (read_all(fd, q, len) == 0 &&
		    (r = reply(p->mode, q, len, out + 2)) > 0) {
			out[0] = (uint8_t)(r >> 8);
			out[1] = (uint8_t)r;
			(void)write(fd, out, r + 2);
		}
	}
	close(fd);
}

int
main(int argc, char **argv)
{
	struct port ports[MAX_PORTS];
	struct pollfd pfd[2 * MAX_PORTS];
	unsigned lifetime = 300;
	int n = 0, i, j;

	for (i = 1; i < argc; i++) {
		char *colon;
		unsigned port;

		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			lifetime = (unsigned)atoi(argv[++i]);
			continue;
		}
		if (n == MAX_PORTS || !(colon = strchr(argv[i], ':')))
			goto usage;
		port = (unsigned)atoi(argv[i]);
		for (j = 0; j <= SILENT; j++)
			if (strcmp(colon + 1, mode_names[j]) == 0)
				break;
		if (j > SILENT || port == 0 || port > 65535)
			goto usage;
		ports[n].mode = (enum mode)j;
		if ((ports[n].udp = tool_listen(SOCK_DGRAM, port)) < 0 ||
		    (ports[n].tcp = tool_listen(SOCK_STREAM, port)) < 0) {
			fprintf(stderr, "fault-server: cannot bind port %u\n", port);
			return 1;
		}
		n++;
	}
	if (n == 0)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	tool_background();
	alarm(lifetime);
	for (i = 0; i < n; i++) {
		pfd[2 * i].fd = ports[i].udp;
		pfd[2 * i + 1].fd = ports[i].tcp;
		pfd[2 * i].events = pfd[2 * i + 1].events = POLLIN;
	}
	for (;;) {
		if (poll(pfd, (nfds_t)(2 * n), -1) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[2 * i].revents & POLLIN)
				serve_udp(&ports[i]);
			if (pfd[2 * i + 1].revents & POLLIN)
				serve_tcp(&ports[i]);
		}
	}
usage:
	fprintf(stderr, "usage: fault-server [-t LIFETIME-S] PORT:"
	    "servfail|refused|truncate|garbage|silent...\n");
	return 2;
}
