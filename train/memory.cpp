#include "train/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>

#include <climits>
#endif

namespace d2l::train {

void reuse_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);              // large blocks come from the heap, not from fresh mappings
  mallopt(M_TRIM_THRESHOLD, INT_MAX);  // and the heap's free top is not returned to the system
#endif
}

}  // namespace d2l::train
