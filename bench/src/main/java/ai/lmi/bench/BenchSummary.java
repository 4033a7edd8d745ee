package ai.lmi.bench;

import java.net.URI;
import java.util.List;

/**
 * Everything one invocation measured, in run order.
 *
 * @param label null without {@code --label}
 */
public record BenchSummary(String label, URI url, Api api, List<RunStats> runs) {}
