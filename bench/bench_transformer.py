"""Python twin of bench_transformer.cpp: d2l 11.7's Transformer encoder-decoder written as the
book does (masked softmax by valid lengths, d2l.MultiHeadAttention without biases, AddNorm,
PositionWiseFFN, sinusoidal positions, causal decoder valid lengths in training), trained as
train_seq2seq does (teacher forcing after <bos>, masked cross-entropy summed over the batch,
clipping at 1) with Adam, on random token pairs of the same shapes.

Prints one line: transformer target_tokens_per_sec
"""
import argparse
import math
import time

import torch
from torch import nn


def masked_softmax(X, valid_lens):  # X [b, q, k]; valid_lens [b] or [b, q]
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    valid_lens = torch.repeat_interleave(valid_lens, shape[1]) if valid_lens.dim() == 1 else valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])
    mask = torch.arange(shape[-1], device=X.device)[None, :] < valid_lens[:, None]
    X = X.masked_fill(~mask, -1e6)
    return nn.functional.softmax(X.reshape(shape), dim=-1)


class MultiHeadAttention(nn.Module):
    def __init__(self, num_hiddens, num_heads, dropout):
        super().__init__()
        self.num_heads = num_heads
        self.dropout = nn.Dropout(dropout)
        self.W_q, self.W_k, self.W_v, self.W_o = (nn.Linear(num_hiddens, num_hiddens, bias=False) for _ in range(4))

    def split(self, X):
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1).permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def forward(self, queries, keys, values, valid_lens):
        q, k, v = self.split(self.W_q(queries)), self.split(self.W_k(keys)), self.split(self.W_v(values))
        if valid_lens is not None:
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.shape[-1])
        out = torch.bmm(self.dropout(masked_softmax(scores, valid_lens)), v)
        out = out.reshape(-1, self.num_heads, out.shape[1], out.shape[2]).permute(0, 2, 1, 3)
        return self.W_o(out.reshape(out.shape[0], out.shape[1], -1))


class PositionalEncoding(nn.Module):
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = torch.zeros((1, max_len, num_hiddens))
        X = torch.arange(max_len, dtype=torch.float32).reshape(-1, 1) / torch.pow(
            10000, torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        return self.dropout(X + self.P[:, :X.shape[1], :])


class AddNorm(nn.Module):
    def __init__(self, num_hiddens, dropout):
        super().__init__()
        self.dropout, self.ln = nn.Dropout(dropout), nn.LayerNorm(num_hiddens)

    def forward(self, X, Y):
        return self.ln(self.dropout(Y) + X)


def ffn(num_hiddens, ffn_num_hiddens):
    return nn.Sequential(nn.Linear(num_hiddens, ffn_num_hiddens), nn.ReLU(), nn.Linear(ffn_num_hiddens, num_hiddens))


class EncoderBlock(nn.Module):
    def __init__(self, h, f, heads, dropout):
        super().__init__()
        self.attention, self.addnorm1 = MultiHeadAttention(h, heads, dropout), AddNorm(h, dropout)
        self.ffn, self.addnorm2 = ffn(h, f), AddNorm(h, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class DecoderBlock(nn.Module):
    def __init__(self, h, f, heads, dropout):
        super().__init__()
        self.attention1, self.addnorm1 = MultiHeadAttention(h, heads, dropout), AddNorm(h, dropout)
        self.attention2, self.addnorm2 = MultiHeadAttention(h, heads, dropout), AddNorm(h, dropout)
        self.ffn, self.addnorm3 = ffn(h, f), AddNorm(h, dropout)

    def forward(self, X, enc_outputs, enc_valid_lens):
        b, steps, _ = X.shape
        dec_valid_lens = torch.arange(1, steps + 1).repeat(b, 1)  # causal, as in training
        Y = self.addnorm1(X, self.attention1(X, X, X, dec_valid_lens))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z))


class Transformer(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, h=256, f=64, heads=4, blocks=2, dropout=0.2):
        super().__init__()
        self.h = h
        self.enc_embedding, self.dec_embedding = nn.Embedding(src_vocab, h), nn.Embedding(tgt_vocab, h)
        self.pos_encoding = PositionalEncoding(h, dropout)
        self.enc_blks = nn.ModuleList(EncoderBlock(h, f, heads, dropout) for _ in range(blocks))
        self.dec_blks = nn.ModuleList(DecoderBlock(h, f, heads, dropout) for _ in range(blocks))
        self.dense = nn.Linear(h, tgt_vocab)

    def forward(self, enc_X, dec_X, enc_valid_lens):
        X = self.pos_encoding(self.enc_embedding(enc_X) * math.sqrt(self.h))
        for blk in self.enc_blks:
            X = blk(X, enc_valid_lens)
        Y = self.pos_encoding(self.dec_embedding(dec_X) * math.sqrt(self.h))
        for blk in self.dec_blks:
            Y = blk(Y, X, enc_valid_lens)
        return self.dense(Y)


def random_pairs(n, steps, vocab):
    lens = torch.randint(3, steps + 1, (n,))
    tokens = torch.randint(3, vocab, (n, steps)).masked_fill(torch.arange(steps)[None, :] >= lens[:, None], 0)
    return tokens, lens


def train(net, data, batch_size, bos=1):
    X, X_len, Y, Y_len = data
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    net.train()
    tokens = torch.zeros((), dtype=torch.int64)
    start = time.perf_counter()
    for i in range(0, X.shape[0], batch_size):
        x, x_len, y, y_len = X[i:i + batch_size], X_len[i:i + batch_size], Y[i:i + batch_size], Y_len[i:i + batch_size]
        dec_input = torch.cat([torch.full((y.shape[0], 1), bos), y[:, :-1]], 1)
        logits = net(x, dec_input, x_len)
        mask = (torch.arange(y.shape[1])[None, :] < y_len[:, None]).float()
        l = (loss_fn(logits.permute(0, 2, 1), y) * mask).mean(dim=1)
        optimizer.zero_grad()
        l.sum().backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        tokens += y_len.sum()
    return tokens.item() / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--num-steps", type=int, default=9)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--source-vocab", type=int, default=200)
    parser.add_argument("--target-vocab", type=int, default=250)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = Transformer(args.source_vocab, args.target_vocab)
    for m in net.modules():  # train_seq2seq's Xavier init (our config's init = "xavier")
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)

    def data(n):
        return (*random_pairs(n, args.num_steps, args.source_vocab), *random_pairs(n, args.num_steps, args.target_vocab))

    train(net, data(args.batch_size), args.batch_size)  # warm-up
    print(f"transformer {train(net, data(args.batches * args.batch_size), args.batch_size):.1f}", flush=True)


if __name__ == "__main__":
    main()
