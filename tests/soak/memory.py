"""Resident memory of one process over the soak, and the rule that calls its growth a leak."""

import statistics

SECONDS_PER_10_MIN = 600.0


def slope_per_10_min(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per 10 minutes; 0 with fewer than two."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_mb = sum(mb for _, mb in samples) / len(samples)
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (mb - mean_mb) for t, mb in samples) / spread * SECONDS_PER_10_MIN


class RssSeries:
    """VmRSS samples of one process; the figures count only those after the warm-up."""

    def __init__(self, name, growth_limit_mb):
        self.name = name
        self.growth_limit_mb = growth_limit_mb
        self.samples = []
        self.pids = []

    def add(self, seconds, pid, mb):
        if pid not in self.pids:
            self.pids.append(pid)
        self.samples.append((seconds, mb))

    def figures(self, warmup_s):
        """start, end, max, slope and second-half growth after the warm-up, and whether the growth passes.

        The growth is the median of the second half of the post-warm-up window less the median of its first
        half: medians, because a garbage-collected heap swings between collections and the worker's peaks follow
        its largest batches, while a leak lifts every sample; halves, because the JIT, the heap sizing and the
        allocators settle early and a leak keeps growing to the end.
        """
        steady = [(t, mb) for t, mb in self.samples if t >= warmup_s]
        if len(steady) < 4:
            return None
        middle = (steady[0][0] + steady[-1][0]) / 2
        first = [mb for t, mb in steady if t < middle]
        second = [mb for t, mb in steady if t >= middle]
        growth = statistics.median(second) - statistics.median(first)
        return {
            "start": steady[0][1], "end": steady[-1][1], "max": max(mb for _, mb in steady),
            "slope": slope_per_10_min(steady), "growth": growth, "passed": growth <= self.growth_limit_mb,
        }


def write_csv(path, series_list):
    """Every sample of every series, one `seconds,process,MB` row each."""
    with open(path, "w", encoding="ascii") as out:
        out.write("seconds,process,MB\n")
        for series in series_list:
            for seconds, mb in series.samples:
                out.write("%.1f,%s,%.1f\n" % (seconds, series.name, mb))
