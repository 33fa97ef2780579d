#include "data/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace d2l::data {

FileLock::FileLock(const std::filesystem::path& lock_file, const std::function<void()>& waiting) {
  // The lock file stays behind: removing it would let a third process lock a new file while
  // a second still waits on the old one.
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(lock_file.string() + ": cannot create lock file (" + std::strerror(errno) + ")");
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  if (waiting) waiting();
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const std::string reason = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error(lock_file.string() + ": cannot lock (" + reason + ")");
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace d2l::data
