"""Writes valid inputs for each fuzz target into OUT/<target>/: the fuzzer starts from them.

    /usr/bin/python3 tests/python/fuzz_seeds.py OUT CONFIG_DIR
"""
import gzip
import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib

import torch

out, configs = sys.argv[1], sys.argv[2]


def seed(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)


images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
labels = struct.pack(">II", 0x801, 2) + bytes([3, 7])
seed("idx_file", "images", images)
seed("idx_file", "labels", labels)
seed("idx_file", "images.gz", gzip.compress(images))
seed("cifar10_batch", "two-records", bytes([3] + [10] * 3072 + [9] + [200] * 3072))
with open("/usr/share/common-licenses/GPL-3", "rb") as f:
    seed("text_corpus", "gpl3-head", f.read(3000))
seed("sentence_pairs", "pairs", "Go.\tVa !\nHi.\tSalut !\nRun!\tCours !\nWow!\tÇa alors !\n".encode())
for name in sorted(os.listdir(configs)):  # the book's configs
    if name.endswith(".toml"):
        with open(os.path.join(configs, name), "rb") as f:
            seed("toml_config", name, f.read())


def png(width, height, rows):
    """An 8-bit RGB PNG of `rows` (lists of (r, g, b))."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + bytes(c for pixel in row for c in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# VOC colours: background, aeroplane, bicycle, the void border, and one outside the palette.
colours = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (224, 224, 192), (1, 2, 3)]
seed("voc_mask", "mask.png", png(5, 4, [[colours[(x + y) % 5] for x in range(5)] for y in range(4)]))
state = {"weight": torch.arange(6.0).reshape(2, 3), "bias": torch.zeros(2), "steps": torch.tensor(3)}
buffer = io.BytesIO()
torch.save(state, buffer)
seed("torch_file", "zip.pth", buffer.getvalue())
with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as z:
    seed("pickle", "data.pkl", z.read([n for n in z.namelist() if n.endswith("data.pkl")][0]))
legacy = io.BytesIO()
torch.save(state, legacy, _use_new_zipfile_serialization=False)
seed("torch_file", "legacy.pth", legacy.getvalue())
wrapped = io.BytesIO()  # a training checkpoint wrapping the state dict (read_state_dict unwraps it)
torch.save({"epoch": 3, "state_dict": state}, wrapped)
seed("torch_file", "wrapped.pth", wrapped.getvalue())


def metadata(extra, preprocessing):
    """d2l.toml as `d2l export` writes it (apps/export_info.cpp's to_toml)."""
    return ("format = 'd2l-torchscript 1'\nd2l_version = '0.1.0'\ntorch_version = '1.13.0'\n" + extra +
            "traced_batch = 1\n\n[metrics]\nepoch = 1.0\ntest_acc = 0.8125\n\n[preprocessing]\nscale = 0.0039215686274509803\n" +
            preprocessing).encode()


classes = "classes = [ 't-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot' ]\n"
seed("torchscript_metadata", "lenet.toml", metadata(
    classes + "model = 'lenet'\nsection = '7.6'\ntitle = 'LeNet'\ninput_shape = [ 1, 28, 28 ]\ninput_dtype = 'float32'\n"
    "tokens = ''\nvocab = []\n",
    "stored_shape = [ 1, 28, 28 ]\nchannels = 0\ncrop = 0\nresize = 0\nmean = []\nstd = []\n"))
seed("torchscript_metadata", "tv-resnet18.toml", metadata(
    classes + "model = 'tv-resnet18'\nsection = '14.2'\ntitle = 'ResNet-18'\ninput_shape = [ 3, 32, 32 ]\n"
    "input_dtype = 'float32'\ntokens = ''\nvocab = []\n",
    "stored_shape = [ 1, 28, 28 ]\nchannels = 3\ncrop = 32\nresize = 36\nmean = [ 0.485, 0.456, 0.406 ]\n"
    "std = [ 0.229, 0.224, 0.225 ]\n"))
seed("torchscript_metadata", "gru.toml", metadata(
    "classes = []\nmodel = 'gru'\nsection = '10.2'\ntitle = 'GRU'\ninput_shape = [ 35 ]\ninput_dtype = 'int64'\n"
    "tokens = 'char'\nvocab = [ '<unk>', ' ', 'e', 't', 'a', 'i', 'n', 'o', 's', 'h', 'r' ]\n",
    "stored_shape = [ 35 ]\nchannels = 0\ncrop = 0\nresize = 0\nmean = []\nstd = []\n"))


def archive_seed(name, make):
    buffer = io.BytesIO()
    make(buffer)
    seed("archive", name, buffer.getvalue())


def tar_of(entries, mode):
    def make(buffer):
        with tarfile.open(fileobj=buffer, mode=mode) as t:
            for entry, content in entries:
                info = tarfile.TarInfo(entry)
                info.size = len(content)
                t.addfile(info, io.BytesIO(content))
    return make


def zip_of(entries):
    def make(buffer):
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for entry, content in entries:
                z.writestr(entry, content)
    return make


# The layouts of the book's archives (fra-eng.zip, VOC's tar), and one that tries to escape.
pairs = [("fra-eng/fra.txt", b"Go.\tVa !\n"), ("fra-eng/_about.txt", b"about\n")]
archive_seed("fra-eng.zip", zip_of(pairs))
archive_seed("voc.tar", tar_of([("VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt", b"2007_000032\n")], "w"))
archive_seed("pairs.tar.gz", tar_of(pairs, "w:gz"))
archive_seed("dotdot.tar", tar_of(pairs + [("fra-eng/../../evil.txt", b"escaped\n")], "w"))
