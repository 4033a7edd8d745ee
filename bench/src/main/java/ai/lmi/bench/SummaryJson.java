package ai.lmi.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The machine-readable summary: one JSON object, the last line of stdout and the {@code --result-file}. An
 * embeddings run has no output tokens and no TTFT, TPOT or ITL; its {@code request_throughput} is sentences per
 * second.
 */
final class SummaryJson {

    private SummaryJson() {}

    static String line(BenchSummary summary) {
        return of(summary).toString();
    }

    static ObjectNode of(BenchSummary summary) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("label", summary.label());
        json.put("url", summary.url().toString());
        json.put("api", summary.api().flagValue());
        summary.runs().forEach(run -> run(json.withArray("runs").addObject(), summary.api(), run));
        return json;
    }

    private static void run(ObjectNode json, Api api, RunStats run) {
        if (run.load() instanceof LoadPattern.ClosedLoop closed) {
            json.put("concurrency", closed.concurrency());
            json.putNull("request_rate");
            json.putNull("max_concurrency");
        } else if (run.load() instanceof LoadPattern.OpenLoop open) {
            json.putNull("concurrency");
            json.put("request_rate", open.requestRate());
            if (open.maxConcurrency() > 0) {
                json.put("max_concurrency", open.maxConcurrency());
            } else {
                json.putNull("max_concurrency");
            }
        }
        json.put("num_requests", run.numRequests());
        json.put("completed", run.completed());
        json.put("failed", run.failed());
        ObjectNode errors = json.putObject("errors");
        for (Map.Entry<String, RunStats.ErrorCount> error : run.errors().entrySet()) {
            ObjectNode kind = errors.putObject(error.getKey());
            kind.put("count", error.getValue().count());
            kind.put("first_message", error.getValue().firstMessage());
        }
        json.put("duration_s", Numbers.round(run.durationS(), 4));
        json.put("request_throughput", Numbers.round(run.requestThroughput(), 4));
        if (api == Api.EMBEDDINGS) {
            json.put("input_throughput", Numbers.round(run.inputThroughput(), 3));
            json.put("total_input_tokens", run.totalInputTokens());
        } else {
            json.put("output_throughput", Numbers.round(run.outputThroughput(), 3));
            json.put("total_token_throughput", Numbers.round(run.totalTokenThroughput(), 3));
            json.put("total_input_tokens", run.totalInputTokens());
            json.put("total_output_tokens", run.totalOutputTokens());
            distribution(json, "ttft_ms", run.ttftMs());
            distribution(json, "tpot_ms", run.tpotMs());
            distribution(json, "itl_ms", run.itlMs());
        }
        distribution(json, "e2el_ms", run.e2elMs());
        if (run.goodput() != null) {
            goodput(json.putObject("goodput"), run.goodput());
        }
        if (run.stepSplit() != null) {
            stepSplit(json.putObject("step_split"), run.stepSplit());
        }
        if (run.embeddingBatches() != null) {
            embeddingBatches(json.putObject("embedding_batches"), run.embeddingBatches());
        }
    }

    private static void distribution(ObjectNode json, String name, Distribution distribution) {
        if (distribution == null) {
            json.putNull(name);
            return;
        }
        ObjectNode node = json.putObject(name);
        node.put("mean", Numbers.round(distribution.mean(), 3));
        node.put("p50", Numbers.round(distribution.p50(), 3));
        node.put("p90", Numbers.round(distribution.p90(), 3));
        node.put("p99", Numbers.round(distribution.p99(), 3));
    }

    private static void goodput(ObjectNode json, Goodput.Result goodput) {
        ObjectNode limits = json.putObject("limits_ms");
        Goodput spec = goodput.limits();
        if (spec.ttftMs() != null) {
            limits.put("ttft", spec.ttftMs());
        }
        if (spec.tpotMs() != null) {
            limits.put("tpot", spec.tpotMs());
        }
        if (spec.e2elMs() != null) {
            limits.put("e2el", spec.e2elMs());
        }
        json.put("good_requests", goodput.goodRequests());
        json.put("request_goodput", Numbers.round(goodput.requestsPerSecond(), 4));
        json.put("fraction", Numbers.round(goodput.fraction(), 4));
    }

    private static void stepSplit(ObjectNode json, StepSplit split) {
        ObjectNode phases = json.putObject("phases");
        for (StepSplit.Phase phase : split.phases()) {
            ObjectNode node = phases.putObject(phase.name());
            node.put("seconds", Numbers.round(phase.seconds(), 6));
            node.put("steps", phase.steps());
            number(node, "mean_ms", phase.meanMs(), 4);
            node.put("share", Numbers.round(phase.share(), 4));
        }
        if (split.prefixCacheHitTokens() != null) {
            json.put("prefix_cache_hit_tokens", split.prefixCacheHitTokens());
        }
        if (split.preemptions() != null) {
            json.put("preemptions", split.preemptions());
        }
    }

    private static void embeddingBatches(ObjectNode json, EmbeddingBatches batches) {
        json.put("batches", batches.batches());
        json.put("inputs", batches.inputs());
        number(json, "mean_batch_size", batches.meanBatchSize(), 3);
        number(json, "mean_batch_ms", batches.meanBatchMs(), 4);
        ObjectNode buckets = json.putObject("batch_size_buckets");
        batches.buckets().forEach(buckets::put);
    }

    /** A rounded number, or null for a missing (NaN) one. */
    private static void number(ObjectNode json, String name, double value, int decimals) {
        if (Double.isNaN(value)) {
            json.putNull(name);
        } else {
            json.put(name, Numbers.round(value, decimals));
        }
    }
}
