/* fdri_caps.c - see fdri_caps.h. */
#include "fdri_caps.h"

#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>

bool fdri_caps_capable(const struct fdri_caller *who)
{
	char path[64], line[256];
	uint64_t eff = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", who->pid, who->tid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(path, sizeof(path), "/proc/%d/status", who->tid);
		f = fopen(path, "re");
	}
	if (!f)
		return who->cap_sys_admin; /* no /proc: fall back to uid 0 */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found ? (eff >> CAP_SYS_ADMIN) & 1 : who->cap_sys_admin;
}
