#include "approval.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "policy_find.h"
#include "rules.h"

#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
/* An ed25519 signature is about 400 characters, a security key's more. */
#define SIGNATURE_MAX (16 * 1024)

static int needs_escape(unsigned char c)
{
	return c <= 0x20 || c == '%' || c == 0x7f;
}

static void put_escaped(cg_buf *out, const char *s)
{
	for (; *s; s++) {
		if (needs_escape((unsigned char)*s))
			cg_buf_printf(out, "%%%02X", (unsigned char)*s);
		else
			cg_buf_putc(out, *s);
	}
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The inverse of put_escaped; -1 on anything put_escaped never writes. */
static int put_unescaped(cg_buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] != '%') {
			if (needs_escape((unsigned char)s[i]))
				return -1;
			cg_buf_putc(out, s[i]);
			continue;
		}
		if (i + 2 >= len)
			return -1;
		if ((hi = hex_value(s[i + 1])) < 0 || (lo = hex_value(s[i + 2])) < 0 ||
		    !needs_escape((unsigned char)(hi * 16 + lo)))
			return -1;
		cg_buf_putc(out, (char)(hi * 16 + lo));
		i += 2;
	}
	return 0;
}

static void put_side(cg_buf *out, uint32_t mode, const git_oid *id)
{
	char hex[GIT_OID_SHA1_HEXSIZE + 1];

	if (!mode) {
		cg_buf_puts(out, "none");
		return;
	}
	git_oid_tostr(hex, sizeof(hex), id);
	cg_buf_printf(out, "%06o:%s", (unsigned)mode, hex);
}

static int by_path(const void *a, const void *b)
{
	const cg_change *x = *(const cg_change *const *)a, *y = *(const cg_change *const *)b;
	return strcmp(x->path, y->path);
}

void cg_approval_statement(cg_buf *out, const char *group, const cg_change *const *changes,
                           size_t n)
{
	const cg_change **sorted = cg_calloc(n ? n : 1, sizeof(*sorted));
	size_t i;

	memcpy(sorted, changes, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_path);
	cg_buf_clear(out);
	cg_buf_puts(out, CG_APPROVAL_VERSION "\ngroup ");
	put_escaped(out, group);
	cg_buf_putc(out, '\n');
	for (i = 0; i < n; i++) {
		cg_buf_puts(out, "change ");
		put_side(out, sorted[i]->old_mode, &sorted[i]->old_oid);
		cg_buf_putc(out, ' ');
		put_side(out, sorted[i]->new_mode, &sorted[i]->new_oid);
		cg_buf_putc(out, ' ');
		put_escaped(out, sorted[i]->path);
		cg_buf_putc(out, '\n');
	}
	free(sorted);
}

static int is_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

void cg_approval_trailer_value(cg_buf *out, const char *group, const char *armored)
{
	const char *s = armored;

	cg_buf_clear(out);
	put_escaped(out, group);
	cg_buf_putc(out, ' ');
	/* The armor's body, its lines joined: a trailer is one line. */
	while (*s) {
		size_t len = strcspn(s, "\n");
		if (strncmp(s, "-----", 5))
			for (size_t i = 0; i < len; i++)
				if (is_base64(s[i]))
					cg_buf_putc(out, s[i]);
		s += len + (s[len] == '\n');
	}
}

int cg_approval_trailer_parse(cg_buf *group, cg_buf *armored, const char *value)
{
	const char *sp = strrchr(value, ' '), *b64;
	size_t i, len;

	cg_buf_clear(group);
	cg_buf_clear(armored);
	if (!sp || sp == value || put_unescaped(group, value, (size_t)(sp - value)) < 0)
		return cg_error_set(CG_EUSAGE, "an approval is '<group> <signature>'");
	b64 = sp + 1;
	len = strlen(b64);
	for (i = 0; i < len && is_base64(b64[i]); i++)
		;
	if (!len || i < len || len > SIGNATURE_MAX)
		return cg_error_set(CG_EUSAGE, "the approval's signature is not an SSH signature "
		                    "in base64");
	cg_buf_puts(armored, ARMOR_BEGIN "\n");
	for (i = 0; i < len; i += 70) {
		cg_buf_put(armored, b64 + i, len - i < 70 ? len - i : 70);
		cg_buf_putc(armored, '\n');
	}
	cg_buf_puts(armored, ARMOR_END "\n");
	return 0;
}

/* A path setting from the first of two keys that is set, as git reads it. */
static int config_path(cg_buf *out, git_config *cfg, const char *key, const char *fallback)
{
	git_buf value = { 0 };
	int error = git_config_get_path(&value, cfg, key);

	if (error == GIT_ENOTFOUND)
		error = git_config_get_path(&value, cfg, key = fallback);
	cg_buf_clear(out);
	if (error == GIT_ENOTFOUND)
		return 0;
	if (error < 0)
		return cg_error_from_git(key);
	cg_buf_puts(out, value.ptr);
	git_buf_dispose(&value);
	return 0;
}

int cg_approval_trust(cg_buf *allowed, cg_buf *revoked, git_repository *repo)
{
	git_config *cfg = NULL;
	int error;

	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	if ((error = config_path(allowed, cfg, "changeguard.allowedSignersFile",
	                         "gpg.ssh.allowedSignersFile")) == 0)
		error = config_path(revoked, cfg, "changeguard.revokedKeysFile",
		                    "gpg.ssh.revocationFile");
	git_config_free(cfg);
	return error;
}

/* Tries one approval; sets *found, or says in `why` what is wrong. */
static int try_approval(int *found, cg_approval_signer *signer, cg_buf *why,
                        const cg_buf *armored, const char *statement,
                        const cg_sshsig_trust *trust, cg_approval_accept_fn accept,
                        void *payload)
{
	cg_buf principals = CG_BUF_INIT, reason = CG_BUF_INIT;
	const char *p;
	size_t len;
	int error, any = 0;

	if ((error = cg_sshsig_principals(&principals, &reason, trust, armored->ptr)) < 0)
		goto done;
	/* One principal a line, as ssh-keygen -Y find-principals prints them. */
	for (p = principals.ptr; *p && !*found && !error; p += len + (p[len] == '\n')) {
		char *one = cg_strndup(p, len = strcspn(p, "\n"));
		if (accept(one, payload)) {
			any = 1;
			cg_buf_clear(&reason);
			error = cg_sshsig_verify(found, &signer->fingerprint, &reason, trust, one,
			                         armored->ptr, statement, strlen(statement));
			if (*found)
				cg_buf_puts(&signer->principal, one);
		}
		free(one);
	}
	if (!error && !*found) {
		cg_buf_clear(why);
		if (principals.size && !any)
			cg_buf_printf(why, "the approval is signed by '%.*s', who is not an authorizer",
			              (int)strcspn(principals.ptr, "\n"), principals.ptr);
		else
			cg_buf_printf(why, "the approval is refused: %s", reason.ptr);
	}
done:
	cg_buf_dispose(&principals);
	cg_buf_dispose(&reason);
	return error;
}

int cg_approval_find(int *found, cg_approval_signer *signer, cg_buf *why,
                     const cg_trailers *trailers, const char *group, const char *statement,
                     const cg_sshsig_trust *trust, cg_approval_accept_fn accept, void *payload)
{
	cg_buf for_group = CG_BUF_INIT, armored = CG_BUF_INIT;
	const cg_trailer *t;
	size_t pos = 0;
	int error = 0;

	*found = 0;
	cg_buf_clear(why);
	while (!*found && !error && trailers &&
	       (t = cg_trailers_find(trailers, CG_APPROVAL_TRAILER, &pos)) != NULL) {
		if (cg_approval_trailer_parse(&for_group, &armored, t->value) < 0) {
			cg_buf_clear(why);
			cg_buf_printf(why, "the approval trailer is malformed: %s", cg_error_last());
		} else if (strcmp(for_group.ptr, group)) {
			cg_buf_clear(why);
			cg_buf_printf(why, "the approval is for the group '%s'", for_group.ptr);
		} else {
			error = try_approval(found, signer, why, &armored, statement, trust, accept,
			                     payload);
		}
	}
	cg_buf_dispose(&for_group);
	cg_buf_dispose(&armored);
	return error;
}

void cg_approval_signer_dispose(cg_approval_signer *s)
{
	cg_buf_dispose(&s->principal);
	cg_buf_dispose(&s->fingerprint);
}

int cg_approval_key(cg_buf *out, git_repository *repo, const char *key)
{
	git_config *cfg = NULL;
	int error;

	cg_buf_clear(out);
	if (key) {
		cg_buf_puts(out, key);
		return 0;
	}
	if (cg_git2compat_config_snapshot(&cfg, repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	error = config_path(out, cfg, "user.signingKey", "user.signingKey");
	git_config_free(cfg);
	if (!error && !out->size)
		error = cg_error_hint(cg_error_hint(cg_error_set(CG_EUSAGE, "no key to sign with"),
		                                    "changeguard approve --key ~/.ssh/id_ed25519"),
		                      "or: git config user.signingKey ~/.ssh/id_ed25519");
	else if (!error && !strncmp(out->ptr, "key::", 5))
		error = cg_error_hint(cg_error_set(CG_EUSAGE, "user.signingKey holds a key, not a "
		                                   "file; name the public key's file"),
		                      "changeguard approve --key ~/.ssh/id_ed25519.pub");
	return error;
}

static void summarize(cg_buf *summary, const cg_protect_group *g, const cg_change *const *mine,
                      size_t n, const char *fingerprint)
{
	cg_buf_printf(summary, "changeguard: approved the '%s' group's change of ", g->name);
	for (size_t i = 0; i < n; i++)
		cg_buf_printf(summary, "%s%s", i ? ", " : "", mine[i]->path);
	cg_buf_printf(summary, " with the key %s\n", fingerprint);
}

static int sign_group(cg_buf *trailers, cg_buf *summary, const cg_protect_group *g,
                      const cg_changes *changes, const char *key, const char *fingerprint)
{
	size_t i, k = 0, n = cg_changes_count(changes);
	const cg_change **mine = cg_calloc(n ? n : 1, sizeof(*mine));
	cg_buf statement = CG_BUF_INIT, armored = CG_BUF_INIT, value = CG_BUF_INIT;
	int error = 0;

	for (i = 0; i < n; i++)
		if (cg_rules_protected_change(g, cg_changes_get(changes, i)))
			mine[k++] = cg_changes_get(changes, i);
	if (k) {
		cg_approval_statement(&statement, g->name, mine, k);
		if ((error = cg_sshsig_sign(&armored, key, statement.ptr, statement.size)) == 0) {
			cg_approval_trailer_value(&value, g->name, armored.ptr);
			cg_buf_printf(trailers, CG_APPROVAL_TRAILER ": %s\n", value.ptr);
			summarize(summary, g, mine, k, fingerprint);
		}
	}
	free(mine);
	cg_buf_dispose(&statement);
	cg_buf_dispose(&armored);
	cg_buf_dispose(&value);
	return error;
}

int cg_approval_sign(cg_buf *trailers, cg_buf *summary, const cg_policy *policy,
                     const cg_changes *changes, const char *key)
{
	cg_buf fingerprint = CG_BUF_INIT;
	size_t i;
	int error;

	cg_buf_clear(trailers);
	cg_buf_clear(summary);
	if ((error = cg_sshsig_fingerprint(&fingerprint, key)) < 0)
		return error;
	for (i = 0; i < policy->protect_len && !error; i++)
		if (policy->protect[i].verify == CG_VERIFY_SIGNATURE)
			error = sign_group(trailers, summary, &policy->protect[i], changes, key,
			                   fingerprint.ptr);
	cg_buf_dispose(&fingerprint);
	if (!error && !trailers->size)
		error = cg_error_set(CG_ENOTFOUND, "the change touches no path of a protect group "
		                     "with 'verify: signature' in %s; nothing to approve",
		                     policy->source);
	return error;
}

int cg_approval_sign_commit(cg_buf *trailers, cg_buf *summary, git_repository *repo,
                            const char *rev, const char *key)
{
	git_object *obj = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_tree *tree = NULL, *parent_tree = NULL;
	cg_changes *changes = NULL;
	cg_policy *policy = NULL;
	int error;

	if (git_revparse_single(&obj, repo, rev) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		error = cg_error_set(CG_EUSAGE, "'%s' names no commit", rev);
		goto done;
	}
	if (git_commit_tree(&tree, commit) < 0 ||
	    (git_commit_parentcount(commit) &&
	     (git_commit_parent(&parent, commit, 0) < 0 || git_commit_tree(&parent_tree, parent) < 0))) {
		error = cg_error_from_git("cannot read the commit");
		goto done;
	}
	if ((error = cg_changes_trees_memo(&changes, repo, NULL, tree, &parent_tree,
	                                   parent ? 1 : 0)) < 0)
		goto done;
	error = parent ? cg_policy_find_commit(&policy, repo, git_commit_id(parent), rev)
	               : cg_policy_default(&policy);
	if (!error)
		error = cg_approval_sign(trailers, summary, policy, changes, key);
done:
	cg_policy_free(policy);
	cg_changes_free(changes);
	git_tree_free(tree);
	git_tree_free(parent_tree);
	git_commit_free(parent);
	git_commit_free(commit);
	git_object_free(obj);
	return error;
}
