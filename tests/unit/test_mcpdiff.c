#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "mcpconfig.h"
#include "mcpdiff.h"
#include "scratch.h"

/* One case: two versions of a file as a client writes it, and the lines
 * the comparison must give, in order, "\n"-separated. */
typedef struct {
	const char *what;
	const char *label;
	const char *old;   /* NULL: the file is new */
	const char *new_;  /* NULL: the file is deleted */
	const char *lines;
	int removes;
} diff_case;

static const diff_case cases[] = {
	{ "Claude Code: a server added, with a literal token in env", ".mcp.json",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\", \"args\": [\"-y\", \"fs\"]}}}",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\", \"args\": [\"-y\", \"fs\"]},\n"
	  " \"github\": {\"command\": \"docker\", \"args\": [\"run\", \"ghcr.io/github/github-mcp-server\"],\n"
	  "  \"env\": {\"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"}}}}",
	  "server 'github' added (command 'docker' args ['run', 'ghcr.io/github/github-mcp-server'])\n"
	  "server 'github': env key 'GITHUB_PERSONAL_ACCESS_TOKEN' (its value looks like a literal secret)",
	  0 },
	{ "Claude Desktop: a server removed", "claude_desktop_config.json",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\"}, \"web\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch\"]}}}",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\"}}}",
	  "server 'web' removed", 1 },
	{ "Cursor: a server renamed, same definition", ".cursor/mcp.json",
	  "{\"mcpServers\": {\"pg\": {\"command\": \"npx\", \"args\": [\"server-postgres\", \"postgresql://localhost/db\"]}}}",
	  "{\"mcpServers\": {\"postgres\": {\"command\": \"npx\", \"args\": [\"server-postgres\", \"postgresql://localhost/db\"]}}}",
	  "server 'pg' renamed to 'postgres' (same definition)", 0 },
	{ "args reordered is a change, said as such", ".mcp.json",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\", \"args\": [\"--root\", \"/srv\", \"/home\"]}}}",
	  "{\"mcpServers\": {\"fs\": {\"command\": \"npx\", \"args\": [\"--root\", \"/home\", \"/srv\"]}}}",
	  "server 'fs': args reordered (same arguments, another order) from ['--root', '/srv', '/home'] "
	  "to ['--root', '/home', '/srv']", 0 },
	{ "command, url and transport changed; an env key added, one changed, one removed", ".mcp.json",
	  "{\"mcpServers\": {\"s\": {\"command\": \"node\", \"type\": \"stdio\", \"env\": {\"A\": \"1\", \"B\": \"2\"}},"
	  " \"r\": {\"type\": \"sse\", \"url\": \"https://a.example/sse\"}}}",
	  "{\"mcpServers\": {\"s\": {\"command\": \"bun\", \"type\": \"stdio\", \"env\": {\"B\": \"3\", \"C\": \"${input:c}\"}},"
	  " \"r\": {\"type\": \"http\", \"url\": \"https://b.example/mcp\"}}}",
	  "server 'r': url changed from 'https://a.example/sse' to 'https://b.example/mcp'\n"
	  "server 'r': transport changed from 'sse' to 'http'\n"
	  "server 's': command changed from 'node' to 'bun'\n"
	  "server 's': env key 'A' removed\n"
	  "server 's': env key 'B' value changed\n"
	  "server 's': env key 'C' added", 0 },
	{ "VS Code: servers and inputs, with comments and trailing commas", ".vscode/mcp.json",
	  "{\n  // prompts for the key\n  \"inputs\": [{\"type\": \"promptString\", \"id\": \"key\", \"password\": true},],\n"
	  "  \"servers\": {\"perplexity\": {\"type\": \"stdio\", \"command\": \"npx\", /* pinned */ \"args\": [\"server-perplexity-ask\",],\n"
	  "    \"env\": {\"PERPLEXITY_API_KEY\": \"${input:key}\",},},},\n}\n",
	  "{\n  \"inputs\": [{\"type\": \"promptString\", \"id\": \"token\"}],\n"
	  "  \"servers\": {\"perplexity\": {\"type\": \"stdio\", \"command\": \"npx\", \"args\": [\"server-perplexity-ask\"],\n"
	  "    \"env\": {\"PERPLEXITY_API_KEY\": \"pplx-0123456789abcdefghijklmnopqrstuv\"}}}\n}\n// end\n",
	  "server 'perplexity': env key 'PERPLEXITY_API_KEY' value changed (its value looks like a literal secret)\n"
	  "input 'key' removed\n"
	  "input 'token' added", 0 },
	{ "Zed: context_servers, a server disabled and one in the older command form", ".zed/settings.json",
	  "{\"theme\": \"One Dark\", \"context_servers\": {\"a\": {\"source\": \"custom\", \"command\": \"x\"},"
	  " \"b\": {\"command\": {\"path\": \"/bin/b\", \"args\": [\"1\"], \"env\": {}}}}}",
	  "{\"theme\": \"One Dark\", \"context_servers\": {\"a\": {\"source\": \"custom\", \"command\": \"x\", \"enabled\": false},"
	  " \"b\": {\"command\": {\"path\": \"/bin/b\", \"args\": [\"2\"], \"env\": {\"K\": \"v\"}}}}}",
	  "server 'a' disabled\n"
	  "server 'b': args changed from ['1'] to ['2']\n"
	  "server 'b': env key 'K' added", 1 },
	{ "a repeated key: the last one counts, and the note says so", ".mcp.json",
	  "{\"mcpServers\": {\"a\": {\"command\": \"one\"}}}",
	  "{\"mcpServers\": {\"a\": {\"command\": \"one\"}, \"a\": {\"command\": \"two\"}}}",
	  "server 'a': command changed from 'one' to 'two'\n"
	  "a key appears more than once in an object; the last one counts", 0 },
	{ "YAML server list", "config.yaml",
	  "mcpServers:\n  - name: fs\n    command: npx\n    args: [a]\n  - name: web\n    command: uvx\n",
	  "mcpServers:\n  - name: fs\n    command: npx\n    args: [a]\n    disabled: true\n",
	  "server 'fs' disabled\n"
	  "server 'web' removed", 1 },
	{ "a deleted file removes every server", ".mcp.json",
	  "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}", NULL,
	  "server 'a' removed", 1 },
	{ "a new file adds them", ".mcp.json", NULL,
	  "{\"mcpServers\": {\"a\": {\"url\": \"https://mcp.example/x?key=sk-abcdefghijklmnopqrstuvwxyz\"}}}",
	  "server 'a' added (url (a value that looks like a secret, not shown))", 0 },
	{ "an unknown shape is an opaque change", "mcp.json",
	  "{\"tools\": [1]}", "{\"tools\": [2]}",
	  "not a known MCP configuration shape (mcpServers, servers, context_servers or a list of "
	  "servers): changed as a whole, not compared server by server", 0 },
	{ "an empty configuration gets its first server", ".mcp.json", "{}",
	  "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}",
	  "server 'a' added (command 'x' args [])", 0 },
	{ "nothing that matters changed", ".mcp.json",
	  "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}",
	  "// same\n{\"mcpServers\": {\"a\": {\"command\": \"x\"},}}",
	  "", 0 },
};

static cg_mcp_config *parse(const char *text, const char *label)
{
	cg_mcp_config *c = NULL;

	if (text && cg_mcpconfig_parse(&c, text, strlen(text), label) < 0)
		fail_msg("%s did not parse: %s", label, cg_error_last());
	return c;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const diff_case *t = &cases[i];
		cg_mcp_config *a = parse(t->old, t->label), *b = parse(t->new_, t->label);
		cg_mcpdiff *d = cg_mcpdiff_compare(a, b);
		cg_buf got = CG_BUF_INIT;

		for (size_t k = 0; k < cg_mcpdiff_count(d); k++)
			cg_buf_printf(&got, "%s%s", k ? "\n" : "", cg_mcpdiff_get(d, k)->text);
		if (strcmp(got.ptr, t->lines) || cg_mcpdiff_removes(d) != t->removes)
			fail_msg("%s:\nexpected (removes %d):\n%s\ngot (removes %d):\n%s", t->what,
			         t->removes, t->lines, cg_mcpdiff_removes(d), got.ptr);
		cg_buf_dispose(&got);
		cg_mcpdiff_free(d);
		cg_mcpconfig_free(a);
		cg_mcpconfig_free(b);
	}
}

/* Text that does not parse is an error naming the place; never a crash. */
static const struct {
	const char *label, *text, *message;
	int code;
} bad[] = {
	{ ".mcp.json", "{\"mcpServers\": {\"a\": {\"command\": \"x\"}", "the text ends inside a value", CG_ERROR },
	{ ".mcp.json", "{\"mcpServers\": {}} trailing", "text after the value", CG_ERROR },
	{ ".mcp.json", "{mcpServers: {}}", "not valid JSON", CG_ERROR },
	{ ".mcp.json", "", "the text ends inside a value", CG_ERROR },
	{ "c.yaml", "mcpServers: [a, b\n", "not valid YAML", CG_ERROR },
	{ "c.yaml", "a: &x [1]\nb: *x\n", "anchors and aliases are not allowed", CG_ERROR },
	{ "c.yaml", "? [a]\n: b\n", "not a plain value", CG_ERROR },
	{ ".mcp.json", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	  "deeper than 32", CG_ELIMIT },
	{ "c.yml", "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x\n",
	  "deeper than 32", CG_ELIMIT },
};

static void test_unparsable(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cg_mcp_config *c = (cg_mcp_config *)1;
		int error = cg_mcpconfig_parse(&c, bad[i].text, strlen(bad[i].text), bad[i].label);
		if (error != bad[i].code || c || !strstr(cg_error_last(), bad[i].message) ||
		    !strstr(cg_error_last(), bad[i].label))
			fail_msg("case %zu: got %d '%s'", i, error, cg_error_last());
	}
}

static void test_secrets(void **state)
{
	(void)state;
	assert_int_equal(cg_mcpconfig_looks_secret("GITHUB_TOKEN", "ghp_0123456789"), 1);
	assert_int_equal(cg_mcpconfig_looks_secret("API_KEY", "plainvalue"), 1);
	assert_int_equal(cg_mcpconfig_looks_secret("API_KEY", "${input:api-key}"), 0);
	assert_int_equal(cg_mcpconfig_looks_secret("API_KEY", "${env:API_KEY}"), 0);
	assert_int_equal(cg_mcpconfig_looks_secret("LOG_LEVEL", "debug"), 0);
	assert_int_equal(cg_mcpconfig_looks_secret(NULL, "Zx81Qp0rT5vW2yB7nM4kL9hJ"), 1);
	assert_int_equal(cg_mcpconfig_looks_secret(NULL, "/usr/local/bin/server"), 0);
}

/* json-c is loaded at the first configuration read; when it is missing,
 * reading one fails with a hint, and the comparison of a staged change
 * fails (the hook fails closed) rather than calling the file unparsable.
 * First in main: once json-c is loaded it stays. */
static void test_json_c_missing(void **state)
{
	static const char text[] = "{\"mcpServers\": {}}";
	static const char *const files[] = { ".mcp.json", "servers.yaml" };
	cg_mcp_config *c = (cg_mcp_config *)1;
	cg_mcpdiff *d = (cg_mcpdiff *)1;
	git_repository *repo = NULL;
	char dir[256];
	git_oid oid;

	(void)state;
	git_libgit2_init();
	assert_int_equal(scratch_make(dir, sizeof(dir), "mcpdiff"), 0);
	assert_int_equal(git_repository_init(&repo, dir, 1), 0);
	assert_int_equal(git_blob_create_from_buffer(&oid, repo, text, strlen(text)), 0);
	cg_mcpconfig__library("libjson-c-missing.so.5");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_int_equal(cg_mcpconfig_parse(&c, text, strlen(text), files[i]), CG_ERROR);
		assert_null(c);
		assert_non_null(strstr(cg_error_last(), "json-c cannot be loaded: "
		                              "libjson-c-missing.so.5: cannot open shared object file"));
		assert_string_equal(cg_error_hints(), "apt-get install libjson-c5");
		assert_true(cg_mcpdiff_blobs(&d, repo, files[i], NULL, &oid) < 0);
		assert_null(d);
		assert_non_null(strstr(cg_error_last(), "json-c cannot be loaded"));
		/* kept for the finding the rule makes of it */
		assert_string_equal(cg_error_hints(), "apt-get install libjson-c5");
	}
	cg_mcpconfig__library("libjson-c.so.5");
	assert_int_equal(cg_mcpdiff_blobs(&d, repo, ".mcp.json", NULL, &oid), 0);
	assert_non_null(d);
	cg_mcpdiff_free(d);
	git_repository_free(repo);
	scratch_remove(dir);
	git_libgit2_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_c_missing),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_unparsable),
		cmocka_unit_test(test_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
