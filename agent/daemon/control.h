/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The control socket: a unix stream socket (0600, root's) where commands
 * like `privwatch capture take` ask the running agent for something. One
 * request per connection, one line each way: the request is words
 * ("capture CONTAINER"), the answer a JSON object with "ok".
 *
 * A thread of its own accepts, checks the peer is root (SO_PEERCRED) and
 * reads the request within a deadline; the event thread answers it from
 * pw_control_poll, which never waits: a client that is slow or never
 * writes holds only the control thread, and a request the event thread
 * did not answer within PW_CONTROL_ANSWER_MS is answered "busy".
 */
#ifndef PW_CONTROL_H
#define PW_CONTROL_H

#include <stddef.h>

#define PW_CONTROL_REQ_MAX   512
#define PW_CONTROL_REPLY_MAX 2048
#define PW_CONTROL_ANSWER_MS 5000
#define PW_CONTROL_DEFAULT   "/run/privwatch/control.sock"

struct pw_control;

/* Answers one request (words split on spaces, at most 8) into reply, a JSON
 * object on one line without its newline. Called on the event thread. */
typedef void (*pw_control_fn)(void *ctx, int argc, char **argv, char *reply, size_t len);

/* Listens at path: its directory must exist, be root's and not group- or
 * world-writable; a socket left there by a dead agent is replaced, one a
 * live agent answers on is refused. NULL with err on failure. */
struct pw_control *pw_control_open(const char *path, char *err, size_t errlen);
/* Event thread: answers the waiting request, if any. Never blocks. */
void pw_control_poll(struct pw_control *c, pw_control_fn fn, void *ctx);
/* Stops the thread, removes the socket (if still ours). NULL: nothing. */
void pw_control_close(struct pw_control *c);

/* Client side: sends req, the answer (one line, without its newline) into
 * reply within timeout_ms. 0, or -errno (-ENOENT: no agent listens there). */
int pw_control_ask(const char *path, const char *req, char *reply, size_t len, int timeout_ms);

#endif
