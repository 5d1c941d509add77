/* fuzz_container_json.c - libFuzzer target for the container endpoint's
 * and IMDS's JSON credential documents, and the error-document reader.
 * Seeds: shared/conformance/container-credentials/responses-from-traffic
 * and tests/fuzz/seeds/credjson. */
#include "fuzz_credjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[256], *copy;

	fuzz_credjson(acfs_credjson_container, data, size, 1);
	fuzz_credjson(acfs_credjson_imds, data, size, 1);
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (acfs_credjson_error(copy, size, msg, sizeof(msg)) &&
	    strnlen(msg, sizeof(msg)) == sizeof(msg))
		abort();
	free(copy);
	return 0;
}
