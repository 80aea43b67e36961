/* test_dmabuf_sync.c - placeholder, being written */
#include "fixture.h"

int main(void)
{
	const struct CMUnitTest tests[] = {};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
