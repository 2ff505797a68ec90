/*
 * toolutil.c - the loopback socket and the backgrounding that the test
 * helper programs share.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toolutil.h"

int
tool_listen(int type, unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, type, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

void
tool_background(void)
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		exit(1);
	if (pid > 0) {
		printf("%ld\n", (long)pid);
		exit(0);
	}
	setsid();
	if (!freopen("/dev/null", "w", stdout) ||
	    !freopen("/dev/null", "w", stderr))
		exit(1);
}
