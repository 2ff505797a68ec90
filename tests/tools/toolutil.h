/*
 * toolutil.h - what the test helper programs share: a loopback socket to
 * listen on, and going to the background with the pid on stdout, so that
 * a test script can start a helper with pid=$(helper -b ...) and stop it.
 */
#ifndef MXG_TOOLUTIL_H
#define MXG_TOOLUTIL_H

/* A socket of TYPE (SOCK_DGRAM or SOCK_STREAM, then listening) bound to
 * 127.0.0.1 PORT; -1 with errno set on failure. */
int tool_listen(int type, unsigned port);

/* Fork: the parent prints the child's pid and exits 0; the child lets go
 * of the caller's terminal and output, or $(helper -b) would never end.
 * Returns in the child only; exits 1 if the fork fails. */
void tool_background(void);

#endif
