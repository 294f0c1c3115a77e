// SPDX-License-Identifier: MIT
// libFuzzer target: the host's reading of a worker's byte stream (framestream.h).
#include "framestream.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QString problem;
    if (!QtPyVenv::Fuzz::readFrameStream(data, size, &problem)) {
        std::fprintf(stderr, "fuzz_frames: %s\n", qPrintable(problem));
        std::abort();
    }
    return 0;
}
