"""Python twin of bench_rnn.cpp: the book's RNN language models and train_epoch_ch8 loop
(zh-v2 / en-0.17 d2l/torch.py: sequential partitioning with the state detached between
minibatches, grad_clipping(net, 1), d2l.sgd for the scratch models and torch.optim.SGD for
nn.RNN/GRU/LSTM), on the same text (the GPL's characters) with the same LibTorch and threads.

Prints one line: model tokens_per_sec
"""
import argparse
import math
import random
import re
import time

import torch
from torch import nn
from torch.nn import functional as F


def corpus_indices(path, max_tokens):
    with open(path) as f:
        lines = [re.sub('[^A-Za-z]+', ' ', line).strip().lower() for line in f]
    chars = [c for line in lines for c in line]
    vocab = sorted(set(chars))
    index = {c: i + 1 for i, c in enumerate(vocab)}  # 0 is <unk>
    corpus = [index[c] for c in chars]
    return (corpus[:max_tokens] if max_tokens > 0 else corpus), len(vocab) + 1


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens]).reshape(batch_size, -1)
    for i in range(0, Xs.shape[1] // num_steps * num_steps, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


def normal(shape):
    return torch.randn(size=shape) * 0.01


def three(num_inputs, num_hiddens):
    return normal((num_inputs, num_hiddens)), normal((num_hiddens, num_hiddens)), torch.zeros(num_hiddens)


def get_params(cell, vocab_size, num_hiddens):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    params = []
    for _ in range(gates):
        params.extend(three(vocab_size, num_hiddens))
    params += [normal((num_hiddens, vocab_size)), torch.zeros(vocab_size)]
    for p in params:
        p.requires_grad_(True)
    return params


def rnn(inputs, state, params):
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        outputs.append(torch.mm(H, W_hq) + b_q)
    return torch.cat(outputs, dim=0), (H,)


def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        Z = torch.sigmoid((X @ W_xz) + (H @ W_hz) + b_z)
        R = torch.sigmoid((X @ W_xr) + (H @ W_hr) + b_r)
        H_tilda = torch.tanh((X @ W_xh) + ((R * H) @ W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H,)


def lstm(inputs, state, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c, W_hq, b_q] = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = torch.sigmoid((X @ W_xi) + (H @ W_hi) + b_i)
        F_ = torch.sigmoid((X @ W_xf) + (H @ W_hf) + b_f)
        O = torch.sigmoid((X @ W_xo) + (H @ W_ho) + b_o)
        C_tilda = torch.tanh((X @ W_xc) + (H @ W_hc) + b_c)
        C = F_ * C + I * C_tilda
        H = O * torch.tanh(C)
        outputs.append(H @ W_hq + b_q)
    return torch.cat(outputs, dim=0), (H, C)


class RNNModelScratch:
    def __init__(self, cell, vocab_size, num_hiddens):
        self.cell, self.vocab_size, self.num_hiddens = cell, vocab_size, num_hiddens
        self.params = get_params(cell, vocab_size, num_hiddens)
        self.forward_fn = {"rnn": rnn, "gru": gru, "lstm": lstm}[cell]

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size):
        H = torch.zeros((batch_size, self.num_hiddens))
        return (H, torch.zeros_like(H)) if self.cell == "lstm" else (H,)


class RNNModel(nn.Module):
    def __init__(self, rnn_layer, vocab_size):
        super().__init__()
        self.rnn, self.vocab_size = rnn_layer, vocab_size
        self.num_hiddens = self.rnn.hidden_size
        self.linear = nn.Linear(self.num_hiddens, self.vocab_size)

    def forward(self, inputs, state):
        X = F.one_hot(inputs.T.long(), self.vocab_size).to(torch.float32)
        Y, state = self.rnn(X, state)
        return self.linear(Y.reshape((-1, Y.shape[-1]))), state

    def begin_state(self, batch_size):
        shape = (self.rnn.num_layers, batch_size, self.num_hiddens)
        if isinstance(self.rnn, nn.LSTM):
            return (torch.zeros(shape), torch.zeros(shape))
        return torch.zeros(shape)


def grad_clipping(net, theta):
    params = [p for p in net.parameters() if p.requires_grad] if isinstance(net, nn.Module) else net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch_ch8(net, corpus, batch_size, num_steps, loss, updater):
    state = None
    tokens = 0
    loss_sum = 0.0
    start = time.perf_counter()
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
        if state is None:
            state = net.begin_state(batch_size)
        elif isinstance(net, nn.Module) and not isinstance(state, tuple):
            state.detach_()
        else:
            for s in state:
                s.detach_()
        y = Y.T.reshape(-1)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            l.backward()
            grad_clipping(net, 1)
            updater.step()
        else:
            l.backward()
            grad_clipping(net, 1)
            updater(batch_size=1)
        loss_sum += l.item() * y.numel()
        tokens += y.numel()
    return tokens / (time.perf_counter() - start), math.exp(loss_sum / tokens)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)  # rnn-scratch, gru-scratch, lstm-scratch, rnn, gru, lstm
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-steps", type=int, default=35)
    parser.add_argument("--num-hiddens", type=int, default=256)
    parser.add_argument("--max-tokens", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--corpus", default="/usr/share/common-licenses/GPL-3")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    corpus, vocab_size = corpus_indices(args.corpus, args.max_tokens)
    cell = args.model.replace("-scratch", "")
    if args.model.endswith("-scratch"):
        net = RNNModelScratch(cell, vocab_size, args.num_hiddens)
        lr = 1.0
        updater = lambda batch_size: sgd(net.params, lr, batch_size)  # noqa: E731
    else:
        layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](vocab_size, args.num_hiddens)
        net = RNNModel(layer, vocab_size)
        updater = torch.optim.SGD(net.parameters(), lr=1.0)
    loss = nn.CrossEntropyLoss()
    train_epoch_ch8(net, corpus, args.batch_size, args.num_steps, loss, updater)  # warm-up epoch
    speed = max(train_epoch_ch8(net, corpus, args.batch_size, args.num_steps, loss, updater)[0]
                for _ in range(args.epochs))
    print(args.model, f"{speed:.1f}")


if __name__ == "__main__":
    main()
