// d2l chapter ID: run every experiment of a book section with the book's settings and print
// our numbers beside the ones the book reports.
#include <cstdio>

#include "apps/book_configs.h"
#include "apps/commands.h"
#include "apps/experiment.h"
#include "apps/flags.h"

namespace d2l::apps {
namespace {

struct ChapterArgs {
  std::string id;
  std::string profile;  // e.g. configs/quick-rnn.toml: its settings replace the book's
  RunFlags flags;
};

void print_comparison(const BookConfig& c, const train::FitResult& result) {
  const auto& row = result.history.rows.back();
  std::vector<std::string> metrics;
  for (const auto& name : {"train_loss", "train_book_loss", "train_acc", "train_ppl", "test_loss", "test_acc", "test_ppl",
                           "test_bleu", "test_miou", "train_content_loss", "train_style_loss", "train_tv_loss",
                           "train_loss_D", "train_loss_G",
                           "examples_per_sec", "tokens_per_sec"}) {
    bool reported = row.count(name) > 0 || (std::string(name) == "tokens_per_sec" && result.tokens_per_sec > 0);
    for (const auto& r : c.config.book.reported) reported = reported || r.metrics.count(name) > 0;
    if (reported) metrics.push_back(name);
  }
  std::printf("\n%s — %s\n", c.name.c_str(), c.config.book.title.c_str());
  std::printf("  %-18s %12s", "", "ours");
  for (const auto& r : c.config.book.reported) std::printf(" %12s", r.edition.c_str());
  std::printf("\n");
  for (const auto& m : metrics) {
    const double ours = m == "examples_per_sec"  ? result.examples_per_sec
                        : m == "tokens_per_sec" ? result.tokens_per_sec
                                                : (row.count(m) ? row.at(m) : NAN);
    std::printf("  %-18s %12.4g", m.c_str(), ours);
    for (const auto& r : c.config.book.reported) {
      auto it = r.metrics.find(m);
      if (it == r.metrics.end())
        std::printf(" %12s", "-");
      else
        std::printf(" %12.4g", it->second);
    }
    std::printf("\n");
  }
  for (const auto& r : c.config.book.reported)
    if (!r.note.empty()) std::printf("  %s: %s\n", r.edition.c_str(), r.note.c_str());
}

void chapter_command(const ChapterArgs& args) {
  const auto configs = find_chapter(args.id);
  for (const auto& c : configs) {
    std::printf("== %s (%s)\n", c.name.c_str(), c.file.string().c_str());
    std::fflush(stdout);
    auto config = args.flags.apply(args.profile.empty() ? c.config : overlay_config(c.config, args.profile));
    // Several experiments of one section share --out: each gets its own folder inside it.
    if (configs.size() > 1 && !config.out.empty()) config.out = (std::filesystem::path(config.out) / c.name).string();
    const auto run = run_training(config);
    print_comparison(c, run.result);
    std::printf("  run written to %s\n", run.run_dir.string().c_str());
  }
}

}  // namespace

void add_chapter_command(CLI::App& app) {
  auto args = std::make_shared<ChapterArgs>();
  auto* cmd = app.add_subcommand("chapter", "reproduce a book section: 7.6 (English 1.0), zh:6.6, 0.17:6.6, or a name");
  cmd->add_option("id", args->id, "section number or config name (d2l list shows them)")->required();
  cmd->add_option("--profile", args->profile,
                  "a TOML file whose settings replace the book's, e.g. configs/quick-rnn.toml for a CPU run")
      ->check(CLI::ExistingFile);
  args->flags.add_to(*cmd);
  cmd->callback([args] { chapter_command(*args); });
}

}  // namespace d2l::apps
