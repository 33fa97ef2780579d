#include "data/download.h"


#include <cstdio>
#include <stdexcept>

#ifdef D2L_HAVE_DOWNLOADS
#include <curl/curl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

#include "data/log.h"
#include "data/file_lock.h"
#endif

namespace d2l::data {
namespace fs = std::filesystem;
#ifndef D2L_HAVE_DOWNLOADS

bool downloads_supported() { return false; }

void download(const std::vector<std::string>& urls, const fs::path& target, const Checksum&, const DownloadOptions&) {
  throw std::runtime_error("this d2l was built without libcurl, libarchive and OpenSSL, so it cannot download " +
                           target.filename().string() + (urls.empty() ? "" : " from " + urls.front()) +
                           "; fetch it by hand, or rebuild after installing libcurl4-openssl-dev libarchive-dev libssl-dev");
}

#else

bool downloads_supported() { return true; }

namespace {

// "26.4 MB": sizes as the progress bar and the messages print them.
std::string human_size(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

// One transfer's state, shared with libcurl's callbacks.
struct Transfer {
  CURL* curl = nullptr;
  FILE* out = nullptr;
  fs::path part;
  std::string file_name;
  int64_t offset = 0;       // bytes already in the .part file when the request was sent
  bool first_chunk = true;
  std::string error;        // set by a callback that stopped the transfer
  bool discard = false;     // ... and the .part should be removed (it could not be written)
  bool show_progress = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last_draw{};
};

bool starts_with_ci(const std::string& text, const std::string& prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

// An HTML page where a data file was expected: an error page, a login wall or a captive portal.
std::string html_instead_of_file(Transfer& t, const char* data, size_t bytes) {
  const char* type = nullptr;
  curl_easy_getinfo(t.curl, CURLINFO_CONTENT_TYPE, &type);
  if (type && starts_with_ci(type, "text/html")) return std::string("Content-Type: ") + type;
  std::string head(data, std::min<size_t>(bytes, 512));
  head.erase(0, head.find_first_not_of(" \t\r\n"));
  if (starts_with_ci(head, "<!doctype html") || starts_with_ci(head, "<html")) return "the body starts with <html";
  return {};
}

// Checks made once the response's headers are in: an HTML page, and the free disk space.
void check_first_chunk(Transfer& t, const char* data, size_t bytes) {
  const bool html_file = t.file_name.size() > 5 && starts_with_ci(t.file_name.substr(t.file_name.size() - 5), ".html");
  if (t.offset == 0 && !html_file) {
    if (const auto why = html_instead_of_file(t, data, bytes); !why.empty()) {
      t.error = "the server sent an HTML page instead of " + t.file_name + " (" + why +
                "): an error page, a login page or a captive portal?";
      return;
    }
  }
  curl_off_t remaining = -1;
  curl_easy_getinfo(t.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &remaining);
  std::error_code ec;
  const auto space = fs::space(t.part.parent_path(), ec);
  if (!ec && remaining > 0 && static_cast<uintmax_t>(remaining) > space.available) {
    t.error = t.file_name + " needs " + human_size(static_cast<double>(remaining)) + " but only " +
              human_size(static_cast<double>(space.available)) + " are free in " + t.part.parent_path().string();
    t.discard = true;
  }
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (t.first_chunk) {
    t.first_chunk = false;
    check_first_chunk(t, data, bytes);
    if (!t.error.empty()) return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  if (std::fwrite(data, 1, bytes, t.out) != bytes) {
    t.error = "cannot write " + t.part.string() + ": " + std::strerror(errno);
    t.discard = true;
    return 0;
  }
  return bytes;
}

void draw_progress(Transfer& t, double done, double total, bool last) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  if (!last && now - t.last_draw < milliseconds(100)) return;
  t.last_draw = now;
  const double seconds = std::max(1e-3, duration<double>(now - t.start).count());
  std::string bar;
  if (total > 0) {
    const int filled = static_cast<int>(30 * done / total);
    bar = "[" + std::string(filled, '#') + std::string(30 - filled, ' ') + "] " +
          std::to_string(static_cast<int>(100 * done / total)) + "%  " + human_size(done) + " / " + human_size(total);
  } else {
    bar = human_size(done);
  }
  std::fprintf(stderr, "\r%s  %s  %s/s   %s", t.file_name.c_str(), bar.c_str(),
               human_size((done - static_cast<double>(t.offset)) / seconds).c_str(), last ? "\n" : "");
  std::fflush(stderr);
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (t.show_progress && total > 0)
    draw_progress(t, static_cast<double>(t.offset + now), static_cast<double>(t.offset + total), false);
  return 0;
}

// What one request achieved: the whole body, a part worth resuming, or nothing usable.
struct Attempt {
  enum Result { complete, resumable, failed, range_not_satisfiable } result;
  std::string message;
  bool discard = false;  // the .part must go (a write error, a wrong checksum)
};

Attempt fetch_once(const std::string& url, const fs::path& part, const std::string& file_name,
                   const DownloadOptions& options) {
  Transfer t;
  t.part = part;
  t.file_name = file_name;
  std::error_code ec;
  t.offset = fs::exists(part, ec) ? static_cast<int64_t>(fs::file_size(part, ec)) : 0;
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(part.c_str(), "ab"), &std::fclose);
  if (!out) return {Attempt::failed, "cannot create " + part.string() + ": " + std::strerror(errno)};
  t.out = out.get();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  t.curl = curl.get();
  t.show_progress = options.progress() && ::isatty(STDERR_FILENO);
  char curl_error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);  // an HTTP error is an error, its body is not the file
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "d2l-cpp");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout_s()));
  // A stall, not a slow total, ends the transfer: under 1 byte/s for stall_timeout_s seconds.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout_s()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (t.offset > 0) curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.offset));

  const CURLcode code = curl_easy_perform(c);
  // Buffered bytes reach the disk (or fail to) here: a full disk may only show now.
  const bool flushed = std::fflush(t.out) == 0 && ::fsync(::fileno(t.out)) == 0;
  const std::string flush_error = flushed ? "" : std::strerror(errno);
  out.reset();
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t received = 0;
  curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &received);
  const auto have = t.offset + received;

  if (!t.error.empty()) return {Attempt::failed, t.error, t.discard};
  if (!flushed) return {Attempt::failed, "cannot write " + part.string() + ": " + flush_error, true};
  if (code == CURLE_OK) {
    if (t.show_progress) draw_progress(t, static_cast<double>(have), static_cast<double>(have), true);
    return {Attempt::complete, ""};
  }
  if (t.show_progress) std::fputc('\n', stderr);
  const std::string detail = curl_error[0] ? curl_error : curl_easy_strerror(code);
  switch (code) {
    case CURLE_HTTP_RETURNED_ERROR:
      if (status == 416) return {Attempt::range_not_satisfiable, "HTTP 416"};
      // Server errors (5xx) may pass; a 4xx answer will not change.
      return {status >= 500 ? Attempt::resumable : Attempt::failed, "HTTP " + std::to_string(status) + " (" + detail + ")"};
    case CURLE_RANGE_ERROR:  // the server ignored the Range request: start again
      return {Attempt::resumable, "the server cannot resume (" + detail + ")", true};
    case CURLE_OPERATION_TIMEDOUT:
      return {Attempt::resumable, "no data for " + std::to_string(options.stall_timeout_s()) + " s after " +
                                      human_size(static_cast<double>(have)) + " (" + detail + ")"};
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
      return {Attempt::resumable,
              "the connection ended after " + human_size(static_cast<double>(have)) + " (" + detail + ")"};
    default:
      return {Attempt::failed, detail};
  }
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

void download(const std::vector<std::string>& urls, const fs::path& target, const Checksum& checksum,
              const DownloadOptions& options) {
  global_init();
  const auto name = target.filename().string();
  const auto dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  fs::create_directories(dir);
  const FileLock lock(dir / ("." + name + ".lock"),
                      [&] { logging::info("waiting for another process that is downloading " + target.string()); });
  if (fs::exists(target)) {
    if (checksum_matches(target, checksum)) return;
    logging::warn(target.string() + " does not have the expected " + checksum.str() + "; downloading it again");
    fs::remove(target);
  }
  const fs::path part = dir / (name + ".part");
  std::vector<std::string> errors;
  for (const auto& url : urls) {
    logging::info("downloading " + url);
    Attempt attempt{Attempt::failed, ""};
    std::string digest;  // of the .part, once a transfer completed
    for (int64_t tries = 0; tries <= options.retries(); ++tries) {
      attempt = fetch_once(url, part, name, options);
      if (attempt.discard) fs::remove(part);
      if (attempt.result == Attempt::complete || attempt.result == Attempt::range_not_satisfiable) {
        digest = file_digest(part, checksum.algorithm);
        if (digest.rfind(checksum.hex, 0) == 0) {
          fs::rename(part, target);  // the same folder: atomic
          logging::info("saved " + target.string() + " (" + human_size(static_cast<double>(fs::file_size(target))) + ", " +
                        checksum.algorithm + " checked)");
          return;
        }
        fs::remove(part);
        // HTTP 416 (nothing left to send) with a wrong .part: it was stale; fetch it whole.
        if (attempt.result == Attempt::complete) break;
        attempt.result = Attempt::resumable;
      }
      if (attempt.result != Attempt::resumable) break;
      if (tries < options.retries()) logging::warn(url + ": " + attempt.message + "; trying again");
    }
    if (attempt.result == Attempt::complete)
      attempt.message = "wrong checksum: expected " + checksum.str() + ", got " + checksum.algorithm + " " + digest +
                        "; the file was removed";
    errors.push_back(url + ": " + attempt.message);
  }
  std::string message = "cannot download " + target.string() + ":";
  for (const auto& error : errors) message += "\n  " + error;
  std::error_code ec;
  if (fs::exists(part, ec) && fs::file_size(part, ec) == 0) fs::remove(part, ec);
  if (fs::exists(part, ec))
    message += "\n  the " + human_size(static_cast<double>(fs::file_size(part, ec))) + " received are kept in " +
               part.string() + ": the next try resumes from there";
  throw std::runtime_error(message);
}

#endif

}  // namespace d2l::data
