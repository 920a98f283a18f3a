"""Read a Pagefind bundle from disk, for tests: which page holds which word.

Pagefind's files are gzip-compressed with a `pagefind_dcd` signature; fragments are
JSON, the metadata and word index are CBOR. This is the small part of CBOR Pagefind
uses (integers, strings, arrays, maps), enough to look a word up the way its search
does: a word stem's prefix, to page numbers, to the fragment with the page's URL.
"""

import gzip
import json
import sys
from pathlib import Path

SIGNATURE = b"pagefind_dcd"


def _load(path):
    data = gzip.decompress(Path(path).read_bytes())
    assert data.startswith(SIGNATURE), f"{path} is not a Pagefind file"
    return data[len(SIGNATURE) :]


def _cbor(data, offset=0):
    """(value, next offset) of the CBOR item at `offset`."""
    initial = data[offset]
    major, info = initial >> 5, initial & 0x1F
    offset += 1
    if info < 24:
        argument = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        argument = int.from_bytes(data[offset : offset + size], "big")
        offset += size
    else:
        raise ValueError(f"unsupported CBOR item {initial:#x} at {offset - 1}")
    if major == 0:
        return argument, offset
    if major == 1:
        return -1 - argument, offset
    if major in (2, 3):
        raw = data[offset : offset + argument]
        return (raw if major == 2 else raw.decode("utf-8")), offset + argument
    if major == 4:
        items = []
        for _ in range(argument):
            item, offset = _cbor(data, offset)
            items.append(item)
        return items, offset
    if major == 5:
        mapping = {}
        for _ in range(argument):
            key, offset = _cbor(data, offset)
            mapping[key], offset = _cbor(data, offset)
        return mapping, offset
    if major == 6:
        return _cbor(data, offset)
    raise ValueError(f"unsupported CBOR major type {major} at {offset - 1}")


def cbor(data):
    value, _end = _cbor(data)
    return value


class Bundle:
    """A Pagefind bundle directory (`<site>/pagefind/`) for one language."""

    def __init__(self, bundle_dir, language="en"):
        self.dir = Path(bundle_dir)
        self.entry = json.loads((self.dir / "pagefind-entry.json").read_text(encoding="utf-8"))
        meta_hash = self.entry["languages"][language]["hash"]
        meta = cbor(_load(self.dir / f"pagefind.{meta_hash}.pf_meta"))
        self.version, pages, self.chunks = meta[0], meta[1], meta[2]
        self.page_hashes = [page[0] for page in pages]

    def fragment(self, page_hash):
        return json.loads(_load(self.dir / "fragment" / f"{page_hash}.pf_fragment"))

    def fragments(self):
        return [self.fragment(page_hash) for page_hash in self.page_hashes]

    def words(self):
        """{word stem: set of page numbers} over every index chunk."""
        index = {}
        for _first, _last, chunk_hash in self.chunks:
            chunk = cbor(_load(self.dir / "index" / f"{chunk_hash}.pf_index"))
            for word, pages, *_rest in chunk[0]:
                # Page numbers are delta-encoded: each is the gap from the one before.
                number = 0
                for page in pages:
                    number += page[0]
                    index.setdefault(word, set()).add(number)
        return index

    def search(self, term):
        """URLs of the pages holding a word that starts with `term` (lower case)."""
        term = term.lower()
        numbers = set()
        for word, pages in self.words().items():
            if word.startswith(term):
                numbers |= pages
        return sorted(self.fragment(self.page_hashes[n])["url"] for n in numbers)


def cli_command(site_dir, subdir):
    """The Pagefind CLI indexing the written pages of `site_dir` into `site_dir/subdir`
    (what the build did before it fed Pagefind the articles: the tests compare both)."""
    site = ["--site", str(site_dir), "--output-subdir", subdir]
    return [sys.executable, "-m", "pagefind", *site, "--quiet"]
