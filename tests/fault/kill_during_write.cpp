// A fault injector for the kill-anywhere test, loaded into `d2l` with LD_PRELOAD. It numbers the
// writes (write(), writev() and fwrite() calls) to the temporary files of atomic writes (NAME.tmpPID):
//   D2L_WRITE_LOG=FILE      appends "number<TAB>path" for each of them to FILE;
//   D2L_KILL_AT_WRITE=N     at write N, writes half of its bytes and kills the process with
//                           SIGKILL, saying on stderr which file it cut short.
// The program has no test hooks: the kill lands inside LibTorch's checkpoint serialisation or
// our own writers exactly where a real one could.
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using WriteFn = ssize_t (*)(int, const void*, size_t);
using FwriteFn = size_t (*)(const void*, size_t, size_t, FILE*);

WriteFn real_write() {
  static const auto fn = reinterpret_cast<WriteFn>(::dlsym(RTLD_NEXT, "write"));
  return fn;
}

long env_number(const char* name) {
  const char* text = std::getenv(name);
  return text ? std::atol(text) : 0L;
}

// Whether fd is open on NAME.tmpDIGITS (its path to `path`).
bool is_temporary(int fd, char* path, size_t size) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, size - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  const char* tmp = nullptr;
  for (const char* at = std::strstr(path, ".tmp"); at; at = std::strstr(at + 1, ".tmp")) tmp = at;
  if (!tmp || !tmp[4]) return false;
  for (const char* c = tmp + 4; *c; ++c)
    if (!std::isdigit(static_cast<unsigned char>(*c))) return false;
  return true;
}

// Numbers a write to a temporary file and logs it; true when it is the one to cut short.
bool is_fatal(int fd, char* path, size_t size) {
  static long count = 0;
  static const long kill_at = env_number("D2L_KILL_AT_WRITE");
  static const int log = [] {
    const char* file = std::getenv("D2L_WRITE_LOG");
    return file ? ::open(file, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
  }();
  if (!is_temporary(fd, path, size)) return false;
  ++count;
  if (log >= 0) {
    char line[4200];
    const int n = std::snprintf(line, sizeof line, "%ld\t%s\n", count, path);
    if (n > 0) real_write()(log, line, static_cast<size_t>(n));
  }
  return count == kill_at;
}

[[noreturn]] void die(const char* path) {
  char message[4200];
  const int n = std::snprintf(message, sizeof message, "kill_during_write: SIGKILL while writing %s\n", path);
  if (n > 0) real_write()(2, message, static_cast<size_t>(n));
  ::kill(::getpid(), SIGKILL);
  std::abort();  // not reached
}

}  // namespace

extern "C" ssize_t write(int fd, const void* data, size_t size) {
  char path[4096];
  if (is_fatal(fd, path, sizeof path)) {
    real_write()(fd, data, size / 2);
    die(path);
  }
  return real_write()(fd, data, size);
}

// std::ofstream sends large writes this way.
extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
  using WritevFn = ssize_t (*)(int, const struct iovec*, int);
  static const auto real = reinterpret_cast<WritevFn>(::dlsym(RTLD_NEXT, "writev"));
  char path[4096];
  if (is_fatal(fd, path, sizeof path)) {
    if (count > 0) real_write()(fd, iov[0].iov_base, iov[0].iov_len / 2);
    die(path);
  }
  return real(fd, iov, count);
}

extern "C" size_t fwrite(const void* data, size_t size, size_t count, FILE* stream) {
  static const auto real = reinterpret_cast<FwriteFn>(::dlsym(RTLD_NEXT, "fwrite"));
  char path[4096];
  if (is_fatal(::fileno(stream), path, sizeof path)) {
    real(data, 1, size * count / 2, stream);
    std::fflush(stream);
    die(path);
  }
  return real(data, size, count, stream);
}
