#include "progress.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

/* Fast enough to look alive, slow enough to cost nothing. */
#define REDRAW_NS 100000000LL

struct cg_progress {
	FILE *fp;
	const char *title;
	size_t total, done;
	int64_t start_ns, drawn_ns;
	int width; /* of the longest line drawn, to blank a shorter one's rest */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

cg_progress *cg_progress_new(FILE *fp, const char *title, int wanted)
{
	cg_progress *p;

	if (!wanted || !isatty(fileno(fp)))
		return NULL;
	p = cg_calloc(1, sizeof(*p));
	p->fp = fp;
	p->title = title;
	p->start_ns = now_ns();
	return p;
}

void cg_progress_total(cg_progress *p, size_t total)
{
	if (p)
		p->total = total;
}

static void draw(cg_progress *p, int64_t at, const char *end)
{
	double secs = (double)(at - p->start_ns) / 1e9;
	unsigned pct = p->total ? (unsigned)((uint64_t)p->done * 100 / p->total) : 100;
	int n = fprintf(p->fp, "\r%s: %3u%% (%zu/%zu), %.0f commits/s, %.1f s%s", p->title, pct,
	                p->done, p->total, secs > 0 ? (double)p->done / secs : 0.0, secs, end);

	/* "\r" then the line: pad over what a longer line left behind */
	if (n > 0 && n < p->width)
		fprintf(p->fp, "%*s\r", p->width - n, "");
	if (n > p->width)
		p->width = n;
	if (*end)
		fputc('\n', p->fp);
	fflush(p->fp);
	p->drawn_ns = at;
}

void cg_progress_update(cg_progress *p, size_t done)
{
	int64_t at;

	if (!p || !p->total)
		return;
	p->done = done;
	at = now_ns();
	if (!p->drawn_ns || at - p->drawn_ns >= REDRAW_NS)
		draw(p, at, "");
}

void cg_progress_done(cg_progress *p)
{
	if (!p)
		return;
	if (p->total)
		draw(p, now_ns(), ", done.");
	free(p);
}
