/*
 * heap.h: how glibc's allocator serves a long walk over history, whose
 * caches fill tens of megabytes and whose CHANGELOG versions come and go.
 */
#ifndef CG_HEAP_H
#define CG_HEAP_H

#include "buf.h"

/* Keeps freed blocks of up to CG_CHANGELOG_MAX_BYTES in the heap for the
 * next, rather than mapping and unmapping each: a walk reads a CHANGELOG
 * version per commit that edits it, each allocated afresh. */
void cg_heap_keep_freed(void);

/*
 * The GLIBC_TUNABLES a process started with `tunables` (NULL when unset)
 * would need for glibc to ask the kernel for transparent huge pages on
 * its heap, given the kernel's mode `thp` (the line of
 * /sys/kernel/mm/transparent_hugepage/enabled, NULL when unreadable).
 * Returns 1 with them in `out`; 0 when nothing is to be gained: the kernel
 * gives huge pages to every heap already, or to none, or the tunable is
 * set either way (a user's choice, and what a restart leaves).
 */
int cg_heap_huge_tunables(cg_buf *out, const char *thp, const char *tunables);

/*
 * Starts this program again (/proc/self/exe, `argv` as main() had it) with
 * those tunables, when they gain anything: a walk's heap then faults a
 * fifth as often and misses the TLB less. Call before the program has done
 * anything a second start would do again. Returns when it does not
 * restart, or cannot: the run goes on as it is.
 */
void cg_heap_restart_huge(char *const argv[]);

#endif
