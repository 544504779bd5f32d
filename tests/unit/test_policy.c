/*
 * test_policy.c: the policy loader: SPEC §2 defaults, every error with its
 * exact location, YAML hazards (aliases, deep nesting, bad UTF-8), round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "glob.h"
#include "hash.h"
#include "pattern.h"
#include "policy.h"
#include "timestamp.h"

static cg_policy *load_ok(const char *yaml)
{
	cg_policy *p = NULL;

	if (cg_policy_load_buffer(&p, yaml, strlen(yaml), "t.yml") < 0)
		fail_msg("policy refused: %s\n--- policy:\n%s", cg_error_last(), yaml);
	return p;
}

static void expect_error_len(const char *yaml, size_t len, const char *message)
{
	cg_policy *p = (cg_policy *)1;

	cg_error_clear();
	assert_int_equal(cg_policy_load_buffer(&p, yaml, len, "t.yml"), CG_EPOLICY);
	assert_null(p);
	assert_string_equal(cg_error_last(), message);
}

static void expect_error(const char *yaml, const char *message)
{
	expect_error_len(yaml, strlen(yaml), message);
}

static char *formatted(const cg_policy *p)
{
	cg_buf out = CG_BUF_INIT;

	cg_policy_format(&out, p);
	return cg_buf_detach(&out);
}

static void assert_globs(const cg_globset *set, const char *const *want, size_t n)
{
	assert_int_equal(cg_globset_count(set), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(cg_globset_pattern(set, i), want[i]);
}

static void assert_strings(char *const *v, size_t len, const char *const *want, size_t n)
{
	assert_int_equal(len, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v[i], want[i]);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_defaults_are_spec(void **state)
{
	static const char *const require_for[] = { "**" };
	static const char *const ignore[] = { "**/*.md", "docs/**", ".github/**" };
	static const char *const mcp[] = {
		".mcp.json", "**/.mcp.json", "mcp.json", "**/mcp.json",
		"**/.cursor/mcp.json", "**/.vscode/mcp.json", "**/claude_desktop_config.json",
		".mcp/**", "mcp/**", "**/mcp-servers/**", "**/mcp_servers/**",
		"**/*mcp*.{json,yaml,yml,toml}", "scripts/mcp/**", "**/*mcp*wrapper*",
		"**/.vscode/settings.json", "**/.claude/settings.json", "**/.claude/settings.local.json",
		"**/.gemini/settings.json", "**/.continue/mcpServers/**", "**/.codex/config.toml",
		"**/.zed/settings.json", "**/opencode.json", "**/opencode.jsonc"
	};
	static const char *const policy_paths[] = { ".changeguard.yml" };
	static const char *const refs[] = { "refs/heads/**" };
	static const char *const pusher_env[] = {
		"GL_USERNAME", "GITEA_PUSHER_NAME", "GITHUB_USER_LOGIN", "REMOTE_USER", "USER"
	};
	cg_policy *p = NULL;
	char sha[65];

	(void)state;
	assert_int_equal(cg_policy_default(&p), 0);
	assert_int_equal(p->version, 1);
	assert_int_equal(p->changelog.mode, CG_CHANGELOG_NEAREST);
	assert_string_equal(p->changelog.file, "CHANGELOG.md");
	assert_globs(p->changelog.require_for, require_for, N(require_for));
	assert_globs(p->changelog.ignore, ignore, N(ignore));
	assert_string_equal(cg_pattern_source(p->changelog.entry_pattern),
	                    "^\\s*(?:[-*]|#{2,4})\\s+(?<ts>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:"
	                    "\\d{2}(?:\\.\\d+)?Z)\\b");
	assert_true(cg_pattern_has_group(p->changelog.entry_pattern, "ts"));
	assert_int_equal(p->changelog.max_age_ms, 24 * 3600 * 1000);
	assert_int_equal(p->changelog.max_skew_ms, 10 * 60 * 1000);
	assert_true(p->changelog.append_only);
	assert_string_equal(p->changelog.skip_trailer, "Changelog-Skip");

	assert_int_equal(p->protect_len, 2);
	assert_string_equal(p->protect[0].name, "mcp");
	assert_globs(p->protect[0].paths, mcp, N(mcp));
	assert_true(p->protect[0].case_insensitive);
	assert_int_equal(cg_globset_flags(p->protect[0].paths), CG_GLOB_CASEFOLD);
	assert_string_equal(p->protect[0].trailer, "MCP-Authorized-By");
	assert_int_equal(p->protect[0].authorizers_len, 0);
	assert_int_equal(p->protect[0].verify, CG_VERIFY_PUSHER);
	assert_string_equal(p->protect[1].name, "policy");
	assert_globs(p->protect[1].paths, policy_paths, N(policy_paths));
	assert_false(p->protect[1].case_insensitive);
	assert_int_equal(cg_globset_flags(p->protect[1].paths), 0);
	assert_string_equal(p->protect[1].trailer, "Policy-Authorized-By");
	assert_int_equal(p->protect[1].authorizers_len, 0);
	assert_int_equal(p->protect[1].verify, CG_VERIFY_PUSHER);

	assert_string_equal(p->audit.path, "");
	assert_false(p->audit.on_error_warn);
	assert_string_equal(p->server.policy, "");
	assert_globs(p->server.refs, refs, N(refs));
	assert_strings(p->server.pusher_env, p->server.pusher_env_len, pusher_env, N(pusher_env));
	assert_false(p->server.push_option_waivers);
	assert_int_equal(p->server.deadline, 0);

	assert_string_equal(p->source, "(built-in defaults)");
	cg_hash_sha256_hex(sha, cg_policy_default_yaml, strlen(cg_policy_default_yaml));
	assert_string_equal(p->sha256, sha);
	cg_policy_free(p);
}

/* The places the built-in policy departs from SPEC §2, on purpose (see
 * docs/security.md): `.cursor/mcp.json` and `.vscode/mcp.json` are
 * protected in every directory, as a workspace opened in a subdirectory
 * reads them there, so that a symlink or submodule at `sub/.cursor` needs
 * the sign-off too; and the settings files other MCP clients read servers
 * from are protected as well (issue 16 §6). */
static void spec_to_builtin(cg_buf *yaml)
{
	static const char *const from[] = { "\".cursor/mcp.json\"", "\".vscode/mcp.json\"",
	                                    "\"**/*mcp*wrapper*\"" };
	static const char *const to[] = { "\"**/.cursor/mcp.json\"", "\"**/.vscode/mcp.json\"",
		"\"**/*mcp*wrapper*\", \"**/.vscode/settings.json\", \"**/.claude/settings.json\", "
		"\"**/.claude/settings.local.json\", \"**/.gemini/settings.json\", "
		"\"**/.continue/mcpServers/**\", \"**/.codex/config.toml\", \"**/.zed/settings.json\", "
		"\"**/opencode.json\", \"**/opencode.jsonc\"" };
	cg_buf out = CG_BUF_INIT;
	const char *p = yaml->ptr;

	for (size_t k = 0; k < N(from); k++) {
		const char *hit = strstr(p, from[k]);
		assert_non_null(hit);
		cg_buf_put(&out, p, (size_t)(hit - p));
		cg_buf_puts(&out, to[k]);
		p = hit + strlen(from[k]);
	}
	cg_buf_puts(&out, p);
	cg_buf_dispose(yaml);
	*yaml = out;
}

/* The yaml block of SPEC §2, loaded as a policy, is the built-in policy
 * (but for spec_to_builtin). */
static void test_defaults_match_spec_text(void **state)
{
	const char *src = getenv("CG_SOURCE_DIR");
	char path[4096], *spec, *start, *end, *a, *b;
	cg_policy *builtin = NULL, *fromspec = NULL;
	cg_buf text = CG_BUF_INIT;
	FILE *f = NULL;
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "%s/../shared/SPEC.md", src ? src : ".");
	if (!src || !(f = fopen(path, "r")))
		skip();
	spec = cg_malloc(1 << 20);
	n = fread(spec, 1, (1 << 20) - 1, f);
	spec[n] = '\0';
	fclose(f);
	assert_non_null(start = strstr(spec, "```yaml\n"));
	start += strlen("```yaml\n");
	assert_non_null(end = strstr(start, "```"));
	cg_buf_put(&text, start, (size_t)(end - start));
	spec_to_builtin(&text);

	assert_int_equal(cg_policy_default(&builtin), 0);
	assert_int_equal(cg_policy_load_buffer(&fromspec, text.ptr, text.size, "SPEC.md"), 0);
	a = formatted(builtin);
	b = formatted(fromspec);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cg_policy_free(builtin);
	cg_policy_free(fromspec);
	cg_buf_dispose(&text);
	free(spec);
}

static int has_comment(const char *s, const char *eol)
{
	for (; s + 2 < eol; s++)
		if (!strncmp(s, " # ", 3))
			return 1;
	return 0;
}

/* `changeguard init` writes this text: each line that sets a key explains it. */
static void test_default_yaml_comments_every_key(void **state)
{
	const char *line = cg_policy_default_yaml, *eol;

	(void)state;
	for (; *line; line = eol + 1) {
		const char *s = line;
		assert_non_null(eol = strchr(line, '\n'));
		while (*s == ' ' || *s == '-')
			s++;
		if (*s == '#' || s == eol || !strchr(s, ':') ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(strchr(s, ':') - s))
			continue;
		if (!has_comment(s, eol))
			fail_msg("no comment on: %.*s", (int)(eol - line), line);
	}
}

static void test_omitted_keys_keep_defaults(void **state)
{
	cg_policy *p = load_ok("changelog: {mode: root}\n"), *d = NULL;
	char *a, *b;

	(void)state;
	assert_int_equal(p->changelog.mode, CG_CHANGELOG_ROOT);
	assert_int_equal(cg_policy_default(&d), 0);
	d->changelog.mode = CG_CHANGELOG_ROOT;
	a = formatted(p);
	b = formatted(d);
	assert_string_equal(a, b);
	assert_string_equal(p->source, "t.yml");
	free(a);
	free(b);
	cg_policy_free(p);
	cg_policy_free(d);
}

static void test_empty_means_defaults(void **state)
{
	static const char *const empties[] = {
		"", "# nothing but a comment\n", "---\n", "~\n", "\xef\xbb\xbf",
		"changelog:\naudit: # every key commented out\n#  on_error: warn\n",
	};
	cg_policy *d = NULL, *p = NULL;
	char *want, *got, *copy, sha[65];

	(void)state;
	assert_int_equal(cg_policy_default(&d), 0);
	want = formatted(d);
	assert_int_equal(cg_policy_load_buffer(&p, NULL, 0, "t.yml"), 0);
	cg_policy_free(p);
	for (size_t i = 0; i < N(empties); i++) {
		p = load_ok(empties[i]);
		got = formatted(p);
		assert_string_equal(got, want);
		cg_hash_sha256_hex(sha, empties[i], strlen(empties[i]));
		assert_string_equal(p->sha256, sha);
		free(got);
		cg_policy_free(p);
	}
	/* The defaults' own text as a file holds it, read over the defaults
	 * (the built-in policy reads it once): the same policy and digest. */
	copy = cg_strdup(cg_policy_default_yaml);
	p = load_ok(copy);
	got = formatted(p);
	assert_string_equal(got, want);
	assert_string_equal(p->sha256, d->sha256);
	free(got);
	free(copy);
	cg_policy_free(p);
	free(want);
	cg_policy_free(d);
}

static void test_protect_list_replaces_defaults(void **state)
{
	cg_policy *p;

	(void)state;
	p = load_ok("protect: []\n");
	assert_int_equal(p->protect_len, 0);
	cg_policy_free(p);

	/* a built-in group's name brings its trailer, nothing else */
	p = load_ok("protect:\n  - name: mcp\n    paths: [tools/**]\n");
	assert_int_equal(p->protect_len, 1);
	assert_string_equal(p->protect[0].trailer, "MCP-Authorized-By");
	assert_false(p->protect[0].case_insensitive);
	assert_int_equal(cg_globset_count(p->protect[0].paths), 1);
	cg_policy_free(p);

	p = load_ok("protect:\n"
	            "  - paths: [Secrets/**]\n"
	            "    case_insensitive: yes\n"
	            "    name: secrets\n"
	            "    trailer: ''\n"
	            "    authorizers: [alice@example.com, Bob]\n"
	            "    verify: trailer\n");
	assert_int_equal(p->protect_len, 1);
	assert_string_equal(p->protect[0].trailer, "");
	assert_int_equal(p->protect[0].verify, CG_VERIFY_TRAILER);
	assert_int_equal(p->protect[0].authorizers_len, 2);
	assert_string_equal(p->protect[0].authorizers[1], "Bob");
	/* case_insensitive after paths still folds them */
	assert_int_equal(cg_globset_flags(p->protect[0].paths), CG_GLOB_CASEFOLD);
	assert_true(cg_globset_match(p->protect[0].paths, "secrets/key.pem"));
	cg_policy_free(p);
}

/* The message a sibling module gives for `bad`, behind our prefix. */
static char *with_glob_message(const char *prefix, const char *bad)
{
	cg_globset *set = NULL;
	cg_buf msg = CG_BUF_INIT;

	assert_int_equal(cg_globset_new(&set, 0), 0);
	assert_int_equal(cg_globset_add(set, bad), CG_EPOLICY);
	cg_buf_printf(&msg, "%s%s", prefix, cg_error_last());
	cg_globset_free(set);
	return cg_buf_detach(&msg);
}

static char *with_regex_message(const char *prefix, const char *bad)
{
	cg_pattern *p = NULL;
	cg_buf msg = CG_BUF_INIT;

	assert_int_equal(cg_pattern_compile(&p, bad, 0), CG_EPOLICY);
	cg_buf_printf(&msg, "%s%s", prefix, cg_error_last());
	return cg_buf_detach(&msg);
}

static char *with_duration_message(const char *prefix, const char *bad)
{
	cg_buf msg = CG_BUF_INIT;
	int64_t ms;

	assert_int_equal(cg_duration_parse(bad, &ms), CG_EPOLICY);
	cg_buf_printf(&msg, "%s%s", prefix, cg_error_last());
	return cg_buf_detach(&msg);
}

static void test_errors_from_other_modules(void **state)
{
	char *want;

	(void)state;
	want = with_glob_message("t.yml:2:12: changelog.ignore: ", "docs/{a,b");
	expect_error("changelog:\n  ignore: ['docs/{a,b']\n", want);
	free(want);
	want = with_glob_message("t.yml:3:17: protect[0].paths: ", "[ab");
	expect_error("protect:\n  - name: x\n    paths: [ok, '[ab']\n    trailer: X\n", want);
	free(want);
	want = with_regex_message("t.yml:2:18: changelog.entry_pattern: ", "(?<ts>");
	expect_error("changelog:\n  entry_pattern: '(?<ts>'\n", want);
	free(want);
	want = with_duration_message("t.yml:2:12: changelog.max_age: ", "24 hours");
	expect_error("changelog:\n  max_age: 24 hours\n", want);
	free(want);
	want = with_duration_message("t.yml:2:13: changelog.max_skew: ", "-5m");
	expect_error("changelog:\n  max_skew: -5m\n", want);
	free(want);
}

static const struct {
	const char *yaml, *message;
} errors[] = {
	{ "version: 1\nchangelog:\n  mdoe: root\n",
	  "t.yml:3:3: unknown key 'mdoe' in changelog (valid keys: mode, file, require_for, "
	  "ignore, entry_pattern, max_age, max_skew, append_only, skip_trailer, amend_trailer, "
	  "amend_removes, non_utf8)" },
	{ "changelgo:\n  mode: root\n",
	  "t.yml:1:1: unknown key 'changelgo' at the top level (valid keys: version, changelog, "
	  "protect, forbid, audit, server)" },
	{ "protect:\n  - name: x\n    paths: [a]\n    trailer: X-Ok\n    verfiy: pusher\n",
	  "t.yml:5:5: unknown key 'verfiy' in protect[0] (valid keys: name, paths, "
	  "case_insensitive, trailer, authorizers, verify, removal_authorizers)" },
	{ "server: {deadline: 5, timeout: 5}\n",
	  "t.yml:1:23: unknown key 'timeout' in server (valid keys: policy, refs, pusher_env, "
	  "push_option_waivers, deadline, forbid_waivers)" },
	/* wrong types */
	{ "changelog:\n  ignore: docs/**\n", "t.yml:2:11: changelog.ignore: expected a list of strings" },
	{ "changelog:\n  ignore: [a, [b]]\n", "t.yml:2:15: changelog.ignore: expected a list of strings" },
	{ "server:\n  pusher_env: [USER, ~]\n",
	  "t.yml:2:22: server.pusher_env: expected a list of strings" },
	{ "audit: [x]\n", "t.yml:1:8: audit: expected a mapping with keys path, on_error, witness, syslog, url, repository_id" },
	{ "changelog:\n  file: [a]\n", "t.yml:2:9: changelog.file: expected a string" },
	{ "audit:\n  path: ~\n",
	  "t.yml:2:9: audit.path: expected a string, got null (write '' for an empty one)" },
	{ "changelog:\n  skip_trailer: false\n",
	  "t.yml:2:17: changelog.skip_trailer: expected a string, got the boolean false (quote it "
	  "to mean the text)" },
	{ "server:\n  pusher_env: [USER, on]\n",
	  "t.yml:2:22: server.pusher_env: expected a list of strings" },
	{ "version: '1'\n", "t.yml:1:10: version: expected a whole number" },
	{ "server:\n  deadline: 010\n", "t.yml:2:13: server.deadline: expected a whole number" },
	{ "server:\n  deadline: -1\n", "t.yml:2:13: server.deadline: expected a whole number" },
	{ "server:\n  deadline: 90000\n",
	  "t.yml:2:13: server.deadline: 90000 is out of range (0 to 86400)" },
	{ "version: 2\n", "t.yml:1:10: version: unsupported value 2 (only 1 is supported)" },
	{ "changelog:\n  append_only: maybe\n",
	  "t.yml:2:16: changelog.append_only: expected true or false (or yes/no, on/off, unquoted)" },
	{ "changelog:\n  append_only: 'true'\n",
	  "t.yml:2:16: changelog.append_only: expected true or false (or yes/no, on/off, unquoted)" },
	{ "server:\n  push_option_waivers: 1\n",
	  "t.yml:2:24: server.push_option_waivers: expected true or false (or yes/no, on/off, "
	  "unquoted)" },
	/* enums */
	{ "changelog:\n  mode: closest\n",
	  "t.yml:2:9: changelog.mode: unknown value 'closest' (allowed: nearest, every-directory, "
	  "root)" },
	{ "audit:\n  on_error: ignore\n",
	  "t.yml:2:13: audit.on_error: unknown value 'ignore' (allowed: block, warn)" },
	{ "protect:\n  - name: x\n    paths: [a]\n    trailer: X-Ok\n    verify: both\n",
	  "t.yml:5:13: protect[0].verify: unknown value 'both' (allowed: pusher, trailer, signature)" },
	/* values */
	{ "changelog:\n  entry_pattern: '^- (\\d+)'\n",
	  "t.yml:2:18: changelog.entry_pattern: the pattern needs a named group 'ts' for the "
	  "timestamp, as in (?<ts>...)" },
	{ "changelog:\n  skip_trailer: Changelog Skip\n",
	  "t.yml:2:17: changelog.skip_trailer: 'Changelog Skip' must be a trailer key of letters, "
	  "digits and '-', like MCP-Authorized-By" },
	{ "changelog:\n  file: docs/CHANGELOG.md\n",
	  "t.yml:2:9: changelog.file: 'docs/CHANGELOG.md' must be a file name, without '/'" },
	{ "server:\n  pusher_env: [GL-USER]\n",
	  "t.yml:2:16: server.pusher_env: 'GL-USER' must be an environment variable name" },
	{ "protect:\n  - {name: a, paths: [a], trailer: A, authorizers: ['']}\n",
	  "t.yml:2:53: protect[0].authorizers: '' must not be empty" },
	{ "changelog:\n  file: \"a\\0b\"\n",
	  "t.yml:2:9: control characters and line breaks are not allowed in values" },
	{ "changelog:\n  entry_pattern: |\n    (?<ts>x)\n",
	  "t.yml:2:18: control characters and line breaks are not allowed in values" },
	{ "audit:\n  path: \"\\e[31mred\"\n",
	  "t.yml:2:9: control characters and line breaks are not allowed in values" },
	{ "audit:\n  path: \"a\\Nb\"\n",
	  "t.yml:2:9: control characters and line breaks are not allowed in values" },
	/* protect groups */
	{ "protect: {name: a}\n",
	  "t.yml:1:10: protect: expected a list of groups, each a mapping with name, paths and "
	  "trailer" },
	{ "protect:\n  - just-a-name\n",
	  "t.yml:2:5: protect[0]: expected a mapping with keys name, paths, case_insensitive, "
	  "trailer, authorizers, verify, removal_authorizers" },
	{ "protect:\n  - name: x\n    trailer: X-Ok\n", "t.yml:2:5: protect[0]: missing key 'paths'" },
	{ "protect:\n  - paths: [a]\n    trailer: X-Ok\n", "t.yml:2:5: protect[0]: missing key 'name'" },
	{ "protect:\n  - name: x\n    paths: [a]\n",
	  "t.yml:2:5: protect[0]: missing key 'trailer' (only the built-in groups 'mcp', 'policy' "
	  "have a default)" },
	{ "protect:\n  - {name: a, paths: [a], trailer: A}\n  - {name: a, paths: [b], trailer: B}\n",
	  "t.yml:3:5: protect[1]: a group named 'a' comes earlier" },
	{ "protect:\n  - {name: '', paths: [a], trailer: A}\n",
	  "t.yml:2:12: protect[0].name: '' must not be empty" },
	/* YAML features a policy has no use for */
	{ "changelog:\n  file: &f CHANGELOG.md\n", "t.yml:2:9: anchors and aliases are not allowed" },
	{ "changelog:\n  file: *f\n", "t.yml:2:9: anchors and aliases are not allowed" },
	{ "changelog: &c\n  mode: root\n", "t.yml:1:12: anchors and aliases are not allowed" },
	{ "changelog:\n  file: !!str CHANGELOG.md\n",
	  "t.yml:2:9: tags are not allowed ('tag:yaml.org,2002:str')" },
	{ "audit:\n  on_error: warn\n  on_error: block\n",
	  "t.yml:3:3: duplicate key 'on_error' in audit (first on line 2)" },
	{ "version: 1\nversion: 1\n", "t.yml:2:1: duplicate key 'version' (first on line 1)" },
	{ "? [a]\n: b\n", "t.yml:1:3: expected a key name" },
	{ "- a\n- b\n",
	  "t.yml:1:1: expected a mapping with keys version, changelog, protect, forbid, audit, server" },
	{ "just text\n",
	  "t.yml:1:1: expected a mapping with keys version, changelog, protect, forbid, audit, server" },
	{ "version: 1\n---\nversion: 1\n",
	  "t.yml:2:1: a second YAML document; a policy is a single document" },
	{ "changelog:\n  ignore: [root\n",
	  "t.yml:3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow "
	  "sequence at 2:11)" },
	{ "changelog:\n\tmode: root\n",
	  "t.yml:2:1: YAML syntax error: found character that cannot start any token (while "
	  "scanning for the next token at 2:1)" },
};

static void test_error_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(errors); i++)
		expect_error(errors[i].yaml, errors[i].message);
}

static void test_not_utf8(void **state)
{
	(void)state;
	/* Latin-1 "café.md": 0xE9 opens a three-byte sequence that '.' breaks */
	expect_error("changelog:\n  file: caf\xe9.md\n",
	             "t.yml:2:13: not valid UTF-8: invalid trailing UTF-8 octet 0x2E");
	expect_error("changelog:\n  file: \xff\n",
	             "t.yml:2:9: not valid UTF-8: invalid leading UTF-8 octet 0xFF");
	expect_error("# \xc3", "t.yml:1:3: not valid UTF-8: incomplete UTF-8 octet sequence");
	/* UTF-16 is not guessed from its byte order mark */
	expect_error_len("\xff\xfev\0:\0 \0" "1\0", 10,
	                 "t.yml:1:1: not valid UTF-8: invalid leading UTF-8 octet 0xFF");
	expect_error_len("version: 1\n\0", 12, "t.yml:2:1: control character U+0000 is not allowed");
	expect_error("audit:\n  path: \"x\"\r\x01", "t.yml:3:1: control character U+0001 is not allowed");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Billion laughs: nine lists of nine references would be 9^9 strings if
 * aliases were expanded; they are refused at the first anchor. */
static void test_alias_bomb(void **state)
{
	cg_buf yaml = CG_BUF_INIT;
	struct timespec t0;
	cg_policy *p = NULL;

	(void)state;
	cg_buf_puts(&yaml, "server:\n  refs: [&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]");
	for (char c = 'b'; c <= 'i'; c++) {
		cg_buf_printf(&yaml, ",\n    &%c [", c);
		for (int i = 0; i < 9; i++)
			cg_buf_printf(&yaml, "%s*%c", i ? ", " : "", c - 1);
		cg_buf_puts(&yaml, "]");
	}
	cg_buf_puts(&yaml, "]\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_error(yaml.ptr, "t.yml:2:10: anchors and aliases are not allowed");
	assert_true(seconds_since(&t0) < 1.0);

	/* the classic form, with its own top-level keys */
	cg_buf_clear(&yaml);
	cg_buf_puts(&yaml, "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
	for (char c = 'b'; c <= 'i'; c++)
		cg_buf_printf(&yaml, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c, c - 1,
		              c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cg_policy_load_buffer(&p, yaml.ptr, yaml.size, "t.yml"), CG_EPOLICY);
	assert_true(seconds_since(&t0) < 1.0);
	cg_buf_dispose(&yaml);
}

static void expect_deep(const char *prefix, const char *open, const char *close,
                        const char *message)
{
	cg_buf yaml = CG_BUF_INIT;

	cg_buf_puts(&yaml, prefix);
	for (int i = 0; i < 10000; i++)
		cg_buf_puts(&yaml, open);
	for (int i = 0; i < 10000; i++)
		cg_buf_puts(&yaml, close);
	cg_buf_putc(&yaml, '\n');
	expect_error(yaml.ptr, message);
	cg_buf_dispose(&yaml);
}

/* 10,000 levels: refused where the schema stops, never followed down. */
static void test_deep_nesting(void **state)
{
	(void)state;
	expect_deep("", "[", "]",
	            "t.yml:1:1: expected a mapping with keys version, changelog, protect, forbid, audit, server");
	expect_deep("changelog:\n  ignore: ", "[", "]",
	            "t.yml:2:12: changelog.ignore: expected a list of strings");
	expect_deep("protect: ", "[", "]",
	            "t.yml:1:11: protect[0]: expected a mapping with keys name, paths, "
	            "case_insensitive, trailer, authorizers, verify, removal_authorizers");
	expect_deep("changelog: ", "{", "}", "t.yml:1:13: changelog: expected a key name");
	expect_deep("", "- ", "", "t.yml:1:1: expected a mapping with keys version, changelog, "
	                          "protect, forbid, audit, server");
}

static void test_size_limit(void **state)
{
	char *yaml = cg_malloc(CG_POLICY_MAX_SIZE + 2);
	cg_policy *p = NULL;

	(void)state;
	memset(yaml, ' ', CG_POLICY_MAX_SIZE + 1);
	yaml[0] = '#';
	yaml[CG_POLICY_MAX_SIZE - 1] = '\n';
	assert_int_equal(cg_policy_load_buffer(&p, yaml, CG_POLICY_MAX_SIZE, "t.yml"), 0);
	cg_policy_free(p);
	expect_error_len(yaml, CG_POLICY_MAX_SIZE + 1,
	                 "t.yml: the policy is larger than 1 MiB (1048577 bytes)");
	free(yaml);
}

static void test_booleans(void **state)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };
	char yaml[256];

	(void)state;
	for (size_t i = 0; i < N(yes); i++) {
		cg_policy *p;
		snprintf(yaml, sizeof(yaml),
		         "changelog: {append_only: %s}\nserver: {push_option_waivers: %s}\n"
		         "protect: [{name: x, paths: [a], trailer: T, case_insensitive: %s}]\n",
		         no[i], yes[i], yes[i]);
		p = load_ok(yaml);
		assert_false(p->changelog.append_only);
		assert_true(p->server.push_option_waivers);
		assert_true(p->protect[0].case_insensitive);
		cg_policy_free(p);
	}
	for (size_t i = 0; i < N(yes); i++) {
		cg_policy *p;
		snprintf(yaml, sizeof(yaml), "changelog: {append_only: %s}\n", yes[i]);
		p = load_ok(yaml);
		assert_true(p->changelog.append_only);
		cg_policy_free(p);
	}
	expect_error("changelog: {append_only: y}\n",
	             "t.yml:1:26: changelog.append_only: expected true or false (or yes/no, on/off, "
	             "unquoted)");
}

static void test_durations(void **state)
{
	cg_policy *p;
	cg_buf out = CG_BUF_INIT;

	(void)state;
	p = load_ok("changelog:\n  max_age: 1h30m\n  max_skew: 90\n");
	assert_int_equal(p->changelog.max_age_ms, 90 * 60 * 1000);
	assert_int_equal(p->changelog.max_skew_ms, 90 * 1000);
	cg_policy_free(p);
	p = load_ok("changelog: {max_age: 2w, max_skew: 1500ms}\n");
	assert_int_equal(p->changelog.max_age_ms, 14LL * 24 * 3600 * 1000);
	assert_int_equal(p->changelog.max_skew_ms, 1500);
	cg_policy_format(&out, p);
	assert_non_null(strstr(out.ptr, "  max_age: 2w\n  max_skew: 1s500ms\n"));
	cg_buf_dispose(&out);
	cg_policy_free(p);
}

static const char custom[] =
	"version: 1\n"
	"changelog:\n"
	"  mode: every-directory\n"
	"  file: \"HISTORY 'n' notes.md\"\n"
	"  require_for: [src/**, '/Makefile', \"**/*.{c,h}\"]\n"
	"  ignore: []\n"
	"  entry_pattern: \"^\\\\* (?<ts>[0-9T:Z-]+) \\\"it's\\\"\\t#\"\n"
	"  max_age: 7d\n"
	"  max_skew: 0\n"
	"  append_only: off\n"
	"  skip_trailer: ''\n"
	"protect:\n"
	"  - name: \"O'Brien's: keys # not a comment\"\n"
	"    paths: ['it''s/**', ' spaced ', 'caf\xc3\xa9/**']\n"
	"    case_insensitive: on\n"
	"    trailer: Keys-OK\n"
	"    authorizers: ['Ann \"A\" <ann@example.com>', '- dash', '&amp', '*star', '!bang', 'null', 'true']\n"
	"    verify: trailer\n"
	"audit:\n"
	"  path: /var/lib/cg/audit.db\n"
	"  on_error: warn\n"
	"server:\n"
	"  policy: '~'\n"
	"  refs: []\n"
	"  pusher_env: []\n"
	"  push_option_waivers: yes\n"
	"  deadline: 25\n";

static void test_format_round_trip(void **state)
{
	const char *texts[] = { custom, "protect: []\n", "" };

	(void)state;
	for (size_t i = 0; i < N(texts); i++) {
		cg_policy *p = load_ok(texts[i]), *q;
		char *a = formatted(p), *b;

		q = load_ok(a);
		b = formatted(q);
		assert_string_equal(a, b);
		cg_policy_free(p);
		cg_policy_free(q);
		free(a);
		free(b);
	}
}

static void test_custom_values(void **state)
{
	static const char *const authorizers[] = {
		"Ann \"A\" <ann@example.com>", "- dash", "&amp", "*star", "!bang", "null", "true"
	};
	cg_policy *p = load_ok(custom), *q;
	char *text = formatted(p);

	(void)state;
	/* check the values after a round trip, which covers both directions */
	q = load_ok(text);
	assert_int_equal(q->changelog.mode, CG_CHANGELOG_EVERY_DIRECTORY);
	assert_string_equal(q->changelog.file, "HISTORY 'n' notes.md");
	assert_int_equal(cg_globset_count(q->changelog.require_for), 3);
	assert_string_equal(cg_globset_pattern(q->changelog.require_for, 2), "**/*.{c,h}");
	assert_int_equal(cg_globset_count(q->changelog.ignore), 0);
	assert_string_equal(cg_pattern_source(q->changelog.entry_pattern),
	                    "^\\* (?<ts>[0-9T:Z-]+) \"it's\"\t#");
	assert_int_equal(q->changelog.max_age_ms, 7LL * 24 * 3600 * 1000);
	assert_int_equal(q->changelog.max_skew_ms, 0);
	assert_false(q->changelog.append_only);
	assert_string_equal(q->changelog.skip_trailer, "");
	assert_int_equal(q->protect_len, 1);
	assert_string_equal(q->protect[0].name, "O'Brien's: keys # not a comment");
	assert_string_equal(cg_globset_pattern(q->protect[0].paths, 0), "it's/**");
	assert_string_equal(cg_globset_pattern(q->protect[0].paths, 1), " spaced ");
	assert_true(cg_globset_match(q->protect[0].paths, "CAF\xc3\xa9/x"));
	assert_strings(q->protect[0].authorizers, q->protect[0].authorizers_len, authorizers,
	               N(authorizers));
	assert_int_equal(q->protect[0].verify, CG_VERIFY_TRAILER);
	assert_string_equal(q->audit.path, "/var/lib/cg/audit.db");
	assert_true(q->audit.on_error_warn);
	assert_string_equal(q->server.policy, "~");
	assert_int_equal(cg_globset_count(q->server.refs), 0);
	assert_int_equal(q->server.pusher_env_len, 0);
	assert_true(q->server.push_option_waivers);
	assert_int_equal(q->server.deadline, 25);
	free(text);
	cg_policy_free(p);
	cg_policy_free(q);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", path[64], big[64];
	cg_policy *p = NULL;
	char *yaml;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/.changeguard.yml", dir);
	snprintf(big, sizeof(big), "%s/big.yml", dir);

	assert_int_equal(cg_policy_load_file(&p, path), CG_ENOTFOUND);
	assert_null(p);

	assert_non_null(f = fopen(path, "w"));
	fputs("audit:\n  on_error: warn\n  colour: red\n", f);
	fclose(f);
	assert_int_equal(cg_policy_load_file(&p, path), CG_EPOLICY);
	assert_non_null(strstr(cg_error_last(), "/.changeguard.yml:3:3: unknown key 'colour' in audit"));

	assert_non_null(f = fopen(path, "w"));
	fputs("audit:\n  on_error: warn\n", f);
	fclose(f);
	assert_int_equal(cg_policy_load_file(&p, path), 0);
	assert_true(p->audit.on_error_warn);
	assert_string_equal(p->source, path);
	cg_policy_free(p);

	/* a file far over the limit is read only one byte past it */
	yaml = cg_malloc(3 * CG_POLICY_MAX_SIZE);
	memset(yaml, '\n', 3 * CG_POLICY_MAX_SIZE);
	assert_non_null(f = fopen(big, "w"));
	assert_int_equal(fwrite(yaml, 1, 3 * CG_POLICY_MAX_SIZE, f), 3 * CG_POLICY_MAX_SIZE);
	fclose(f);
	free(yaml);
	assert_int_equal(cg_policy_load_file(&p, big), CG_EPOLICY);
	assert_non_null(strstr(cg_error_last(), "big.yml: the policy is larger than 1 MiB (1048577 bytes)"));

	assert_int_equal(cg_policy_load_file(&p, dir), CG_EPOLICY);
	unlink(big);
	unlink(path);
	rmdir(dir);
}

/* The forbid rule's default globs, as loaded: each backup or stray-copy
 * name refused, its neighbours not; with case_insensitive, other cases too. */
struct forbid_case {
	const char *path;
	int refused;         /* under the defaults */
	int refused_folded;  /* with case_insensitive: true */
};

static const struct forbid_case forbid_cases[] = {
	{ "a.c.orig", 1, 1 },           { "src/a.c.rej", 1, 1 },
	{ "conf.bak", 1, 1 },           { "db.backup", 1, 1 },
	{ "notes.txt~", 1, 1 },         { "src/.main.c.swp", 1, 1 },
	{ "build.tmp", 1, 1 },          { "setup.old", 1, 1 },
	{ "main copy.c", 1, 1 },        { "a/report (1).pdf", 1, 1 },
	{ "config_backup.yml", 1, 1 },  { "x/config-backup.yml", 1, 1 },
	{ "backup/x.c", 1, 1 },         { "src/backup/deep/x.c", 1, 1 },
	{ "A.C.ORIG", 0, 1 },           { "Conf.Bak", 0, 1 },
	{ "Main Copy.c", 0, 1 },        { "src/Backup/x.c", 0, 1 },
	{ "a.c", 0, 0 },                { "origin.c", 0, 0 },
	{ "backups/x.c", 0, 0 },        { "copy.c", 0, 0 },
	{ "report1.pdf", 0, 0 },        { "backup.c", 0, 0 },
	{ "src/old/x.c", 0, 0 },        { "tmp/x.c", 0, 0 },
	{ "mybackup.c", 0, 0 },         { "a.swap", 0, 0 },
};

static const struct forbid_case duplicate_allowed[] = {
	{ "LICENSE", 1, 0 },            { "vendor/x/LICENSE.txt", 1, 0 },
	{ "COPYING", 1, 0 },            { "a/NOTICE", 1, 0 },
	{ "pkg/sub/__init__.py", 1, 0 },{ "pkg/py.typed", 1, 0 },
	{ "empty/.gitkeep", 1, 0 },     { "src/.gitignore", 1, 0 },
	{ "src/conn.c", 0, 0 },         { "pkg/init.py", 0, 0 },
};

static void test_forbid_defaults(void **state)
{
	static const char folded[] = "forbid:\n  case_insensitive: true\n";
	cg_policy *p = NULL, *f = NULL;
	size_t i;
	int failed = 0;

	(void)state;
	assert_int_equal(cg_policy_default(&p), 0);
	assert_int_equal(cg_policy_load_buffer(&f, folded, strlen(folded), "t.yml"), 0);
	for (i = 0; i < sizeof(forbid_cases) / sizeof(forbid_cases[0]); i++) {
		const struct forbid_case *c = &forbid_cases[i];
		if (cg_globset_match(p->forbid.paths, c->path) == c->refused &&
		    cg_globset_match(f->forbid.paths, c->path) == c->refused_folded)
			continue;
		print_error("'%s': want %d, folded %d\n", c->path, c->refused, c->refused_folded);
		failed = 1;
	}
	for (i = 0; i < sizeof(duplicate_allowed) / sizeof(duplicate_allowed[0]); i++) {
		const struct forbid_case *c = &duplicate_allowed[i];
		if (cg_globset_match(p->forbid.duplicate_allow, c->path) == c->refused)
			continue;
		print_error("duplicate_allow '%s': want %d\n", c->path, c->refused);
		failed = 1;
	}
	assert_false(failed);
	assert_int_equal(cg_globset_count(p->forbid.allow), 0);
	assert_true(p->forbid.duplicates);
	assert_int_equal(p->forbid.duplicate_min_size, 512);
	assert_string_equal(p->forbid.skip_trailer, "Forbid-Skip");
	assert_int_equal(p->server.forbid_waivers_len, 2);
	assert_int_equal(cg_globset_flags(f->forbid.paths), CG_GLOB_CASEFOLD);
	cg_policy_free(p);
	cg_policy_free(f);
}

static void test_forbid_errors(void **state)
{
	static const struct { const char *yaml, *error; } cases[] = {
		{ "forbid:\n  duplicate_min_size: 0\n",
		  "t.yml:2:23: forbid.duplicate_min_size: 0 is out of range (1 to 999999999)" },
		{ "server:\n  forbid_waivers: [paths]\n",
		  "t.yml:2:20: server.forbid_waivers: 'paths' must be path or duplicate" },
		{ "forbid:\n  allow: [\"a{\"]\n", NULL },
		{ "forbid:\n  skip_trailer: \"no way\"\n", NULL },
	};
	cg_policy *p = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cg_policy_load_buffer(&p, cases[i].yaml, strlen(cases[i].yaml), "t.yml"),
		                 CG_EPOLICY);
		if (cases[i].error)
			assert_string_equal(cg_error_last(), cases[i].error);
		assert_null(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_spec),
		cmocka_unit_test(test_defaults_match_spec_text),
		cmocka_unit_test(test_default_yaml_comments_every_key),
		cmocka_unit_test(test_omitted_keys_keep_defaults),
		cmocka_unit_test(test_empty_means_defaults),
		cmocka_unit_test(test_protect_list_replaces_defaults),
		cmocka_unit_test(test_errors_from_other_modules),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_custom_values),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_forbid_defaults),
		cmocka_unit_test(test_forbid_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
