// How the process allocates host memory for tensors.
#pragma once

namespace d2l::train {

// glibc hands blocks above 32 MB (one VGG feature map of a 300 x 450 image) straight back to the
// system when they are freed, and the next step pays for faulting fresh pages in again: a fifth
// of a style-transfer step on 2 cores. This keeps freed memory in the heap for reuse, as PyTorch's
// caching allocator does on GPUs; the process keeps its peak size. Call once at start-up; a
// no-op on other C libraries.
void reuse_freed_memory();

}  // namespace d2l::train
