// The book's data hub (d2l's DATA_HUB, torchvision's download=True): every data set the book
// trains on, with its URLs and checksums, fetched into the data folder on first use or by
// `d2l download NAME`.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/checksum.h"
#include "data/download.h"
#include "data/locate.h"

namespace d2l::data {

struct HubFile {
  std::string name;               // the file's name in the data folder: "fra-eng.zip"
  std::vector<std::string> urls;  // the origin, then mirrors
  Checksum checksum;
  // Archives: a path that the unpacked archive creates, relative to the data folder
  // ("fra-eng/fra.txt"); it marks the archive as unpacked. Empty: a plain file.
  std::string unpacks_to;
};

struct HubEntry {
  std::string name;  // "fra-eng"
  std::string description;
  std::string folder;  // plain files go to <data folder>/<folder>; archives unpack into the data folder
  std::vector<HubFile> files;
};

const std::vector<HubEntry>& hub_entries();
const HubEntry* find_hub_entry(const std::string& name);  // nullptr when there is none

// Where downloads go: --data-dir, else $D2L_DATA, else ~/.cache/d2l (the first folder locate() searches).
std::filesystem::path download_root(const std::optional<std::filesystem::path>& data_dir);

// The URLs tried for a file: the file's own, or only $D2L_MIRROR/<entry>/<file> when that
// variable is set (a local or company mirror: then nothing else is contacted).
std::vector<std::string> file_urls(const HubEntry& entry, const HubFile& file);

// Where a file of the entry is stored in the data folder `root`.
std::filesystem::path file_path(const HubEntry& entry, const HubFile& file, const std::filesystem::path& root);

// False when `allow` is false (--no-download) or $D2L_NO_DOWNLOAD is set to anything but "" or "0".
bool downloads_allowed(bool allow = true);

// Whether every file of the entry is in `root` (archives: unpacked). Checksums are not computed.
bool is_present(const HubEntry& entry, const std::filesystem::path& root);

// Downloads, verifies and unpacks what of the entry is missing from `root`. Plain files already
// there are checked against their checksums and fetched again when they do not match.
void fetch(const HubEntry& entry, const std::filesystem::path& root, const DownloadOptions& options = {});

// How to get the entry by hand: each URL, where to put the file, its checksum.
std::string manual_instructions(const HubEntry& entry, const std::filesystem::path& root);

// Calls find(); when it throws because the data set is missing, fetches hub entry `hub_name` into
// download_root(data_dir) if downloads are allowed and calls find() again. Otherwise (or when the
// download fails) the error says what is missing, where d2l looked and how to fetch it by hand.
std::filesystem::path find_or_fetch(const std::string& hub_name, const std::optional<std::filesystem::path>& data_dir,
                                    bool allow_download, const std::function<std::filesystem::path()>& find);

// locate(source) through find_or_fetch.
std::filesystem::path locate_or_fetch(const DataSource& source, const std::string& hub_name,
                                      const std::optional<std::filesystem::path>& data_dir, bool allow_download);

}  // namespace d2l::data
