"""Writes the archives of the extraction tests into OUT: good ones and ones that try to escape.

    /usr/bin/python3 tests/python/make_archives.py OUT
"""
import io
import os
import random
import sys
import tarfile
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
files = {"top/a.txt": b"alpha\n", "top/sub/b.txt": random.Random(0).randbytes(20000)}


def tar(name, entries, mode="w"):
    """entries: (name, bytes) for files, (name, ("symlink"|"hardlink", target)) for links."""
    with tarfile.open(os.path.join(out, name), mode) as t:
        for entry, content in entries:
            info = tarfile.TarInfo(entry)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = content[1]
                t.addfile(info)
            else:
                info.size = len(content)
                t.addfile(info, io.BytesIO(content))


def zip_(name, entries):
    with zipfile.ZipFile(os.path.join(out, name), "w", zipfile.ZIP_DEFLATED) as z:
        for entry, content in entries:
            if isinstance(content, tuple):  # a symbolic link: its mode in the external attributes
                info = zipfile.ZipInfo(entry)
                info.create_system = 3
                info.external_attr = 0o120777 << 16
                z.writestr(info, content[1])
            else:
                z.writestr(entry, content)


good = list(files.items())
zip_("good.zip", good)
tar("good.tar.gz", good, "w:gz")
tar("good.tar", good)
tar("dotdot.tar", good + [("top/../../evil.txt", b"escaped\n")])
zip_("dotdot.zip", good + [("../evil.txt", b"escaped\n")])
tar("absolute.tar", good + [("/tmp/d2l-test-evil.txt", b"escaped\n")])
tar("symlink.tar", good + [("top/link", ("symlink", "/etc"))])
zip_("symlink.zip", good + [("top/link", ("symlink", "/etc"))])
tar("hardlink.tar", good + [("top/hard", ("hardlink", "/etc/passwd"))])
with open(os.path.join(out, "good.tar.gz"), "rb") as f:
    data = f.read()
with open(os.path.join(out, "truncated.tar.gz"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "not-an-archive.zip"), "wb") as f:
    f.write(b"this is plain text, not a zip file\n" * 10)
