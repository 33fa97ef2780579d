// Atomic file replacement: write a temporary file beside the target, then rename it over the
// target, so that a crash or a kill at any moment leaves the previous good file in place.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace d2l::train {

// Calls write(tmp) to fill a temporary file, then renames it to `target`. If write throws,
// the temporary file is removed and `target` is untouched.
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& tmp)>& write);

// Whether `name` is a temporary file of write_atomically ("metrics.csv.tmp1234").
bool is_temporary_name(const std::string& name);

void write_text_atomically(const std::filesystem::path& target, const std::string& text);
std::string read_text(const std::filesystem::path& file);

}  // namespace d2l::train
