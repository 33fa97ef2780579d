"""torchvision 0.14 (Debian's python3-torchvision), the reference for d2l-cpp's torchvision-compatible
models and weight files.

  torchvision_interop.py export DIR [NAME...]  For each (or each named) model: random weights (fixed seed) with non-trivial
                                           batch-norm statistics, saved as DIR/NAME.zip.pt (torch.save's
                                           zip format) and DIR/NAME.legacy.pt (the pre-1.6 format), plus
                                           DIR/NAME.io.pt = {"input": X, "output": the model's logits}.
  torchvision_interop.py check NAME=FILE   FILE (written by d2l-cpp) holds a state dict plus __input__ and
                                           __output__; torchvision's model must load it strictly and give
                                           the same logits. Exits non-zero on any mismatch.
"""
import os
import sys
import warnings

import torch
import torchvision.models as tv

from book_models import check_exports

warnings.filterwarnings("ignore")

# Our registry name -> torchvision constructor and a small input that the network accepts.
MODELS = {
    "tv-resnet18": (lambda: tv.resnet18(num_classes=10), 64),
    "tv-vgg11": (lambda: tv.vgg11(num_classes=10), 32),
    "tv-alexnet": (lambda: tv.alexnet(num_classes=10), 64),
    "tv-densenet121": (lambda: tv.densenet121(num_classes=10), 32),
    "tv-googlenet": (lambda: tv.googlenet(num_classes=10, aux_logits=True, init_weights=True), 64),
    "tv-swin-t": (lambda: tv.swin_t(num_classes=10), 224),
}


def export(directory, names):
    for name in names or MODELS:
        make, side = MODELS[name]
        torch.manual_seed(0)
        model = make()
        model.train()
        with torch.no_grad():
            for _ in range(2):  # batch-norm running statistics away from (0, 1)
                model(torch.randn(4, 3, side, side))
        model.eval()
        X = torch.randn(2, 3, side, side)
        with torch.no_grad():
            Y = model(X)
        torch.save(model.state_dict(), os.path.join(directory, f"{name}.zip.pt"))
        torch.save(model.state_dict(), os.path.join(directory, f"{name}.legacy.pt"),
                   _use_new_zipfile_serialization=False)
        torch.save({"input": X, "output": Y}, os.path.join(directory, f"{name}.io.pt"))


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3:])
    else:
        check_exports(sys.argv[2:], {name: make for name, (make, _) in MODELS.items()}, 1e-4)
