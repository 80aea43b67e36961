/*
 * fuzz_input.h - a fuzz input read as a stream of bytes, shared by the
 * fuzzers of this directory. Reading past the end gives zeros, so every
 * input, however short, is a complete sequence of actions. Owns nothing:
 * the bytes are the fuzzer's.
 */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t take8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint32_t take32(struct input *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | take8(in);
	return v;
}

#endif
