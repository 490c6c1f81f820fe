/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the xtcp selftests: find the AF_XTCP family number the
 * module registered, and load the module when a test needs it.
 */
#ifndef XTCP_SELFTEST_UTIL_H
#define XTCP_SELFTEST_UTIL_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/xtcp.h>

/* The repository root: $XTCP_TOP, else two levels above the test binary. */
static inline const char *xtcp_top(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("XTCP_TOP");
	ssize_t n;
	char *p;
	int i;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return "../..";
	buf[n] = '\0';
	for (i = 0; i < 3; i++) {
		p = strrchr(buf, '/');
		if (!p)
			return "../..";
		*p = '\0';
	}
	return buf;
}

/* Read an integer from a sysfs/procfs file; -1 when absent. */
static inline long xtcp_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The family the loaded module registered, else the uapi default. */
static inline int xtcp_family(void)
{
	long v = xtcp_read_long(XTCP_FAMILY_PARAM_PATH);

	return v > 0 ? (int)v : AF_XTCP;
}

static inline int xtcp_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/xtcp", &st) == 0;
}

/*
 * Load module/xtcp.ko unless it is loaded already; returns 0 on success.
 * Extra module parameters may be given in $XTCP_MODULE_PARAMS.
 */
static inline int xtcp_ensure_loaded(void)
{
	const char *params = getenv("XTCP_MODULE_PARAMS");
	char cmd[PATH_MAX + 256];

	if (xtcp_module_loaded())
		return 0;
	snprintf(cmd, sizeof(cmd), "insmod %s/module/xtcp.ko %s",
		 xtcp_top(), params ? params : "");
	if (system(cmd) != 0)
		return -1;
	return xtcp_module_loaded() ? 0 : -1;
}

#endif /* XTCP_SELFTEST_UTIL_H */
