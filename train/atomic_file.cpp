#include "train/atomic_file.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace d2l::train {
namespace fs = std::filesystem;

void write_atomically(const fs::path& target, const std::function<void(const fs::path&)>& write) {
  // The pid keeps two processes writing the same run from sharing a temporary file.
  const fs::path tmp = target.string() + ".tmp" + std::to_string(::getpid());
  try {
    write(tmp);
    fs::rename(tmp, target);  // atomic on POSIX file systems
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

bool is_temporary_name(const std::string& name) {
  const auto at = name.rfind(".tmp");
  if (at == std::string::npos || at + 4 == name.size()) return false;
  return name.find_first_not_of("0123456789", at + 4) == std::string::npos;
}

void write_text_atomically(const fs::path& target, const std::string& text) {
  write_atomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + target.string());
  });
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace d2l::train
