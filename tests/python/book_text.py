"""The book's text pipeline (d2l zh-v2 / en-0.17, chapter 8.2 and 9.5 code), the reference for
d2l-cpp's tests. Prints, one per line: the character vocabulary, the word vocabulary (min_freq 3,
reserved <pad>), the corpus length and its first 40 indices, for the text file given; then the
preprocessed and tokenized pairs of a translation file.
  book_text.py TEXT_FILE PAIRS_FILE
"""
import collections
import re
import sys


def read_lines(path):
    with open(path) as f:
        return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in f.readlines()]


def tokenize(lines, token="word"):
    return [line.split() for line in lines] if token == "word" else [list(line) for line in lines]


class Vocab:
    def __init__(self, tokens, min_freq=0, reserved_tokens=()):
        counter = collections.Counter(t for line in tokens for t in line)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token = ["<unk>"] + list(reserved_tokens)
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        for token, freq in self.token_freqs:
            if freq < min_freq:
                break
            if token not in self.token_to_idx:
                self.idx_to_token.append(token)
                self.token_to_idx[token] = len(self.idx_to_token) - 1


def preprocess_nmt(text):
    def no_space(char, prev_char):
        return char in set(",.!?") and prev_char != " "
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = [" " + char if i > 0 and no_space(char, text[i - 1]) else char for i, char in enumerate(text)]
    return "".join(out)


def tokenize_nmt(text, num_examples=None):
    source, target = [], []
    for i, line in enumerate(text.split("\n")):
        if num_examples and i > num_examples:
            break
        parts = line.split("\t")
        if len(parts) == 2:
            source.append(parts[0].split(" "))
            target.append(parts[1].split(" "))
    return source, target


lines = read_lines(sys.argv[1])
chars = tokenize(lines, "char")
print("\x01".join(Vocab(chars).idx_to_token))
print("\x01".join(Vocab(tokenize(lines), 3, ["<pad>"]).idx_to_token))
vocab = Vocab(chars)
corpus = [vocab.token_to_idx[t] for line in chars for t in line]
print(len(corpus), " ".join(map(str, corpus[:40])))
with open(sys.argv[2], encoding="utf-8") as f:
    source, target = tokenize_nmt(preprocess_nmt(f.read()))
print("\x01".join(" ".join(s) + "|" + " ".join(t) for s, t in zip(source, target)))
