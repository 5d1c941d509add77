/* fuzz_process_json.c - libFuzzer target for the credential_process
 * output parser, acfs_credjson_process.  Seeds: tests/fuzz/seeds/credjson
 * and the container bodies of shared/conformance. */
#include "fuzz_credjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_credjson(acfs_credjson_process, data, size, 0);
	return 0;
}
