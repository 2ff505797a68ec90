/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mta-client.c - the delivery lookups of an MTA through the libc stub
 * resolver (res_query, no cache of its own), as Postfix's smtp client
 * makes them.  The resolver under test is the only cache involved.
 *
 *   mta-client -p PORT -z ZONE -n COUNT [-f FIRST] [-c WORKERS]
 *              [-m postfix|preferred]
 *
 * -m postfix (the default) follows Postfix's smtp_domain_addr() in
 * src/smtp/smtp_addr.c: dns_lookup(T_MX) for the domain, dns_rr_sort()
 * of the exchanges by preference (dns_rr_compare_pref_any), then
 * smtp_addr_list(), which calls smtp_addr_one() for every exchange in
 * that order, and only then is the address list sorted, limited
 * (smtp_mx_address_limit) and connected to (smtp_connect_inet() in
 * smtp_connect.c).  smtp_addr_one() asks dns_lookup_v() with
 * inet_proto_info()->dns_atype_list, which inet_proto_init() in
 * src/util/inet_proto.c sets to { T_A, T_AAAA } for inet_protocols =
 * all; dns_lookup_rv() in src/dns/dns_lookup.c asks the types one after
 * the other (dns_lookup_x(), one res_search() each) without
 * DNS_REQ_FLAG_STOP_OK, so AAAA is asked even when A was found.  So one
 * delivery is: MX, then for each exchange in preference order A and
 * then AAAA, each waiting for the one before, backups included, before
 * the first connection.  Exchanges of equal preference are taken in
 * answer order here (Postfix's qsort leaves their order open).
 *
 * -m preferred: MX, then A and then AAAA of the preferred exchange only
 * (an MTA that resolves a backup only when the preferred one fails; the
 * earlier model of this benchmark).
 *
 * Domains are d<FIRST>.ZONE ... d<FIRST+COUNT-1>.ZONE, taken in turn by
 * WORKERS threads (each one delivery at a time, like Postfix's smtp
 * processes).  Prints one line of figures:
 *   mode= deliveries=N failed=N total_p50_ms= total_p99_ms= mx_p50_ms=
 *   mx_p99_ms= addr_p50_ms= addr_p99_ms= total1_p50_ms= total2_p50_ms=
 *   addr_queries=N wall_s=
 * where total is MX plus every address lookup of one delivery, addr the
 * address lookups alone, total1 / total2 the total p50 of the
 * deliveries whose MX set has one exchange / two or more (0 when there
 * are none), and addr_queries the A and AAAA queries sent in all.
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
#define EXCHANGES_MAX	16

struct exchange {
	int pref;
	char name[NS_MAXDNAME];
};

static unsigned port;
static const char *zone;
static unsigned first, count;
static int preferred_only;
static atomic_uint next;
static atomic_uint failed;
static atomic_uint addr_queries;
static double *t_total, *t_mx, *t_addr;
static unsigned char *n_exchanges;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * The exchanges of an MX answer into ex[], lowest preference first
 * (a stable sort: equal preferences keep their answer order); returns
 * how many, at most max.
 */
static int
exchanges(const unsigned char *ans, int len, struct exchange *ex, int max)
{
	ns_msg msg;
	ns_rr rr;
	int i, j, k = 0;

	if (ns_initparse(ans, len, &msg) < 0)
		return 0;
	for (i = 0; i < ns_msg_count(msg, ns_s_an) && k < max; i++) {
		struct exchange e;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		e.pref = ns_get16(ns_rr_rdata(rr));
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, e.name, sizeof(e.name)) < 0)
			continue;
		for (j = k; j > 0 && ex[j - 1].pref > e.pref; j--)
			ex[j] = ex[j - 1];
		ex[j] = e;
		k++;
	}
	return k;
}

/* One address lookup; NODATA is an answer, not a failure. */
static int
address(res_state st, const char *name, int type, unsigned char *buf)
{
	atomic_fetch_add(&addr_queries, 1);
	if (res_nquery(st, name, ns_c_in, type, buf, ANSWER_MAX) >= 0)
		return 1;
	return h_errno == NO_DATA;
}

static void *
worker(void *arg)
{
	struct __res_state st;
	unsigned char *buf = malloc(ANSWER_MAX);
	struct exchange *ex = calloc(EXCHANGES_MAX, sizeof(*ex));
	char domain[NS_MAXDNAME];
	unsigned i;

	(void)arg;
	memset(&st, 0, sizeof(st));
	if (!buf || !ex || res_ninit(&st) != 0) {
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
		int len, nx = 0, e, ok;

		snprintf(domain, sizeof(domain), "d%u.%s", first + i, zone);
		t0 = now_ms();
		len = res_nquery(&st, domain, ns_c_in, ns_t_mx, buf, ANSWER_MAX);
		t1 = now_ms();
		if (len > 0)
			nx = exchanges(buf, len, ex, EXCHANGES_MAX);
		ok = nx > 0;
		/* A then AAAA per exchange, in preference order; the
		 * preferred mode stops after the first exchange. */
		for (e = 0; ok && e < (preferred_only ? 1 : nx); e++) {
			ok = address(&st, ex[e].name, ns_t_a, buf);
			ok = address(&st, ex[e].name, ns_t_aaaa, buf) && ok;
		}
		t2 = now_ms();
		if (!ok)
			atomic_fetch_add(&failed, 1);
		t_mx[i] = t1 - t0;
		t_addr[i] = t2 - t1;
		t_total[i] = t2 - t0;
		n_exchanges[i] = (unsigned char)nx;
	}
	res_nclose(&st);
	free(ex);
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

/* The total p50 of the deliveries with one exchange (two: two or more). */
static double
group_p50(int two)
{
	double *v = calloc(count, sizeof(double)), r;
	unsigned i, k = 0;

	if (!v)
		exit(1);
	for (i = 0; i < count; i++)
		if (n_exchanges[i] > 0 && (n_exchanges[i] > 1) == two)
			v[k++] = t_total[i];
	r = k ? percentile(v, k, 50) : 0;
	free(v);
	return r;
}

int
main(int argc, char **argv)
{
	unsigned workers = 1, w;
	pthread_t *threads;
	double start, wall, total1, total2;
	const char *mode = "postfix";
	int c;

	while ((c = getopt(argc, argv, "p:z:n:f:c:m:")) != -1) {
		switch (c) {
		case 'p': port = (unsigned)atoi(optarg); break;
		case 'z': zone = optarg; break;
		case 'n': count = (unsigned)atoi(optarg); break;
		case 'f': first = (unsigned)atoi(optarg); break;
		case 'c': workers = (unsigned)atoi(optarg); break;
		case 'm': mode = optarg; break;
		default:
			fprintf(stderr, "usage: mta-client -p PORT -z ZONE -n COUNT "
			    "[-f FIRST] [-c WORKERS] [-m postfix|preferred]\n");
			return 2;
		}
	}
	if (!port || port > 65535 || !zone || !count || !workers || workers > 256) {
		fprintf(stderr, "mta-client: -p, -z and -n are needed\n");
		return 2;
	}
	if (strcmp(mode, "preferred") == 0)
		preferred_only = 1;
	else if (strcmp(mode, "postfix") != 0) {
		fprintf(stderr, "mta-client: -m postfix or -m preferred\n");
		return 2;
	}
	t_total = calloc(count, sizeof(double));
	t_mx = calloc(count, sizeof(double));
	t_addr = calloc(count, sizeof(double));
	n_exchanges = calloc(count, 1);
	threads = calloc(workers, sizeof(*threads));
	if (!t_total || !t_mx || !t_addr || !n_exchanges || !threads)
		return 1;
	start = now_ms();
	for (w = 0; w < workers; w++)
		if (pthread_create(&threads[w], NULL, worker, NULL) != 0)
			return 1;
	for (w = 0; w < workers; w++)
		pthread_join(threads[w], NULL);
	wall = (now_ms() - start) / 1e3;
	/* Before percentile() sorts t_total out of delivery order. */
	total1 = group_p50(0);
	total2 = group_p50(1);
	printf("mode=%s deliveries=%u failed=%u total_p50_ms=%.3f "
	    "total_p99_ms=%.3f mx_p50_ms=%.3f mx_p99_ms=%.3f addr_p50_ms=%.3f "
	    "addr_p99_ms=%.3f total1_p50_ms=%.3f total2_p50_ms=%.3f "
	    "addr_queries=%u wall_s=%.2f\n", mode, count, atomic_load(&failed),
	    percentile(t_total, count, 50), percentile(t_total, count, 99),
	    percentile(t_mx, count, 50), percentile(t_mx, count, 99),
	    percentile(t_addr, count, 50), percentile(t_addr, count, 99),
	    total1, total2, atomic_load(&addr_queries), wall);
	return 0;
}
