#include "mcpconfig.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dynlib.h"
#include "error.h"
#include "hash.h"
#include "policy.h"

/*
 * json-c, loaded when a configuration is first read, as lib/audit_pg.c
 * loads libpq. Linked into every hook, it cost every commit the dynamic
 * loader's work for it (0.17 M instructions and 6 page faults) for the few
 * commits that change an MCP configuration (docs/benchmarks.md, start-up).
 * The package still depends on it (install/packaging.cmake).
 */
#define JC_FUNCTIONS(X) \
	X(json_object_array_add) X(json_object_array_get_idx) X(json_object_array_length) \
	X(json_object_get) X(json_object_get_boolean) X(json_object_get_object) \
	X(json_object_get_string) X(json_object_is_type) X(json_object_new_array) \
	X(json_object_new_boolean) X(json_object_new_object) X(json_object_new_string_len) \
	X(json_object_object_add) X(json_object_object_get_ex) X(json_object_object_length) \
	X(json_object_put) X(json_object_to_json_string_ext) X(json_tokener_error_desc) \
	X(json_tokener_free) X(json_tokener_get_error) X(json_tokener_get_parse_end) \
	X(json_tokener_new_ex) X(json_tokener_parse_ex) X(json_tokener_reset)

static struct {
	JC_FUNCTIONS(CG_DYNLIB_POINTER)
} jc;
static const char *const jc_names[] = { JC_FUNCTIONS(CG_DYNLIB_NAME) };
#define JC_SLOT(name) CG_DYNLIB_SLOT(jc, name)
static void **const jc_slots[] = { JC_FUNCTIONS(JC_SLOT) };
#undef JC_SLOT
static cg_dynlib jc_lib = CG_DYNLIB_INIT("libjson-c.so.5", jc_names, jc_slots);

int cg_mcpconfig_load(void)
{
	const char *why = cg_dynlib_load(&jc_lib);

	if (why)
		return cg_error_hint(cg_error_set(CG_ERROR, "cannot read MCP configurations: json-c "
		                                  "cannot be loaded: %s", why),
		                     "apt-get install libjson-c5");
	return 0;
}

void cg_mcpconfig__library(const char *soname)
{
	cg_dynlib_rename(&jc_lib, soname);
}

/* More servers, arguments or env keys than any client has a use for: a
 * hostile file cannot make the comparison quadratic in its size. */
#define MAX_ITEMS 4096

struct cg_mcp_config {
	const char *shape;
	cg_mcp_server *servers;
	size_t nservers, aservers;
	char **inputs;
	size_t ninputs, ainputs;
	char *note;
};

/* --- JSON with comments ------------------------------------------------ */

/* json-c keeps the last of repeated keys without a word; this scan of the
 * text it accepted finds the first repeat, so that the user hears of it.
 * A key is the first string after '{' or ',' inside an object. */
typedef struct {
	const char *s;
	size_t len;
} slice;

typedef struct {
	const char *s;
	size_t len, i;
	slice *keys;
	size_t nkeys, akeys;
} scan;

static size_t skip_string(const scan *sc, size_t i)
{
	char quote = sc->s[i++];

	while (i < sc->len && sc->s[i] != quote)
		i += sc->s[i] == '\\' ? 2 : 1;
	return i < sc->len ? i + 1 : sc->len;
}

static size_t skip_comment(const scan *sc, size_t i)
{
	const char *end;

	if (i + 1 >= sc->len || (sc->s[i + 1] != '/' && sc->s[i + 1] != '*'))
		return i + 1;
	if (sc->s[i + 1] == '/') {
		end = memchr(sc->s + i, '\n', sc->len - i);
		return end ? (size_t)(end - sc->s) : sc->len;
	}
	for (i += 2; i + 1 < sc->len; i++)
		if (sc->s[i] == '*' && sc->s[i + 1] == '/')
			return i + 2;
	return sc->len;
}

static int seen_key(const scan *sc, size_t from, slice k)
{
	for (size_t j = from; j < sc->nkeys; j++)
		if (sc->keys[j].len == k.len && !memcmp(sc->keys[j].s, k.s, k.len))
			return 1;
	return 0;
}

static void find_repeated_key(cg_mcp_config *c, const char *s, size_t len)
{
	scan sc = { s, len, 0, NULL, 0, 0 };
	size_t start[CG_MCPCONFIG_MAX_DEPTH + 2], i = 0, end;
	char object[CG_MCPCONFIG_MAX_DEPTH + 2], want_key[CG_MCPCONFIG_MAX_DEPTH + 2];
	int depth = 0;

	while (i < len && !c->note) {
		char ch = s[i];
		if (ch == '"' || ch == '\'') {
			slice k = { s + i + 1, 0 };
			end = skip_string(&sc, i);
			k.len = end > i + 1 ? end - i - 2 : 0;
			if (depth > 0 && object[depth] && want_key[depth]) {
				if (seen_key(&sc, start[depth], k))
					c->note = cg_strdup("a key appears more than once in an object; "
					                    "the last one counts");
				sc.keys = cg_array_grow(sc.keys, &sc.akeys, sc.nkeys + 1, sizeof(*sc.keys));
				sc.keys[sc.nkeys++] = k;
				want_key[depth] = 0;
			}
			i = end;
			continue;
		}
		if (ch == '/') {
			i = skip_comment(&sc, i);
			continue;
		}
		if ((ch == '{' || ch == '[') && depth <= CG_MCPCONFIG_MAX_DEPTH) {
			depth++;
			object[depth] = ch == '{';
			want_key[depth] = ch == '{';
			start[depth] = sc.nkeys;
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			sc.nkeys = start[depth--];
		} else if (ch == ',' && depth > 0) {
			want_key[depth] = object[depth];
		}
		i++;
	}
	free(sc.keys);
}

/* Only comments and white space may follow the value. */
static int parse_json(json_object **out, const char *data, size_t len, const char *label)
{
	struct json_tokener *tok = jc.json_tokener_new_ex(CG_MCPCONFIG_MAX_DEPTH);
	enum json_tokener_error e;
	size_t end;
	json_object *rest;

	*out = jc.json_tokener_parse_ex(tok, data, (int)len);
	e = jc.json_tokener_get_error(tok);
	end = jc.json_tokener_get_parse_end(tok);
	if (*out && end < len) {
		jc.json_tokener_reset(tok);
		rest = jc.json_tokener_parse_ex(tok, data + end, (int)(len - end));
		if (rest || jc.json_tokener_get_error(tok) != json_tokener_continue) {
			jc.json_object_put(rest);
			jc.json_object_put(*out);
			*out = NULL;
			jc.json_tokener_free(tok);
			return cg_error_set(CG_ERROR, "%s: not valid JSON: text after the value at byte %zu",
			                    label, end);
		}
	}
	jc.json_tokener_free(tok);
	if (*out)
		return 0;
	if (e == json_tokener_error_depth)
		return cg_error_set(CG_ELIMIT, "%s: values nest deeper than %d levels", label,
		                    CG_MCPCONFIG_MAX_DEPTH);
	return cg_error_set(CG_ERROR, "%s: not valid JSON: %s at byte %zu", label,
	                    e == json_tokener_continue ? "the text ends inside a value"
	                                               : jc.json_tokener_error_desc(e), end);
}

/* --- YAML, through the policy module's reader ------------------------- */

typedef struct {
	json_object *root;
	json_object *stack[CG_MCPCONFIG_MAX_DEPTH + 1];
	char *key[CG_MCPCONFIG_MAX_DEPTH + 1]; /* a mapping's key awaiting its value */
	int depth;
	cg_mcp_config *config;
	const char *label;
} yaml_build;

static void attach(yaml_build *b, json_object *v)
{
	json_object *top;
	char **key;

	if (!b->depth) {
		if (!b->root)
			b->root = v;
		else
			jc.json_object_put(v);
		return;
	}
	top = b->stack[b->depth - 1];
	key = &b->key[b->depth - 1];
	if (jc.json_object_is_type(top, json_type_array)) {
		jc.json_object_array_add(top, v);
		return;
	}
	if (jc.json_object_object_get_ex(top, *key, NULL) && !b->config->note)
		b->config->note = cg_strdup("a key appears more than once in a mapping; "
		                            "the last one counts");
	jc.json_object_object_add(top, *key, v);
	free(*key);
	*key = NULL;
}

static int wants_key(const yaml_build *b)
{
	return b->depth && jc.json_object_is_type(b->stack[b->depth - 1], json_type_object) &&
	       !b->key[b->depth - 1];
}

static int yaml_event(cg_yaml_event ev, const char *text, size_t len, int boolean, void *payload)
{
	yaml_build *b = payload;
	json_object *v;

	if (ev == CG_YAML_MAP_END || ev == CG_YAML_LIST_END) {
		jc.json_object_put(b->stack[--b->depth]);
		return 0;
	}
	if (ev == CG_YAML_SCALAR && wants_key(b)) {
		b->key[b->depth - 1] = text ? cg_strndup(text, len)
		                            : cg_strdup(boolean ? (boolean > 0 ? "true" : "false") : "null");
		return 0;
	}
	if (ev == CG_YAML_SCALAR) {
		v = text ? jc.json_object_new_string_len(text, (int)len)
		         : boolean ? jc.json_object_new_boolean(boolean > 0) : NULL;
		attach(b, v);
		return 0;
	}
	if (wants_key(b))
		return cg_error_set(CG_ERROR, "%s: a mapping key that is not a plain value", b->label);
	if (b->depth >= CG_MCPCONFIG_MAX_DEPTH)
		return cg_error_set(CG_ELIMIT, "%s: values nest deeper than %d levels", b->label,
		                    CG_MCPCONFIG_MAX_DEPTH);
	v = ev == CG_YAML_MAP_START ? jc.json_object_new_object() : jc.json_object_new_array();
	attach(b, jc.json_object_get(v));
	b->stack[b->depth++] = v;
	return 0;
}

static int parse_yaml(json_object **out, cg_mcp_config *c, const char *data, size_t len,
                      const char *label)
{
	yaml_build b = { .config = c, .label = label };
	int error = cg_policy_yaml_walk(data, len, label, yaml_event, &b);

	/* after an error: the containers still open, and their pending keys */
	while (b.depth > 0) {
		b.depth--;
		jc.json_object_put(b.stack[b.depth]);
		free(b.key[b.depth]);
	}
	if (error < 0) {
		jc.json_object_put(b.root);
		*out = NULL;
		return error == CG_ELIMIT ? error : cg_error_prefix(CG_ERROR, "not valid YAML");
	}
	*out = b.root;
	return 0;
}

/* --- the servers ------------------------------------------------------- */

static const char *const secret_prefixes[] = {
	"sk-", "sk_live_", "rk_live_", "ghp_", "gho_", "ghu_", "ghs_", "github_pat_", "glpat-",
	"xoxb-", "xoxp-", "AKIA", "AIza", "eyJ", "npm_", "hf_", NULL
};

static const char *const secret_key_words[] = {
	"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "ACCESS_KEY",
	"PRIVATE_KEY", "CREDENTIAL", "AUTH", NULL
};

static int has_word(const char *key, const char *const *words)
{
	cg_buf up = CG_BUF_INIT;
	int hit = 0;

	for (const char *k = key; *k; k++)
		cg_buf_putc(&up, (char)toupper((unsigned char)*k));
	for (size_t i = 0; words[i] && !hit; i++)
		hit = strstr(up.ptr, words[i]) != NULL;
	cg_buf_dispose(&up);
	return hit;
}

/* A long run of letters and digits mixing both, as generated keys are. */
static int looks_random(const char *v)
{
	size_t n = 0, letters = 0, digits = 0;

	for (; *v; v++, n++) {
		if (isalpha((unsigned char)*v))
			letters++;
		else if (isdigit((unsigned char)*v))
			digits++;
		else if (!strchr("-_+/=.", *v))
			return 0;
	}
	return n >= 24 && letters && digits;
}

int cg_mcpconfig_looks_secret(const char *key, const char *value)
{
	if (!value || strlen(value) < 8 || strchr(value, '$') || strstr(value, "{env:") ||
	    strstr(value, "{{"))
		return 0;
	for (size_t i = 0; secret_prefixes[i]; i++)
		if (!strncmp(value, secret_prefixes[i], strlen(secret_prefixes[i])))
			return 1;
	if (key && has_word(key, secret_key_words) && !strchr(value, ' '))
		return 1;
	return looks_random(value);
}

/* A scalar as text: strings as they are, other values as JSON. */
static char *text_of(json_object *v)
{
	if (!v)
		return cg_strdup("null");
	if (jc.json_object_is_type(v, json_type_string))
		return cg_strdup(jc.json_object_get_string(v));
	return cg_strdup(jc.json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static char *string_member(json_object *o, const char *const *keys)
{
	json_object *v;

	for (size_t i = 0; keys[i]; i++)
		if (jc.json_object_object_get_ex(o, keys[i], &v) && v)
			return text_of(v);
	return NULL;
}

static void read_args(cg_mcp_server *s, json_object *args)
{
	size_t n;

	if (!jc.json_object_is_type(args, json_type_array))
		return;
	n = jc.json_object_array_length(args);
	n = n > MAX_ITEMS ? MAX_ITEMS : n;
	s->args = cg_calloc(n ? n : 1, sizeof(*s->args));
	for (s->nargs = 0; s->nargs < n; s->nargs++)
		s->args[s->nargs] = text_of(jc.json_object_array_get_idx(args, s->nargs));
}

static int env_cmp(const void *a, const void *b)
{
	return strcmp(((const cg_mcp_env *)a)->key, ((const cg_mcp_env *)b)->key);
}

static void read_env(cg_mcp_server *s, json_object *env)
{
	size_t n;

	if (!jc.json_object_is_type(env, json_type_object))
		return;
	n = (size_t)jc.json_object_object_length(env);
	s->env = cg_calloc(n ? n : 1, sizeof(*s->env));
	for (struct lh_entry *m = lh_table_head(jc.json_object_get_object(env)); m;
	     m = lh_entry_next(m)) {
		const char *key = lh_entry_k(m);
		char *text = text_of((json_object *)lh_entry_v(m));
		cg_mcp_env *e;

		if (s->nenv == MAX_ITEMS)
			break;
		e = &s->env[s->nenv++];
		e->key = cg_strdup(key);
		cg_hash_sha256_hex(e->digest, text, strlen(text));
		e->looks_secret = cg_mcpconfig_looks_secret(key, text);
		free(text);
	}
	qsort(s->env, s->nenv, sizeof(*s->env), env_cmp);
}

static const char *const command_keys[] = { "command", NULL };
static const char *const path_keys[] = { "path", NULL };
static const char *const url_keys[] = { "url", "serverUrl", "httpUrl", NULL };
static const char *const transport_keys[] = { "type", "transport", NULL };

static void read_server(cg_mcp_server *s, json_object *def)
{
	json_object *v, *where = def;

	if (!jc.json_object_is_type(def, json_type_object))
		return;
	/* Zed's older form: "command": { "path", "args", "env" } */
	if (jc.json_object_object_get_ex(def, "command", &v) && jc.json_object_is_type(v, json_type_object)) {
		s->command = string_member(v, path_keys);
		where = v;
	} else {
		s->command = string_member(def, command_keys);
	}
	if (jc.json_object_object_get_ex(where, "args", &v))
		read_args(s, v);
	if (jc.json_object_object_get_ex(where, "env", &v))
		read_env(s, v);
	s->url = string_member(def, url_keys);
	s->transport = string_member(def, transport_keys);
	s->disabled = (jc.json_object_object_get_ex(def, "disabled", &v) &&
	               jc.json_object_is_type(v, json_type_boolean) && jc.json_object_get_boolean(v)) ||
	              (jc.json_object_object_get_ex(def, "enabled", &v) &&
	               jc.json_object_is_type(v, json_type_boolean) && !jc.json_object_get_boolean(v));
}

static void free_server(cg_mcp_server *s)
{
	size_t i;

	free(s->name);
	free(s->command);
	for (i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	free(s->url);
	free(s->transport);
	for (i = 0; i < s->nenv; i++)
		free(s->env[i].key);
	free(s->env);
}

static void add_server(cg_mcp_config *c, const char *name, json_object *def)
{
	cg_mcp_server *s;

	if (c->nservers == MAX_ITEMS)
		return;
	c->servers = cg_array_grow(c->servers, &c->aservers, c->nservers + 1, sizeof(*c->servers));
	s = &c->servers[c->nservers++];
	memset(s, 0, sizeof(*s));
	s->name = cg_strdup(name);
	read_server(s, def);
}

/* A list's server without a name is known by its place. */
static void read_server_list(cg_mcp_config *c, json_object *list)
{
	size_t i, n = jc.json_object_array_length(list);
	char place[32];
	json_object *name;

	for (i = 0; i < n; i++) {
		json_object *def = jc.json_object_array_get_idx(list, i);
		snprintf(place, sizeof(place), "#%zu", i + 1);
		if (jc.json_object_object_get_ex(def, "name", &name) && jc.json_object_is_type(name, json_type_string))
			add_server(c, jc.json_object_get_string(name), def);
		else
			add_server(c, place, def);
	}
}

static int server_cmp(const void *a, const void *b)
{
	const cg_mcp_server *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	/* equal names: the later one last, so that it is the one kept */
	return d ? d : x < y ? -1 : 1;
}

/* Sorts by name, keeping the last of servers that share one. */
static void sort_servers(cg_mcp_config *c)
{
	size_t i, kept = 0;

	if (c->nservers)
		qsort(c->servers, c->nservers, sizeof(*c->servers), server_cmp);
	for (i = 0; i < c->nservers; i++) {
		if (i + 1 < c->nservers && !strcmp(c->servers[i].name, c->servers[i + 1].name)) {
			free_server(&c->servers[i]);
			if (!c->note)
				c->note = cg_strdup("a server name appears more than once; the last one counts");
			continue;
		}
		c->servers[kept++] = c->servers[i];
	}
	c->nservers = kept;
}

static void read_inputs(cg_mcp_config *c, json_object *inputs)
{
	size_t i, n = jc.json_object_array_length(inputs);
	json_object *id;

	for (i = 0; i < n && c->ninputs < MAX_ITEMS; i++) {
		if (!jc.json_object_object_get_ex(jc.json_object_array_get_idx(inputs, i), "id", &id))
			continue;
		c->inputs = cg_array_grow(c->inputs, &c->ainputs, c->ninputs + 1, sizeof(*c->inputs));
		c->inputs[c->ninputs++] = text_of(id);
	}
}

static const char *const shapes[] = { "mcpServers", "servers", "context_servers", NULL };

/* The servers of the first known key; VS Code's settings.json nests them
 * under "mcp". */
static void read_shape(cg_mcp_config *c, json_object *root, int nested)
{
	json_object *v;

	if (jc.json_object_is_type(root, json_type_array)) {
		c->shape = "list";
		read_server_list(c, root);
		return;
	}
	if (!jc.json_object_is_type(root, json_type_object))
		return;
	/* "{}" is where every configuration starts: no servers, not opaque */
	if (!nested && jc.json_object_object_length(root) == 0) {
		c->shape = "empty";
		return;
	}
	for (size_t i = 0; shapes[i] && !c->shape; i++) {
		if (!jc.json_object_object_get_ex(root, shapes[i], &v))
			continue;
		if (jc.json_object_is_type(v, json_type_object)) {
			c->shape = shapes[i];
			for (struct lh_entry *m = lh_table_head(jc.json_object_get_object(v)); m;
			     m = lh_entry_next(m))
				add_server(c, lh_entry_k(m), (json_object *)lh_entry_v(m));
		} else if (jc.json_object_is_type(v, json_type_array)) {
			c->shape = shapes[i];
			read_server_list(c, v);
		}
	}
	if (c->shape && jc.json_object_object_get_ex(root, "inputs", &v) &&
	    jc.json_object_is_type(v, json_type_array))
		read_inputs(c, v);
	if (!c->shape && !nested && jc.json_object_object_get_ex(root, "mcp", &v))
		read_shape(c, v, 1);
}

static int is_yaml(const char *label)
{
	size_t n = strlen(label);

	return (n >= 5 && !strcasecmp(label + n - 5, ".yaml")) ||
	       (n >= 4 && !strcasecmp(label + n - 4, ".yml"));
}

int cg_mcpconfig_parse(cg_mcp_config **out, const char *data, size_t len, const char *label)
{
	cg_mcp_config *c = cg_calloc(1, sizeof(*c));
	json_object *root = NULL;
	int error;

	*out = NULL;
	if ((error = cg_mcpconfig_load()) < 0) {
		cg_mcpconfig_free(c);
		return error;
	}
	if (len > CG_MCPCONFIG_MAX_BYTES) {
		cg_mcpconfig_free(c);
		return cg_error_set(CG_ELIMIT, "%s: larger than 1 MiB (%zu bytes), not read", label, len);
	}
	if (is_yaml(label))
		error = parse_yaml(&root, c, data, len, label);
	else if ((error = parse_json(&root, data ? data : "", len, label)) == 0)
		find_repeated_key(c, data, len);
	if (error < 0) {
		cg_mcpconfig_free(c);
		return error;
	}
	read_shape(c, root, 0);
	sort_servers(c);
	jc.json_object_put(root);
	*out = c;
	return 0;
}

const char *cg_mcpconfig_shape(const cg_mcp_config *c)
{
	return c->shape;
}

size_t cg_mcpconfig_count(const cg_mcp_config *c)
{
	return c ? c->nservers : 0;
}

const cg_mcp_server *cg_mcpconfig_get(const cg_mcp_config *c, size_t i)
{
	return &c->servers[i];
}

const cg_mcp_server *cg_mcpconfig_find(const cg_mcp_config *c, const char *name)
{
	size_t lo = 0, hi = cg_mcpconfig_count(c);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(name, c->servers[mid].name);
		if (!d)
			return &c->servers[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t cg_mcpconfig_input_count(const cg_mcp_config *c)
{
	return c ? c->ninputs : 0;
}

const char *cg_mcpconfig_input(const cg_mcp_config *c, size_t i)
{
	return c->inputs[i];
}

const char *cg_mcpconfig_note(const cg_mcp_config *c)
{
	return c ? c->note : NULL;
}

void cg_mcpconfig_free(cg_mcp_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nservers; i++)
		free_server(&c->servers[i]);
	free(c->servers);
	for (i = 0; i < c->ninputs; i++)
		free(c->inputs[i]);
	free(c->inputs);
	free(c->note);
	free(c);
}
