"""Write the small Fashion-MNIST subset shipped with the examples: the first 2,000 training and the
first 500 test images (and their labels) of the original IDX files, in the same IDX format, gzipped.

    python3 make-subset.py /usr/share/datasets/fashion-mnist   # Debian's dataset-fashion-mnist
"""
import gzip
import struct
import sys

src = sys.argv[1]
for prefix, count in (("train", 2000), ("t10k", 500)):
    for kind, magic in (("images-idx3-ubyte", 0x803), ("labels-idx1-ubyte", 0x801)):
        with gzip.open(f"{src}/{prefix}-{kind}.gz", "rb") as f:
            data = f.read()
        (m,) = struct.unpack(">I", data[:4])
        assert m == magic, (prefix, kind, hex(m))
        dims = list(struct.unpack(f">{m & 0xFF}I", data[4 : 4 + 4 * (m & 0xFF)]))
        per = 1
        for d in dims[1:]:
            per *= d
        header = 4 + 4 * len(dims)
        dims[0] = count
        body = data[header : header + count * per]
        out = struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + body
        # mtime=0: the same bytes on every run.
        with gzip.GzipFile(f"{prefix}-{kind}.gz", "wb", compresslevel=9, mtime=0) as g:
            g.write(out)
