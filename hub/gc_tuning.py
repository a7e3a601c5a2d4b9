"""The garbage collector set for a long-running server (`hub serve`, and the benchmarks that
measure what it does).

By default CPython collects its youngest generation every 700 new container objects and,
every hundred of those, walks every object the process holds: the modules, SQLAlchemy's
metadata, the app. Under load that was about a tenth of the writer's time, and its longest
pauses: a batch of messages keeps thousands of new objects alive until its commit. Objects
alive once startup is done are moved out of the collector's sight (`gc.freeze`), and
collections come less often; reference counting still frees almost everything at once.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000  # new container objects between collections of the youngest generation
OLDER_THRESHOLDS = (20, 100)  # collections of one generation between those of the next


def tune_for_serving() -> None:
    """Call once the process has imported and built what it keeps for its whole life."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
