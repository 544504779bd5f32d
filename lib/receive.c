#include "receive.h"

#include <git2/sys/repository.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "git2compat.h"
#include "check.h"
#include "objdirs.h"
#include "oidmap.h"
#include "walk.h"
#include "error.h"
#include "output.h"
#include "packmap.h"
#include "parallel.h"
#include "record.h"
#include "refs.h"
#include "sshsig.h"
#include "policy.h"
#include "policy_find.h"
#include "recfile.h"
#include "rules.h"
#include "update.h"

#define HOOK_NAME "pre-receive"
#define SKIP_OPTION "changeguard.skip"

/* More push options than git would ever pass is a broken environment. */
#define PUSH_OPTIONS_MAX 10000

/* Rejected commits printed in full; past this, a count. */
#define SHOWN_MAX 20

/* --- one run of the hook ----------------------------------------------- */

/* What the hook keeps of each commit while the push is checked: 40
 * bytes, whatever the commit's findings, in a temporary file of their own
 * (rc->commits) of which two blocks are in memory, so that the hook's
 * memory does not grow with the push's length. Its result and identities
 * wait in the record file (rc->log), which the audit record reads one
 * commit at a time. */
typedef struct {
	git_oid oid;
	uint32_t update;      /* the ref update that brought it first */
	int16_t verdict;      /* its result's cg_verdict; -1 while unchecked */
	uint16_t has;         /* HAS_*: what its result holds, so that a reading
	                       * of findings or waivers skips the others */
	uint64_t at;          /* its record in rc->log */
} checked_commit;

#define HAS_FINDINGS 1    /* findings or notes */
#define HAS_WAIVERS 2

typedef struct {
	cg_output out;
	const char *hint;          /* what to do about the failure, set where it happens */
	git_repository *repo;
	cg_policy *policy;
	int policy_is_server_own;  /* else committed, or the defaults */
	int warned_settings;
	cg_buf namespace;          /* GIT_NAMESPACE's ref prefix, "" without one */
	cg_buf head;               /* the namespace's HEAD */
	cg_receive_update *updates;
	size_t nupdates;
	const char *pusher;        /* "" when no pusher_env variable is set */
	const char *skip_reason;   /* the changeguard.skip push option, when allowed */
	const char **options;      /* the push options, from the environment */
	size_t noptions, aoptions;
	cg_recarray *commits;      /* each a checked_commit, in walk order */
	size_t rejected;
	cg_recfile *log;           /* each checked commit's result and identities */
	cg_buf scratch;            /* one record of rc->log */
	size_t nreadable;          /* commits before the first record that cannot
	                            * be read back: what the audit records */
	cg_memo *memo;             /* objects reused along the walk */
	cg_packmap *packmap;       /* the mapped files' pages, let go along the checks */
	int64_t start_us, stop_us; /* stop_us: give up checking then; 0 = never */
	int timed_out;
} receive;

static void output_init(cg_output *o, FILE *err)
{
	const char *gl_id = getenv("GL_ID");

	cg_output_init(o, err);
	/* GitLab shows only lines with this prefix in its web UI. */
	if (gl_id && gl_id[0])
		o->prefix = "GL-HOOK-ERR: ";
}

/* Debian's libgit2 (1.5.1 to 1.9.0) has no SHA-256 support: say so instead
 * of failing somewhere deep in the object database. */
static int require_sha1(receive *rc)
{
	size_t i;

	for (i = 0; i < rc->nupdates; i++) {
		if (strlen(rc->updates[i].old_oid) == GIT_OID_SHA1_HEXSIZE)
			continue;
		rc->hint = "host SHA-256 repositories with a changeguard built on a libgit2 that reads them";
		return cg_error_set(CG_ERROR, "cannot check a SHA-256 repository: this build's libgit2 "
		                    "(%s) reads SHA-1 repositories only, so the push is refused",
		                    LIBGIT2_VERSION);
	}
	return 0;
}

/* A quoted alternate, which libgit2 missed: added to the object database. */
static int add_quoted(const char *dir, int quoted, void *payload)
{
	git_repository *repo = payload;
	git_odb *odb = NULL;
	int error = 0;

	if (!quoted)
		return 0;
	if (git_repository_odb(&odb, repo) < 0)
		error = cg_error_from_git("cannot open the object database");
	else if (git_odb_add_disk_alternate(odb, dir) < 0)
		error = cg_error_from_git("cannot add the quarantine's alternate objects");
	git_odb_free(odb);
	return error;
}

/*
 * git C-quotes an alternate object directory whose path holds ':' or starts
 * with '"' (tmp-objdir.c), and in the quarantine the repository's own
 * objects are such an alternate. libgit2 1.5.1 splits the variable at every
 * ':' without unquoting, so it loses those objects: add them ourselves. The
 * unquoted entries libgit2 has already added.
 */
static int add_quoted_alternates(git_repository *repo)
{
	return cg_objdirs_each_alternate(add_quoted, repo);
}

/* Whether the repository git runs the hook in belongs to another user:
 * libgit2 then refuses it, and 1.5.1 says only "config value
 * 'safe.directory' was not found". */
static int owned_by_another_user(void)
{
	const char *dir = getenv("GIT_DIR");
	struct stat st;

	return stat(dir && dir[0] ? dir : ".", &st) == 0 && st.st_uid != geteuid();
}

/*
 * Opens the repository as git's environment describes it, so the pushed
 * objects waiting in the quarantine directory are visible. Without
 * GIT_NAMESPACE: libgit2 1.5.1 would prefix the targets of the namespace's
 * symbolic refs, already full names, a second time; the hook names refs in
 * full itself (resolve_refs).
 */
static int open_repository(git_repository **out)
{
	const char *ns = getenv("GIT_NAMESPACE");
	char *saved = ns ? cg_strdup(ns) : NULL;
	int error;

	if (saved)
		unsetenv("GIT_NAMESPACE");
	error = git_repository_open_ext(out, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (saved)
		setenv("GIT_NAMESPACE", saved, 1);
	free(saved);
	return error;
}

static int open_quarantined(receive *rc)
{
	if (open_repository(&rc->repo) < 0) {
		if (!owned_by_another_user())
			return cg_error_from_git("cannot open the repository");
		rc->hint = "as the user the hook runs as, run:\n"
		           "git config --global --add safe.directory <repository path>";
		return cg_error_prefix(cg_error_from_git("libgit2"), "cannot open the repository: "
		                       "it is not owned by the user the hook runs as (uid %u)",
		                       (unsigned)geteuid());
	}
	return add_quoted_alternates(rc->repo);
}

/* --- which ref moves (docs/server.md) ----------------------------------- */

#define REPLACE_REFS "refs/replace/"

/* A replace ref makes every reader of the repository (server-side git, deploy
 * hooks, mirror clones) see another object in place of one already judged,
 * whatever the covered refs say: refused, as no commit check can judge it. */
static int refuse_replace_ref(receive *rc, const cg_receive_update *u)
{
	if (strncmp(u->ref, REPLACE_REFS, sizeof(REPLACE_REFS) - 1) ||
	    cg_receive_oid_is_zero(u->new_oid))
		return 0;
	rc->hint = "a replace ref can only be made on the server, by its administrator "
	           "(git replace, in the repository); deleting one is allowed";
	return cg_error_set(CG_EUSAGE, "push refused: %s: a replace ref changes what git shows "
	                    "for an object already checked", u->ref);
}

/* Every update named by the ref that moves; replace refs refused. */
static int resolve_refs(receive *rc)
{
	size_t i;
	int error = 0;

	cg_refs_namespace_prefix(&rc->namespace);
	cg_buf_printf(&rc->head, "%sHEAD", rc->namespace.ptr);
	for (i = 0; i < rc->nupdates && !error; i++)
		if ((error = cg_refs_resolve(&rc->updates[i].ref, rc->repo, rc->namespace.ptr)) == 0)
			error = refuse_replace_ref(rc, &rc->updates[i]);
	return error;
}

/* --- which policy applies (docs/server.md, docs/reference.md) ------------- */

/* The policy one update is judged by (cg_policy_find_server); with no
 * update, a new ref's. */
static int policy_for(cg_policy **out, receive *rc, const cg_receive_update *u)
{
	cg_policy_server_opts opts = { 0 };
	git_oid old;
	int error;

	opts.refname = u ? u->ref : "HEAD";
	opts.head = rc->head.ptr;
	if (u && !cg_receive_oid_is_zero(u->old_oid)) {
		if (git_oid_fromstr(&old, u->old_oid) < 0)
			return cg_error_from_git("bad object id");
		opts.old = &old;
	}
	if ((error = cg_policy_find_server(out, rc->repo, &opts)) < 0)
		return error;
	rc->policy_is_server_own = opts.from_server;
	if (opts.ignored_settings && !rc->warned_settings++)
		cg_output_message(&rc->out, "warning: the committed " CG_POLICY_FILE " sets audit or "
		                  "server settings; the server ignores them and keeps its own",
		                  "set them in the server's policy: $GIT_DIR/" CG_POLICY_SERVER_FILE);
	return 0;
}

/* Whether the update's policy is the same as the first's. New refs all
 * take HEAD's branch's, found once. */
static int same_policy(receive *rc, const cg_receive_update *u, int *new_seen)
{
	cg_policy *p = NULL;
	int error;

	if (cg_receive_oid_is_zero(u->old_oid) && (*new_seen)++)
		return 0;
	if ((error = policy_for(&p, rc, u)) < 0)
		return error;
	if (strcmp(p->sha256, rc->policy->sha256)) {
		rc->hint = "push the refs one at a time";
		error = cg_error_set(CG_EUSAGE, "push refused: '%s' and '%s' hold different %s "
		                     "policies, and one push is judged by one", rc->policy->source,
		                     p->source, CG_POLICY_FILE);
	}
	cg_policy_free(p);
	return error;
}

/*
 * Never the policy the pushed commits carry: the server's own settings
 * first; then what the updated refs hold before the push (a new ref: HEAD's
 * branch), which must be one policy for the whole push; then the defaults.
 */
static int load_policy(receive *rc)
{
	size_t i, first = 0;
	int error, new_seen = 0;

	while (first + 1 < rc->nupdates && cg_receive_oid_is_zero(rc->updates[first].new_oid))
		first++; /* a deletion brings nothing to judge */
	if (!rc->nupdates)
		return policy_for(&rc->policy, rc, NULL);
	error = policy_for(&rc->policy, rc, &rc->updates[first]);
	new_seen = !error && cg_receive_oid_is_zero(rc->updates[first].old_oid);
	for (i = first + 1; !error && !rc->policy_is_server_own && i < rc->nupdates; i++)
		if (!cg_receive_oid_is_zero(rc->updates[i].new_oid))
			error = same_policy(rc, &rc->updates[i], &new_seen);
	if (error == CG_EPOLICY && !rc->hint)
		rc->hint = "every push is refused until the server's policy loads; check it with:\n"
		           "changeguard policy validate <file>";
	return error;
}

/* --- who pushes, and with which options -------------------------------- */

/* USER and LOGNAME name the account the hook runs as: on a git host that
 * is its service account ("git"), beside the host's own variable for the
 * pusher, so they stand for the pusher only where no host variable is set
 * (a plain SSH server, where each pusher has an account). */
static int is_account_var(const char *name)
{
	return !strcmp(name, "USER") || !strcmp(name, "LOGNAME");
}

/*
 * The pusher, from server.pusher_env: identity comes from one variable.
 * When several host variables are set and disagree, which one the host set
 * cannot be told from the ones a pusher may set beside it (GL_USERNAME next
 * to REMOTE_USER): the push is refused, naming them.
 */
static int find_pusher(receive *rc)
{
	const cg_policy *p = rc->policy;
	cg_buf msg = CG_BUF_INIT;
	size_t i, first = 0;
	int error = 0;

	rc->pusher = NULL;
	for (i = 0; i < p->server.pusher_env_len && !error; i++) {
		const char *v = getenv(p->server.pusher_env[i]);
		if (!v || !v[0] || (rc->pusher && !strcmp(v, rc->pusher)) ||
		    (rc->pusher && is_account_var(p->server.pusher_env[i])))
			continue;
		if (!rc->pusher) {
			rc->pusher = v;
			first = i;
			continue;
		}
		rc->hint = "list only the variable your git host sets in server.pusher_env, "
		           "in the server's policy ($GIT_DIR/" CG_POLICY_SERVER_FILE ")";
		error = cg_error_set(CG_EPOLICY, "push refused: the pusher is ambiguous: %s is '%s' "
		                     "but %s is '%s'", p->server.pusher_env[first], rc->pusher,
		                     p->server.pusher_env[i], v);
	}
	if (rc->pusher)
		return error;
	/* Not NULL: an unknown pusher must not pass a `verify: pusher` check. */
	rc->pusher = "";
	cg_buf_puts(&msg, "warning: the pusher is unknown: none of");
	for (i = 0; i < p->server.pusher_env_len; i++)
		cg_buf_printf(&msg, "%s %s", i ? "," : "", p->server.pusher_env[i]);
	cg_buf_puts(&msg, " is set");
	cg_output_message(&rc->out, msg.ptr, "set server.pusher_env to the variable your git host sets");
	cg_buf_dispose(&msg);
	return 0;
}

/* The push options git passes (GIT_PUSH_OPTION_<n>), for the audit. */
static void collect_push_options(receive *rc)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	long n = count ? strtol(count, NULL, 10) : 0, i;
	char name[64];

	for (i = 0; i < n && i < PUSH_OPTIONS_MAX; i++) {
		const char *v;
		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
		if ((v = getenv(name)) == NULL)
			continue;
		rc->options = cg_array_grow(rc->options, &rc->aoptions, rc->noptions + 1,
		                            sizeof(*rc->options));
		rc->options[rc->noptions++] = v;
	}
}

/* The value of the last `changeguard.skip[=reason]` push option, or NULL. */
static const char *skip_option(const receive *rc)
{
	const size_t len = sizeof(SKIP_OPTION) - 1;
	const char *found = NULL;
	size_t i;

	for (i = 0; i < rc->noptions; i++) {
		const char *v = rc->options[i];
		if (!strncmp(v, SKIP_OPTION, len) && (v[len] == '=' || v[len] == '\0'))
			found = v[len] ? v + len + 1 : "";
	}
	return found;
}

static void read_push_options(receive *rc)
{
	const char *reason;

	collect_push_options(rc);
	if (!(reason = skip_option(rc)))
		return;
	if (!rc->policy->server.push_option_waivers)
		cg_output_message(&rc->out, "warning: push option '" SKIP_OPTION "' ignored: the "
		                  "server's policy does not allow waivers by push option", NULL);
	else if (!reason[0])
		cg_output_message(&rc->out, "warning: push option '" SKIP_OPTION "' ignored: it has no reason",
		                  "git push -o " SKIP_OPTION "=\"why no changelog entry is needed\"");
	else
		rc->skip_reason = reason;
}

/* --- finding and checking the new commits ------------------------------ */

/* The commit that `id` is, or that a chain of tags points at; CG_ENOTFOUND
 * when it leads to a tree or a blob, which have no commits to check. */
static int peel_to_commit(git_oid *out, git_repository *repo, const git_oid *id,
                          const char *refname)
{
	git_object *obj = NULL, *target = NULL;
	int error = 0;

	if (git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY) < 0 ||
	    (git_object_type(obj) == GIT_OBJECT_TAG && git_object_peel(&target, obj, GIT_OBJECT_ANY) < 0)) {
		error = cg_error_from_git("cannot read an object");
		cg_error_prefix(error, "'%s'", refname);
	} else if (git_object_type(target ? target : obj) != GIT_OBJECT_COMMIT) {
		error = CG_ENOTFOUND;
	} else {
		git_oid_cpy(out, git_object_id(target ? target : obj));
	}
	git_object_free(target);
	git_object_free(obj);
	return error;
}

static int covered(const receive *rc, const char *refname)
{
	return cg_globset_match(rc->policy->server.refs, refname);
}

typedef struct {
	git_oid *ids;
	size_t n, alloc;
} commit_list;

static void commit_list_append(commit_list *l, const git_oid *id)
{
	l->ids = cg_array_grow(l->ids, &l->alloc, l->n + 1, sizeof(*l->ids));
	git_oid_cpy(&l->ids[l->n++], id);
}

/* Adds `id` unless `seen` has it, and notes its place there: a thousand
 * refs at one commit hide or push it once. */
static void commit_list_add(commit_list *l, cg_oidmap *seen, const git_oid *id)
{
	if (cg_oidmap_get(seen, id, NULL))
		return;
	cg_oidmap_put(seen, id, l->n);
	commit_list_append(l, id);
}

/* CG_ELIMIT once the share of server.deadline for checking is spent: the
 * refs, the walks and the updates count, not only the commits' checks. */
static int past_deadline(receive *rc)
{
	if (!rc->stop_us || cg_clock_now_us() < rc->stop_us)
		return 0;
	rc->timed_out = 1;
	rc->hint = "push fewer refs and commits at a time, or raise server.deadline in the server's policy";
	return cg_error_set(CG_ELIMIT, "push refused: checking did not finish within "
	                    "server.deadline (%ds)", rc->policy->server.deadline);
}

static int add_existing_tip(commit_list *tips, cg_oidmap *seen, receive *rc,
                            const git_reference *ref)
{
	const char *name = git_reference_name(ref);
	const git_oid *target = git_reference_target(ref);
	size_t ns = rc->namespace.size;
	git_oid oid;
	int error;

	/* server.refs names refs as the namespace's clients see them. */
	if (ns && !strncmp(name, rc->namespace.ptr, ns))
		name += ns;
	/* A symbolic ref points at another ref, which is listed too. */
	if (git_reference_type(ref) != GIT_REFERENCE_DIRECT || !covered(rc, name) ||
	    cg_oidmap_get(seen, target, NULL))
		return 0;
	if ((error = peel_to_commit(&oid, rc->repo, target, name)) == 0) {
		commit_list_add(tips, seen, &oid);
		cg_oidmap_put(seen, target, 0); /* a tag: peeled once */
	}
	return error == CG_ENOTFOUND ? 0 : error;
}

/* Adoption: `git config changeguard.start COMMIT` on the server names the
 * last commit from before changeguard; it and its ancestors count as
 * checked, so a project's old history can be pushed. One that is not here
 * (yet) hides nothing: every new commit is then checked, as without it. */
static int add_start(commit_list *tips, cg_oidmap *seen, receive *rc)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	git_oid id, oid;
	int error = 0;

	if (cg_git2compat_config_snapshot(&cfg, rc->repo) < 0)
		return cg_error_from_git("cannot read the repository's configuration");
	if (git_config_get_string_buf(&value, cfg, "changeguard.start") == 0 && value.ptr[0]) {
		if (git_oid_fromstr(&id, value.ptr) < 0 ||
		    (error = peel_to_commit(&oid, rc->repo, &id, "changeguard.start")) < 0) {
			cg_error_clear();
			error = 0;
			cg_output_message(&rc->out, "warning: git config changeguard.start names no commit "
			                  "of this repository: every new commit is checked",
			                  "set it to a full commit id: git config changeguard.start <commit>");
		} else {
			commit_list_add(tips, seen, &oid);
		}
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	return error;
}

/* The commits of every covered ref as it is before the push, each once:
 * what is reachable from them was checked when it arrived. */
static int existing_tips(commit_list *tips, cg_oidmap *seen, receive *rc)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int error = 0, next = 0;

	if (git_reference_iterator_new(&it, rc->repo) < 0)
		return cg_error_from_git("cannot list the refs");
	while (!error && !(error = past_deadline(rc)) && (next = git_reference_next(&ref, it)) == 0) {
		error = add_existing_tip(tips, seen, rc, ref);
		git_reference_free(ref);
	}
	if (!error && next != GIT_ITEROVER)
		error = cg_error_from_git("cannot list the refs");
	git_reference_iterator_free(it);
	return error ? error : add_start(tips, seen, rc);
}

static void format_ident(char **out, const git_signature *sig)
{
	cg_buf b = CG_BUF_INIT;

	cg_buf_printf(&b, "%s <%s>", sig->name, sig->email);
	*out = cg_buf_detach(&b);
}

/* A checked commit's record in rc->log: its result and identities, as a
 * checking process hands them over. */
static void encode_commit(cg_buf *out, const cg_result *r, const char *author, const char *committer)
{
	cg_result_encode(out, r);
	cg_buf_put_field(out, author);
	cg_buf_put_field(out, committer);
}

static void free_commit(cg_result *r, char *author, char *committer)
{
	cg_result_free(r);
	free(author);
	free(committer);
}

/* Frees a damaged record's fields and says so. */
static int damaged_record(cg_result **r, char **author, char **committer)
{
	free_commit(*r, *author, *committer);
	*r = NULL;
	*author = *committer = NULL;
	return cg_error_set(CG_ERROR, "a checked commit's record is damaged");
}

/* Reads a record of encode_commit; the out-parameters are the caller's to
 * free, and NULL when it is damaged. */
static int decode_commit(cg_buf_reader *in, cg_result **r, char **author, char **committer)
{
	*r = NULL;
	*author = *committer = NULL;
	if (cg_result_decode(r, in) == 0 && cg_buf_get_field(in, author) == 0 &&
	    cg_buf_get_field(in, committer) == 0 && *author && *committer)
		return 0;
	return damaged_record(r, author, committer);
}

/* Keeps `len` bytes of a record of encode_commit as commit `c`'s, whose
 * result is `r`. */
static int keep_record(receive *rc, checked_commit *c, const char *record, size_t len,
                       const cg_result *r)
{
	int error = cg_recfile_put(rc->log, &c->at, record, len);

	if (!error) {
		c->verdict = (int16_t)r->verdict;
		c->has = (uint16_t)((r->nfindings + r->nnotes ? HAS_FINDINGS : 0) |
		                    (r->nwaivers ? HAS_WAIVERS : 0));
	}
	return error;
}

static int store_commit(receive *rc, checked_commit *c, const cg_result *r, const char *author,
                        const char *committer)
{
	cg_buf_clear(&rc->scratch);
	encode_commit(&rc->scratch, r, author, committer);
	return keep_record(rc, c, rc->scratch.ptr, rc->scratch.size, r);
}

static int load_commit(receive *rc, const checked_commit *c, cg_result **r, char **author,
                       char **committer)
{
	cg_buf_reader in;
	int error;

	*r = NULL;
	*author = *committer = NULL;
	if ((error = cg_recfile_get(rc->log, c->at, &rc->scratch)) < 0)
		return error;
	in.p = rc->scratch.ptr;
	in.left = rc->scratch.size;
	if ((error = decode_commit(&in, r, author, committer)) == 0 && in.left)
		error = damaged_record(r, author, committer);
	return error;
}

/* A record that cannot be read back fails the audit record after this:
 * nothing is printed for it here. */
static void print_rejected(receive *rc, const checked_commit *c)
{
	git_buf abbrev = GIT_BUF_INIT;
	cg_buf subject = CG_BUF_INIT;
	git_commit *commit = NULL;
	cg_result *r = NULL;
	char *author = NULL, *committer = NULL;
	const char *summary;

	if (load_commit(rc, c, &r, &author, &committer) < 0 ||
	    git_commit_lookup(&commit, rc->repo, &c->oid) < 0) {
		cg_error_clear();
		goto done;
	}
	summary = git_commit_summary(commit);
	if (git_object_short_id(&abbrev, (const git_object *)commit) < 0)
		cg_buf_printf(&subject, "commit %.7s", git_oid_tostr_s(&c->oid));
	else
		cg_buf_printf(&subject, "commit %s", abbrev.ptr);
	cg_buf_printf(&subject, " on %s \"%s\"", rc->updates[c->update].ref, summary ? summary : "");
	cg_output_result(&rc->out, r, subject.ptr);
done:
	free_commit(r, author, committer);
	git_commit_free(commit);
	git_buf_dispose(&abbrev);
	cg_buf_dispose(&subject);
}

/* Checks one walked commit into its result and identities (the caller
 * frees them); a commit past the deadline stays unchecked (*r NULL) and
 * sets rc->timed_out. */
static int check_one(receive *rc, const git_oid *oid, cg_result **r, char **author, char **committer)
{
	cg_walk_commit_opts opts = CG_WALK_COMMIT_OPTS_INIT;
	git_commit *commit = NULL;
	int error;

	if (rc->stop_us && cg_clock_now_us() >= rc->stop_us) {
		rc->timed_out = 1;
		return 0;
	}
	if (cg_memo_lookup((git_object **)&commit, rc->memo, rc->repo, oid, GIT_OBJECT_COMMIT) < 0)
		return cg_error_prefix(cg_error_from_git("cannot read the commit"), "%s",
		                       git_oid_tostr_s(oid));
	opts.pusher = rc->pusher;
	opts.push_skip_reason = rc->skip_reason;
	opts.memo = rc->memo;
	opts.stop_us = rc->stop_us;
	if ((error = cg_walk_commit_ext(r, rc->repo, rc->policy, commit, &opts)) < 0) {
		cg_error_prefix(error, "cannot check commit %s", git_oid_tostr_s(oid));
	} else {
		format_ident(author, git_commit_author(commit));
		format_ident(committer, git_commit_committer(commit));
	}
	git_commit_free(commit);
	return error;
}

/* A walk's checks, as jobs of cg_parallel_run (a long push is checked in
 * several processes): job i is the commit at from + i. Its record is the
 * tag 1 and the record of encode_commit; or the tag 0 for a commit left
 * unchecked at the deadline, which stops every process and refuses the
 * push (check_walked). */
typedef struct {
	receive *rc;
	size_t from;
} walk_jobs;

static int run_check(size_t i, cg_buf *out, void *payload)
{
	walk_jobs *j = payload;
	checked_commit c;
	cg_result *r = NULL;
	char *author = NULL, *committer = NULL;
	int error = cg_recarray_get(j->rc->commits, j->from + i, &c), checked;

	if (!error)
		error = check_one(j->rc, &c.oid, &r, &author, &committer);
	checked = r != NULL;
	/* Memory only: pages not let go stay mapped, as they always did. */
	if (!error && cg_packmap_tick(j->rc->packmap) < 0)
		cg_error_clear();

	if (!error) {
		cg_buf_put_u32(out, (uint32_t)checked);
		if (checked)
			encode_commit(out, r, author, committer);
	}
	free_commit(r, author, committer);
	return error < 0 ? error : checked ? 0 : 1;
}

/* The record goes to rc->log as it came: only its verdict stays in memory. */
static int take_check(size_t i, cg_buf_reader *in, void *payload)
{
	walk_jobs *j = payload;
	checked_commit c;
	cg_result *r = NULL;
	char *author = NULL, *committer = NULL;
	const char *record;
	uint32_t checked;
	int error;

	if (cg_buf_get_u32(in, &checked) < 0)
		return damaged_record(&r, &author, &committer);
	if (!checked) {
		j->rc->timed_out = 1;
		return 0;
	}
	record = in->p;
	if ((error = cg_recarray_get(j->rc->commits, j->from + i, &c)) == 0 &&
	    (error = decode_commit(in, &r, &author, &committer)) == 0 &&
	    (error = keep_record(j->rc, &c, record, (size_t)(in->p - record), r)) == 0)
		error = cg_recarray_set(j->rc->commits, j->from + i, &c);
	free_commit(r, author, committer);
	return error;
}

static size_t ncommits(const receive *rc)
{
	return rc->commits ? cg_recarray_count(rc->commits) : 0;
}

/* For a message: a commit that cannot be read back counts as unchecked. */
static size_t count_checked(receive *rc)
{
	checked_commit c;
	size_t i, n = 0;

	for (i = 0; i < ncommits(rc); i++)
		n += cg_recarray_get(rc->commits, i, &c) == 0 && c.verdict >= 0;
	return n;
}

static int check_walked(receive *rc, size_t from)
{
	walk_jobs j = { rc, from };
	cg_parallel_jobs jobs = { run_check, take_check, &j };
	int error;

	/* An approval the workers verify is not verified again by another
	 * worker, nor by judge_updates after them. */
	cg_sshsig_cache_share();
	/* The checking processes read the commits from the file. */
	if ((error = cg_recarray_sync(rc->commits)) == 0)
		error = cg_parallel_run(&jobs, ncommits(rc) - from);

	if (!error && rc->timed_out) {
		rc->hint = "push fewer commits at a time, or raise server.deadline in the server's policy";
		return cg_error_set(CG_ELIMIT, "push refused: checking did not finish within "
		                    "server.deadline (%ds); %zu commits were checked",
		                    rc->policy->server.deadline, count_checked(rc));
	}
	return error;
}

/* After a failure, only the commits that were checked stay. */
static int drop_unchecked(receive *rc, size_t from)
{
	checked_commit c;
	size_t i, kept = from;
	int error = 0;

	for (i = from; i < ncommits(rc) && !error; i++)
		if ((error = cg_recarray_get(rc->commits, i, &c)) == 0 && c.verdict >= 0 && kept++ != i)
			error = cg_recarray_set(rc->commits, kept - 1, &c);
	cg_recarray_truncate(rc->commits, kept);
	return error;
}

/* Swaps the commits at `i` and `j`. */
static int swap_commits(receive *rc, size_t i, size_t j)
{
	checked_commit a, b;
	int error;

	if ((error = cg_recarray_get(rc->commits, i, &a)) < 0 ||
	    (error = cg_recarray_get(rc->commits, j, &b)) < 0 ||
	    (error = cg_recarray_set(rc->commits, i, &b)) < 0)
		return error;
	return cg_recarray_set(rc->commits, j, &a);
}

/* The end of the run of commits brought by the same update as `run`'s. */
static int run_end(size_t *end, receive *rc, size_t run, size_t nwalked)
{
	checked_commit first, c;
	int error = cg_recarray_get(rc->commits, run, &first);

	for (*end = run + 1; !error && *end < nwalked; ++*end)
		if ((error = cg_recarray_get(rc->commits, *end, &c)) < 0 || c.update != first.update)
			break;
	return error;
}

/* Puts the commits each update brought, the first nwalked, oldest
 * first, as a pusher reads them and the audit keeps them, and prints the
 * first rejected records. */
static int report_checked(receive *rc, size_t nwalked)
{
	checked_commit c;
	size_t i, j, run, end;
	int error = 0;

	for (run = 0; run < nwalked && !error; run = end)
		if ((error = run_end(&end, rc, run, nwalked)) == 0)
			for (i = run, j = end; i + 1 < j && !error; i++, j--)
				error = swap_commits(rc, i, j - 1);
	for (i = 0; i < ncommits(rc) && !error; i++)
		if ((error = cg_recarray_get(rc->commits, i, &c)) == 0 &&
		    c.verdict == CG_VERDICT_BLOCKED && ++rc->rejected <= SHOWN_MAX)
			print_rejected(rc, &c);
	return error;
}

static void init_commit(checked_commit *c, size_t update, const git_oid *oid)
{
	memset(c, 0, sizeof(*c));
	git_oid_cpy(&c->oid, oid);
	c->update = (uint32_t)update;
	c->verdict = -1;
}

/* The commit each covered update's new tip is; a zero id for an update
 * that brings nothing to check (a deletion, a ref outside server.refs, a
 * tag of a tree). */
static int new_tips(git_oid *tips, receive *rc)
{
	size_t i;
	int error = 0;

	for (i = 0; i < rc->nupdates && !error; i++) {
		const cg_receive_update *u = &rc->updates[i];
		git_oid id;

		if (cg_receive_oid_is_zero(u->new_oid) || !covered(rc, u->ref) || (error = past_deadline(rc)) < 0)
			continue;
		if (git_oid_fromstr(&id, u->new_oid) < 0)
			return cg_error_from_git("bad object id");
		if ((error = peel_to_commit(&tips[i], rc->repo, &id, u->ref)) == CG_ENOTFOUND)
			error = 0;
	}
	return error;
}

/*
 * Lists the commits the push brings, reachable from a new tip and from no
 * covered ref as it was, in one walk, newest first: a pack keeps the
 * newest version of a file whole and the older ones as deltas leading back
 * from it, so reading in that order resolves each delta against a base just
 * read (15% less CPU on a 20,000-commit push than oldest first). The walk
 * gives each commit once.
 */
static int list_new(commit_list *fresh, receive *rc, const commit_list *hidden,
                    const cg_oidmap *existing, const git_oid *tips)
{
	git_revwalk *w = NULL;
	cg_oidmap *pushed = cg_oidmap_new();
	git_oid oid;
	size_t k;
	int error = 0, next = GIT_ITEROVER;

	if (git_revwalk_new(&w, rc->repo) < 0 || git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL) < 0)
		error = cg_error_from_git("cannot walk the pushed commits");
	for (k = 0; k < rc->nupdates && !error; k++) {
		if (git_oid_is_zero(&tips[k]) || cg_oidmap_get(existing, &tips[k], NULL) ||
		    cg_oidmap_get(pushed, &tips[k], NULL))
			continue;
		cg_oidmap_put(pushed, &tips[k], k);
		if (git_revwalk_push(w, &tips[k]) < 0)
			error = cg_error_from_git("cannot walk the pushed commits");
	}
	for (k = 0; k < hidden->n && !error && cg_oidmap_count(pushed); k++)
		if (git_revwalk_hide(w, &hidden->ids[k]) < 0)
			error = cg_error_from_git("cannot walk the existing history");
	while (!error && cg_oidmap_count(pushed) && !(error = past_deadline(rc)) &&
	       (next = git_revwalk_next(&oid, w)) == 0)
		commit_list_append(fresh, &oid);
	if (!error && next != GIT_ITEROVER)
		error = cg_error_from_git("cannot walk the pushed commits");
	git_revwalk_free(w);
	cg_oidmap_free(pushed);
	return error;
}

/* Marks, from fresh->ids[k], the new commits it reaches that no update
 * before has: owner[] of each becomes `update`. */
static int claim(size_t *owner, size_t *stack, receive *rc, const commit_list *fresh,
                 const cg_oidmap *index, size_t k, size_t update)
{
	size_t depth = 0, p;
	unsigned int n;
	int error = 0;

	owner[k] = update;
	stack[depth++] = k;
	while (depth && !error && !(error = past_deadline(rc))) {
		git_commit *commit = NULL;
		k = stack[--depth];
		if (cg_memo_lookup((git_object **)&commit, rc->memo, rc->repo, &fresh->ids[k],
		                   GIT_OBJECT_COMMIT) < 0)
			return cg_walk_missing(rc->repo, &fresh->ids[k]);
		for (n = 0; n < git_commit_parentcount(commit); n++)
			if (cg_oidmap_get(index, git_commit_parent_id(commit, n), &p) && owner[p] == SIZE_MAX) {
				owner[p] = update;
				stack[depth++] = p;
			}
		git_commit_free(commit);
	}
	return error;
}

/* The one update whose new tip was walked, or SIZE_MAX when there are several. */
static size_t only_tip(const receive *rc, const git_oid *tips)
{
	size_t i, only = SIZE_MAX;

	for (i = 0; i < rc->nupdates; i++)
		if (!git_oid_is_zero(&tips[i])) {
			if (only != SIZE_MAX)
				return SIZE_MAX;
			only = i;
		}
	return only;
}

/* Each fresh commit's owner: the first update, in input order, whose tip reaches it. */
static int claim_all(size_t *owner, receive *rc, const commit_list *fresh, const git_oid *tips)
{
	size_t *stack = cg_malloc((fresh->n + 1) * sizeof(*stack));
	cg_oidmap *index = cg_oidmap_new();
	size_t i, k;
	int error = 0;

	for (k = 0; k < fresh->n; k++)
		cg_oidmap_put(index, &fresh->ids[k], k);
	for (i = 0; i < rc->nupdates && !error; i++)
		if (!git_oid_is_zero(&tips[i]) && cg_oidmap_get(index, &tips[i], &k) && owner[k] == SIZE_MAX)
			error = claim(owner, stack, rc, fresh, index, k, i);
	free(stack);
	cg_oidmap_free(index);
	return error;
}

/* Appends the fresh commits to rc->commits grouped by owner, each group
 * in walk order (newest first): the file is written in order. */
static int put_grouped(receive *rc, const commit_list *fresh, const size_t *owner, size_t *start)
{
	size_t *order = cg_malloc((fresh->n + 1) * sizeof(*order)), k;
	checked_commit c;
	int error = 0;

	for (k = 0; k < fresh->n; k++)
		order[start[owner[k]]++] = k;
	for (k = 0; k < fresh->n && !error; k++) {
		init_commit(&c, owner[order[k]], &fresh->ids[order[k]]);
		error = cg_recarray_set(rc->commits, k, &c);
	}
	free(order);
	return error;
}

/*
 * Which update brings each new commit: the first, in input order, whose
 * tip reaches it, as when each update was walked in turn hiding the tips
 * before it; but every new commit is read once, however many refs there
 * are. Then rc->commits gets them grouped by update, each group newest
 * first.
 */
static int group_by_update(receive *rc, const commit_list *fresh, const git_oid *tips)
{
	size_t *owner = cg_malloc((fresh->n + 1) * sizeof(*owner));
	size_t *start = cg_calloc(rc->nupdates + 1, sizeof(*start)), i, k;
	size_t only = only_tip(rc, tips);
	int error = 0;

	/* One update brings them all (the usual push): no commit need be read
	 * again to tell which (on 20,000 commits, a tenth of the hook's CPU). */
	for (k = 0; k < fresh->n; k++)
		owner[k] = only;
	if (only == SIZE_MAX)
		error = claim_all(owner, rc, fresh, tips);
	for (k = 0; k < fresh->n && !error; k++)
		if (owner[k] == SIZE_MAX)
			error = cg_error_set(CG_ERROR, "cannot tell which ref brings commit %s",
			                     git_oid_tostr_s(&fresh->ids[k]));
		else
			start[owner[k] + 1]++;
	for (i = 1; i <= rc->nupdates && !error; i++)
		start[i] += start[i - 1];
	if (!error)
		error = put_grouped(rc, fresh, owner, start);
	free(owner);
	free(start);
	return error;
}

/* Each checked commit's place in rc->commits, by id. */
static int index_commits(cg_oidmap **out, receive *rc)
{
	checked_commit c;
	size_t i;
	int error = 0;

	*out = cg_oidmap_new();
	for (i = 0; i < ncommits(rc) && !error; i++)
		if ((error = cg_recarray_get(rc->commits, i, &c)) == 0)
			cg_oidmap_put(*out, &c.oid, i);
	return error;
}

/* Adds an update's findings (`r`, taken) to the record of its new tip: the
 * tip's own check when the push brought it, else a record of its own (a
 * force push to an older commit brings none). `*at` maps records' ids to
 * places, made on first use. */
static int attach(receive *rc, cg_oidmap **at, size_t update, const git_oid *tip, cg_result *r)
{
	cg_result *kept = NULL;
	char *author = NULL, *committer = NULL;
	git_commit *commit = NULL;
	checked_commit c;
	size_t k, i;
	int error = 0;

	if (!*at && (error = index_commits(at, rc)) < 0) {
		cg_result_free(r);
		return error;
	}
	if (cg_oidmap_get(*at, tip, &k)) {
		if ((error = cg_recarray_get(rc->commits, k, &c)) == 0 &&
		    (error = load_commit(rc, &c, &kept, &author, &committer)) == 0) {
			for (i = 0; i < r->nfindings; i++)
				cg_result_add_finding(kept, r->findings[i].rule, r->findings[i].path,
				                      r->findings[i].detail, r->findings[i].hint,
				                      r->findings[i].waiver);
			kept->verdict = CG_VERDICT_BLOCKED;
			if ((error = store_commit(rc, &c, kept, author, committer)) == 0)
				error = cg_recarray_set(rc->commits, k, &c);
		}
	} else {
		k = ncommits(rc);
		cg_oidmap_put(*at, tip, k);
		if (git_commit_lookup(&commit, rc->repo, tip) == 0) {
			format_ident(&author, git_commit_author(commit));
			format_ident(&committer, git_commit_committer(commit));
		} else {
			author = cg_strdup("");
			committer = cg_strdup("");
		}
		init_commit(&c, update, tip);
		if ((error = store_commit(rc, &c, r, author, committer)) == 0)
			error = cg_recarray_set(rc->commits, k, &c);
	}
	free_commit(kept, author, committer);
	cg_result_free(r);
	git_commit_free(commit);
	return error;
}

/* Judges what each covered update of an existing ref does to its content
 * (lib/update.c): the commits' checks alone miss a merge that takes the
 * other side's files and a force push to an older commit. */
static int judge_updates(receive *rc, const git_oid *tips)
{
	cg_update_opts o = { rc->repo, rc->policy, rc->pusher, rc->memo, rc->stop_us, 0 };
	cg_oidmap *at = NULL;
	size_t i;
	int error = 0;

	for (i = 0; i < rc->nupdates && !error; i++) {
		const cg_receive_update *u = &rc->updates[i];
		cg_result *r = NULL;
		git_oid id, old;

		if (git_oid_is_zero(&tips[i]) || cg_receive_oid_is_zero(u->old_oid))
			continue;
		if ((error = past_deadline(rc)) < 0)
			break;
		if (git_oid_fromstr(&id, u->old_oid) < 0)
			error = cg_error_from_git("bad object id");
		else if ((error = peel_to_commit(&old, rc->repo, &id, u->ref)) == CG_ENOTFOUND)
			error = 0;
		else if (!error && (error = cg_update_judge(&r, &o, u->ref, &old, &tips[i])) == 0 &&
		         r->nfindings)
			error = attach(rc, &at, i, &tips[i], r);
		else
			cg_result_free(r);
	}
	if (error == CG_ELIMIT)
		past_deadline(rc);
	cg_oidmap_free(at);
	return error;
}

/*
 * Every commit the push brings is checked once, under the first ref that
 * brings it, and shared history is never diffed twice; then every update
 * of an existing ref is judged by its content before and after. Deleted
 * refs and refs outside server.refs bring nothing. Each step is linear in
 * the refs and the commits, and all of them count against the deadline.
 */
static int check_updates(receive *rc)
{
	commit_list hidden = { NULL, 0, 0 }, fresh = { NULL, 0, 0 };
	cg_oidmap *existing = cg_oidmap_new();
	git_oid *tips = cg_calloc(rc->nupdates + 1, sizeof(*tips));
	size_t nwalked = 0;
	int error, e;

	if ((error = cg_recfile_new(&rc->log)) == 0 &&
	    (error = cg_recarray_new(&rc->commits, sizeof(checked_commit))) == 0 &&
	    (error = existing_tips(&hidden, existing, rc)) == 0 &&
	    (error = new_tips(tips, rc)) == 0 &&
	    (error = list_new(&fresh, rc, &hidden, existing, tips)) == 0 &&
	    (error = group_by_update(rc, &fresh, tips)) == 0) {
		/* rc->commits has them now: the list is not kept through the checks */
		free(fresh.ids);
		fresh.ids = NULL;
		error = check_walked(rc, 0);
		e = drop_unchecked(rc, 0);
		error = error < 0 ? error : e;
		nwalked = ncommits(rc);
		if (!error)
			error = judge_updates(rc, tips);
	}
	if (rc->commits && (e = report_checked(rc, nwalked)) < 0 && !error)
		error = e;
	free(hidden.ids);
	free(fresh.ids);
	free(tips);
	cg_oidmap_free(existing);
	return error;
}

/* --- verdict, messages, audit ------------------------------------------ */

static int refuse_or_accept(receive *rc)
{
	cg_buf msg = CG_BUF_INIT, hints = CG_BUF_INIT;

	if (!rc->rejected)
		return CG_EXIT_OK;
	if (rc->rejected > SHOWN_MAX) {
		cg_buf_printf(&msg, "... and %zu more rejected commits, not shown", rc->rejected - SHOWN_MAX);
		cg_output_message(&rc->out, msg.ptr, NULL);
		cg_buf_clear(&msg);
	}
	cg_buf_printf(&msg, "push refused: %zu of %zu new commit%s rejected; no ref was updated",
	              rc->rejected, ncommits(rc), ncommits(rc) == 1 ? "" : "s");
	cg_buf_puts(&hints, "amend each rejected commit (git rebase -i <base>, then edit) and push again");
	if (rc->policy->server.push_option_waivers)
		cg_buf_puts(&hints, "\nwhen no changelog entry is needed: git push -o " SKIP_OPTION "=\"<why>\"");
	cg_output_message(&rc->out, msg.ptr, hints.ptr);
	cg_buf_dispose(&msg);
	cg_buf_dispose(&hints);
	return CG_EXIT_BLOCKED;
}

static int fail(receive *rc, int error)
{
	cg_output_error(&rc->out, rc->hint ? rc->hint : "the push is refused because it could "
	                "not be checked; tell the server's administrator");
	return rc->timed_out ? CG_EXIT_BLOCKED : cg_error_exit_code(error);
}

/* The checked commits as the record reads them (cg_record_commits_fn):
 * one at a time from rc->log, those without the items of `kind` skipped. */
static int each_commit(void *self, cg_audit_kind kind, cg_record_commit_fn fn, void *payload)
{
	receive *rc = self;
	const uint16_t needs = kind == CG_AUDIT_FINDINGS ? HAS_FINDINGS :
		kind == CG_AUDIT_WAIVERS ? HAS_WAIVERS : 0;
	char oid[GIT_OID_SHA1_HEXSIZE + 1];
	cg_record_commit c;
	cg_result *r = NULL;
	char *author = NULL, *committer = NULL;
	size_t i;
	int error = 0;

	for (i = 0; error == 0 && i < rc->nreadable; i++) {
		checked_commit checked;

		if ((error = cg_recarray_get(rc->commits, i, &checked)) < 0)
			break;
		if (checked.verdict < 0 || (needs && !(checked.has & needs)))
			continue;
		if ((error = load_commit(rc, &checked, &r, &author, &committer)) < 0)
			break;
		git_oid_tostr(oid, sizeof(oid), &checked.oid);
		c = (cg_record_commit){ oid, rc->updates[checked.update].ref, author, committer, r };
		error = fn(&c, payload);
		free_commit(r, author, committer);
	}
	return error;
}

/*
 * One run for the whole push (a run per hook run, as every hook records): its ref
 * updates, its push options and each checked commit with its verdict,
 * findings and waivers; when the hook failed, an "error" finding.
 */
static cg_record *push_record(receive *rc, const char *failure)
{
	cg_record *rec = cg_record_new(HOOK_NAME, rc->repo, git_repository_path(rc->repo),
	                               rc->policy);
	size_t i;

	cg_record_push_commits(rec, each_commit, rc);
	for (i = 0; i < rc->nupdates; i++)
		cg_record_add_ref(rec, rc->updates[i].ref, rc->updates[i].old_oid,
		                  rc->updates[i].new_oid);
	for (i = 0; i < rc->noptions; i++)
		cg_record_add_push_option(rec, rc->options[i]);
	cg_record_set_pusher(rec, rc->pusher);
	if (failure)
		cg_record_fail(rec, failure);
	return rec;
}

/*
 * The walk's objects are done with once every commit is checked: the memo's
 * (up to 32 MiB) and the delta bases libgit2 keeps of each pack until it
 * closes (16 MiB), which an empty object database in place of the
 * repository's closes. The audit record reads no object, and its memory
 * reuses theirs instead of adding to the peak.
 */
static void drop_objects(receive *rc)
{
	git_odb *none = NULL;

	cg_memo_free(rc->memo);
	rc->memo = NULL;
	if (git_odb_new(&none) == 0)
		git_repository_set_odb(rc->repo, none);
	git_odb_free(none);
}

/* Reads every checked commit back from rc->log once before the record,
 * which then reads them again one at a time: the commits before the first
 * that cannot be read are recorded. */
static int check_readable(receive *rc)
{
	cg_result *r = NULL;
	char *author = NULL, *committer = NULL;
	checked_commit c;
	int error = 0;

	for (rc->nreadable = 0; rc->nreadable < ncommits(rc); rc->nreadable++) {
		if ((error = cg_recarray_get(rc->commits, rc->nreadable, &c)) < 0)
			break;
		if (c.verdict < 0)
			continue;
		error = load_commit(rc, &c, &r, &author, &committer);
		free_commit(r, author, committer);
		if (error < 0)
			break;
	}
	return error;
}

/* Without the audit trail the push is refused, unless on_error: warn. A
 * checked commit that cannot be read back refuses it too. */
static int record_or_refuse(receive *rc, const char *failure, int code)
{
	char *lost = NULL;
	cg_record *rec;
	int error;

	if (!rc->repo)
		return code;
	drop_objects(rc);
	if (check_readable(rc) < 0 && !failure) {
		failure = lost = cg_strdup(cg_error_last());
		code = fail(rc, CG_ERROR);
	}
	rec = push_record(rc, failure);
	cg_record_set_accepted(rec, code == 0);
	error = cg_record_write_or_warn(rec, cg_clock_now_us() - rc->start_us, &rc->out,
	                                "the push", "the server's policy");
	cg_record_free(rec);
	free(lost);
	return error < 0 && !code ? CG_EXIT_RUNTIME : code;
}

static void receive_dispose(receive *rc)
{
	cg_recarray_free(rc->commits);
	cg_recfile_free(rc->log);
	cg_buf_dispose(&rc->scratch);
	free(rc->options);
	cg_memo_free(rc->memo);
	cg_packmap_free(rc->packmap);
	cg_receive_updates_free(rc->updates, rc->nupdates);
	cg_policy_free(rc->policy);
	cg_buf_dispose(&rc->namespace);
	cg_buf_dispose(&rc->head);
	git_repository_free(rc->repo);
}

static int prepare(receive *rc, FILE *in)
{
	int error;

	rc->memo = cg_memo_new();
	if ((error = cg_receive_read(&rc->updates, &rc->nupdates, in)) < 0) {
		rc->hint = "the hook reads git's '<old-oid> <new-oid> <refname>' lines on standard input";
		return error;
	}
	if ((error = require_sha1(rc)) < 0 ||
	    (error = open_quarantined(rc)) < 0 ||
	    (error = cg_packmap_new(&rc->packmap, CG_PACKMAP_BOUND)) < 0 ||
	    (error = resolve_refs(rc)) < 0 ||
	    (error = load_policy(rc)) < 0)
		return error;
	if (rc->policy->server.deadline > 0)
		/* Stop at 80%: the rest is for the audit transaction and the reply. */
		rc->stop_us = rc->start_us + (int64_t)rc->policy->server.deadline * 800000;
	if ((error = find_pusher(rc)) < 0)
		return error;
	read_push_options(rc);
	return 0;
}

/* The commits a push option waived, and the first such waiver's reason
 * and authorizer. */
typedef struct {
	size_t n;
	char *reason, *authorizer;
} push_waivers;

static int note_push_waiver(const cg_record_commit *c, void *payload)
{
	push_waivers *pw = payload;
	size_t k;

	for (k = 0; k < c->result->nwaivers; k++) {
		const cg_waiver *w = &c->result->waivers[k];

		if (strcmp(w->source, "push-option"))
			continue;
		if (pw->n++ == 0) {
			pw->reason = cg_strdup(w->reason);
			pw->authorizer = w->authorizer ? cg_strdup(w->authorizer) : NULL;
		}
		break;
	}
	return 0;
}

/* A waiver by push option changes what the server lets in: the pusher is
 * told it took effect and was recorded, never left to guess. */
static void report_push_waivers(receive *rc)
{
	cg_buf msg = CG_BUF_INIT, hint = CG_BUF_INIT;
	push_waivers pw = { 0 };

	if (each_commit(rc, CG_AUDIT_WAIVERS, note_push_waiver, &pw) == 0 && pw.n) {
		cg_buf_printf(&msg, "push option '" SKIP_OPTION "' applied: %zu commit%s accepted "
		              "without a changelog entry, reason '%s'", pw.n, pw.n == 1 ? "" : "s",
		              pw.reason);
		cg_buf_printf(&hint, "the waiver is recorded in the server's audit log, waived by '%s'",
		              pw.authorizer ? pw.authorizer : "(unknown pusher)");
		cg_output_message(&rc->out, msg.ptr, hint.ptr);
	}
	cg_error_clear();
	free(pw.reason);
	free(pw.authorizer);
	cg_buf_dispose(&msg);
	cg_buf_dispose(&hint);
}

int cg_receive_run(FILE *in, FILE *err)
{
	receive rc = { 0 };
	char *failure = NULL;
	int error, code;

	rc.namespace = (cg_buf)CG_BUF_INIT;
	rc.head = (cg_buf)CG_BUF_INIT;
	rc.scratch = (cg_buf)CG_BUF_INIT;
	rc.start_us = cg_clock_now_us();
	output_init(&rc.out, err);
	if ((error = prepare(&rc, in)) < 0 || (error = check_updates(&rc)) < 0) {
		failure = cg_strdup(cg_error_last());
		code = fail(&rc, error);
	} else {
		code = refuse_or_accept(&rc);
	}
	code = record_or_refuse(&rc, failure, code);
	if (code == CG_EXIT_OK)
		report_push_waivers(&rc);
	free(failure);
	receive_dispose(&rc);
	return code;
}
