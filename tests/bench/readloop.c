/* readloop.c - open+read+close of one file, N times; prints ns per cycle.
 *   readloop FILE N
 * Used to compare a file in the mount with the same bytes on tmpfs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	char buf[65536];
	long n, i;
	ssize_t r, first = -1;
	int fd;

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: readloop FILE N\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		fd = open(argv[1], O_RDONLY);
		if (fd < 0) {
			perror(argv[1]);
			return 1;
		}
		r = read(fd, buf, sizeof(buf));
		if (r <= 0 || (first >= 0 && r != first)) {
			fprintf(stderr, "readloop: short or changed read (%zd)\n", r);
			return 1;
		}
		first = r;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
