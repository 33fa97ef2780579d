// The project's parsers of untrusted input, each fed arbitrary bytes: the libFuzzer targets
// (tests/fuzz/fuzz_*.cpp) and the regression test of the inputs fuzzing found
// (tests/test_fuzz_regressions.cpp) call these. A parser may reject its input with an exception;
// anything else (a crash, a sanitizer report, a hang) is a bug.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace d2l::fuzz {

void idx_file(const uint8_t* data, size_t size);           // data/idx.h, raw or gzip
void cifar10_batch(const uint8_t* data, size_t size);      // data/cifar10.h
void text_corpus(const uint8_t* data, size_t size);        // data/text.h: lines, tokens, vocabulary
void sentence_pairs(const uint8_t* data, size_t size);     // data/translation.h
void toml_config(const uint8_t* data, size_t size);        // apps/run_config.h
void pickle(const uint8_t* data, size_t size);             // train/weights/pickle.h
void torch_file(const uint8_t* data, size_t size);         // train/weights/torch_file.h: zip or legacy
void voc_mask(const uint8_t* data, size_t size);           // data/voc.h: a mask image to class indices
void torchscript_metadata(const uint8_t* data, size_t size);  // apps/export_info.h: an export's d2l.toml, applied
void archive(const uint8_t* data, size_t size);            // data/extract.h: nothing may land outside the folder

// Every target by name, for the regression test.
using Target = void (*)(const uint8_t*, size_t);
const std::vector<std::pair<std::string, Target>>& targets();

}  // namespace d2l::fuzz
