package ai.lmi.server.engine;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.generation.TopLogprob;
import ai.lmi.server.metrics.ServerMetrics;
import ai.lmi.server.model.InFlightRequests;
import ai.lmi.server.scheduler.TokenEvent;
import ai.lmi.server.tokenizer.Tokenizer;
import ai.lmi.server.worker.PromptLogprobs;
import ai.lmi.server.worker.StepOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntUnaryOperator;

/**
 * Turns what a step produced into what clients see, as vLLM v1's output processor does: the worker's logprob
 * arrays into per-token candidates, tokens into text (stop strings held back and matched), latency metrics, and
 * each request's sink. It owns the accepted requests the engine thread follows; only that thread calls it.
 */
final class OutputProcessor {
    private final Tokenizer tokenizer;
    private final ServerMetrics metrics;
    private final InFlightRequests accepted;
    private final Map<Long, ActiveGeneration> active = new HashMap<>();

    OutputProcessor(Tokenizer tokenizer, ServerMetrics metrics, InFlightRequests accepted) {
        this.tokenizer = tokenizer;
        this.metrics = metrics;
        this.accepted = accepted;
    }

    void add(long requestId, ActiveGeneration generation) {
        active.put(requestId, generation);
    }

    /** The request's state while it has not ended, else null. */
    ActiveGeneration get(long requestId) {
        return active.get(requestId);
    }

    /** Whether a request not ended yet runs with adapter {@code adapterId}. */
    boolean usesAdapter(int adapterId) {
        for (ActiveGeneration generation : active.values()) {
            if (generation.request.adapterId() == adapterId) {
                return true;
            }
        }
        return false;
    }

    /** Forgets a request that its client cancelled: nothing more is sent to it. */
    void cancel(long requestId) {
        if (active.remove(requestId) != null) {
            accepted.done();
        }
    }

    /** Ends a request with an error, if it has not ended. */
    void fail(long requestId, String message) {
        ActiveGeneration generation = active.remove(requestId);
        if (generation != null) {
            accepted.done();
            generation.sink.onError(message);
        }
    }

    /** Ends every request not ended yet with an error. */
    void failAll(String message) {
        Collection<ActiveGeneration> all = List.copyOf(active.values());
        active.clear();
        for (ActiveGeneration generation : all) {
            accepted.done();
            generation.sink.onError(message);
        }
    }

    /**
     * The tokens each sequence of {@code output} gained, in row order, by request id, as the scheduler takes them:
     * a speculating sequence has several consecutive rows.
     */
    static Map<Long, int[]> sampledTokens(StepOutput output) {
        Map<Long, int[]> sampled = new HashMap<>();
        int row = 0;
        while (row < output.size()) {
            long seqId = output.seqIds()[row];
            int end = row + 1;
            while (end < output.size() && output.seqIds()[end] == seqId) {
                end++;
            }
            sampled.put(seqId, Arrays.copyOfRange(output.tokenIds(), row, end));
            row = end;
        }
        return sampled;
    }

    /**
     * Hands a step's prompt logprobs and tokens to their requests.
     *
     * @param events the scheduler's account of the step's tokens, finishes included
     * @return the requests a stop sequence in their text ended: the scheduler has yet to finish them
     */
    List<Long> process(StepOutput output, List<TokenEvent> events) {
        for (PromptLogprobs prompt : output.promptLogprobs()) {
            ActiveGeneration generation = active.get(prompt.seqId());
            if (generation != null) {
                generation.addPromptLogprobs(prompt.startPos(), prompt.logprobs(), promptTops(prompt));
            }
        }
        // A sequence's rows are consecutive and its events come in their order: each event takes the next row.
        Map<Long, Integer> nextRows = new HashMap<>();
        for (int row = output.size() - 1; row >= 0; row--) {
            nextRows.put(output.seqIds()[row], row);
        }
        List<Long> stoppedByText = new ArrayList<>();
        long now = System.nanoTime();
        for (TokenEvent event : events) {
            ActiveGeneration generation = active.get(event.requestId());
            if (generation == null) {
                continue;
            }
            int row = nextRows.merge(event.requestId(), 1, Integer::sum) - 1;
            if (generation.isFirstToken()) {
                metrics.observeTimeToFirstToken(generation.sinceLastToken(now));
            } else {
                metrics.observeTimePerOutputToken(generation.sinceLastToken(now));
            }
            FinishReason ending = event.finishReason();
            FinishReason finish = generation.accept(event.tokenId(), output.logprobs()[row], tops(output, row), ending);
            if (finish != null) {
                if (ending == null) {
                    stoppedByText.add(event.requestId());
                }
                active.remove(event.requestId());
                accepted.done();
            }
        }
        return stoppedByText;
    }

    private List<TopLogprob> tops(StepOutput output, int row) {
        return candidates(output.topN(), rank -> output.topId(row, rank), rank -> output.topLogprob(row, rank));
    }

    private List<List<TopLogprob>> promptTops(PromptLogprobs prompt) {
        List<List<TopLogprob>> result = new ArrayList<>();
        for (int row = 0; row < prompt.count(); row++) {
            int position = row;
            result.add(candidates(prompt.topN(), rank -> prompt.topId(position, rank),
                    rank -> prompt.topLogprob(position, rank)));
        }
        return result;
    }

    /** The best candidates of one position, best first; the worker pads short rows with id -1. */
    private List<TopLogprob> candidates(int topN, IntUnaryOperator idAt, IntToDoubleFunction logprobAt) {
        List<TopLogprob> top = new ArrayList<>(topN);
        for (int rank = 0; rank < topN; rank++) {
            int id = idAt.applyAsInt(rank);
            if (id >= 0) {
                top.add(new TopLogprob(id, tokenizer.tokenText(id), (float) logprobAt.applyAsDouble(rank)));
            }
        }
        return top;
    }
}
