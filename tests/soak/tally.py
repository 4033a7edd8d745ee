"""Running counts of the soak's requests, in constant memory however long it runs."""

from collections import Counter

from exchange import ERROR

MAX_EXAMPLES = 20


class Tally:
    """Requests by outcome and by kind, output tokens, the slowest answer, and the first few failures verbatim."""

    def __init__(self):
        self.outcomes = Counter()
        self.kinds = Counter()
        self.tokens = 0
        self.slowest_s = 0.0
        self.slowest_kind = None
        self.examples = []

    def record(self, plan, outcome, seconds):
        self.outcomes[outcome.key] += 1
        self.kinds[plan.kind] += 1
        self.tokens += outcome.tokens or 0
        if seconds > self.slowest_s:
            self.slowest_s, self.slowest_kind = seconds, plan.kind
        if outcome.category == ERROR and len(self.examples) < MAX_EXAMPLES:
            self.examples.append("%s after %.1f s: %s | %s" % (outcome.key, seconds, outcome.detail, plan.describe()))

    @property
    def requests(self):
        return sum(self.outcomes.values())

    @property
    def errors(self):
        return {key: count for key, count in self.outcomes.items() if key.startswith(ERROR)}

    def count(self, key):
        return self.outcomes.get(key, 0)
