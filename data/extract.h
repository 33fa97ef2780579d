// Unpacking the book's archives (fra-eng.zip, VOCtrainval_11-May-2012.tar, ...) with libarchive,
// refusing what an archive from the network must not do: write outside its folder.
#pragma once
#include <filesystem>
#include <vector>

namespace d2l::data {

// Unpacks a zip or tar archive (plain, gzip, bzip2 or xz) into `dest` and returns the top-level
// paths it created there. Only regular files and folders are unpacked: an entry with an absolute
// path, a ".." component, a link or a device refuses the whole archive. Everything is unpacked
// into a staging folder inside `dest` first and moved into place only when the archive was read
// to its end, so a corrupt or truncated archive, a bad entry or a full disk leaves `dest` as it
// was. A top-level path that already exists in `dest` is an error (nothing is overwritten).
std::vector<std::filesystem::path> extract_archive(const std::filesystem::path& archive,
                                                   const std::filesystem::path& dest);

}  // namespace d2l::data
