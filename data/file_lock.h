// An exclusive lock between processes (flock on a small lock file), so that two d2l processes
// fetching the same data set do not write the same files at once. Released when destroyed.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace d2l::data {

class FileLock {
 public:
  // Blocks until the lock is held; `waiting` is called once if another process holds it.
  explicit FileLock(const std::filesystem::path& lock_file, const std::function<void()>& waiting = {});
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace d2l::data
