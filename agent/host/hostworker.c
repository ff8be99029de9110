// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The host-reading worker (host/hostworker.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/hostworker.h"

struct worker {
	pthread_t th;
	struct pw_hw *hw;
	struct pw_hw_job *job; /* running, or NULL */
	uint64_t job_since, read_since;
	char what[PW_HW_WHAT_LEN];
	int abandoned;
};

struct pw_hw {
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* work queued, or stop */
	pthread_cond_t exited; /* a thread left */
	struct pw_hw_job *qhead, *qtail, *dhead, *dtail;
	struct worker *cur;
	unsigned int threads; /* alive: the current one and the stuck ones */
	uint64_t read_deadline_ns, job_deadline_ns;
	int stop, orphaned;
	struct pw_hw_stats st;
};

static __thread struct worker *self;
static __thread int on_event_thread;
static _Atomic uint64_t event_thread_reads;
static pthread_mutex_t last_mu = PTHREAD_MUTEX_INITIALIZER;
static char last_event_read[PW_HW_WHAT_LEN];

uint64_t pw_hw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void push(struct pw_hw_job **head, struct pw_hw_job **tail, struct pw_hw_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static void pool_destroy(struct pw_hw *hw)
{
	struct pw_hw_job *j;

	while ((j = hw->qhead)) {
		hw->qhead = j->next;
		j->free(j);
	}
	while ((j = hw->dhead)) {
		hw->dhead = j->next;
		j->free(j);
	}
	pthread_mutex_destroy(&hw->mu);
	pthread_cond_destroy(&hw->cv);
	pthread_cond_destroy(&hw->exited);
	free(hw);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pw_hw *hw = w->hw;
	int last;

	self = w;
	pthread_mutex_lock(&hw->mu);
	while (!hw->stop && !w->abandoned) {
		struct pw_hw_job *j = hw->qhead;
		uint64_t t;

		if (!j) {
			pthread_cond_wait(&hw->cv, &hw->mu);
			continue;
		}
		hw->qhead = j->next;
		if (!hw->qhead)
			hw->qtail = NULL;
		hw->st.queued--;
		w->job = j;
		w->job_since = w->read_since = pw_hw_now_ns();
		snprintf(w->what, sizeof(w->what), "(starting)");
		pthread_mutex_unlock(&hw->mu);
		j->run(j);
		t = pw_hw_now_ns();
		pthread_mutex_lock(&hw->mu);
		if (w->abandoned) {
			/* Too late: a copy went back in its place. The real
			 * answer goes back too, marked late: the read was slow,
			 * not stuck, and the submitter may use it. */
			j->late = 1;
			j->finished_ns = t;
			hw->st.late_answers++;
			push(&hw->dhead, &hw->dtail, j);
			break;
		}
		w->job = NULL;
		j->finished_ns = t;
		if (t - w->job_since > hw->st.max_job_ns)
			hw->st.max_job_ns = t - w->job_since;
		push(&hw->dhead, &hw->dtail, j);
	}
	if (w->abandoned)
		hw->st.workers_stuck--;
	hw->threads--;
	last = hw->orphaned && !hw->threads;
	pthread_cond_broadcast(&hw->exited);
	pthread_mutex_unlock(&hw->mu);
	free(w);
	if (last)
		pool_destroy(hw);
	return NULL;
}

/* With hw->mu held. */
static int spawn(struct pw_hw *hw)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_attr_t at;
	int rc;

	if (!w)
		return -ENOMEM;
	w->hw = hw;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&w->th, &at, worker_main, w);
	pthread_attr_destroy(&at);
	if (rc) {
		free(w);
		hw->st.spawn_failed++;
		return -rc;
	}
	hw->cur = w;
	hw->threads++;
	return 0;
}

struct pw_hw *pw_hw_new(uint64_t read_deadline_ns, uint64_t job_deadline_ns)
{
	struct pw_hw *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return NULL;
	pthread_mutex_init(&hw->mu, NULL);
	pthread_cond_init(&hw->cv, NULL);
	pthread_cond_init(&hw->exited, NULL);
	hw->read_deadline_ns = read_deadline_ns;
	hw->job_deadline_ns = job_deadline_ns ? job_deadline_ns : 10 * read_deadline_ns;
	pthread_mutex_lock(&hw->mu);
	if (spawn(hw)) {
		pthread_mutex_unlock(&hw->mu);
		pool_destroy(hw);
		return NULL;
	}
	pthread_mutex_unlock(&hw->mu);
	return hw;
}

void pw_hw_free(struct pw_hw *hw)
{
	struct timespec until;
	uint64_t t;

	if (!hw)
		return;
	pthread_mutex_lock(&hw->mu);
	hw->stop = 1;
	pthread_cond_broadcast(&hw->cv);
	/* The live worker may be in a read: wait for it at most one deadline. */
	clock_gettime(CLOCK_REALTIME, &until);
	t = (uint64_t)until.tv_nsec + hw->read_deadline_ns;
	until.tv_sec += t / 1000000000;
	until.tv_nsec = t % 1000000000;
	while (hw->threads > hw->st.workers_stuck)
		if (pthread_cond_timedwait(&hw->exited, &hw->mu, &until) == ETIMEDOUT)
			break;
	if (hw->threads) {
		/* Stuck in the kernel: the last of them frees the pool. */
		hw->orphaned = 1;
		pthread_mutex_unlock(&hw->mu);
		return;
	}
	pthread_mutex_unlock(&hw->mu);
	pool_destroy(hw);
}

/* A finished copy of j (with hw->mu held), for a job that will not be run or
 * whose worker was abandoned. */
static void give_up(struct pw_hw *hw, struct pw_hw_job *j, uint64_t now, const char *what)
{
	struct pw_hw_job *c = calloc(1, j->size);

	__atomic_store_n(&j->given_up, 1, __ATOMIC_RELEASE);
	if (!c)
		return; /* counted as timed out; the container stays without facts */
	/* Only the inputs: the stuck worker may still write the outputs. */
	memcpy(c, j, j->copy_size ? j->copy_size : j->size);
	c->timed_out = 1;
	c->late = 0;
	c->finished_ns = now;
	c->on_timeout(c, what);
	push(&hw->dhead, &hw->dtail, c);
}

void pw_hw_submit(struct pw_hw *hw, struct pw_hw_job *j)
{
	pthread_mutex_lock(&hw->mu);
	hw->st.submitted++;
	j->timed_out = 0;
	j->late = 0;
	j->submitted_ns = pw_hw_now_ns();
	if (!hw->cur) {
		char what[PW_HW_WHAT_LEN];

		/* Every worker is stuck: do not start another. */
		hw->st.refused_stuck++;
		hw->st.timed_out++;
		snprintf(what, sizeof(what), "nothing: %llu host-reading workers are stuck",
			 (unsigned long long)hw->st.workers_stuck);
		give_up(hw, j, j->submitted_ns, what);
		j->free(j);
	} else {
		push(&hw->qhead, &hw->qtail, j);
		hw->st.queued++;
		pthread_cond_signal(&hw->cv);
	}
	pthread_mutex_unlock(&hw->mu);
}

static size_t cancel_locked(struct pw_hw *hw, uint64_t key, const char *why);

/* How long before now t was; 0 for a t after now: the caller took the time
 * before the lock, and the worker may have begun a read since (unsigned,
 * that difference would wrap and give the young read up at once). */
static uint64_t age_ns(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* With hw->mu held: the live worker's job past a deadline is given up. */
static void check_deadline(struct pw_hw *hw, uint64_t now)
{
	struct worker *w = hw->cur;
	char what[PW_HW_WHAT_LEN + 32];
	uint64_t key;
	int read_late;

	if (!w || !w->job)
		return;
	read_late = age_ns(now, w->read_since) > hw->read_deadline_ns;
	if (!read_late && age_ns(now, w->job_since) <= hw->job_deadline_ns)
		return;
	key = w->job->key;
	snprintf(what, sizeof(what), "%s", w->what);
	if (!read_late)
		snprintf(what, sizeof(what), "%s (whole measurement past %llu ms)", w->what,
			 (unsigned long long)(hw->job_deadline_ns / 1000000));
	give_up(hw, w->job, now, what);
	w->abandoned = 1;
	hw->cur = NULL;
	hw->st.timed_out++;
	hw->st.workers_abandoned++;
	hw->st.workers_stuck++;
	/* Its other jobs would stall the next worker the same way: not run,
	 * before a new worker can pick one up (the submitter cancels too, but
	 * only once it has seen the timeout). */
	if (key)
		cancel_locked(hw, key, "nothing: an earlier read of this container timed out");
	if (hw->st.workers_stuck < PW_HW_STUCK_MAX) {
		/* The queue goes on with a new worker. */
		if (spawn(hw) == 0)
			pthread_cond_broadcast(&hw->cv);
	}
	if (!hw->cur) {
		struct pw_hw_job *j;

		/* No worker: whatever waits comes back unread. */
		while ((j = hw->qhead)) {
			hw->qhead = j->next;
			hw->st.queued--;
			hw->st.refused_stuck++;
			hw->st.timed_out++;
			snprintf(what, sizeof(what), "nothing: %llu host-reading workers are stuck",
				 (unsigned long long)hw->st.workers_stuck);
			give_up(hw, j, now, what);
			j->free(j);
		}
		hw->qtail = NULL;
	}
}

size_t pw_hw_collect(struct pw_hw *hw, uint64_t now_ns,
		     void (*done)(void *ctx, struct pw_hw_job *j), void *ctx)
{
	struct pw_hw_job *list, *j;
	size_t n = 0;

	pthread_mutex_lock(&hw->mu);
	check_deadline(hw, now_ns);
	if (!hw->cur && hw->st.workers_stuck < PW_HW_STUCK_MAX && spawn(hw) == 0)
		pthread_cond_broadcast(&hw->cv);
	list = hw->dhead;
	hw->dhead = hw->dtail = NULL;
	pthread_mutex_unlock(&hw->mu);
	while ((j = list)) {
		list = j->next;
		j->next = NULL;
		if (!j->timed_out && !j->late) {
			pthread_mutex_lock(&hw->mu);
			hw->st.completed++;
			pthread_mutex_unlock(&hw->mu);
		}
		done(ctx, j);
		j->free(j);
		n++;
	}
	return n;
}

/* With hw->mu held: queued jobs with this key come back unrun. */
static size_t cancel_locked(struct pw_hw *hw, uint64_t key, const char *why)
{
	struct pw_hw_job **pp, *j;
	size_t n = 0;

	hw->qtail = NULL;
	for (pp = &hw->qhead; (j = *pp);) {
		if (j->key != key) {
			hw->qtail = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		hw->st.queued--;
		hw->st.cancelled++;
		give_up(hw, j, pw_hw_now_ns(), why);
		j->free(j);
		n++;
	}
	return n;
}

size_t pw_hw_cancel(struct pw_hw *hw, uint64_t key, const char *why)
{
	size_t n;

	pthread_mutex_lock(&hw->mu);
	n = cancel_locked(hw, key, why);
	pthread_mutex_unlock(&hw->mu);
	return n;
}

void pw_hw_stats(struct pw_hw *hw, struct pw_hw_stats *s)
{
	pthread_mutex_lock(&hw->mu);
	*s = hw->st;
	pthread_mutex_unlock(&hw->mu);
}

void pw_hw_reading(const char *fmt, ...)
{
	struct worker *w = self;
	char what[PW_HW_WHAT_LEN];
	va_list ap;

	if (!w && !on_event_thread)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!w) {
		atomic_fetch_add(&event_thread_reads, 1);
		pthread_mutex_lock(&last_mu);
		memcpy(last_event_read, what, sizeof(what));
		pthread_mutex_unlock(&last_mu);
		return;
	}
	pthread_mutex_lock(&w->hw->mu);
	memcpy(w->what, what, sizeof(what));
	w->read_since = pw_hw_now_ns();
	pthread_mutex_unlock(&w->hw->mu);
}

int pw_hw_watching(void)
{
	return self || on_event_thread;
}

void pw_hw_mark_event_thread(int on)
{
	on_event_thread = on;
}

uint64_t pw_hw_event_thread_reads(char *last, size_t len)
{
	if (last && len) {
		pthread_mutex_lock(&last_mu);
		snprintf(last, len, "%s", last_event_read);
		pthread_mutex_unlock(&last_mu);
	}
	return atomic_load(&event_thread_reads);
}
