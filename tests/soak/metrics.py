"""The /metrics figures the soak reads (names from server/src/main/java/ai/lmi/server/metrics/ServerMetrics.java)."""

import re

RUNNING = "lmi_requests_running"
WAITING = "lmi_requests_waiting"
BLOCKS_USED = "lmi_kv_cache_blocks_used"
BLOCKS_TOTAL = "lmi_kv_cache_blocks_total"
REQUESTS_TOTAL = "lmi_requests_total"
STEP_TOKENS = "lmi_step_tokens_total"
PREEMPTIONS = "lmi_preemptions_total"
PREFIX_HIT_TOKENS = "lmi_prefix_cache_hit_tokens_total"

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
STATUS_LABEL = re.compile(r'status="(\d+)"')


def parse(text):
    """Prometheus text → {"name" or "name{labels}": value}."""
    values = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            try:
                values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
            except ValueError:
                continue
    return values


def requests_by_status(values):
    """lmi_requests_total by its status label: {status: count}."""
    counts = {}
    for key, value in values.items():
        if key.startswith(REQUESTS_TOTAL + "{"):
            status = STATUS_LABEL.search(key)
            if status:
                counts[int(status.group(1))] = value
    return counts


def status_delta(before, after):
    """Requests the server finished between two scrapes, by status, zeros left out."""
    statuses = sorted(set(before) | set(after))
    delta = {status: after.get(status, 0) - before.get(status, 0) for status in statuses}
    return {status: int(count) for status, count in delta.items() if count}
