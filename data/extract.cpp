#include "data/extract.h"

#include <stdexcept>
#include <string>

#ifdef D2L_HAVE_DOWNLOADS
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#endif

namespace d2l::data {
namespace fs = std::filesystem;

#ifndef D2L_HAVE_DOWNLOADS

std::vector<fs::path> extract_archive(const fs::path& archive, const fs::path&) {
  throw std::runtime_error("this d2l was built without libarchive, so it cannot unpack " + archive.string() +
                           "; unpack it by hand, or rebuild after installing libarchive-dev");
}

#else

namespace {

// libarchive's message for the last error; it has none for some corrupt archives (a null
// pointer, found by fuzzing: appending it to a string crashed).
std::string error_text(struct archive* reader) {
  const char* text = archive_error_string(reader);
  return text ? text : "no detail from libarchive";
}

using Reader = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// The entry's path as a relative path inside the destination, or an error naming it.
fs::path safe_relative_path(const fs::path& archive, const std::string& name) {
  const fs::path path(name);
  if (name.empty() || path.is_absolute())
    throw std::runtime_error(archive.string() + ": entry '" + name + "' has an absolute path; refusing to unpack");
  fs::path clean;
  for (const auto& part : path) {
    if (part == "..")
      throw std::runtime_error(archive.string() + ": entry '" + name +
                               "' points outside the folder (a '..' component); refusing to unpack");
    if (part != "." && !part.empty()) clean /= part;
  }
  return clean;
}

void write_entry(struct archive* reader, const fs::path& archive, const std::string& name, const fs::path& out) {
  fs::create_directories(out.parent_path());
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(out.c_str(), "wb"), &std::fclose);
  if (!file) throw std::runtime_error("cannot create " + out.string() + ": " + std::strerror(errno));
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int status;
  while ((status = archive_read_data_block(reader, &block, &size, &offset)) == ARCHIVE_OK) {
    // Sparse tar entries skip holes: seek to each block's offset.
    if (std::fseek(file.get(), static_cast<long>(offset), SEEK_SET) != 0 ||
        std::fwrite(block, 1, size, file.get()) != size)
      throw std::runtime_error("cannot write " + out.string() + ": " + std::strerror(errno));
  }
  if (status != ARCHIVE_EOF)
    throw std::runtime_error(archive.string() + ": entry '" + name + "' is corrupt or truncated (" +
                             error_text(reader) + ")");
  if (std::fflush(file.get()) != 0)
    throw std::runtime_error("cannot write " + out.string() + ": " + std::strerror(errno));
}

// Reads every entry into `staging`; returns the top-level names.
std::set<fs::path> unpack(const fs::path& archive, const fs::path& staging) {
  Reader reader(archive_read_new(), &archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_filename(reader.get(), archive.c_str(), 1 << 16) != ARCHIVE_OK)
    throw std::runtime_error(archive.string() + ": cannot open as a zip or tar archive (" +
                             error_text(reader.get()) + ")");
  std::set<fs::path> top;
  struct archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || status == ARCHIVE_WARN) {
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    const fs::path path = safe_relative_path(archive, name);
    const auto type = archive_entry_filetype(entry);
    if (archive_entry_symlink(entry) || archive_entry_hardlink(entry) || type == AE_IFLNK)
      throw std::runtime_error(archive.string() + ": entry '" + name +
                               "' is a link; only regular files and folders are unpacked");
    if (type != AE_IFREG && type != AE_IFDIR)
      throw std::runtime_error(archive.string() + ": entry '" + name +
                               "' is a device, pipe or socket; only regular files and folders are unpacked");
    if (path.empty()) continue;  // "./"
    top.insert(*path.begin());
    if (type == AE_IFDIR) fs::create_directories(staging / path);
    else write_entry(reader.get(), archive, name, staging / path);
  }
  if (status != ARCHIVE_EOF)
    throw std::runtime_error(archive.string() + ": corrupt or truncated archive (" +
                             error_text(reader.get()) + ")");
  if (top.empty()) throw std::runtime_error(archive.string() + ": the archive is empty");
  return top;
}

}  // namespace

std::vector<fs::path> extract_archive(const fs::path& archive, const fs::path& dest) {
  if (!fs::is_regular_file(archive)) throw std::runtime_error(archive.string() + ": no such archive");
  fs::create_directories(dest);
  const fs::path staging = dest / (".unpacking-" + archive.filename().string() + "-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging);
  try {
    const auto top = unpack(archive, staging);
    for (const auto& name : top)
      if (fs::exists(dest / name))
        throw std::runtime_error(archive.string() + ": " + (dest / name).string() +
                                 " already exists; remove it to unpack the archive again");
    std::vector<fs::path> created;
    for (const auto& name : top) {
      fs::rename(staging / name, dest / name);
      created.push_back(dest / name);
    }
    fs::remove_all(staging);
    return created;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(staging, ec);
    throw;
  }
}

#endif

}  // namespace d2l::data
