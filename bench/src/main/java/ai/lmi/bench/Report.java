package ai.lmi.bench;

import java.util.Locale;
import java.util.Map;

/**
 * The human-readable report of one run, for stderr. Embeddings generate no tokens: their report has sentences
 * (requests) and input tokens per second and the end-to-end latency, with the server's batch sizes.
 */
final class Report {

    private Report() {}

    static String of(Api api, RunStats run) {
        StringBuilder out = new StringBuilder();
        line(out, "==== %s: %d requests, %d completed, %d failed, %.2f s ====", run.load().name(),
                run.numRequests(), run.completed(), run.failed(), run.durationS());
        line(out, "%-10s %11s %11s %11s %11s", "metric", "mean", "p50", "p90", "p99");
        if (api == Api.EMBEDDINGS) {
            embeddings(out, run);
        } else {
            generation(out, run);
        }
        if (run.goodput() != null) {
            Goodput.Result goodput = run.goodput();
            line(out, "goodput: %d good requests (%.1f %% of all), %.3f req/s within %s", goodput.goodRequests(),
                    100 * goodput.fraction(), goodput.requestsPerSecond(), limits(goodput.limits()));
        }
        for (Map.Entry<String, RunStats.ErrorCount> error : run.errors().entrySet()) {
            line(out, "error %s x%d, first: %s", error.getKey(), error.getValue().count(),
                    error.getValue().firstMessage());
        }
        if (run.stepSplit() != null) {
            stepSplit(out, run.stepSplit());
        }
        if (run.embeddingBatches() != null) {
            embeddingBatches(out, run.embeddingBatches());
        }
        return out.toString();
    }

    private static void embeddings(StringBuilder out, RunStats run) {
        distribution(out, "e2el_ms", run.e2elMs());
        line(out, "sentence throughput     %10.3f sentences/s (one per request)", run.requestThroughput());
        line(out, "input token throughput  %10.1f tok/s", run.inputThroughput());
        line(out, "tokens: %d input", run.totalInputTokens());
    }

    private static void generation(StringBuilder out, RunStats run) {
        distribution(out, "ttft_ms", run.ttftMs());
        distribution(out, "tpot_ms", run.tpotMs());
        distribution(out, "itl_ms", run.itlMs());
        distribution(out, "e2el_ms", run.e2elMs());
        line(out, "request throughput      %10.3f req/s", run.requestThroughput());
        line(out, "output token throughput %10.1f tok/s", run.outputThroughput());
        line(out, "total token throughput  %10.1f tok/s", run.totalTokenThroughput());
        line(out, "tokens: %d input, %d output", run.totalInputTokens(), run.totalOutputTokens());
    }

    private static void distribution(StringBuilder out, String name, Distribution distribution) {
        if (distribution == null) {
            line(out, "%-10s %11s %11s %11s %11s", name, "-", "-", "-", "-");
        } else {
            line(out, "%-10s %11.2f %11.2f %11.2f %11.2f", name, distribution.mean(), distribution.p50(),
                    distribution.p90(), distribution.p99());
        }
    }

    private static String limits(Goodput limits) {
        StringBuilder text = new StringBuilder();
        if (limits.ttftMs() != null) {
            text.append("ttft <= ").append(Numbers.compact(limits.ttftMs())).append(" ms ");
        }
        if (limits.tpotMs() != null) {
            text.append("tpot <= ").append(Numbers.compact(limits.tpotMs())).append(" ms ");
        }
        if (limits.e2elMs() != null) {
            text.append("e2el <= ").append(Numbers.compact(limits.e2elMs())).append(" ms ");
        }
        return text.toString().strip();
    }

    private static void stepSplit(StringBuilder out, StepSplit split) {
        line(out, "server step split (from /metrics):");
        line(out, "  %-10s %9s %8s %12s %7s", "phase", "total s", "steps", "mean ms/step", "share");
        for (StepSplit.Phase phase : split.phases()) {
            line(out, "  %-10s %9.3f %8d %12s %6.1f%%", phase.name(), phase.seconds(), phase.steps(),
                    Numbers.fixed(phase.meanMs(), 3), 100 * phase.share());
        }
        if (split.prefixCacheHitTokens() != null) {
            line(out, "  prefix cache hit tokens: %d", split.prefixCacheHitTokens());
        }
        if (split.preemptions() != null) {
            line(out, "  preemptions: %d", split.preemptions());
        }
    }

    private static void embeddingBatches(StringBuilder out, EmbeddingBatches batches) {
        line(out, "server embedding batches (from /metrics): %d batches holding %d inputs, mean %s inputs/batch, "
                + "mean %s ms/batch", batches.batches(), batches.inputs(), Numbers.fixed(batches.meanBatchSize(), 2),
                Numbers.fixed(batches.meanBatchMs(), 3));
        if (!batches.sizeRanges().isEmpty()) {
            StringBuilder sizes = new StringBuilder("  batches by inputs per batch:");
            for (EmbeddingBatches.SizeRange range : batches.sizeRanges()) {
                sizes.append("  ").append(range.label()).append(": ").append(range.batches());
            }
            line(out, "%s", sizes);
        }
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
