/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - the mxguard.conf parser.
 *
 * The syntax follows unbound.conf, whose lexer is token based: a name is
 * a bare word ending in ':', its value the next token (bare, or quoted
 * with " or '), so newlines matter only to end comments and quoted
 * strings, and several pairs may share a line.  include: is textual: the
 * included text continues whatever clause is open.  Errors are reported
 * with file and line and parsing goes on, so one run shows every error;
 * settings are returned only from an error-free run.  Unbound-independent.
 */

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mxguard/config.h"
#include "mxguard/dname.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Room for a value or name quoted in a message, escapes included. */
#define SHOW_MAX	64
/* Paths are shown whole, so the module and checkconf messages agree. */
#define SHOW_PATH_MAX	PATH_MAX

/* The words an option accepts, and what each means. */
struct word {
	const char *text;
	unsigned long value;
};

static const struct word policy_words[] = {
	{ "off", MXG_POLICY_OFF }, { "log", MXG_POLICY_LOG },
	{ "strip", MXG_POLICY_STRIP }, { "servfail", MXG_POLICY_SERVFAIL },
	{ NULL, 0 }
};
/* Only an alias has a canonical name to rewrite to. */
static const struct word cname_policy_words[] = {
	{ "off", MXG_POLICY_OFF }, { "log", MXG_POLICY_LOG },
	{ "strip", MXG_POLICY_STRIP }, { "rewrite", MXG_POLICY_REWRITE },
	{ "servfail", MXG_POLICY_SERVFAIL }, { NULL, 0 }
};
static const struct word prefetch_words[] = {
	{ "wait", MXG_PREFETCH_WAIT }, { "background", MXG_PREFETCH_BACKGROUND },
	{ "off", MXG_PREFETCH_OFF }, { NULL, 0 }
};
static const struct word bool_words[] = {
	{ "yes", 1 }, { "no", 0 }, { NULL, 0 }
};
static const struct word format_words[] = {
	{ "json", MXG_STATS_JSON }, { "prometheus", MXG_STATS_PROMETHEUS },
	{ NULL, 0 }
};

/* TYPE_SIZE: a number of bytes, with k, m or g as in unbound.conf. */
enum option_type { TYPE_WORD, TYPE_NUMBER, TYPE_SIZE, TYPE_PATH, TYPE_DOMAIN };

/*
 * One option: how its value is read and checked, where it is kept and
 * its built-in default.  Words and numbers are kept by store() through
 * offset and size; a path or domain has its own setter (size 0).
 */
struct option {
	const char *name;
	enum option_type type;
	size_t offset, size;		/* the field in struct mxg_settings */
	unsigned long def;
	const struct word *words;	/* TYPE_WORD */
	unsigned long min, max;		/* TYPE_NUMBER, TYPE_SIZE */
};

#define FIELD(f)	offsetof(struct mxg_settings, f), \
			sizeof(((struct mxg_settings *)0)->f)
#define WORD(name, f, def, words) \
	{ name, TYPE_WORD, FIELD(f), def, words, 0, 0 }
#define NUMBER(name, f, def, min, max) \
	{ name, TYPE_NUMBER, FIELD(f), def, NULL, min, max }
#define SIZE(name, f, def, min, max) \
	{ name, TYPE_SIZE, FIELD(f), def, NULL, min, max }

/* The order is the order -o writes. */
static const struct option options[] = {
	WORD("cname-policy", cname_policy, MXG_POLICY_STRIP,
	    cname_policy_words),
	WORD("address-literal-policy", address_literal_policy, MXG_POLICY_LOG,
	    policy_words),
	WORD("dangling-policy", dangling_policy, MXG_POLICY_LOG, policy_words),
	WORD("null-mx-policy", null_mx_policy, MXG_POLICY_LOG, policy_words),
	NUMBER("servfail-ttl", servfail_ttl, 60, 0, MXG_SERVFAIL_TTL_MAX),
	{ "exempt-domain", TYPE_DOMAIN, 0, 0, 0, NULL, 0, 0 },
	WORD("prefetch", prefetch, MXG_PREFETCH_WAIT, prefetch_words),
	NUMBER("max-exchanges", max_exchanges, 8,
	    MXG_MAX_EXCHANGES_MIN, MXG_MAX_EXCHANGES_MAX),
	NUMBER("lookups-per-thread", lookups_per_thread, 256,
	    0, MXG_LOOKUPS_PER_THREAD_MAX),
	WORD("additional", additional, 1, bool_words),
	WORD("log-distribution", log_distribution, 1, bool_words),
	NUMBER("log-rate", log_rate, 5, 0, MXG_LOG_RATE_MAX),
	NUMBER("stats-interval", stats_interval, 300, 0,
	    MXG_STATS_INTERVAL_MAX),
	{ "stats-file", TYPE_PATH, 0, 0, 0, NULL, 0, 0 },
	WORD("stats-format", stats_format, MXG_STATS_JSON, format_words),
	NUMBER("stats-max-domains", stats_max_domains, 10000,
	    MXG_STATS_MAX_DOMAINS_MIN, MXG_STATS_MAX_DOMAINS_MAX),
	SIZE("stats-max-memory", stats_max_memory, 32UL << 20,
	    MXG_STATS_MAX_MEMORY_MIN, MXG_STATS_MAX_MEMORY_MAX),
};

#define OPTION_COUNT	(sizeof(options) / sizeof(options[0]))

/* store() tells an enum from a bool or an unsigned long by its width. */
_Static_assert(sizeof(enum mxg_policy) == sizeof(unsigned) &&
    sizeof(enum mxg_prefetch) == sizeof(unsigned) &&
    sizeof(enum mxg_stats_format) == sizeof(unsigned) &&
    sizeof(bool) != sizeof(unsigned),
    "settings enums must be as wide as an unsigned");

enum token_type { TOK_END, TOK_WORD, TOK_QUOTED };

struct token {
	enum token_type type;
	const char *text;	/* not NUL-terminated */
	size_t len;
	unsigned line;
	bool bad;		/* already reported: do not judge it again */
};

/* One file being read; up is the file that included it. */
struct source {
	struct source *up;
	const char *path;	/* as opened, to resolve relative includes */
	const char *name;	/* path escaped for messages, in names[] */
	const char *text;
	size_t len, pos;
	unsigned line;
	unsigned bad_char_line;	/* one invalid-character error a line */
	struct token ahead;	/* one token of lookahead ... */
	bool has_ahead;		/* ... when this is set */
	bool has_id;		/* read from a file: dev and ino are set */
	dev_t dev;
	ino_t ino;
};

enum clause { CLAUSE_NONE, CLAUSE_MXGUARD, CLAUSE_OTHER };

struct where {
	const char *file;
	unsigned line;
};

struct parser {
	mxg_config_report_fn *report;
	void *arg;
	unsigned errors;
	bool gave_up;
	struct source *src;
	unsigned depth;
	char *names[MXG_CONF_FILES_MAX];	/* every file read, escaped */
	unsigned files;
	enum clause clause;
	bool seen_mxguard;
	bool exempt_full_reported;
	struct where first[OPTION_COUNT];	/* where each option was set */
	struct mxg_settings *s;
	size_t exempt_cap;
};

static void parse_source(struct parser *p, struct source *src);

/*
 * The settings keep each word or number as a bool, an enum, an unsigned
 * or an unsigned long; the field's width tells which, as every enum of
 * the settings is as wide as an unsigned.
 */
static void
store(struct mxg_settings *s, const struct option *opt, unsigned long v)
{
	char *field = (char *)s + opt->offset;
	unsigned narrow = (unsigned)v;
	bool flag = v != 0;

	if (opt->size == sizeof(flag))
		memcpy(field, &flag, sizeof(flag));
	else if (opt->size == sizeof(narrow))
		memcpy(field, &narrow, sizeof(narrow));
	else
		memcpy(field, &v, sizeof(v));
}

static unsigned long
fetch(const struct mxg_settings *s, const struct option *opt)
{
	const char *field = (const char *)s + opt->offset;
	unsigned long wide;
	unsigned narrow;
	bool flag;

	if (opt->size == sizeof(flag)) {
		memcpy(&flag, field, sizeof(flag));
		return flag;
	}
	if (opt->size == sizeof(narrow)) {
		memcpy(&narrow, field, sizeof(narrow));
		return narrow;
	}
	memcpy(&wide, field, sizeof(wide));
	return wide;
}

void
mxg_settings_defaults(struct mxg_settings *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < OPTION_COUNT; i++)
		if (options[i].size != 0)
			store(s, &options[i], options[i].def);
}

static const char *
word_for(const struct word *words, unsigned long value)
{
	for (; words->text != NULL; words++)
		if (words->value == value)
			return words->text;
	return "?";
}

const char *
mxg_policy_name(enum mxg_policy policy)
{
	return word_for(cname_policy_words, policy);
}

const char *
mxg_prefetch_name(enum mxg_prefetch prefetch)
{
	return word_for(prefetch_words, prefetch);
}

const char *
mxg_stats_format_name(enum mxg_stats_format format)
{
	return word_for(format_words, format);
}

static void
error_at(struct parser *p, const char *file, unsigned line,
    const char *fmt, ...)
{
	char message[SHOW_PATH_MAX * 2 + 512];
	va_list ap;

	if (p->gave_up)
		return;
	p->errors++;
	if (p->errors > MXG_CONF_ERRORS_MAX) {
		/* Binary junk would otherwise flood the log. */
		p->gave_up = true;
		p->report(p->arg, file, line, "too many errors, giving up");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	p->report(p->arg, file, line, message);
}

static void
out_of_memory(struct parser *p, const char *file)
{
	error_at(p, file, 0, "out of memory");
	p->gave_up = true;
}

/* ---- lexer ---- */

static bool
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

static void
bad_char(struct parser *p, struct source *src, unsigned char c)
{
	if (src->bad_char_line == src->line)
		return;
	src->bad_char_line = src->line;
	error_at(p, src->name, src->line, "invalid character 0x%02x", c);
}

/*
 * Called at the start of every line: a line over the limit is reported
 * and skipped whole rather than read in part.
 */
static void
check_line(struct parser *p, struct source *src)
{
	for (;;) {
		const char *start = src->text + src->pos;
		size_t left = src->len - src->pos;
		const char *nl = memchr(start, '\n', left);
		size_t linelen = nl != NULL ? (size_t)(nl - start) : left;

		if (linelen > 0 && start[linelen - 1] == '\r')
			linelen--;
		if (linelen <= MXG_CONF_LINE_MAX)
			return;
		error_at(p, src->name, src->line,
		    "line too long (more than %d octets)", MXG_CONF_LINE_MAX);
		if (nl == NULL) {
			src->pos = src->len;
			return;
		}
		src->pos += (size_t)(nl - start) + 1;
		src->line++;
	}
}

/* Skip blanks, newlines and comments; false at the end of the text. */
static bool
skip_space(struct parser *p, struct source *src)
{
	while (src->pos < src->len) {
		unsigned char c = (unsigned char)src->text[src->pos];

		if (c == '\n') {
			src->pos++;
			src->line++;
			check_line(p, src);
		} else if (c == ' ' || c == '\t' || c == '\r') {
			src->pos++;
		} else if (c == '#') {
			while (src->pos < src->len &&
			    src->text[src->pos] != '\n')
				src->pos++;
		} else if (is_control(c)) {
			bad_char(p, src, c);
			src->pos++;
		} else {
			return true;
		}
	}
	return false;
}

/* A quoted string ends on its own line, at the same quote character. */
static void
lex_quoted(struct parser *p, struct source *src, struct token *t)
{
	char quote = src->text[src->pos++];
	size_t end;

	t->type = TOK_QUOTED;
	t->text = src->text + src->pos;
	for (end = src->pos; end < src->len; end++) {
		unsigned char c = (unsigned char)src->text[end];

		if (c == (unsigned char)quote || c == '\n')
			break;
		if (is_control(c) && c != '\r') {
			bad_char(p, src, c);
			t->bad = true;
		}
	}
	t->len = end - src->pos;
	if (end < src->len && src->text[end] == quote) {
		src->pos = end + 1;
		return;
	}
	error_at(p, src->name, t->line, "unterminated quoted string");
	t->bad = true;
	src->pos = end;
}

static void
lex_word(struct source *src, struct token *t)
{
	size_t end;

	t->type = TOK_WORD;
	t->text = src->text + src->pos;
	for (end = src->pos; end < src->len; end++) {
		unsigned char c = (unsigned char)src->text[end];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '#' || c == '"' || c == '\'' || is_control(c))
			break;
		/*
		 * As in Unbound, a backslash keeps the next octet in the
		 * word (both stay in the value): "a\#b" or "a\"b" in names.
		 */
		if (c == '\\' && end + 1 < src->len &&
		    !is_control((unsigned char)src->text[end + 1]) &&
		    src->text[end + 1] != '\n' && src->text[end + 1] != '\r')
			end++;
	}
	t->len = end - src->pos;
	src->pos = end;
}

static void
next_token(struct parser *p, struct source *src, struct token *t)
{
	if (src->has_ahead) {
		*t = src->ahead;
		src->has_ahead = false;
		return;
	}
	memset(t, 0, sizeof(*t));
	if (!skip_space(p, src)) {
		t->type = TOK_END;
		t->line = src->line;
		return;
	}
	t->line = src->line;
	if (src->text[src->pos] == '"' || src->text[src->pos] == '\'')
		lex_quoted(p, src, t);
	else
		lex_word(src, t);
}

/* A bare word ending in ':' names an option or a clause. */
static bool
is_name(const struct token *t)
{
	return t->type == TOK_WORD && t->len > 0 && t->text[t->len - 1] == ':';
}

/*
 * The value of a name is the next token of the same file, unless that
 * is the end or another name: then the name has no value (a clause).
 */
static bool
next_value(struct parser *p, struct source *src, struct token *v)
{
	next_token(p, src, v);
	if (v->type == TOK_END || is_name(v)) {
		src->ahead = *v;
		src->has_ahead = true;
		return false;
	}
	return true;
}

/* ---- values ---- */

/* Whether the name part (before the colon) of t is word. */
static bool
name_is(const struct token *t, size_t namelen, const char *word)
{
	return namelen == strlen(word) && memcmp(t->text, word, namelen) == 0;
}

static const struct option *
find_option(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < OPTION_COUNT; i++)
		if (strlen(options[i].name) == len &&
		    memcmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

/* "off, log, strip or servfail", for the message about a bad word. */
static void
list_words(char *out, size_t outlen, const struct word *words)
{
	size_t o = 0;

	out[0] = '\0';
	for (; words->text != NULL; words++) {
		const char *sep = o == 0 ? "" :
		    words[1].text == NULL ? " or " : ", ";
		int n = snprintf(out + o, outlen - o, "%s%s", sep, words->text);

		if (n < 0 || (size_t)n >= outlen - o)
			return;
		o += (size_t)n;
	}
}

static bool
parse_word(struct parser *p, const struct option *opt, const char *value,
    unsigned line, unsigned long *out)
{
	const struct word *w;
	char expected[128], shown[SHOW_MAX];

	for (w = opt->words; w->text != NULL; w++) {
		if (strcmp(w->text, value) == 0) {
			*out = w->value;
			return true;
		}
	}
	list_words(expected, sizeof(expected), opt->words);
	error_at(p, p->src->name, line, "%s: invalid value '%s' (expected %s)",
	    opt->name, mxg_show(shown, sizeof(shown), value, strlen(value)), expected);
	return false;
}

/* The shift of a size suffix (k, m, g, either case), or 0. */
static unsigned
size_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	default: return 0;
	}
}

/*
 * Decimal digits only: no sign, no base prefix, no overflow; a size
 * may end in a suffix.
 */
static bool
parse_number(struct parser *p, const struct option *opt, const char *value,
    unsigned line, unsigned long *out)
{
	char shown[SHOW_MAX];
	unsigned long n = 0;
	bool overflow = false;
	unsigned shift = 0;
	const char *c;

	for (c = value; *c >= '0' && *c <= '9'; c++) {
		unsigned digit = (unsigned)(*c - '0');

		if (n > (ULONG_MAX - digit) / 10)
			overflow = true;
		else
			n = n * 10 + digit;
	}
	if (opt->type == TYPE_SIZE && c != value && (shift = size_shift(*c)))
		c++;
	if (c == value || *c != '\0') {
		error_at(p, p->src->name, line,
		    "%s: invalid number '%s' (expected decimal digits%s)",
		    opt->name, mxg_show(shown, sizeof(shown), value, strlen(value)),
		    opt->type == TYPE_SIZE ? ", then k, m or g" : "");
		return false;
	}
	if (n > (ULONG_MAX >> shift))
		overflow = true;
	else
		n <<= shift;
	if (overflow || n < opt->min || n > opt->max) {
		error_at(p, p->src->name, line,
		    "%s: %s is out of range %lu..%lu", opt->name,
		    mxg_show(shown, sizeof(shown), value, strlen(value)), opt->min, opt->max);
		return false;
	}
	*out = n;
	return true;
}

static void
add_exempt(struct parser *p, const char *value, unsigned line)
{
	struct mxg_settings *s = p->s;
	uint8_t wire[MXG_DNAME_MAXLEN], lower[MXG_DNAME_MAXLEN];
	char shown[SHOW_MAX];
	size_t len = mxg_dname_from_text(wire, value);

	if (len == 0) {
		error_at(p, p->src->name, line,
		    "exempt-domain: invalid domain name '%s'",
		    mxg_show(shown, sizeof(shown), value, strlen(value)));
		return;
	}
	if (s->exempt_count >= MXG_CONF_EXEMPT_MAX) {
		if (!p->exempt_full_reported)
			error_at(p, p->src->name, line,
			    "exempt-domain: more than %d values",
			    MXG_CONF_EXEMPT_MAX);
		p->exempt_full_reported = true;
		return;
	}
	if (s->exempt_count == p->exempt_cap) {
		size_t cap = p->exempt_cap ? p->exempt_cap * 2 : 16;
		uint8_t **grown = realloc(s->exempt, cap * sizeof(*grown));

		if (grown == NULL) {
			out_of_memory(p, p->src->name);
			return;
		}
		s->exempt = grown;
		p->exempt_cap = cap;
	}
	mxg_dname_lower(lower, wire);
	if ((s->exempt[s->exempt_count] = malloc(len)) == NULL) {
		out_of_memory(p, p->src->name);
		return;
	}
	memcpy(s->exempt[s->exempt_count++], lower, len);
}

static void
set_path(struct parser *p, const char *value)
{
	char *copy;

	if (value[0] == '\0')
		return;		/* "" is the default: no file */
	if ((copy = strdup(value)) == NULL) {
		out_of_memory(p, p->src->name);
		return;
	}
	p->s->stats_file = copy;
}

static void
set_option(struct parser *p, const struct option *opt, const struct token *v)
{
	char value[MXG_CONF_VALUE_MAX + 1];
	unsigned long n;

	if (opt->type != TYPE_DOMAIN) {
		struct where *first = &p->first[opt - options];

		if (first->file != NULL) {
			error_at(p, p->src->name, v->line,
			    "%s: set twice (first at %s:%u)", opt->name,
			    first->file, first->line);
			return;
		}
		first->file = p->src->name;
		first->line = v->line;
	}
	if (v->bad)
		return;
	if (v->len > MXG_CONF_VALUE_MAX) {
		error_at(p, p->src->name, v->line,
		    "%s: value too long (more than %d octets)", opt->name,
		    MXG_CONF_VALUE_MAX);
		return;
	}
	memcpy(value, v->text, v->len);
	value[v->len] = '\0';
	switch (opt->type) {
	case TYPE_WORD:
		if (parse_word(p, opt, value, v->line, &n))
			store(p->s, opt, n);
		break;
	case TYPE_NUMBER:
	case TYPE_SIZE:
		if (parse_number(p, opt, value, v->line, &n))
			store(p->s, opt, n);
		break;
	case TYPE_PATH:
		set_path(p, value);
		break;
	case TYPE_DOMAIN:
		add_exempt(p, value, v->line);
		break;
	}
}

/* ---- files and includes ---- */

/*
 * Keep the file name, escaped like any text from outside, for messages
 * until the parser is done.
 */
static const char *
remember_name(struct parser *p, const char *path, const char *where_file,
    unsigned where_line)
{
	size_t len = strlen(path), size = len * 4 + 8;
	char *copy;

	if (p->files >= MXG_CONF_FILES_MAX) {
		error_at(p, where_file, where_line,
		    "too many files (more than %d)", MXG_CONF_FILES_MAX);
		return NULL;
	}
	if ((copy = malloc(size)) == NULL) {
		out_of_memory(p, where_file);
		return NULL;
	}
	mxg_show(copy, size, path, len);
	p->names[p->files++] = copy;
	return copy;
}

/*
 * Read the file at path into a new buffer.  Errors are reported at
 * where_file:where_line (the include line, or path:0 for the top file).
 * Returns 1 when read, 0 after an error, -1 when the file does not exist
 * and missing_ok is set (nothing reported).
 */
static int
read_file(struct parser *p, const char *path, const char *where_file,
    unsigned where_line, bool missing_ok, char **buf, size_t *len,
    struct stat *st)
{
	char what[SHOW_PATH_MAX + 16] = "";
	size_t got = 0;
	int fd;

	/* An include names the file; the top file is named by the location. */
	if (where_line != 0) {
		char shown[SHOW_PATH_MAX];

		snprintf(what, sizeof(what), "include '%s': ",
		    mxg_show(shown, sizeof(shown), path, strlen(path)));
	}
	/* Non-blocking, so that a FIFO cannot hang the resolver. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT && missing_ok)
			return -1;
		error_at(p, where_file, where_line, "%scannot open: %s",
		    what, strerror(errno));
		return 0;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		error_at(p, where_file, where_line, "%snot a regular file",
		    what);
		close(fd);
		return 0;
	}
	if ((unsigned long long)st->st_size > MXG_CONF_FILE_MAX) {
		error_at(p, where_file, where_line,
		    "%stoo large (more than %lu octets)", what,
		    MXG_CONF_FILE_MAX);
		close(fd);
		return 0;
	}
	if ((*buf = malloc((size_t)st->st_size + 1)) == NULL) {
		close(fd);
		out_of_memory(p, where_file);
		return 0;
	}
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st->st_size - got);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			error_at(p, where_file, where_line,
			    "%scannot read: %s", what, strerror(errno));
			free(*buf);
			close(fd);
			return 0;
		}
		if (n == 0)
			break;	/* shrank while read: take what is there */
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 1;
}

/* The text parsed as the file at path, included from up (or NULL). */
static void
parse_text(struct parser *p, struct source *up, const char *path,
    const char *name, const char *text, size_t len, const struct stat *st)
{
	struct source src;

	memset(&src, 0, sizeof(src));
	src.up = up;
	src.path = path;
	src.name = name;
	src.text = text;
	src.len = len;
	src.line = 1;
	if (st != NULL) {
		src.has_id = true;
		src.dev = st->st_dev;
		src.ino = st->st_ino;
	}
	/* A byte order mark some editors write is not text. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		src.pos = 3;
	check_line(p, &src);
	parse_source(p, &src);
	p->src = up;
}

static bool
already_reading(const struct source *src, const struct stat *st)
{
	for (; src != NULL; src = src->up)
		if (src->has_id && src->dev == st->st_dev &&
		    src->ino == st->st_ino)
			return true;
	return false;
}

/* Read and parse one included file, textually at the include line. */
static void
include_file(struct parser *p, const char *path, unsigned line)
{
	struct source *up = p->src;
	const char *name;
	char shown[SHOW_PATH_MAX];
	struct stat st;
	char *buf;
	size_t len;

	if (p->depth >= MXG_CONF_INCLUDE_DEPTH) {
		error_at(p, up->name, line,
		    "include '%s': nested more than %d deep",
		    mxg_show(shown, sizeof(shown), path, strlen(path)), MXG_CONF_INCLUDE_DEPTH);
		return;
	}
	if (read_file(p, path, up->name, line, false, &buf, &len, &st) != 1)
		return;
	if (already_reading(up, &st)) {
		error_at(p, up->name, line,
		    "include loop: '%s' is already being read",
		    mxg_show(shown, sizeof(shown), path, strlen(path)));
		free(buf);
		return;
	}
	if ((name = remember_name(p, path, up->name, line)) != NULL) {
		p->depth++;
		parse_text(p, up, path, name, buf, len, &st);
		p->depth--;
	}
	free(buf);
}

/*
 * include: PATTERN.  A relative pattern is taken relative to the
 * directory of the including file, so a set of files can move together;
 * a pattern with wildcards is expanded by glob(3), in sorted order.
 */
static void
do_include(struct parser *p, const struct token *v)
{
	const char *from = p->src->path, *slash = strrchr(from, '/');
	char pattern[PATH_MAX], shown[SHOW_PATH_MAX];
	glob_t g;
	size_t i;
	int n, r;

	if (v->bad)
		return;
	if (v->len == 0) {
		error_at(p, p->src->name, v->line, "include: empty file name");
		return;
	}
	if (v->text[0] == '/' || slash == NULL)
		n = snprintf(pattern, sizeof(pattern), "%.*s", (int)v->len,
		    v->text);
	else
		n = snprintf(pattern, sizeof(pattern), "%.*s/%.*s",
		    (int)(slash - from), from, (int)v->len, v->text);
	if (n < 0 || (size_t)n >= sizeof(pattern)) {
		error_at(p, p->src->name, v->line, "include: file name too long");
		return;
	}
	if (strpbrk(pattern, "*?[") == NULL) {
		include_file(p, pattern, v->line);
		return;
	}
	/* Zeroed, so globfree() is safe whatever glob() left behind. */
	memset(&g, 0, sizeof(g));
	if ((r = glob(pattern, 0, NULL, &g)) != 0)
		error_at(p, p->src->name, v->line, r == GLOB_NOMATCH ?
		    "include: no file matches '%s'" :
		    "include: cannot expand '%s'",
		    mxg_show(shown, sizeof(shown), pattern, strlen(pattern)));
	for (i = 0; r == 0 && i < g.gl_pathc && !p->gave_up; i++)
		include_file(p, g.gl_pathv[i], v->line);
	globfree(&g);
}

/* ---- statements ---- */

/* A name with no value: a clause, or an option missing its value. */
static void
name_alone(struct parser *p, const struct token *t, size_t namelen)
{
	char shown[SHOW_MAX];

	mxg_show(shown, sizeof(shown), t->text, namelen);
	if (name_is(t, namelen, "mxguard")) {
		p->clause = CLAUSE_MXGUARD;
		p->seen_mxguard = true;
	} else if (find_option(t->text, namelen) != NULL ||
	    name_is(t, namelen, "include")) {
		error_at(p, p->src->name, t->line, "%s: missing value",
		    shown);
	} else {
		error_at(p, p->src->name, t->line, "unknown clause '%s:'",
		    shown);
		p->clause = CLAUSE_OTHER;
	}
}

static void
statement(struct parser *p, const struct token *t)
{
	const char *colon = t->type == TOK_WORD ?
	    memchr(t->text, ':', t->len) : NULL;
	const struct option *opt;
	char shown[SHOW_MAX];
	struct token v;
	size_t namelen;

	if (colon == NULL) {
		if (!t->bad)
			error_at(p, p->src->name, t->line,
			    "'%s': expected 'name: value'",
			    mxg_show(shown, sizeof(shown), t->text, t->len));
		return;
	}
	namelen = (size_t)(colon - t->text);
	if (name_is(t, namelen, "mxguard") && colon + 1 == t->text + t->len) {
		/* a clause name never takes the next token as its value */
		name_alone(p, t, namelen);
		return;
	}
	if (colon + 1 < t->text + t->len) {
		/* name:value with no blank between them */
		v = *t;
		v.text = colon + 1;
		v.len = t->len - namelen - 1;
	} else if (!next_value(p, p->src, &v)) {
		name_alone(p, t, namelen);
		return;
	}
	mxg_show(shown, sizeof(shown), t->text, namelen);
	if (name_is(t, namelen, "include")) {
		do_include(p, &v);
		return;
	}
	if (name_is(t, namelen, "mxguard")) {
		error_at(p, p->src->name, t->line, "mxguard: takes no value");
		p->clause = CLAUSE_MXGUARD;
		p->seen_mxguard = true;
		return;
	}
	if (p->clause == CLAUSE_OTHER)
		return;		/* inside a clause already reported */
	if ((opt = find_option(t->text, namelen)) == NULL)
		error_at(p, p->src->name, t->line, "unknown option '%s'",
		    shown);
	else if (p->clause == CLAUSE_NONE)
		error_at(p, p->src->name, t->line,
		    "%s: outside the mxguard: clause", shown);
	else
		set_option(p, opt, &v);
}

static void
parse_source(struct parser *p, struct source *src)
{
	struct token t;

	p->src = src;
	while (!p->gave_up) {
		next_token(p, src, &t);
		if (t.type == TOK_END)
			break;
		statement(p, &t);
		p->src = src;	/* an include may have moved it */
	}
}

/* ---- results ---- */

void
mxg_config_free(struct mxg_settings *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->exempt_count; i++)
		free(s->exempt[i]);
	free(s->exempt);
	free(s->stats_file);
	free(s->source);
	free(s);
}

static int
compare_names(const void *a, const void *b)
{
	return mxg_dname_order(*(const uint8_t *const *)a,
	    *(const uint8_t *const *)b);
}

/* Sorted, so -o is stable, and without repeats, which are harmless. */
static void
sort_exempt(struct mxg_settings *s)
{
	size_t i, kept = 0;

	if (s->exempt_count == 0)
		return;
	qsort(s->exempt, s->exempt_count, sizeof(*s->exempt), compare_names);
	for (i = 1; i < s->exempt_count; i++) {
		if (compare_names(&s->exempt[kept], &s->exempt[i]) == 0)
			free(s->exempt[i]);
		else
			s->exempt[++kept] = s->exempt[i];
	}
	s->exempt_count = kept + 1;
}

static struct mxg_settings *
new_settings(void)
{
	struct mxg_settings *s = malloc(sizeof(*s));

	if (s != NULL)
		mxg_settings_defaults(s);
	return s;
}

static void
parser_init(struct parser *p, mxg_config_report_fn *report, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->report = report;
	p->arg = arg;
}

static void
parser_free(struct parser *p)
{
	unsigned i;

	for (i = 0; i < p->files; i++)
		free(p->names[i]);
}

/* Check the whole, free the parser, hand over or drop the settings. */
static struct mxg_settings *
parser_finish(struct parser *p, const char *top)
{
	struct mxg_settings *s = p->s;
	const char *name = p->files > 0 ? p->names[0] : top;

	if (!p->seen_mxguard && p->errors == 0)
		error_at(p, name, 0, "no mxguard: clause");
	if (p->errors == 0) {
		sort_exempt(s);
		if ((s->source = strdup(top)) == NULL)
			out_of_memory(p, name);
	}
	parser_free(p);
	if (p->errors != 0) {
		mxg_config_free(s);
		return NULL;
	}
	return s;
}

struct mxg_settings *
mxg_config_parse(const char *name, const char *text, size_t len,
    mxg_config_report_fn *report, void *arg)
{
	struct parser p;
	const char *shown;

	parser_init(&p, report, arg);
	if ((p.s = new_settings()) == NULL) {
		out_of_memory(&p, name);
		return NULL;
	}
	if ((shown = remember_name(&p, name, name, 0)) != NULL)
		parse_text(&p, NULL, name, shown, text, len, NULL);
	return parser_finish(&p, name);
}

struct mxg_settings *
mxg_config_load(const char *path, unsigned flags,
    mxg_config_report_fn *report, void *arg)
{
	bool missing_ok = (flags & MXG_CONF_MISSING_OK) != 0;
	struct parser p;
	const char *name;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int r;

	parser_init(&p, report, arg);
	if ((p.s = new_settings()) == NULL) {
		out_of_memory(&p, path != NULL ? path : "-");
		return NULL;
	}
	if (path == NULL)
		return p.s;
	if ((name = remember_name(&p, path, path, 0)) == NULL)
		return parser_finish(&p, path);
	r = read_file(&p, path, name, 0, missing_ok, &buf, &len, &st);
	if (r == -1) {
		parser_free(&p);
		return p.s;	/* optional file absent: the defaults */
	}
	if (r == 1)
		parse_text(&p, NULL, path, name, buf, len, &st);
	free(buf);
	return parser_finish(&p, path);
}

/* ---- where the file is ---- */

/*
 * Unbound strips its chroot from the front of the paths in its
 * configuration in the same way, since they are opened after chroot(2).
 */
static const char *
after_chroot(const char *path, const char *chroot)
{
	size_t n;

	if (chroot == NULL || path[0] != '/')
		return path;
	n = strlen(chroot);
	while (n > 0 && chroot[n - 1] == '/')
		n--;
	if (n == 0 || strncmp(path, chroot, n) != 0)
		return path;
	if (path[n] == '\0')
		return "/";
	return path[n] == '/' ? path + n : path;
}

enum mxg_config_origin
mxg_config_locate(char *out, size_t outlen, const char *env,
    const char *directory, const char *chroot)
{
	enum mxg_config_origin origin;
	const char *dir;
	int n;

	if (env != NULL && env[0] != '\0') {
		origin = MXG_CONF_ORIGIN_ENV;
		n = snprintf(out, outlen, "%s", after_chroot(env, chroot));
	} else if (directory != NULL && directory[0] != '\0') {
		origin = MXG_CONF_ORIGIN_DIRECTORY;
		dir = after_chroot(directory, chroot);
		n = snprintf(out, outlen, "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", MXG_CONF_BASENAME);
	} else {
		if (outlen > 0)
			out[0] = '\0';
		return MXG_CONF_ORIGIN_NONE;
	}
	if (n < 0 || (size_t)n >= outlen)
		return MXG_CONF_ORIGIN_TOO_LONG;
	return origin;
}

/* ---- writing the effective settings ---- */

int
mxg_config_write(FILE *out, const struct mxg_settings *s)
{
	const char *file = s->stats_file != NULL ? s->stats_file : "";
	char name[MXG_DNAME_TEXTLEN];
	const struct option *opt;
	size_t i;

	fprintf(out, "mxguard:\n");
	for (opt = options; opt < options + OPTION_COUNT; opt++) {
		if (opt->type == TYPE_DOMAIN) {
			for (i = 0; i < s->exempt_count; i++)
				fprintf(out, "\t%s: %s\n", opt->name,
				    mxg_dname_to_word(name, sizeof(name),
				    s->exempt[i]));
		} else if (opt->type == TYPE_PATH) {
			/* A value holds at most one kind of quote. */
			char q = strchr(file, '"') != NULL ? '\'' : '"';

			fprintf(out, "\t%s: %c%s%c\n", opt->name, q, file, q);
		} else if (opt->type == TYPE_NUMBER || opt->type == TYPE_SIZE) {
			fprintf(out, "\t%s: %lu\n", opt->name, fetch(s, opt));
		} else {
			fprintf(out, "\t%s: %s\n", opt->name,
			    word_for(opt->words, fetch(s, opt)));
		}
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
