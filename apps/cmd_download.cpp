// d2l download NAME...|all: fetch, verify and unpack the book's data sets (d2l's DATA_HUB,
// torchvision's download=True) into the data folder, ahead of training or for a machine offline.

#include <cstdio>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/suggest.h"
#include "data/log.h"
#include "data/hub.h"

namespace d2l::apps {
namespace {

struct DownloadArgs {
  std::vector<std::string> names;
  std::string data_dir;
  int64_t timeout = 30;
  int64_t retries = 2;
  bool list = false;
};

std::optional<std::filesystem::path> data_dir(const DownloadArgs& a) {
  if (a.data_dir.empty()) return std::nullopt;
  return std::filesystem::path(a.data_dir);
}

void list_entries(const DownloadArgs& a) {
  const auto root = data::download_root(data_dir(a));
  std::printf("The data hub (d2l download NAME; data folder %s):\n", root.string().c_str());
  for (const auto& entry : data::hub_entries())
    std::printf("  %-18s %-8s %s\n", entry.name.c_str(), data::is_present(entry, root) ? "here" : "-",
                entry.description.c_str());
}

const data::HubEntry& entry_named(const std::string& name) {
  if (const auto* entry = data::find_hub_entry(name)) return *entry;
  std::vector<std::string> known{"all"};
  for (const auto& entry : data::hub_entries()) known.push_back(entry.name);
  throw std::invalid_argument(unknown_name_message("data set", name, known));
}

void download_command(const DownloadArgs& a) {
  if (a.list || a.names.empty()) return list_entries(a);
  std::vector<const data::HubEntry*> entries;
  for (const auto& name : a.names) {
    if (name == "all")
      for (const auto& entry : data::hub_entries()) entries.push_back(&entry);
    else
      entries.push_back(&entry_named(name));
  }
  if (!data::downloads_supported())
    throw std::runtime_error("this d2l was built without libcurl, libarchive and OpenSSL; rebuild after installing "
                             "libcurl4-openssl-dev libarchive-dev libssl-dev, or fetch the files by hand");
  if (!data::downloads_allowed())
    throw std::runtime_error("D2L_NO_DOWNLOAD is set: downloads are off on this machine; unset it to download");
  if (a.timeout <= 0) throw std::invalid_argument("--timeout must be a positive number of seconds");
  if (a.retries < 0) throw std::invalid_argument("--retries must be 0 or more");
  const auto root = data::download_root(data_dir(a));
  const auto options = data::DownloadOptions().stall_timeout_s(a.timeout).retries(a.retries);
  std::vector<std::string> failed;
  for (const auto* entry : entries) {
    try {
      data::fetch(*entry, root, options);
      std::printf("%s: ready in %s\n", entry->name.c_str(),
                  (entry->folder.empty() ? root : root / entry->folder).string().c_str());
    } catch (const std::exception& e) {
      // Go on with the others: one unreachable server should not stop `d2l download all`.
      logging::error(entry->name + ": " + e.what() + "\nto fetch it by hand:\n" + data::manual_instructions(*entry, root));
      failed.push_back(entry->name);
    }
  }
  if (!failed.empty()) {
    std::string names;
    for (const auto& name : failed) names += (names.empty() ? "" : ", ") + name;
    throw std::runtime_error("could not download " + names + " (see above)");
  }
}

}  // namespace

void add_download_command(CLI::App& app) {
  auto args = std::make_shared<DownloadArgs>();
  auto* cmd = app.add_subcommand("download",
                                 "fetch and verify the book's data sets: d2l download fashion-mnist timemachine | all");
  cmd->add_option("names", args->names, "data sets of the hub (d2l download --list), or all");
  cmd->add_option("--data-dir", args->data_dir, "where to put them (default: $D2L_DATA, else ~/.cache/d2l)");
  cmd->add_option("--timeout", args->timeout, "seconds without data before a server is given up (default 30)");
  cmd->add_option("--retries", args->retries, "resumptions of a dropped transfer, per URL (default 2)");
  cmd->add_flag("--list", args->list, "list the data sets of the hub and which are here");
  cmd->callback([args] { download_command(*args); });
}

}  // namespace d2l::apps
