/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * args.c - mxguard-check's input: the command line, the lines of a
 * domain file, and how exit statuses combine.  No I/O here, so all of
 * it is unit tested.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum {
	OPT_STUB = 256,
	OPT_TRUST_ANCHOR,
	OPT_NO_DNSSEC,
	OPT_TIMEOUT
};

static const struct option long_options[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'c' },
	{ "parallel", required_argument, NULL, 'p' },
	{ "resolver", required_argument, NULL, 'r' },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "stub", required_argument, NULL, OPT_STUB },
	{ "trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR },
	{ "no-dnssec", no_argument, NULL, OPT_NO_DNSSEC },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ NULL, 0, NULL, 0 }
};

static enum chk_args
fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return CHK_ARGS_ERROR;
}

/* A decimal number in [min, max], nothing else. */
static bool
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (unsigned)v;
	return true;
}

/* ADDR[@PORT]: an IPv4 or IPv6 address, a port from 1 to 65535. */
static bool
valid_upstream(const char *s)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *at = strchr(s, '@');
	size_t len = at ? (size_t)(at - s) : strlen(s);
	unsigned port;

	if (len == 0 || len >= sizeof(addr))
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, buf) != 1 &&
	    inet_pton(AF_INET6, addr, buf) != 1)
		return false;
	return at == NULL || parse_uint(at + 1, 1, 65535, &port);
}

static enum chk_args
add_stub(struct chk_options *o, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	uint8_t wire[MXG_DNAME_MAXLEN];
	char why[128];
	char *zone;

	if (o->stubs >= CHK_UPSTREAMS_MAX)
		return fail(err, errlen, "too many --stub options (%s)", arg);
	if (eq == NULL || eq == arg)
		return fail(err, errlen, "--stub %s: expected ZONE=ADDR[@PORT]",
		    arg);
	if (!valid_upstream(eq + 1))
		return fail(err, errlen, "--stub %s: not an IP address with an "
		    "optional @PORT", arg);
	if ((zone = strndup(arg, (size_t)(eq - arg))) == NULL)
		return fail(err, errlen, "%s: out of memory", arg);
	/* The root is a valid zone to stub, unlike a domain to check. */
	if (strcmp(zone, ".") != 0 && !chk_parse_name(zone, wire, why,
	    sizeof(why))) {
		snprintf(err, errlen, "--stub %s: %s", arg, why);
		free(zone);
		return CHK_ARGS_ERROR;
	}
	o->stub[o->stubs].zone = zone;
	o->stub[o->stubs++].addr = eq + 1;
	return CHK_ARGS_RUN;
}

static enum chk_args
one_option(struct chk_options *o, int ch, const char *arg, char *err,
    size_t errlen)
{
	switch (ch) {
	case 'f': o->file = arg; break;
	case 'c': o->conf = arg; break;
	case 'j': o->json = true; break;
	case 'q': o->quiet = true; break;
	case 'h': return CHK_ARGS_HELP;
	case 'V': return CHK_ARGS_VERSION;
	case OPT_NO_DNSSEC: o->dnssec = false; break;
	case OPT_TRUST_ANCHOR: o->trust_anchor = arg; break;
	case OPT_STUB: return add_stub(o, arg, err, errlen);
	case 'p':
		if (!parse_uint(arg, 1, CHK_PARALLEL_MAX, &o->parallel))
			return fail(err, errlen, "-p %s: expected a number from 1 "
			    "to 10000", arg);
		break;
	case OPT_TIMEOUT:
		if (!parse_uint(arg, 1, CHK_TIMEOUT_MAX, &o->timeout))
			return fail(err, errlen, "--timeout %s: expected seconds "
			    "from 1 to 3600", arg);
		break;
	case 'r':
		if (o->forwards >= CHK_UPSTREAMS_MAX)
			return fail(err, errlen, "too many -r options (%s)", arg);
		if (!valid_upstream(arg))
			return fail(err, errlen, "-r %s: not an IP address with "
			    "an optional @PORT", arg);
		o->forward[o->forwards++] = arg;
		break;
	default:
		return fail(err, errlen, "%s", "unknown option or missing "
		    "argument (see --help)");
	}
	return CHK_ARGS_RUN;
}

enum chk_args
chk_parse_args(struct chk_options *o, int argc, char **argv, char *err,
    size_t errlen)
{
	enum chk_args r;
	int ch;

	memset(o, 0, sizeof(*o));
	o->parallel = 10;
	o->timeout = 10;
	o->dnssec = true;
	err[0] = '\0';
	optind = 0;		/* a fresh scan, also when called again */
	opterr = 0;		/* our own messages */
	while ((ch = getopt_long(argc, argv, "+f:c:p:r:jqhV", long_options,
	    NULL)) != -1)
		if ((r = one_option(o, ch, optarg, err, errlen)) != CHK_ARGS_RUN)
			return r;
	o->domains = argv + optind;
	o->domain_count = (size_t)(argc - optind);
	if (o->file != NULL && o->domain_count > 0)
		return fail(err, errlen, "%s", "give domains either as "
		    "arguments or with -f, not both");
	if (o->file == NULL && o->domain_count == 0)
		return fail(err, errlen, "%s", "no domain to check (give "
		    "DOMAIN... or -f FILE)");
	if (o->forwards > 0 && o->stubs > 0)
		return fail(err, errlen, "%s", "-r and --stub do not go "
		    "together: -r sends every query to the resolver");
	if (!o->dnssec && o->trust_anchor != NULL)
		return fail(err, errlen, "%s", "--no-dnssec and --trust-anchor "
		    "contradict each other");
	return CHK_ARGS_RUN;
}

void
chk_options_free(struct chk_options *o)
{
	size_t i;

	for (i = 0; i < o->stubs; i++)
		free(o->stub[i].zone);
	o->stubs = 0;
}

bool
chk_parse_name(const char *text, uint8_t *wire, char *err, size_t errlen)
{
	const char *p;

	if (*text == '\0') {
		snprintf(err, errlen, "empty name");
		return false;
	}
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f) {
			snprintf(err, errlen, "invalid domain name: it contains "
			    "a space or a control character");
			return false;
		}
	if (*text == '-') {
		snprintf(err, errlen, "invalid domain name: starts with '-' "
		    "(an option after the domains?)");
		return false;
	}
	if (strcmp(text, ".") == 0) {
		snprintf(err, errlen, "the root is not a mail domain");
		return false;
	}
	if (mxg_dname_from_text(wire, text) == 0) {
		snprintf(err, errlen, "invalid domain name: an empty label, "
		    "a label over 63 octets, over 255 in all, or a bad escape");
		return false;
	}
	return true;
}

enum chk_line
chk_parse_line(char *line, const char **text, uint8_t *wire, char *err,
    size_t errlen)
{
	char *start = line, *end, *hash;

	/* A comment starts at a '#' opening a word: "a#b" is a name. */
	for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
		if (hash == line || isspace((unsigned char)hash[-1])) {
			*hash = '\0';
			break;
		}
	while (isspace((unsigned char)*start))
		start++;
	end = start + strlen(start);
	while (end > start && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*start == '\0')
		return CHK_LINE_SKIP;
	*text = start;
	for (end = start; *end != '\0'; end++)
		if (isspace((unsigned char)*end)) {
			snprintf(err, errlen, "more than one word: one domain "
			    "a line (a comment starts with '#')");
			return CHK_LINE_INVALID;
		}
	return chk_parse_name(start, wire, err, errlen) ? CHK_LINE_DOMAIN :
	    CHK_LINE_INVALID;
}

int
chk_exit_worst(int a, int b)
{
	return a > b ? a : b;
}
