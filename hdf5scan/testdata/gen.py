"""Generator for the hdf5scan heap and B-tree fixtures; run through gen.sh.

Fixtures:
  dense.nc      ncgen -k nc4: 41 variables in the root group (dense links,
                root indirect heap block), a variable with 14 attributes
                (dense attributes) one of which holds 20000 ints (a huge heap
                object), NC_STRING attributes (global heap).
  links600.h5   h5py libver v108: 600 hard links (v2 B-tree of depth 1).
  links_big.h5.gz  h5py libver v108: 1200 links with 500-character names;
                the heap outgrows the direct rows of the root indirect block
                (child indirect blocks) and the name index has depth 2.

heaps.json records, for each dense group or attribute set, the fractal heap
and v2 B-tree addresses found by h5debug in the object header, and the names
h5py lists; for each global heap collection (found by its GCOL signature),
the objects h5debug dumps.
"""
import gzip
import hashlib
import json
import os
import re
import subprocess

import h5py
import numpy as np

HUGE_FIRST, HUGE_STEP, HUGE_COUNT = -7, 3, 20000


def write_cdl():
    lines = ["netcdf dense {", "dimensions:", "  x = 3 ;", "variables:"]
    lines += ["  int var%02d(x) ;" % i for i in range(40)]
    lines.append("  int big(x) ;")
    lines += ["    big:att%02d = %d ;" % (i, i) for i in range(10)]
    lines.append('    string big:labels = "alpha", "beta", "gamma" ;')
    vals = ", ".join(str(HUGE_FIRST + HUGE_STEP * i) for i in range(HUGE_COUNT))
    lines.append("    big:huge = %s ;" % vals)
    lines.append('  string :title = "global string attribute" ;')
    lines.append('  string :names = "one", "two", "three", "" ;')
    lines.append("}")
    with open("dense.cdl", "w") as f:
        f.write("\n".join(lines) + "\n")
    subprocess.run(["ncgen", "-k", "nc4", "-o", "dense.nc", "dense.cdl"], check=True)
    os.remove("dense.cdl")


def write_links(name, n, fmt):
    with h5py.File(name, "w", libver=("v108", "v108")) as f:
        d = f.create_dataset("data", data=np.arange(4, dtype="i4"), track_times=False)
        for i in range(n):
            f[fmt % i] = d


def h5debug(path, addr):
    return subprocess.run(["h5debug", path, str(addr)], check=True,
                          capture_output=True, text=True).stdout


def field(text, label):
    m = re.search(re.escape(label) + r":\s+(\d+)", text)
    if not m:
        raise SystemExit("h5debug output lacks %r" % label)
    return int(m.group(1))


def btree_max_nrec(path, addr):
    """Records per node at each depth, as libhdf5 computes them."""
    out = h5debug(path, addr)
    return [int(n) for n in re.findall(r"Depth \d+:\s+\((\d+)/", out)]


def dense_links(path, group):
    with h5py.File(path, "r") as f:
        g = f[group]
        addr = h5py.h5o.get_info(g.id).addr
        names = sorted(g.keys())
    out = h5debug(path, addr)
    rec = {"file": path, "kind": "links", "object": group,
           "heap": field(out, "'Dense' link storage fractal heap address"),
           "name_index": field(out, "'Dense' link storage name index v2 B-tree address"),
           "names": names}
    rec["name_index_max_nrec"] = btree_max_nrec(path, rec["name_index"])
    m = re.search(r"'Dense' link storage creation order index v2 B-tree address:\s+(\d+)", out)
    if m and int(m.group(1)) != 2**64 - 1:
        rec["order_index"] = int(m.group(1))
    return rec


def dense_attributes(path, obj):
    with h5py.File(path, "r") as f:
        o = f[obj]
        addr = h5py.h5o.get_info(o.id).addr
        names = sorted(o.attrs.keys())
    out = h5debug(path, addr)
    rec = {"file": path, "kind": "attributes", "object": obj,
           "heap": field(out, "'Dense' attribute storage fractal heap address"),
           "name_index": field(out, "'Dense' attribute storage name index v2 B-tree address"),
           "names": names}
    rec["name_index_max_nrec"] = btree_max_nrec(path, rec["name_index"])
    m = re.search(r"'Dense' attribute storage creation order index v2 B-tree address:\s+(\d+)", out)
    if m and int(m.group(1)) != 2**64 - 1:
        rec["order_index"] = int(m.group(1))
    return rec


def global_heaps(path):
    data = open(path, "rb").read()
    colls = []
    for m in re.finditer(b"GCOL\x01", data):
        out = h5debug(path, m.start())
        objs = []
        for om in re.finditer(r"Object (\d+)\n(.*?)(?=\nObject \d+\n|\Z)", out, re.S):
            # Dump lines: "NNNN: " then 16 hex slots (49 columns), then ASCII.
            body = re.findall(r"^\s+\d{4}: (.{1,49})", om.group(2), re.M)
            hexdata = "".join("".join(re.findall(r"[0-9a-f]{2}", b)) for b in body)
            size = int(re.search(r"Size of object body: (\d+)", om.group(2)).group(1))
            assert len(hexdata) == 2 * size, (path, om.group(1), hexdata, size)
            objs.append({"index": int(om.group(1)), "hex": hexdata})
        colls.append({"file": path, "addr": m.start(), "objects": objs})
    return colls


def main():
    write_cdl()
    write_links("links600.h5", 600, "link%03d")
    write_links("links_big.h5", 1200, "%04d_" + "abcdefghij" * 49)
    heaps = [
        dense_links("dense.nc", "/"),
        dense_attributes("dense.nc", "/big"),
        dense_links("links600.h5", "/"),
        dense_links("links_big.h5", "/"),
    ]
    heaps[1]["huge"] = {"name": "huge", "first": HUGE_FIRST, "step": HUGE_STEP, "count": HUGE_COUNT}
    with open("links_big.h5", "rb") as src, gzip.GzipFile("links_big.h5.gz", "wb", mtime=0) as dst:
        dst.write(src.read())
    os.remove("links_big.h5")
    for h in heaps:
        if h["file"] == "links_big.h5":
            # 600 KB of names: record their digest instead.
            h["file"] = "links_big.h5.gz"
            joined = "\n".join(h.pop("names")).encode()
            h["names_sha256"] = hashlib.sha256(joined).hexdigest()
    doc = {"heaps": heaps, "global_heaps": global_heaps("dense.nc")}
    with open("heaps.json", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
