/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * relay.c - a delaying DNS relay for tests and benchmarks: stands in
 * front of an authoritative server on the loopback, holds each query for
 * a fixed delay (simulated upstream latency, since tc netem is not
 * available) and forwards it, over UDP for UDP queries and over TCP for
 * TCP ones, then hands the answer back.  It can log every query it
 * forwards (one line: "udp|tcp QNAME QTYPE"), which is how the tests and
 * the benchmark count upstream queries.
 *
 *   relay -l PORT -u UPSTREAM-PORT [-d DELAY-MS] [-t LIFETIME-S]
 *         [-q QUERY-LOG] [-g GATE-FILE] [-b]
 *
 * Listens on 127.0.0.1 only.  -b: bind, then go to the background and
 * print the relay's pid (so the caller knows it is ready).  It stops by
 * itself after LIFETIME seconds (default 600), and holds at most
 * RELAY_MAX_INFLIGHT queries at a time (more are dropped, as a loaded
 * server would).  -g: while GATE-FILE exists, A and AAAA queries are
 * held (not forwarded); the tests use it to hold address lookups at a
 * known point instead of relying on timing.  One thread per query in flight: simple, and the
 * numbers here are small.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define RELAY_MAX_INFLIGHT	1000
#define RELAY_MSG_MAX		65535
#define RELAY_UPSTREAM_TIMEOUT	3	/* seconds */

static struct sockaddr_in upstream;
static unsigned delay_ms;
static int udp_fd = -1;
static FILE *qlog;
static const char *gate;
static pthread_mutex_t qlog_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int inflight;

struct udp_job {
	struct sockaddr_in client;
	size_t len;
	uint8_t msg[];
};

static void
usage(void)
{
	fprintf(stderr, "usage: relay -l PORT -u UPSTREAM-PORT [-d DELAY-MS] "
	    "[-t LIFETIME-S] [-q QUERY-LOG] [-g GATE-FILE] [-b]\n");
	exit(2);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* "udp example.test. 15": the question of msg, for the query log. */
static void
log_query(const char *proto, const uint8_t *msg, size_t len)
{
	char name[1024];
	size_t i = 12, n = 0, lab, j;
	unsigned qtype = 0;

	if (!qlog)
		return;
	if (len < 12)
		goto done;
	while (i < len && msg[i] != 0 && n + 70 < sizeof(name)) {
		lab = msg[i++];
		if (lab > 63 || i + lab > len)
			goto done;
		for (j = 0; j < lab; j++) {
			uint8_t c = msg[i + j];

			name[n++] = (c > 32 && c < 127 && c != '.' && c != '\\') ?
			    (char)c : '?';
		}
		name[n++] = '.';
		i += lab;
	}
	if (i + 3 <= len)
		qtype = (unsigned)msg[i + 1] << 8 | msg[i + 2];
done:
	if (n == 0)
		name[n++] = '.';
	name[n] = '\0';
	pthread_mutex_lock(&qlog_lock);
	fprintf(qlog, "%s %s %u\n", proto, name, qtype);
	fflush(qlog);
	pthread_mutex_unlock(&qlog_lock);
}

/* The qtype of a query, 0 if it cannot be read. */
static unsigned
query_type(const uint8_t *msg, size_t len)
{
	size_t i = 12;

	while (i < len && msg[i] != 0) {
		if (msg[i] > 63)
			return 0;
		i += (size_t)msg[i] + 1;
	}
	return i + 3 <= len ? ((unsigned)msg[i + 1] << 8 | msg[i + 2]) : 0;
}

/* Hold an address query while the gate file exists. */
static void
pass_gate(const uint8_t *msg, size_t len)
{
	unsigned t;

	if (!gate)
		return;
	t = query_type(msg, len);
	if (t != 1 && t != 28)
		return;
	while (access(gate, F_OK) == 0)
		sleep_ms(20);
}

static void
set_timeout(int fd)
{
	struct timeval tv = { RELAY_UPSTREAM_TIMEOUT, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void *
udp_forward(void *arg)
{
	struct udp_job *job = arg;
	uint8_t *answer = malloc(RELAY_MSG_MAX);
	ssize_t n;
	int fd;

	sleep_ms(delay_ms);
	pass_gate(job->msg, job->len);
	log_query("udp", job->msg, job->len);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (answer && fd >= 0) {
		set_timeout(fd);
		if (connect(fd, (struct sockaddr *)&upstream, sizeof(upstream)) == 0 &&
		    send(fd, job->msg, job->len, 0) == (ssize_t)job->len) {
			/* Skip stray datagrams whose id is not ours. */
			while ((n = recv(fd, answer, RELAY_MSG_MAX, 0)) >= 2) {
				if (answer[0] == job->msg[0] && answer[1] == job->msg[1]) {
					sendto(udp_fd, answer, (size_t)n, 0,
					    (struct sockaddr *)&job->client,
					    sizeof(job->client));
					break;
				}
			}
		}
	}
	if (fd >= 0)
		close(fd);
	free(answer);
	free(job);
	atomic_fetch_sub(&inflight, 1);
	return NULL;
}

/* Read (writing = 0) or write all len octets; 0 on error or end. */
static int
io_all(int fd, uint8_t *buf, size_t len, int writing)
{
	ssize_t n;

	while (len > 0) {
		n = writing ? write(fd, buf, len) : read(fd, buf, len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return 0;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 1;
}

/* One length-prefixed message from fd into buf (2 + RELAY_MSG_MAX). */
static size_t
read_frame(int fd, uint8_t *buf)
{
	size_t len;

	if (!io_all(fd, buf, 2, 0))
		return 0;
	len = (size_t)buf[0] << 8 | buf[1];
	if (len == 0 || !io_all(fd, buf + 2, len, 0))
		return 0;
	return len;
}

/* One client TCP connection: its queries in turn, each over TCP upstream. */
static void *
tcp_serve(void *arg)
{
	int cfd = (int)(intptr_t)arg, ufd;
	uint8_t *q = malloc(2 + RELAY_MSG_MAX), *a = malloc(2 + RELAY_MSG_MAX);
	size_t qlen, alen;

	set_timeout(cfd);
	while (q && a && (qlen = read_frame(cfd, q)) > 0) {
		sleep_ms(delay_ms);
		pass_gate(q + 2, qlen);
		log_query("tcp", q + 2, qlen);
		ufd = socket(AF_INET, SOCK_STREAM, 0);
		if (ufd < 0)
			break;
		set_timeout(ufd);
		if (connect(ufd, (struct sockaddr *)&upstream, sizeof(upstream)) != 0 ||
		    !io_all(ufd, q, 2 + qlen, 1) || (alen = read_frame(ufd, a)) == 0 ||
		    !io_all(cfd, a, 2 + alen, 1)) {
			close(ufd);
			break;
		}
		close(ufd);
	}
	close(cfd);
	free(q);
	free(a);
	atomic_fetch_sub(&inflight, 1);
	return NULL;
}

static void
spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	atomic_fetch_add(&inflight, 1);
	if (pthread_create(&t, &attr, fn, arg) != 0) {
		atomic_fetch_sub(&inflight, 1);
		fprintf(stderr, "relay: cannot start a thread\n");
	}
	pthread_attr_destroy(&attr);
}

static void *
tcp_accept(void *arg)
{
	int lfd = (int)(intptr_t)arg, cfd;

	for (;;) {
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		if (atomic_load(&inflight) >= RELAY_MAX_INFLIGHT) {
			close(cfd);
			continue;
		}
		spawn(tcp_serve, (void *)(intptr_t)cfd);
	}
	return NULL;
}


int
main(int argc, char **argv)
{
	unsigned port = 0, uport = 0, lifetime = 600;
	const char *logpath = NULL;
	int background = 0, c, tcp_fd;
	pthread_t t;

	while ((c = getopt(argc, argv, "l:u:d:t:q:g:b")) != -1) {
		switch (c) {
		case 'l': port = (unsigned)atoi(optarg); break;
		case 'u': uport = (unsigned)atoi(optarg); break;
		case 'd': delay_ms = (unsigned)atoi(optarg); break;
		case 't': lifetime = (unsigned)atoi(optarg); break;
		case 'q': logpath = optarg; break;
		case 'g': gate = optarg; break;
		case 'b': background = 1; break;
		default: usage();
		}
	}
	if (port == 0 || port > 65535 || uport == 0 || uport > 65535 ||
	    lifetime == 0)
		usage();
	memset(&upstream, 0, sizeof(upstream));
	upstream.sin_family = AF_INET;
	upstream.sin_port = htons((uint16_t)uport);
	upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((udp_fd = tool_listen(SOCK_DGRAM, port)) < 0 ||
	    (tcp_fd = tool_listen(SOCK_STREAM, port)) < 0) {
		fprintf(stderr, "relay: cannot listen on 127.0.0.1 port %u: %s\n",
		    port, strerror(errno));
		return 1;
	}
	if (logpath && !(qlog = fopen(logpath, "a"))) {
		fprintf(stderr, "relay: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	if (background)
		tool_background();
	signal(SIGPIPE, SIG_IGN);
	/* Bounded: gone after its lifetime even if nobody stops it. */
	alarm(lifetime);
	if (pthread_create(&t, NULL, tcp_accept, (void *)(intptr_t)tcp_fd) != 0)
		return 1;
	for (;;) {
		uint8_t buf[RELAY_MSG_MAX];
		struct sockaddr_in client;
		socklen_t clen = sizeof(client);
		ssize_t n = recvfrom(udp_fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&client, &clen);
		struct udp_job *job;

		if (n < 12 || atomic_load(&inflight) >= RELAY_MAX_INFLIGHT)
			continue;
		if (!(job = malloc(sizeof(*job) + (size_t)n)))
			continue;
		job->client = client;
		job->len = (size_t)n;
		memcpy(job->msg, buf, (size_t)n);
		spawn(udp_forward, job);
	}
}
