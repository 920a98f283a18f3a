"""Results kept between dev builds: one pickle in CACHE_PATH per use, valid in one context.

Not a plugin: a helper for the plugins (and the content linter) that keep each file's
results from one build to the next, so a rebuild redoes only the work for what changed.

    kept = KeptResults(Path(settings["CACHE_PATH"]) / "name.pickle", context)
    result = kept.get(key, stamp)        # None: not kept, or kept for another stamp
    kept.put(key, stamp, result)         # what this build used (kept ones too)
    kept.save()                          # only this build's entries; skipped if unchanged

`context` is a digest of everything the results depend on besides each file (code,
settings): a change drops them all. A missing or unreadable file is an empty cache, and
saving writes a new file and renames it into place, so a build stopped halfway never
leaves half a pickle.
"""

import os
import pickle
from pathlib import Path


class KeptResults:
    def __init__(self, path, context):
        self.path, self.context = Path(path), context
        self.old = self._load()
        self.new = {}

    def _load(self):
        try:
            with self.path.open("rb") as file:
                saved = pickle.load(file)
            if saved["context"] == self.context and isinstance(saved["results"], dict):
                return saved["results"]
        except Exception:  # noqa: BLE001 - an unreadable cache is no cache
            pass
        return {}

    def get(self, key, stamp=None):
        """The result kept for `key` when it was kept with this `stamp`, else None."""
        hit = self.old.get(key)
        return hit[1] if hit is not None and hit[0] == stamp else None

    def put(self, key, stamp, result):
        self.new[key] = (stamp, result)

    def save(self):
        if self.new == self.old:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".tmp")
        with partial.open("wb") as file:
            pickle.dump(
                {"context": self.context, "results": self.new}, file, pickle.HIGHEST_PROTOCOL
            )
        os.replace(partial, self.path)
