#include "data/checksum.h"

#ifdef D2L_HAVE_DOWNLOADS
#include <openssl/evp.h>
#endif

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace d2l::data {

#ifndef D2L_HAVE_DOWNLOADS

std::string file_digest(const std::filesystem::path& file, const std::string& algorithm) {
  throw std::runtime_error("this d2l was built without OpenSSL, so it cannot compute the " + algorithm + " of " +
                           file.string() + "; rebuild after installing libssl-dev");
}

#else

std::string file_digest(const std::filesystem::path& file, const std::string& algorithm) {
  const EVP_MD* md = algorithm == "sha1" ? EVP_sha1() : algorithm == "md5" ? EVP_md5() : algorithm == "sha256" ? EVP_sha256() : nullptr;
  if (!md) throw std::invalid_argument("unknown checksum algorithm '" + algorithm + "' (expected sha1, md5 or sha256)");
  std::unique_ptr<FILE, int (*)(FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) throw std::runtime_error(file.string() + ": cannot read (" + std::strerror(errno) + ")");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  std::array<unsigned char, 1 << 16> buffer;
  while (const size_t n = std::fread(buffer.data(), 1, buffer.size(), in.get())) EVP_DigestUpdate(ctx.get(), buffer.data(), n);
  if (std::ferror(in.get())) throw std::runtime_error(file.string() + ": read error while computing its " + algorithm);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest;
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &size);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 15];
  }
  return hex;
}

#endif

bool checksum_matches(const std::filesystem::path& file, const Checksum& expected) {
  if (expected.hex.size() < 8) throw std::invalid_argument("checksum '" + expected.str() + "' is too short to check");
  return file_digest(file, expected.algorithm).rfind(expected.hex, 0) == 0;
}

}  // namespace d2l::data
