// How the process allocates host memory for tensors.
#pragma once
#include <exception>
#include <string>

namespace d2l::train {

// glibc hands blocks above 32 MB (one VGG feature map of a 300 x 450 image) straight back to the
// system when they are freed, and the next step pays for faulting fresh pages in again: a fifth
// of a style-transfer step on 2 cores. This keeps freed memory in the heap for reuse, as PyTorch's
// caching allocator does on GPUs; the process keeps its peak size. Call once at start-up; a
// no-op on other C libraries.
void reuse_freed_memory();

// When `error` is a failed allocation (std::bad_alloc, LibTorch's CPU allocator, or CUDA's
// "out of memory"), what to do about it; empty for any other error. On a GPU, mixed precision
// (--amp) halves most activations.
std::string out_of_memory_advice(const std::exception& error);

}  // namespace d2l::train
