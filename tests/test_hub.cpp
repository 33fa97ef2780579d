// The data hub: downloads against a local HTTP server on 127.0.0.1 (tests/python/http_server.py;
// no test contacts any other address), checksums, locks, safe archive extraction, and the
// offline messages.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "data/checksum.h"
#include "data/download.h"
#include "data/extract.h"
#include "data/hub.h"
#include "helpers.h"

namespace d2l::test {
namespace {
namespace fs = std::filesystem;
using data::Checksum;
using data::DownloadOptions;

const char* kPython = "/usr/bin/python3";

void write_bytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string random_bytes(size_t n, unsigned seed = 1) {
  std::mt19937 gen(seed);
  std::string bytes(n, '\0');
  for (auto& b : bytes) b = static_cast<char>(gen() & 0xff);
  return bytes;
}

// tests/python/http_server.py serving `root` on a free port of 127.0.0.1, stopped when destroyed.
class LocalServer {
 public:
  explicit LocalServer(const fs::path& root) : log_(root.parent_path() / "requests.log") {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    const auto script = (source_dir() / "tests" / "python" / "http_server.py").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::execl(kPython, kPython, script.c_str(), root.c_str(), log_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* port_line = ::fdopen(out[0], "r");
    char line[32] = "";
    if (!std::fgets(line, sizeof line, port_line)) line[0] = '\0';
    std::fclose(port_line);
    port_ = std::atoi(line);
    if (port_ <= 0) throw std::runtime_error("the local HTTP server did not start");
  }
  ~LocalServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + "/" + path; }
  // "PATH RANGE" per request, in order.
  std::vector<std::string> requests() const {
    std::vector<std::string> lines;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A served folder, a download folder and the server, for each test.
class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython)) GTEST_SKIP() << "needs " << kPython << " for the local HTTP server";
    fs::create_directories(served_);
    content_ = random_bytes(300'000);
    write_bytes(served_ / "data.bin", content_);
    sha1_ = {"sha1", data::file_digest(served_ / "data.bin", "sha1")};
    server_ = std::make_unique<LocalServer>(served_);
  }
  // The CLI with downloads on, from the local server as the hub's mirror.
  std::string mirror_env() const { return "D2L_NO_DOWNLOAD=0 D2L_MIRROR=" + server_->url("files"); }
  DownloadOptions quick() const { return DownloadOptions().stall_timeout_s(2).connect_timeout_s(2).retries(0).progress(false); }
  // Whether `target` and its .part are both absent (nothing partial or corrupt where data belongs).
  bool nothing_left(const fs::path& target) const {
    return !fs::exists(target) && !fs::exists(target.string() + ".part");
  }

  TempDir tmp_;
  fs::path served_ = tmp_ / "served";
  fs::path target_ = tmp_ / "data" / "set" / "data.bin";
  std::string content_;
  Checksum sha1_;
  std::unique_ptr<LocalServer> server_;
};

TEST(Checksum, KnownDigestsOfAbc) {
  TempDir tmp;
  write_bytes(tmp / "abc", "abc");
  EXPECT_EQ(data::file_digest(tmp / "abc", "sha1"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(data::file_digest(tmp / "abc", "md5"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(data::file_digest(tmp / "abc", "sha256"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // torchvision's weight files carry the first 8 digits of their SHA-256 in their names.
  EXPECT_TRUE(data::checksum_matches(tmp / "abc", {"sha256", "ba7816bf"}));
  EXPECT_FALSE(data::checksum_matches(tmp / "abc", {"sha256", "ba7816be"}));
  EXPECT_TRUE(throws_with([&] { data::checksum_matches(tmp / "abc", {"sha256", "ba78"}); }, "too short"));
  EXPECT_TRUE(throws_with([&] { data::file_digest(tmp / "abc", "crc32"); }, "unknown checksum algorithm"));
}

TEST_F(Download, GoodFileIsVerifiedAndPlaced) {
  data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
  EXPECT_EQ(read_bytes(target_), content_);
  EXPECT_FALSE(fs::exists(target_.string() + ".part"));
}

TEST_F(Download, PresentFileWithTheRightChecksumIsNotFetchedAgain) {
  write_bytes(target_, content_);
  data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(Download, PresentFileWithAWrongChecksumIsFetchedAgain) {
  write_bytes(target_, "corrupt");
  data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
  EXPECT_EQ(read_bytes(target_), content_);
}

TEST_F(Download, DroppedConnectionIsResumedWithARangeRequest) {
  data::download({server_->url("drop-once/data.bin")}, target_, sha1_, quick().retries(1));
  EXPECT_EQ(read_bytes(target_), content_);
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], "/drop-once/data.bin -");
  EXPECT_EQ(requests[1], "/drop-once/data.bin bytes=150000-");
}

TEST_F(Download, InterruptedDownloadKeepsItsPartForTheNextRun) {
  std::string message;
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("drop-once/data.bin")}, target_, sha1_, quick()); },
                          "the connection ended", &message));
  EXPECT_NE(message.find("the next try resumes"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(target_));
  EXPECT_EQ(fs::file_size(target_.string() + ".part"), 150'000u);
  data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
  EXPECT_EQ(read_bytes(target_), content_);
  EXPECT_EQ(server_->requests().back(), "/files/data.bin bytes=150000-");
}

TEST_F(Download, ServerWithoutRangesRestartsFromTheBeginning) {
  write_bytes(target_.string() + ".part", content_.substr(0, 1000));
  data::download({server_->url("norange/data.bin")}, target_, sha1_, quick().retries(1));
  EXPECT_EQ(read_bytes(target_), content_);
}

TEST_F(Download, CompletePartIsAcceptedWhenTheServerHasNothingMoreToSend) {
  write_bytes(target_.string() + ".part", content_);
  data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
  EXPECT_EQ(read_bytes(target_), content_);
  EXPECT_EQ(server_->requests().back(), "/files/data.bin bytes=300000-");
}

TEST_F(Download, NotFoundIsAClearErrorAndLeavesNothing) {
  std::string message;
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("files/missing.bin")}, target_, sha1_, quick()); },
                          "HTTP 404", &message));
  EXPECT_NE(message.find(server_->url("files/missing.bin")), std::string::npos) << message;
  EXPECT_TRUE(nothing_left(target_));
}

TEST_F(Download, WrongChecksumIsRefusedAndTheFileRemoved) {
  const Checksum wrong{"sha1", "0000000000000000000000000000000000000000"};
  std::string message;
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("files/data.bin")}, target_, wrong, quick()); },
                          "wrong checksum: expected sha1 0000000000000000000000000000000000000000, got sha1 " + sha1_.hex,
                          &message))
      << message;
  EXPECT_TRUE(nothing_left(target_));
}

TEST_F(Download, HtmlErrorPageIsRefused) {
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("html/data.bin")}, target_, sha1_, quick()); },
                          "HTML page instead of data.bin (Content-Type: text/html"));
  EXPECT_TRUE(nothing_left(target_));
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("html-body/data.bin")}, target_, sha1_, quick()); },
                          "HTML page instead of data.bin (the body starts with <html"));
  EXPECT_TRUE(nothing_left(target_));
}

TEST_F(Download, StalledServerTimesOutWithAClearMessage) {
  const auto options = quick().stall_timeout_s(1);
  EXPECT_TRUE(throws_with([&] { data::download({server_->url("slow/data.bin")}, target_, sha1_, options); },
                          "no data for 1 s"));
  EXPECT_FALSE(fs::exists(target_));
}

TEST_F(Download, NextMirrorIsTriedAfterAFailure) {
  data::download({server_->url("files/missing.bin"), server_->url("redirect/data.bin")}, target_, sha1_, quick());
  EXPECT_EQ(read_bytes(target_), content_);
}

TEST_F(Download, ConcurrentProcessesFetchTheFileOnce) {
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
        ::_exit(read_bytes(target_) == content_ ? 0 : 2);
      } catch (...) {
        ::_exit(1);
      }
    }
    children.push_back(pid);
  }
  for (const auto pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }
  EXPECT_EQ(read_bytes(target_), content_);
  EXPECT_EQ(server_->requests().size(), 1u);  // the others waited for the lock, then found the file
}

TEST_F(Download, FullDiskIsAClearErrorAndLeavesNothing) {
  // A file-size limit stands in for a full disk: writes past it fail (EFBIG) as they would (ENOSPC).
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(out[0]);
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{100'000, 100'000};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    std::string message = "no error";
    try {
      data::download({server_->url("files/data.bin")}, target_, sha1_, quick());
    } catch (const std::exception& e) {
      message = e.what();
    }
    if (::write(out[1], message.data(), message.size()) < 0) ::_exit(3);
    ::_exit(0);
  }
  ::close(out[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<size_t>(n));
  ::close(out[0]);
  ::waitpid(pid, nullptr, 0);
  EXPECT_NE(message.find("cannot write " + target_.string() + ".part: File too large"), std::string::npos) << message;
  EXPECT_TRUE(nothing_left(target_));
}

// Writes the good and hostile archives of tests/python/make_archives.py into `out`.
bool make_archives(const fs::path& out) {
  const auto script = source_dir() / "tests" / "python" / "make_archives.py";
  return std::system((std::string(kPython) + " " + script.string() + " " + out.string()).c_str()) == 0;
}

class Extract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kPython)) GTEST_SKIP() << "needs " << kPython << " to write the archives";
    ASSERT_TRUE(make_archives(archives_));
    fs::create_directories(dest_);
    write_bytes(dest_ / "already-here.txt", "kept\n");
  }
  // The names in dest (the staging folder must be gone too).
  std::vector<std::string> dest_names() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dest_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  void expect_refused(const std::string& archive, const std::string& message_part) {
    std::string message;
    EXPECT_TRUE(throws_with([&] { data::extract_archive(archives_ / archive, dest_); }, message_part, &message))
        << archive << ": " << message;
    EXPECT_EQ(dest_names(), std::vector<std::string>{"already-here.txt"}) << archive;
    EXPECT_FALSE(fs::exists(tmp_ / "evil.txt"));
    EXPECT_FALSE(fs::exists("/tmp/d2l-test-evil.txt"));
  }

  TempDir tmp_;
  fs::path archives_ = tmp_ / "archives";
  fs::path dest_ = tmp_ / "deep" / "dest";
};

TEST_F(Extract, ZipAndTarUnpackTheirFiles) {
  for (const std::string archive : {"good.zip", "good.tar.gz", "good.tar"}) {
    SCOPED_TRACE(archive);
    fs::remove_all(dest_ / "top");
    EXPECT_EQ(data::extract_archive(archives_ / archive, dest_), std::vector<fs::path>{dest_ / "top"});
    EXPECT_EQ(read_bytes(dest_ / "top" / "a.txt"), "alpha\n");
    EXPECT_EQ(fs::file_size(dest_ / "top" / "sub" / "b.txt"), 20000u);
    EXPECT_EQ(dest_names(), (std::vector<std::string>{"already-here.txt", "top"}));
  }
}

TEST_F(Extract, PathsOutsideTheFolderAreRefused) {
  expect_refused("dotdot.tar", "entry 'top/../../evil.txt' points outside the folder");
  expect_refused("dotdot.zip", "entry '../evil.txt' points outside the folder");
  expect_refused("absolute.tar", "entry '/tmp/d2l-test-evil.txt' has an absolute path");
}

TEST_F(Extract, LinksAreRefused) {
  expect_refused("symlink.tar", "entry 'top/link' is a link");
  expect_refused("symlink.zip", "entry 'top/link' is a link");
  expect_refused("hardlink.tar", "entry 'top/hard' is a link");
}

TEST_F(Extract, CorruptArchivesAreRefused) {
  expect_refused("truncated.tar.gz", "truncated");
  expect_refused("not-an-archive.zip", "not-an-archive.zip");
}

TEST_F(Extract, ExistingFolderIsNotOverwritten) {
  write_bytes(dest_ / "top" / "mine.txt", "mine\n");
  EXPECT_TRUE(throws_with([&] { data::extract_archive(archives_ / "good.zip", dest_); }, "already exists"));
  EXPECT_EQ(read_bytes(dest_ / "top" / "mine.txt"), "mine\n");
  EXPECT_FALSE(fs::exists(dest_ / "top" / "a.txt"));
}

// A hub entry of one archive and one plain file, served by the local server.
class Hub : public Download {
 protected:
  void SetUp() override {
    Download::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(make_archives(served_));
    entry_ = {"toy",
              "a toy data set",
              "toy",
              {{"good.zip", {server_->url("files/good.zip")}, {"sha1", data::file_digest(served_ / "good.zip", "sha1")}, "top/a.txt"},
               {"data.bin", {server_->url("files/data.bin")}, sha1_, ""}}};
  }
  data::HubEntry entry_;
  fs::path root_ = tmp_ / "root";
};

TEST_F(Hub, FetchDownloadsVerifiesAndUnpacksOnce) {
  EXPECT_FALSE(data::is_present(entry_, root_));
  data::fetch(entry_, root_, quick());
  EXPECT_TRUE(data::is_present(entry_, root_));
  EXPECT_EQ(read_bytes(root_ / "top" / "a.txt"), "alpha\n");
  EXPECT_EQ(read_bytes(root_ / "toy" / "data.bin"), content_);
  const auto requests = server_->requests().size();
  data::fetch(entry_, root_, quick());
  EXPECT_EQ(server_->requests().size(), requests);
}

TEST_F(Hub, MirrorVariableReplacesEveryUrl) {
  ::setenv("D2L_MIRROR", "http://127.0.0.1:9/hub", 1);
  const auto urls = data::file_urls(entry_, entry_.files[1]);
  ::unsetenv("D2L_MIRROR");
  EXPECT_EQ(urls, std::vector<std::string>{"http://127.0.0.1:9/hub/toy/data.bin"});
}

TEST(HubRegistry, EveryEntryHasUrlsAndAChecksum) {
  for (const std::string name : {"fashion-mnist", "mnist", "cifar10", "timemachine", "fra-eng", "hotdog", "voc2012",
                                 "pokemon", "banana-detection", "style-images"}) {
    const auto* entry = data::find_hub_entry(name);
    ASSERT_NE(entry, nullptr) << name;
    for (const auto& file : entry->files) {
      EXPECT_FALSE(file.urls.empty()) << name;
      EXPECT_GE(file.checksum.hex.size(), 8u) << name;
    }
  }
  EXPECT_EQ(data::find_hub_entry("fra-eng")->files[0].checksum.hex, "94646ad1522d915e7b0f9296181140edcf86a4f5");
  EXPECT_EQ(data::find_hub_entry("fashion-mnist")->files[0].urls[0],
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz");
}

TEST(HubRegistry, NoDownloadVariableForbidsDownloads) {
  ::setenv("D2L_NO_DOWNLOAD", "1", 1);
  EXPECT_FALSE(data::downloads_allowed(true));
  ::setenv("D2L_NO_DOWNLOAD", "0", 1);
  EXPECT_TRUE(data::downloads_allowed(true));
  ::unsetenv("D2L_NO_DOWNLOAD");
  EXPECT_TRUE(data::downloads_allowed(true));
  ::setenv("D2L_NO_DOWNLOAD", "1", 1);  // as the tests run (helpers.cpp)
}

TEST(HubRegistry, OfflineErrorSaysWhatIsMissingWhereAndWhichUrl) {
  TempDir tmp;
  const data::DataSource source{"timemachine", {"timemachine.txt"}, {}, ""};
  std::string message;
  EXPECT_TRUE(throws_with([&] { data::locate_or_fetch(source, "timemachine", tmp.path(), false); },
                          "downloads are off", &message));
  for (const auto& part : {std::string("looked for timemachine.txt"), (tmp / "timemachine").string(),
                           std::string("http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"),
                           "save as " + (tmp / "timemachine" / "timemachine.txt").string(),
                           std::string("sha1 090b5e7e70c295757f55df93cb0a180b9691891a")})
    EXPECT_NE(message.find(part), std::string::npos) << part << "\n" << message;
}

// The CLI: d2l download, and downloads on first use through a mirror on the local server.
TEST_F(Download, CliDownloadOfAnUnknownNameSuggestsTheClosest) {
  const auto r = run_d2l("download fashion-mnsit");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("fashion-mnist"), std::string::npos) << r.output;
}

TEST_F(Download, CliDownloadThroughAMirrorChecksTheBooksChecksum) {
  // The served timemachine.txt is not the book's: its SHA-1 differs, so nothing is kept.
  write_bytes(served_ / "timemachine" / "timemachine.txt", "not the time machine\n");
  const auto r = run_d2l("download timemachine --data-dir " + (tmp_ / "d").string(), mirror_env());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("wrong checksum: expected sha1 090b5e7e70c295757f55df93cb0a180b9691891a"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(server_->url("files/timemachine/timemachine.txt")), std::string::npos) << r.output;
  EXPECT_TRUE(nothing_left(tmp_ / "d" / "timemachine" / "timemachine.txt"));
}

TEST_F(Download, CliTrainDownloadsAMissingDataSetOnFirstUse) {
  const auto r =
      run_d2l("train rnn-scratch --data timemachine --epochs 1 --data-dir " + (tmp_ / "d").string(), mirror_env());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("data set 'timemachine' is missing; downloading it into " + (tmp_ / "d").string()),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("HTTP 404"), std::string::npos) << r.output;  // the mirror has no timemachine/
  EXPECT_NE(r.output.find("to fetch 'timemachine' by hand"), std::string::npos) << r.output;
}

TEST_F(Download, CliNoDownloadFlagAndVariableStopBeforeTheNetwork) {
  const auto env = mirror_env();
  const auto flag = run_d2l("train rnn-scratch --data timemachine --no-download --data-dir " + (tmp_ / "d").string(), env);
  EXPECT_EQ(flag.exit_code, 1) << flag.output;
  EXPECT_NE(flag.output.find("downloads are off"), std::string::npos) << flag.output;
  const auto variable = run_d2l("download timemachine --data-dir " + (tmp_ / "d").string(), env + " D2L_NO_DOWNLOAD=1");
  EXPECT_EQ(variable.exit_code, 1) << variable.output;
  EXPECT_NE(variable.output.find("D2L_NO_DOWNLOAD is set"), std::string::npos) << variable.output;
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(Download, CliFileSizeLimitIsReportedLikeAFullDisk) {
  write_bytes(served_ / "timemachine" / "timemachine.txt", random_bytes(200'000));
  const auto target = tmp_ / "d" / "timemachine" / "timemachine.txt";
  const auto r = run_d2l("download timemachine --data-dir " + (tmp_ / "d").string(),
                         mirror_env() + " bash -c 'ulimit -f 64; exec \"$0\" \"$@\"'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("File too large"), std::string::npos) << r.output;
  EXPECT_TRUE(nothing_left(target));
}

}  // namespace
}  // namespace d2l::test
