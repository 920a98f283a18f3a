"""When a build may fork: the rule the plugins that fork share.

Not a plugin. A fork copies the locks other threads hold at that moment; the child, which
has none of those threads, would wait for them forever. So the build forks only while
no other thread runs, except threads marked `fork_safe = True`: threads that never
touch what a child uses (search_index's only moves bytes between a queue and Pagefind's
pipes). Children end with os._exit.
"""

import threading


def fork_is_safe():
    """No thread but this one runs, except threads marked `fork_safe = True`."""
    current = threading.current_thread()
    return all(t is current or getattr(t, "fork_safe", False) for t in threading.enumerate())
