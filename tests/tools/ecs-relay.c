/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ecs-relay.c - an EDNS Client Subnet (RFC 7871) speaking front for an
 * authoritative server that has none, for t_mod_subnet: it relays each
 * UDP query on 127.0.0.1 LISTEN-PORT to 127.0.0.1 UPSTREAM-PORT and the
 * reply back; when the query carried an ECS option, the reply gets the
 * same option with its scope set to the source prefix length, as an
 * authoritative server whose answer depends on the client's subnet
 * would send it.  Unbound's subnetcache then keeps the answer in its
 * own cache, apart from the message cache.
 *
 *   ecs-relay [-t LIFETIME-S] LISTEN-PORT UPSTREAM-PORT
 *
 * Binds, then goes to the background and prints its pid (so the caller
 * knows it is ready).  UDP only: the answers of the tests are small.
 * Stops by itself after LIFETIME seconds (default 300).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "toolutil.h"

#define OPT_TYPE	41
#define ECS_CODE	8

static struct sockaddr_in
loopback(unsigned port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The offset past the name at off, 0 when it runs off the message. */
static size_t
skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if (m[off] == 0)
			return off + 1;
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (m[off] & 0xc0)
			return 0;
		off += 1u + m[off];
	}
	return 0;
}

/*
 * The offset of the OPT record's RDLENGTH in message m, 0 when it has
 * none or is malformed.
 */
static size_t
find_opt(const uint8_t *m, size_t len)
{
	size_t off = 12, i, rrs;

	if (len < 12)
		return 0;
	for (i = 0; i < get16(m + 4); i++) {
		if (!(off = skip_name(m, len, off)) || (off += 4) > len)
			return 0;
	}
	rrs = get16(m + 6) + get16(m + 8) + get16(m + 10);
	for (i = 0; i < rrs; i++) {
		if (!(off = skip_name(m, len, off)) || off + 10 > len)
			return 0;
		if (get16(m + off) == OPT_TYPE)
			return off + 8;
		off += 10 + get16(m + off + 8);
	}
	return 0;
}

/* The ECS option (code, length, data) in query q, its length; 0: none. */
static size_t
find_ecs(const uint8_t *q, size_t len, const uint8_t **ecs)
{
	size_t rd = find_opt(q, len), off, end;

	if (rd == 0 || (end = rd + 2 + get16(q + rd)) > len)
		return 0;
	for (off = rd + 2; off + 4 <= end; off += 4 + get16(q + off + 2)) {
		if (get16(q + off) == ECS_CODE && off + 4 + get16(q + off + 2) <= end &&
		    get16(q + off + 2) >= 4) {
			*ecs = q + off;
			return 4 + get16(q + off + 2);
		}
	}
	return 0;
}

/* Append the option to the reply's OPT record; the new length. */
static size_t
add_ecs(uint8_t *r, size_t len, size_t cap, const uint8_t *ecs, size_t elen)
{
	size_t rd = find_opt(r, len), end;
	unsigned rdlen;

	if (rd == 0 || len + elen > cap)
		return len;
	rdlen = get16(r + rd);
	if ((end = rd + 2 + rdlen) > len)
		return len;
	memmove(r + end + elen, r + end, len - end);
	memcpy(r + end, ecs, elen);
	r[end + 7] = r[end + 6];		/* scope = source prefix */
	rdlen += (unsigned)elen;
	r[rd] = (uint8_t)(rdlen >> 8);
	r[rd + 1] = (uint8_t)rdlen;
	return len + elen;
}

static void
relay(int fd, unsigned upstream)
{
	uint8_t q[65535], r[65535 + 64];
	struct sockaddr_in from, up = loopback(upstream);
	socklen_t fl = sizeof(from);
	struct timeval tv = { 3, 0 };
	const uint8_t *ecs = NULL;
	ssize_t n, m;
	size_t elen;
	int u;

	if ((n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl)) <= 0)
		return;
	if ((u = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return;
	setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(u, (struct sockaddr *)&up, sizeof(up)) == 0 &&
	    send(u, q, (size_t)n, 0) == n &&
	    (m = recv(u, r, sizeof(r) - 64, 0)) > 0) {
		size_t len = (size_t)m;

		if ((elen = find_ecs(q, (size_t)n, &ecs)) > 0 && elen <= 64)
			len = add_ecs(r, len, sizeof(r), ecs, elen);
		(void)sendto(fd, r, len, 0, (struct sockaddr *)&from, fl);
	}
	close(u);
}

int
main(int argc, char **argv)
{
	unsigned lifetime = 300, listen_port, upstream;
	struct sockaddr_in sa;
	int fd, on = 1, i = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		lifetime = (unsigned)atoi(argv[2]);
		i = 3;
	}
	if (argc != i + 2)
		goto usage;
	listen_port = (unsigned)atoi(argv[i]);
	upstream = (unsigned)atoi(argv[i + 1]);
	if (listen_port == 0 || listen_port > 65535 || upstream == 0 ||
	    upstream > 65535)
		goto usage;
	sa = loopback(listen_port);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "ecs-relay: cannot bind port %u\n", listen_port);
		return 1;
	}
	tool_background();
	alarm(lifetime);
	for (;;)
		relay(fd, upstream);
usage:
	fprintf(stderr, "usage: ecs-relay [-t LIFETIME-S] LISTEN-PORT UPSTREAM-PORT\n");
	return 2;
}
