#include "sshsig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hash.h"

extern char **environ;

/* ssh-keygen says little; more than this is not ssh-keygen talking. */
#define OUTPUT_CAP (64 * 1024)
/* Verifying takes milliseconds; signing may wait for a passphrase or a touch. */
#define VERIFY_TIMEOUT_MS (20 * 1000)
#define SIGN_TIMEOUT_MS (300 * 1000)
#define PRINCIPAL_MAX 1024

typedef struct {
	const char *const *argv;
	const void *in;
	size_t inlen;
	cg_buf *out;
	cg_buf *err;    /* NULL: ssh-keygen talks to our stderr (its prompts) */
	int timeout_ms;
	int status;     /* its exit status; -1 when it died of a signal */
} run;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int spawn(pid_t *pid, const run *r, int fds[3][2])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t def;
	int k, error;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* We ignore SIGPIPE while feeding it; it must not inherit that. */
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_adddup2(&fa, fds[0][0], 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1][1], 1);
	if (r->err)
		posix_spawn_file_actions_adddup2(&fa, fds[2][1], 2);
	for (k = 0; k < 3; k++) {
		posix_spawn_file_actions_addclose(&fa, fds[k][0]);
		posix_spawn_file_actions_addclose(&fa, fds[k][1]);
	}
	/* An argv, resolved on PATH: nothing a shell would read is ever built. */
	error = posix_spawnp(pid, r->argv[0], &fa, &attr, (char *const *)r->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (error)
		return cg_error_hint(cg_error_set(CG_ERROR, "cannot run %s: %s", r->argv[0],
		                                  strerror(error)),
		                     "install OpenSSH's client (it provides ssh-keygen): "
		                     "apt-get install openssh-client");
	return 0;
}

static void keep(cg_buf *buf, const char *data, ssize_t n)
{
	if (buf && n > 0 && buf->size < OUTPUT_CAP)
		cg_buf_put(buf, data, buf->size + (size_t)n > OUTPUT_CAP ? OUTPUT_CAP - buf->size
		                                                         : (size_t)n);
}

/* Feeds stdin and drains stdout and stderr until both close or time runs out. */
static int pump(const run *r, int in, int out, int err)
{
	struct pollfd p[3] = { { in, POLLOUT, 0 }, { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	int64_t deadline = now_ms() + r->timeout_ms;
	size_t sent = 0;
	char chunk[4096];
	int k;

	if (!r->inlen) {
		close(p[0].fd);
		p[0].fd = -1;
	}
	while (p[1].fd >= 0 || p[2].fd >= 0) {
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return cg_error_set(CG_ERROR, "ssh-keygen did not finish within %d s",
			                    r->timeout_ms / 1000);
		if (poll(p, 3, (int)left) < 0 && errno != EINTR)
			return cg_error_set(CG_ERROR, "cannot talk to ssh-keygen: %s", strerror(errno));
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t n = write(p[0].fd, (const char *)r->in + sent, r->inlen - sent);
			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == r->inlen) {
				close(p[0].fd); /* also when it stopped reading: what it read decides */
				p[0].fd = -1;
			}
		}
		for (k = 1; k < 3; k++) {
			ssize_t n;
			if (p[k].fd < 0 || !p[k].revents)
				continue;
			n = read(p[k].fd, chunk, sizeof(chunk));
			if (n > 0)
				keep(k == 1 ? r->out : r->err, chunk, n);
			else if (n == 0 || errno != EINTR) {
				close(p[k].fd);
				p[k].fd = -1;
			}
		}
	}
	if (p[0].fd >= 0)
		close(p[0].fd);
	return 0;
}

static void close_pair(int fd[2])
{
	for (int k = 0; k < 2; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	fd[0] = fd[1] = -1;
}

/* A pipe no other child inherits. */
static int open_pipe(int fd[2])
{
	if (pipe(fd) < 0)
		return -1;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

static int run_keygen(run *r)
{
	int fds[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	struct sigaction ign = { 0 }, old;
	pid_t pid = -1;
	int k, status = 0, error = 0;

	for (k = 0; k < 3 && !error; k++)
		if ((k < 2 || r->err) && open_pipe(fds[k]) < 0)
			error = cg_error_set(CG_ERROR, "cannot run ssh-keygen: %s", strerror(errno));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	if (!error && (error = spawn(&pid, r, fds)) == 0) {
		close(fds[0][0]);
		close(fds[1][1]);
		close(fds[2][1]);
		fds[0][0] = fds[1][1] = fds[2][1] = -1;
		fcntl(fds[0][1], F_SETFL, O_NONBLOCK);
		error = pump(r, fds[0][1], fds[1][0], fds[2][0]);
		fds[0][1] = fds[1][0] = fds[2][0] = -1; /* pump closed them */
		if (error)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	sigaction(SIGPIPE, &old, NULL);
	for (k = 0; k < 3; k++)
		close_pair(fds[k]);
	return error;
}

/* The signature goes to ssh-keygen as a file only we can read, removed after. */
typedef struct {
	char path[64];
} sigfile;

static int sigfile_write(sigfile *f, const char *armored)
{
	const char *dir = getenv("TMPDIR");
	size_t len = strlen(armored);
	int fd;

	if (!dir || !dir[0] || strlen(dir) > 32)
		dir = "/tmp";
	snprintf(f->path, sizeof(f->path), "%s/changeguard-sig-XXXXXX", dir);
	if ((fd = mkstemp(f->path)) < 0) {
		f->path[0] = '\0';
		return cg_error_set(CG_ERROR, "cannot create a temporary file in %s: %s", dir,
		                    strerror(errno));
	}
	if (fchmod(fd, 0600) < 0 || write(fd, armored, len) != (ssize_t)len) {
		close(fd);
		return cg_error_set(CG_ERROR, "cannot write a temporary file in %s", dir);
	}
	close(fd);
	return 0;
}

static void sigfile_remove(sigfile *f)
{
	if (f->path[0])
		unlink(f->path);
}

int cg_sshsig_sign(cg_buf *armored, const char *key, const void *data, size_t len)
{
	const char *argv[] = { "ssh-keygen", "-q", "-Y", "sign", "-n", CG_SSHSIG_NAMESPACE,
	                       "-f", key, NULL };
	run r = { argv, data, len, armored, NULL, SIGN_TIMEOUT_MS, 0 };
	int error;

	cg_buf_clear(armored);
	if ((error = run_keygen(&r)) < 0)
		return error;
	if (r.status != 0 || !strstr(armored->ptr, "-----BEGIN SSH SIGNATURE-----"))
		return cg_error_set(CG_ERROR, "ssh-keygen could not sign with the key '%s'\n"
		                    "hint: check that the key exists and signs: ssh-keygen -l -f %s",
		                    key, key);
	return 0;
}

/* The first line of what ssh-keygen said, trimmed, for a message. */
static void first_line(cg_buf *out, const cg_buf *said)
{
	size_t n = strcspn(said->ptr, "\n");
	cg_buf_put(out, said->ptr, n > 200 ? 200 : n);
}

static int principal_ok(const char *principal)
{
	size_t n = strlen(principal);

	if (!n || n > PRINCIPAL_MAX)
		return 0;
	for (; *principal; principal++)
		if ((unsigned char)*principal < 0x20 || *principal == 0x7f)
			return 0;
	return 1;
}

/* Whether the signature holds over the data in our namespace, whoever made it. */
static int check_novalidate(int *good, cg_buf *why, const char *sig, const void *data, size_t len)
{
	const char *argv[] = { "ssh-keygen", "-Y", "check-novalidate", "-n", CG_SSHSIG_NAMESPACE,
	                       "-s", sig, NULL };
	cg_buf out = CG_BUF_INIT, err = CG_BUF_INIT;
	run r = { argv, data, len, &out, &err, VERIFY_TIMEOUT_MS, 0 };
	int error = run_keygen(&r);

	*good = !error && r.status == 0;
	if (!error && !*good) {
		if (strstr(err.ptr, "namespace"))
			cg_buf_printf(why, "the signature is not in the '%s' namespace", CG_SSHSIG_NAMESPACE);
		else if (strstr(err.ptr, "incorrect signature"))
			cg_buf_puts(why, "the signature is over other content");
		else {
			cg_buf_puts(why, "the signature does not check: ");
			first_line(why, &err);
		}
	}
	cg_buf_dispose(&out);
	cg_buf_dispose(&err);
	return error;
}

static int find_principals(cg_buf *out, cg_buf *why, const cg_sshsig_trust *trust,
                           const char *sig)
{
	const char *argv[] = { "ssh-keygen", "-Y", "find-principals", "-f", trust->allowed_signers,
	                       "-s", sig, NULL };
	cg_buf err = CG_BUF_INIT;
	run r = { argv, NULL, 0, out, &err, VERIFY_TIMEOUT_MS, 0 };
	int error;

	cg_buf_clear(out);
	if ((error = run_keygen(&r)) == 0 && r.status != 0) {
		cg_buf_clear(out);
		if (strstr(err.ptr, "expired"))
			cg_buf_puts(why, "the key has expired (valid-before) in the allowed signers");
		else if (strstr(err.ptr, "not yet valid"))
			cg_buf_puts(why, "the key is not yet valid (valid-after) in the allowed signers");
		else if (strstr(err.ptr, "Unable to open"))
			cg_buf_printf(why, "the allowed signers file '%s' cannot be read",
			              trust->allowed_signers);
		else
			cg_buf_puts(why, "the key is not in the allowed signers");
	}
	cg_buf_dispose(&err);
	return error;
}


static int verify_as(int *good, cg_buf *said, const cg_sshsig_trust *trust, const char *revoked,
                     const char *principal, const char *sig, const void *data, size_t len)
{
	const char *argv[16] = { "ssh-keygen", "-Y", "verify", "-n", CG_SSHSIG_NAMESPACE,
	                         "-f", trust->allowed_signers, "-I", principal, "-s", sig };
	cg_buf err = CG_BUF_INIT;
	run r = { argv, data, len, said, &err, VERIFY_TIMEOUT_MS, 0 };
	int error;

	if (revoked) {
		argv[11] = "-r";
		argv[12] = revoked;
	}
	cg_buf_clear(said);
	error = run_keygen(&r);
	*good = !error && r.status == 0;
	cg_buf_dispose(&err);
	return error;
}

/* Why a signature that ssh-keygen refused for `principal` is refused. */
static int explain(cg_buf *why, const cg_sshsig_trust *trust, const char *principal,
                   const char *sig, const void *data, size_t len)
{
	cg_buf said = CG_BUF_INIT;
	int good, error;

	if ((error = check_novalidate(&good, why, sig, data, len)) < 0 || !good ||
	    (error = find_principals(&said, why, trust, sig)) < 0 || !said.size)
		goto done;
	if (trust->revoked_keys &&
	    (error = verify_as(&good, &said, trust, NULL, principal, sig, data, len)) == 0 && good)
		cg_buf_printf(why, "the key is revoked (in %s)", trust->revoked_keys);
	else
		cg_buf_printf(why, "the allowed signers do not let the key sign for '%s' in the "
		              "'%s' namespace", principal, CG_SSHSIG_NAMESPACE);
done:
	cg_buf_dispose(&said);
	return error;
}

/* "Good ... signature for P with ED25519 key SHA256:xyz" -> "SHA256:xyz". */
static void fingerprint_of(cg_buf *out, const cg_buf *said)
{
	const char *at = strstr(said->ptr, " key ");

	cg_buf_clear(out);
	if (at) {
		at += 5;
		cg_buf_put(out, at, strcspn(at, " \n"));
	}
}

static int verify(int *valid, cg_buf *fingerprint, cg_buf *why, const cg_sshsig_trust *trust,
                  const char *principal, const char *armored, const void *data, size_t len)
{
	cg_buf said = CG_BUF_INIT;
	sigfile f = { "" };
	int error;

	if ((error = sigfile_write(&f, armored)) < 0 ||
	    (error = verify_as(valid, &said, trust, trust->revoked_keys, principal, f.path, data,
	                       len)) < 0)
		goto done;
	if (*valid)
		fingerprint_of(fingerprint, &said);
	else
		error = explain(why, trust, principal, f.path, data, len);
done:
	sigfile_remove(&f);
	cg_buf_dispose(&said);
	return error;
}

/* --- what ssh-keygen said this run ------------------------------------ */

/*
 * One run (a push's hook, a history walk) puts the same question to
 * ssh-keygen more than once: pre-receive checks an approved commit as a
 * commit, then again in its ref update's chain of approved changes. The
 * answers are kept for the rest of the process, in memory shared with the
 * worker processes it forks later (lib/parallel.c), so that between them
 * each question is asked once. A question names the allowed signers' and
 * revocations' files as they are (path, inode, size, mtime), so a file
 * replaced makes new questions. A full table keeps what it has; a failure
 * to run ssh-keygen is never kept.
 */
#define CACHE_SLOTS 1024
#define CACHE_PROBES 16
#define CACHE_TEXT 4000

enum { SLOT_FREE, SLOT_WRITING, SLOT_READY };

typedef struct {
	atomic_int state;
	char key[CG_SHA256_HEX_LEN + 1];
	int flag;
	uint32_t len[2];
	char text[CACHE_TEXT];
} cache_slot;

static cache_slot *slots;
static int slots_failed;

static cache_slot *cache(void)
{
	void *p;

	if (slots || slots_failed)
		return slots;
	/* Untouched slots cost address space only. */
	p = mmap(NULL, CACHE_SLOTS * sizeof(cache_slot), PROT_READ | PROT_WRITE,
	         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		slots_failed = 1;
	else
		slots = p;
	return slots;
}

void cg_sshsig_cache_share(void)
{
	(void)cache();
}

static void put_file(cg_buf *q, const char *path)
{
	struct stat st;

	if (path && stat(path, &st) == 0)
		cg_buf_printf(q, "%s\n%ju %ju %jd %jd.%09ld", path, (uintmax_t)st.st_dev,
		              (uintmax_t)st.st_ino, (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec,
		              st.st_mtim.tv_nsec);
	else
		cg_buf_printf(q, "%s\n-", path ? path : "");
	cg_buf_putc(q, '\0');
}

/* The key of a question: its kind and everything ssh-keygen is given. */
static void question(char key[CG_SHA256_HEX_LEN + 1], const char *kind,
                     const cg_sshsig_trust *trust, const char *principal, const char *armored,
                     const void *data, size_t len)
{
	cg_buf q = CG_BUF_INIT;

	cg_buf_put(&q, kind, strlen(kind) + 1);
	put_file(&q, trust->allowed_signers);
	put_file(&q, trust->revoked_keys);
	cg_buf_put(&q, principal, strlen(principal) + 1);
	cg_buf_put(&q, armored, strlen(armored) + 1);
	cg_buf_put(&q, data, len);
	cg_hash_sha256_hex(key, q.ptr, q.size);
	cg_buf_dispose(&q);
}

/* Where the question `key` is looked for first; then the next slots. */
static size_t home_of(const char *key)
{
	char head[9];

	memcpy(head, key, 8);
	head[8] = '\0';
	return (size_t)strtoul(head, NULL, 16);
}

/* The answer to the question `key` when it was asked: 1, else 0. */
static int recall(const char *key, int *flag, cg_buf *a, cg_buf *b)
{
	cache_slot *table = cache();

	for (size_t i = 0; table && i < CACHE_PROBES; i++) {
		cache_slot *s = &table[(home_of(key) + i) % CACHE_SLOTS];
		int state = atomic_load_explicit(&s->state, memory_order_acquire);
		if (state == SLOT_FREE)
			return 0;
		if (state == SLOT_READY && !memcmp(s->key, key, CG_SHA256_HEX_LEN)) {
			*flag = s->flag;
			cg_buf_put(a, s->text, s->len[0]);
			cg_buf_put(b, s->text + s->len[0], s->len[1]);
			return 1;
		}
	}
	return 0;
}

/* Another process may be writing any slot: one is taken by moving it from free. */
static void remember(const char *key, int flag, const char *a, const char *b)
{
	cache_slot *table = cache();
	size_t la = strlen(a), lb = strlen(b);

	for (size_t i = 0; table && la + lb <= CACHE_TEXT && i < CACHE_PROBES; i++) {
		cache_slot *s = &table[(home_of(key) + i) % CACHE_SLOTS];
		int expected = SLOT_FREE;
		if (!atomic_compare_exchange_strong(&s->state, &expected, SLOT_WRITING))
			continue;
		memcpy(s->key, key, sizeof(s->key));
		s->flag = flag;
		s->len[0] = (uint32_t)la;
		s->len[1] = (uint32_t)lb;
		memcpy(s->text, a, la);
		memcpy(s->text + la, b, lb);
		atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
		return;
	}
}

int cg_sshsig_principals(cg_buf *out, cg_buf *why, const cg_sshsig_trust *trust,
                         const char *armored)
{
	char key[CG_SHA256_HEX_LEN + 1];
	size_t had = why->size;
	sigfile f = { "" };
	int error, unused;

	cg_buf_clear(out);
	question(key, "find-principals", trust, "", armored, "", 0);
	if (recall(key, &unused, out, why))
		return 0;
	if ((error = sigfile_write(&f, armored)) == 0)
		error = find_principals(out, why, trust, f.path);
	sigfile_remove(&f);
	if (!error)
		remember(key, 0, out->ptr, why->ptr + had);
	return error;
}

int cg_sshsig_verify(int *valid, cg_buf *fingerprint, cg_buf *why, const cg_sshsig_trust *trust,
                     const char *principal, const char *armored, const void *data, size_t len)
{
	char key[CG_SHA256_HEX_LEN + 1];
	cg_buf fp = CG_BUF_INIT;
	int error = 0;

	*valid = 0;
	cg_buf_clear(why);
	if (!principal_ok(principal)) {
		cg_buf_puts(why, "the principal is empty, too long or holds a control character");
		return 0;
	}
	question(key, "verify", trust, principal, armored, data, len);
	if (!recall(key, valid, &fp, why) &&
	    (error = verify(valid, &fp, why, trust, principal, armored, data, len)) == 0)
		remember(key, *valid, fp.ptr, why->ptr);
	if (!error && *valid) {
		cg_buf_clear(fingerprint);
		cg_buf_puts(fingerprint, fp.ptr);
	}
	cg_buf_dispose(&fp);
	return error;
}

int cg_sshsig_fingerprint(cg_buf *out, const char *key)
{
	const char *argv[] = { "ssh-keygen", "-l", "-E", "sha256", "-f", key, NULL };
	cg_buf said = CG_BUF_INIT, err = CG_BUF_INIT;
	run r = { argv, NULL, 0, &said, &err, VERIFY_TIMEOUT_MS, 0 };
	const char *sp;
	int error;

	cg_buf_clear(out);
	if ((error = run_keygen(&r)) == 0 && (r.status != 0 || !(sp = strchr(said.ptr, ' '))))
		error = cg_error_set(CG_ERROR, "cannot read the key '%s': %.200s", key, err.ptr);
	else if (!error)
		cg_buf_put(out, sp + 1, strcspn(sp + 1, " \n"));
	cg_buf_dispose(&said);
	cg_buf_dispose(&err);
	return error;
}
