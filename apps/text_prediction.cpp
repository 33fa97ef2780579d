#include "apps/text_prediction.h"


#include <cstdio>
#include <set>
#include <stdexcept>

#include "apps/experiment.h"
#include "apps/model_export.h"
#include "data/log.h"
#include "data/text.h"
#include "models/rnn_lm.h"
#include "train/torchscript.h"

namespace d2l::apps {
namespace {

// The prefix as the corpus was tokenised (lower case; characters or words). Tokens outside the
// vocabulary become <unk>, with a warning naming them.
std::vector<int64_t> encode_prefix(const std::string& prefix, const std::vector<std::string>& vocab,
                                   const std::string& kind) {
  std::string lower = prefix;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> tokens;
  if (kind == "word") {
    tokens = data::tokenize({lower}, data::TokenKind::word)[0];
  } else {
    for (char c : lower) tokens.emplace_back(1, c);
  }
  if (tokens.empty()) throw std::invalid_argument("--prefix: give at least one token to start from");
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < vocab.size(); ++i) index.emplace(vocab[i], static_cast<int64_t>(i));
  const int64_t unk = index.count("<unk>") ? index["<unk>"] : 0;
  std::vector<int64_t> out;
  std::set<std::string> unknown;
  for (const auto& t : tokens) {
    auto it = index.find(t);
    if (it == index.end()) unknown.insert(t);
    out.push_back(it == index.end() ? unk : it->second);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& t : unknown) list += (list.empty() ? "'" : ", '") + t + "'";
    logging::warn("--prefix: " + list + " not in the model's vocabulary; read as <unk>");
  }
  return out;
}

std::string decode(const std::vector<int64_t>& tokens, const std::vector<std::string>& vocab, const std::string& kind) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) out += (kind == "word" && i ? " " : "") + vocab.at(tokens[i]);
  return out;
}

}  // namespace

Experiment load_for_prediction(const std::string& checkpoint, TaskKind task, const std::string& what,
                               const std::string& data_dir, int64_t threads) {
  auto e = load_trained(checkpoint, [&](RunConfig& config) {
    if (!data_dir.empty()) config.data_dir = data_dir;
    config.device = "cpu";
    config.threads = threads;
  });
  if (e.spec->task != task)
    throw std::invalid_argument(checkpoint + " is a run of '" + e.config.model + "', not " + what);
  return e;
}

void generate_text(const GenerateArgs& args) {
  if (args.num_preds < 0) throw std::invalid_argument("--num-preds must not be negative");
  if (train::has_extra_file(args.checkpoint, kMetadataFile)) {
    // An export: TorchScript forward(X) from the zero state, so each step re-reads the text so far.
    std::map<std::string, std::string> extra{{kMetadataFile, ""}};
    auto module = train::load_torchscript(args.checkpoint, extra);
    module.eval();
    const auto info = parse_export_info(extra[kMetadataFile], args.checkpoint);
    if (info.vocab.empty())
      throw std::invalid_argument(args.checkpoint + " holds model '" + info.model +
                                  "', not a language model: --prefix needs one (d2l predict FILE IMAGE... classifies)");
    auto tokens = encode_prefix(args.prefix, info.vocab, info.tokens);
    torch::NoGradGuard no_grad;
    for (int64_t i = 0; i < args.num_preds; ++i) {
      const auto X = torch::tensor(tokens, torch::kInt64).view({1, -1});
      const auto logits = module.forward({X}).toTensor();
      if (logits.dim() != 3 || logits.size(2) != static_cast<int64_t>(info.vocab.size()))
        throw std::runtime_error(args.checkpoint + ": the model's output " + c10::str(logits.sizes()) +
                                 " does not end in the metadata's vocabulary of " + std::to_string(info.vocab.size()));
      tokens.push_back(logits[0][-1].argmax().item<int64_t>());
    }
    std::printf("%s\n", decode(tokens, info.vocab, info.tokens).c_str());
    return;
  }
  auto e = load_for_prediction(args.checkpoint, TaskKind::language_model,
                               "a language model: --prefix needs one (rnn, gru, lstm, ...)", args.data_dir, args.threads);
  std::vector<std::string> vocab;
  for (int64_t i = 0; i < e.data.vocab->size(); ++i) vocab.push_back(e.data.vocab->to_token(i));
  auto lm = e.model.get<models::RNNLM>();
  lm->eval();
  const auto tokens = models::predict_tokens(*lm, encode_prefix(args.prefix, vocab, e.config.tokens), args.num_preds);
  std::printf("%s\n", decode(tokens, vocab, e.config.tokens).c_str());
}

}  // namespace d2l::apps
