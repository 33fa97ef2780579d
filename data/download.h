// HTTP(S) downloads with libcurl, as the book's d2l.download and torchvision's download_url
// fetch data, made safe to interrupt and to run twice at once: the bytes go to FILE.part (a
// later try resumes it with a Range request), the checksum is verified before the file is
// renamed into place, and a lock file keeps two processes from writing the same file.
#pragma once
#include <torch/arg.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/checksum.h"

namespace d2l::data {

struct DownloadOptions {
  TORCH_ARG(int64_t, stall_timeout_s) = 30;    // give up on a URL when no byte arrives for this long
  TORCH_ARG(int64_t, connect_timeout_s) = 20;
  TORCH_ARG(int64_t, retries) = 2;             // resumptions per URL after a dropped connection
  TORCH_ARG(bool, progress) = true;            // a progress bar on stderr when it is a terminal
};

// Whether this build can download (it was configured with libcurl, libarchive and OpenSSL).
bool downloads_supported();

// Fetches `target` from the first of `urls` that delivers it with the right checksum. A target
// already present with the right checksum is kept; one with a wrong checksum is fetched again.
// Throws std::runtime_error naming each URL tried and what went wrong; never leaves a `target`
// whose checksum does not match (an interrupted transfer stays in target.part, to be resumed).
void download(const std::vector<std::string>& urls, const std::filesystem::path& target, const Checksum& checksum,
              const DownloadOptions& options = {});

}  // namespace d2l::data
