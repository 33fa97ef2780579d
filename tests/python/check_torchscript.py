"""Checks a TorchScript file exported by d2l-cpp in Python (Debian's python3-torch).

  check_torchscript.py MODEL.pt IO.pt
IO.pt (torch::pickle_save of a dict) holds inputs x<k> with d2l-cpp's outputs y<k>, and
state.<name> for every parameter and buffer of the C++ module. torch.jit.load must reproduce the
outputs (1e-5) and hold the same named tensors. Exits non-zero on any mismatch.
"""
import sys

import torch


def main():
    model = torch.jit.load(sys.argv[1])
    io = torch.load(sys.argv[2])
    failed = False
    with torch.no_grad():
        for key in sorted(k for k in io if k.startswith("x")):
            diff = (model(io[key]) - io["y" + key[1:]]).abs().max().item()
            if not diff <= 1e-5:
                print(f"{key}: max |python - c++| = {diff:.2e} MISMATCH")
                failed = True
    ours = {k[len("state."):]: v for k, v in io.items() if k.startswith("state.")}
    theirs = model.state_dict()
    if set(ours) != set(theirs):
        print("names differ:", sorted(set(ours) ^ set(theirs))[:5])
        failed = True
    else:
        for name, value in ours.items():
            if not torch.equal(value, theirs[name]):
                print(f"{name}: values differ")
                failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
