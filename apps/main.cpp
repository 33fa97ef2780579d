// d2l: the command line of d2l-cpp. Parse, look up, call; errors are caught once, here.

#include <csignal>
#include <c10/util/Exception.h>

#include <cstdio>
#include <new>
#include <stdexcept>

#include "apps/commands.h"
#include "apps/suggest.h"
#include "data/log.h"
#include "train/memory.h"
#include "train/stop.h"

namespace {

// CLI11 says "The following argument was not expected: --epoch"; add the close matches.
std::string with_suggestions(const CLI::App& app, const CLI::ExtrasError& error) {
  std::string message = error.what();
  std::vector<const CLI::App*> scopes{&app};
  for (const auto* sub : app.get_subcommands({}))
    if (sub->parsed()) scopes.push_back(sub);
  std::vector<std::string> known;
  for (const auto* scope : scopes)
    for (const auto* option : scope->get_options({}))
      for (const auto& name : option->get_lnames()) known.push_back("--" + name);
  for (const auto& extra : app.remaining(true)) {
    if (extra.rfind("--", 0) != 0) continue;
    const auto flag = extra.substr(0, extra.find('='));
    const auto matches = d2l::apps::close_matches(flag, known);
    if (!matches.empty()) message += "\n" + flag + ": did you mean " + matches.front() + "?";
  }
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  d2l::train::reuse_freed_memory();
  // A file-size limit (ulimit -f) then fails a write with EFBIG, reported like a full disk,
  // instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  d2l::logging::with_time_of_day();
  CLI::App app{"d2l: Dive into Deep Learning in C++ (LibTorch). Train the book's models from the command line."};
  app.require_subcommand(1);
  d2l::apps::add_list_command(app);
  d2l::apps::add_train_command(app);
  d2l::apps::add_eval_command(app);
  d2l::apps::add_chapter_command(app);
  d2l::apps::add_export_command(app);
  d2l::apps::add_predict_command(app);
  d2l::apps::add_inspect_command(app);
  d2l::apps::add_translate_command(app);
  d2l::apps::add_stylize_command(app);
  d2l::apps::add_generate_command(app);
  d2l::apps::add_translate_image_command(app);
  d2l::apps::add_download_command(app);
  d2l::apps::add_launch_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for the options.\n", with_suggestions(app, e).c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const d2l::train::Interrupted& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 128 + e.signal();  // as a shell reports a process ended by the signal
  } catch (const std::bad_alloc& e) {
    std::fprintf(stderr, "error: out of memory; %s\n", d2l::train::out_of_memory_advice(e).c_str());
    return 1;
  } catch (const c10::Error& e) {
    const std::string message = e.what_without_backtrace();
    if (const auto advice = d2l::train::out_of_memory_advice(e); !advice.empty())
      std::fprintf(stderr, "error: out of memory (%s); %s\n", message.substr(0, message.find('\n')).c_str(),
                   advice.c_str());
    else
      std::fprintf(stderr, "error: %s\n", message.c_str());
    return 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
