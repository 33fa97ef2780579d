#include "data/translation.h"

#include <cctype>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace d2l::data {

std::string preprocess_nmt(const std::string& input) {
  // U+202F and U+00A0 (UTF-8 E2 80 AF and C2 A0) become plain spaces.
  std::string text;
  for (size_t i = 0; i < input.size(); ++i) {
    if (input.compare(i, 3, "\xE2\x80\xAF") == 0) {
      text += ' ';
      i += 2;
    } else if (input.compare(i, 2, "\xC2\xA0") == 0) {
      text += ' ';
      i += 1;
    } else if (static_cast<unsigned char>(input[i]) == 0xC3 && i + 1 < input.size() &&
               static_cast<unsigned char>(input[i + 1]) >= 0x80 && static_cast<unsigned char>(input[i + 1]) <= 0x9E &&
               static_cast<unsigned char>(input[i + 1]) != 0x97) {
      // Latin-1 capitals (À..Þ but ×) in UTF-8, as Python's str.lower(): Ç -> ç.
      text += input[i];
      text += static_cast<char>(input[i + 1] + 0x20);
      i += 1;
    } else {
      text += static_cast<char>(std::tolower(static_cast<unsigned char>(input[i])));
    }
  }
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i > 0 && (c == ',' || c == '.' || c == '!' || c == '?') && text[i - 1] != ' ') out += ' ';
    out += c;
  }
  return out;
}

namespace {

std::vector<std::string> split(const std::string& s, char by) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const auto end = s.find(by, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

SentencePairs tokenize_nmt(const std::string& text, int64_t num_examples) {
  SentencePairs pairs;
  int64_t i = 0;
  for (const auto& line : split(text, '\n')) {
    if (num_examples > 0 && i++ > num_examples) break;  // the book's `if i > num_examples: break`
    const auto parts = split(line, '\t');
    if (parts.size() < 2) continue;
    pairs.source.push_back(split(parts[0], ' '));
    pairs.target.push_back(split(parts[1], ' '));
  }
  return pairs;
}

SentencePairs read_sentence_pairs(const std::filesystem::path& file, int64_t num_examples) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open the sentence pairs");
  std::stringstream text;
  text << in.rdbuf();
  // Lines without a tab are skipped, as the book does; a pair with an empty side is an error.
  const auto lines = split(text.str(), '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto parts = split(lines[i], '\t');
    const auto blank = [](const std::string& s) { return s.find_first_not_of(" \r") == std::string::npos; };
    if (parts.size() >= 2 && (blank(parts[0]) || blank(parts[1])))
      throw std::runtime_error(file.string() + ":" + std::to_string(i + 1) + ": empty " +
                               (blank(parts[0]) ? "source" : "target") + " sentence");
  }
  auto pairs = tokenize_nmt(preprocess_nmt(text.str()), num_examples);
  if (pairs.source.empty())
    throw std::runtime_error(file.string() + ": no tab-separated sentence pairs (expected 'source<TAB>target' lines)");
  return pairs;
}

std::vector<int64_t> truncate_pad(std::vector<int64_t> line, int64_t num_steps, int64_t padding) {
  line.resize(static_cast<size_t>(num_steps), padding);
  return line;
}

NmtArray build_array_nmt(const std::vector<std::vector<std::string>>& lines, const Vocab& vocab, int64_t num_steps) {
  const auto pad = vocab["<pad>"], eos = vocab["<eos>"];
  if (pad == vocab.unk() || eos == vocab.unk())
    throw std::invalid_argument("build_array_nmt: the vocabulary needs <pad> and <eos> as reserved tokens");
  std::vector<int64_t> flat;
  for (const auto& line : lines) {
    auto indices = vocab.indices(line);
    indices.push_back(eos);
    const auto row = truncate_pad(std::move(indices), num_steps, pad);
    flat.insert(flat.end(), row.begin(), row.end());
  }
  auto tokens = torch::tensor(flat, torch::kInt64).reshape({static_cast<int64_t>(lines.size()), num_steps});
  return {tokens, (tokens != pad).sum(1)};
}

std::string synthetic_date_pairs(int64_t n, uint64_t seed) {
  static const char* months[] = {"january", "february", "march",     "april",   "may",      "june",
                                 "july",    "august",   "september", "october", "november", "december"};
  static const int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  std::mt19937_64 rng(seed);
  std::ostringstream out;
  for (int64_t i = 0; i < n; ++i) {
    const int year = 1950 + static_cast<int>(rng() % 100), month = static_cast<int>(rng() % 12);
    const int day = 1 + static_cast<int>(rng() % static_cast<uint64_t>(days_in[month]));
    const std::string name = months[month];
    std::string human;
    switch (rng() % 4) {
      case 0: human = name + " " + std::to_string(day) + ", " + std::to_string(year); break;
      case 1: human = std::to_string(day) + " " + name + " " + std::to_string(year); break;
      case 2: human = name.substr(0, 3) + " " + std::to_string(day) + " " + std::to_string(year); break;
      default: {
        const char* suffix = (day % 10 == 1 && day != 11) ? "st" : (day % 10 == 2 && day != 12) ? "nd"
                             : (day % 10 == 3 && day != 13) ? "rd" : "th";
        human = "the " + std::to_string(day) + suffix + " of " + name + " " + std::to_string(year);
      }
    }
    // The ISO date with its characters as words ("1 9 9 4 - 0 3 - 0 7"): a target vocabulary of
    // 11 tokens, which a small seq2seq model learns.
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", year, month + 1, day);
    std::string target;
    for (const char* c = iso; *c; ++c) target += (target.empty() ? "" : " ") + std::string(1, *c);
    out << human << '\t' << target << '\n';
  }
  return out.str();
}

}  // namespace d2l::data
