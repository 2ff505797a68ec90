/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mta-client.c - the delivery lookups of an MTA, as Postfix's smtp client
 * does them through the libc stub resolver (res_query, no cache of its
 * own): for each domain, MX; then A and then AAAA of the preferred
 * exchange.  The resolver under test is the only cache involved.
 *
 *   mta-client -p PORT -z ZONE -n COUNT [-f FIRST] [-c WORKERS]
 *
 * Domains are d<FIRST>.ZONE ... d<FIRST+COUNT-1>.ZONE, taken in turn by
 * WORKERS threads (each one delivery at a time, like Postfix's smtp
 * processes).  Prints one line of figures:
 *   deliveries=N failed=N total_p50_ms= total_p99_ms= mx_p50_ms=
 *   mx_p99_ms= addr_p50_ms= addr_p99_ms= wall_s=
 * where total is MX + A + AAAA for one delivery and addr is A + AAAA.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ANSWER_MAX	65535

static unsigned port;
static const char *zone;
static unsigned first, count;
static atomic_uint next;
static atomic_uint failed;
static double *t_total, *t_mx, *t_addr;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The preferred (lowest) exchange of an MX answer into name; 0 if none. */
static int
preferred_exchange(const unsigned char *ans, int len, char *name, size_t size)
{
	ns_msg msg;
	ns_rr rr;
	int i, best = 65536;

	if (ns_initparse(ans, len, &msg) < 0)
		return 0;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		int pref;
		char ex[NS_MAXDNAME];

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		pref = ns_get16(ns_rr_rdata(rr));
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, ex, sizeof(ex)) < 0)
			continue;
		if (pref < best && strlen(ex) < size) {
			best = pref;
			strcpy(name, ex);
		}
	}
	return best < 65536;
}

/* One address lookup; NODATA is an answer, not a failure. */
static int
address(res_state st, const char *name, int type, unsigned char *buf)
{
	if (res_nquery(st, name, ns_c_in, type, buf, ANSWER_MAX) >= 0)
		return 1;
	return h_errno == NO_DATA;
}

static void *
worker(void *arg)
{
	struct __res_state st;
	unsigned char *buf = malloc(ANSWER_MAX);
	char domain[NS_MAXDNAME], ex[NS_MAXDNAME];
	unsigned i;

	(void)arg;
	memset(&st, 0, sizeof(st));
	if (!buf || res_ninit(&st) != 0) {
		fprintf(stderr, "mta-client: resolver init failed\n");
		exit(1);
	}
	st.nscount = 1;
	st.nsaddr_list[0].sin_family = AF_INET;
	st.nsaddr_list[0].sin_port = htons((uint16_t)port);
	st.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st.retrans = 5;
	st.retry = 2;
	st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	while ((i = atomic_fetch_add(&next, 1)) < count) {
		double t0, t1, t2;
		int len, ok;

		snprintf(domain, sizeof(domain), "d%u.%s", first + i, zone);
		t0 = now_ms();
		len = res_nquery(&st, domain, ns_c_in, ns_t_mx, buf, ANSWER_MAX);
		t1 = now_ms();
		ok = len > 0 && preferred_exchange(buf, len, ex, sizeof(ex));
		if (ok) {
			ok = address(&st, ex, ns_t_a, buf);
			ok = address(&st, ex, ns_t_aaaa, buf) && ok;
		}
		t2 = now_ms();
		if (!ok)
			atomic_fetch_add(&failed, 1);
		t_mx[i] = t1 - t0;
		t_addr[i] = t2 - t1;
		t_total[i] = t2 - t0;
	}
	res_nclose(&st);
	free(buf);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v[0..n-1]; sorts v. */
static double
percentile(double *v, unsigned n, double p)
{
	unsigned rank;

	qsort(v, n, sizeof(*v), cmp_double);
	rank = (unsigned)(p / 100.0 * n + 0.999999);
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

int
main(int argc, char **argv)
{
	unsigned workers = 1, w;
	pthread_t *threads;
	double start, wall;
	int c;

	while ((c = getopt(argc, argv, "p:z:n:f:c:")) != -1) {
		switch (c) {
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'z': zone = optarg; break;
		case 'n': count = (unsigned)atoi(optarg); break;
		case 'f': first = (unsigned)atoi(optarg); break;
		case 'c': workers = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: mta-client -p PORT -z ZONE -n COUNT "
			    "[-f FIRST] [-c WORKERS]\n");
			return 2;
		}
	}
	if (!port || port > 65535 || !zone || !count || !workers || workers > 256) {
		fprintf(stderr, "mta-client: -p, -z and -n are needed\n");
		return 2;
	}
	t_total = calloc(count, sizeof(double));
	t_mx = calloc(count, sizeof(double));
	t_addr = calloc(count, sizeof(double));
	threads = calloc(workers, sizeof(*threads));
	if (!t_total || !t_mx || !t_addr || !threads)
		return 1;
	start = now_ms();
	for (w = 0; w < workers; w++)
		if (pthread_create(&threads[w], NULL, worker, NULL) != 0)
			return 1;
	for (w = 0; w < workers; w++)
		pthread_join(threads[w], NULL);
	wall = (now_ms() - start) / 1e3;
	printf("deliveries=%u failed=%u total_p50_ms=%.3f total_p99_ms=%.3f "
	    "mx_p50_ms=%.3f mx_p99_ms=%.3f addr_p50_ms=%.3f addr_p99_ms=%.3f "
	    "wall_s=%.2f\n", count, atomic_load(&failed),
	    percentile(t_total, count, 50), percentile(t_total, count, 99),
	    percentile(t_mx, count, 50), percentile(t_mx, count, 99),
	    percentile(t_addr, count, 50), percentile(t_addr, count, 99), wall);
	return 0;
}
