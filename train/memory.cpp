#include "train/memory.h"

#include <c10/util/Exception.h>

#include <new>

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

std::string out_of_memory_advice(const std::exception& error) {
  bool gpu = false;
  if (dynamic_cast<const std::bad_alloc*>(&error) == nullptr) {
    const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
    if (torch_error == nullptr) return "";
    const std::string message = torch_error->what_without_backtrace();
    const bool host = message.find("can't allocate memory") != std::string::npos;
    gpu = dynamic_cast<const c10::OutOfMemoryError*>(&error) != nullptr || message.find("CUDA out of memory") != std::string::npos;
    if (!host && !gpu && message.find("out of memory") == std::string::npos) return "";
  }
  return std::string("try a smaller --batch-size or --resize, or fewer examples (--limit-train)") +
         (gpu ? ", or mixed precision (--amp bf16 or --amp fp16)" : "");
}

}  // namespace d2l::train
