/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * steady-client.c - ordinary queries at a steady rate, with their
 * latencies: for bench/attack.sh, the clients a resolver serves beside
 * an attack.  One UDP socket; a query every 1/RATE s (not waiting for
 * the answers: an open loop, so a slow resolver does not slow the
 * clients down and hide its latency), the names of NAMES-FILE in turn
 * (lines "NAME TYPE", TYPE one of A AAAA MX TXT).  A query unanswered
 * after TIMEOUT ms is lost.
 *
 *   steady-client -p PORT -f NAMES-FILE -r RATE -l SECONDS [-t TIMEOUT-MS]
 *
 * Prints one line:
 *   sent=N answered=N lost=N noerror=N p50_us=N p90_us=N p99_us=N max_us=N
 * the percentiles over every query sent, a lost one counted as TIMEOUT
 * (so a p99 at the timeout means more than 1% were lost).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct query {
	uint8_t wire[300];
	size_t len;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
usage(void)
{
	fprintf(stderr, "usage: steady-client -p PORT -f NAMES-FILE -r RATE -l SECONDS [-t TIMEOUT-MS]\n");
	exit(2);
}

/* NAME TYPE as a query with RD set (id filled in when sent); 0 if bad. */
static int
make_query(const char *name, const char *type, struct query *q)
{
	size_t n = 12, lab;
	const char *p = name, *dot;
	unsigned t;

	if (!strcmp(type, "A")) t = 1;
	else if (!strcmp(type, "AAAA")) t = 28;
	else if (!strcmp(type, "MX")) t = 15;
	else if (!strcmp(type, "TXT")) t = 16;
	else return 0;
	memset(q->wire, 0, 12);
	q->wire[2] = 0x01;	/* RD */
	q->wire[5] = 1;		/* QDCOUNT */
	while (*p) {
		dot = strchr(p, '.');
		lab = dot ? (size_t)(dot - p) : strlen(p);
		if (lab == 0 || lab > 63 || n + lab + 6 > sizeof(q->wire))
			return 0;
		q->wire[n++] = (uint8_t)lab;
		memcpy(q->wire + n, p, lab);
		n += lab;
		p += lab;
		if (*p == '.')
			p++;
	}
	q->wire[n++] = 0;
	q->wire[n++] = (uint8_t)(t >> 8);
	q->wire[n++] = (uint8_t)t;
	q->wire[n++] = 0;
	q->wire[n++] = 1;	/* IN */
	q->len = n;
	return 1;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	unsigned port = 0, secs = 0, timeout_ms = 2000;
	double rate = 0;
	const char *file = NULL;
	struct query *qs = NULL;
	size_t nq = 0, cap = 0, sent = 0, answered = 0, noerror = 0;
	static uint64_t sent_at[65536];	/* 0: no query with that id in flight */
	static uint32_t seq_of[65536];
	uint64_t *lat, start, end, next, now, period;
	char line[1024], name[512], type[16];
	struct sockaddr_in sa;
	FILE *f;
	int fd, opt;
	uint8_t buf[65536];

	while ((opt = getopt(argc, argv, "p:f:r:l:t:")) != -1) {
		switch (opt) {
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'f': file = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'l': secs = (unsigned)atoi(optarg); break;
		case 't': timeout_ms = (unsigned)atoi(optarg); break;
		default: usage();
		}
	}
	if (!port || !file || rate <= 0 || !secs || !timeout_ms)
		usage();
	if (!(f = fopen(file, "r"))) {
		perror(file);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%511s %15s", name, type) != 2)
			continue;
		if (nq == cap) {
			cap = cap ? 2 * cap : 1024;
			if (!(qs = realloc(qs, cap * sizeof(*qs))))
				return 1;
		}
		if (make_query(name, type, &qs[nq]))
			nq++;
	}
	fclose(f);
	if (nq == 0) {
		fprintf(stderr, "steady-client: no queries in %s\n", file);
		return 1;
	}
	/* Every query's latency, by sequence number; lost ones stay at the
	 * timeout. */
	if (!(lat = malloc(((size_t)(rate * secs) + 2) * sizeof(*lat))))
		return 1;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return 1;
	period = (uint64_t)(1e6 / rate);
	if (period == 0)
		period = 1;
	start = now_us();
	end = start + (uint64_t)secs * 1000000u;
	next = start;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int wait_ms;
		ssize_t n;

		now = now_us();
		while (now >= next && next < end && sent < (size_t)(rate * secs) + 2) {
			uint16_t id = (uint16_t)sent;
			struct query *q = &qs[sent % nq];

			q->wire[0] = (uint8_t)(id >> 8);
			q->wire[1] = (uint8_t)id;
			lat[sent] = (uint64_t)timeout_ms * 1000u;
			sent_at[id] = now_us();
			seq_of[id] = (uint32_t)sent;
			sent++;
			(void)send(fd, q->wire, q->len, 0);
			next += period;
		}
		if (now >= end + (uint64_t)timeout_ms * 1000u)
			break;
		wait_ms = next < end ? (int)((next - now) / 1000u) : 50;
		if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
			break;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 12) {
			uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
			uint64_t t = now_us();

			if (!sent_at[id] || t - sent_at[id] > (uint64_t)timeout_ms * 1000u)
				continue;
			lat[seq_of[id]] = t - sent_at[id];
			sent_at[id] = 0;
			answered++;
			if ((buf[3] & 0x0f) == 0)
				noerror++;
		}
	}
	qsort(lat, sent, sizeof(*lat), cmp_u64);
#define PCT(p) (sent ? lat[(size_t)((double)(sent - 1) * (p))] : 0)
	printf("sent=%zu answered=%zu lost=%zu noerror=%zu p50_us=%llu p90_us=%llu p99_us=%llu max_us=%llu\n",
	    sent, answered, sent - answered, noerror,
	    (unsigned long long)PCT(0.50), (unsigned long long)PCT(0.90),
	    (unsigned long long)PCT(0.99), (unsigned long long)(sent ? lat[sent - 1] : 0));
	return 0;
}
