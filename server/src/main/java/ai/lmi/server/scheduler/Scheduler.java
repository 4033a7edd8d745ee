package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides the batch of every step, vLLM-v1 style: no prefill or decode phases, each request's computed tokens
 * chase its token count, and each step spends a token budget over running requests first, then waiting ones in
 * FIFO order. A prompt longer than what is left of the budget is prefilled in chunks over several steps; with
 * chunked prefill off it waits, and the requests behind it too, for a step with room for all of it.
 *
 * <p>Static batching, a benchmark baseline, is a {@link BatchingPolicy} of its own ({@link StaticBatching}): it
 * admits only when nothing runs and keeps finished rows as padding until its batch ends.
 *
 * <p>With speculation on ({@code speculativeLength} > 0), a decoding request may also get a lookahead: KV slots
 * for draft tokens the worker proposes and verifies in the same step, so that it gains up to lookahead + 1
 * tokens. Lookahead takes only blocks that are free and never crosses max_tokens or max_model_len; a request
 * with structured output never speculates.
 *
 * <p>When KV blocks run out, the most recently admitted running request is preempted: its blocks are freed and
 * it goes back to the front of the queue, to be recomputed (prompt and output so far) when blocks free up.
 *
 * <p>Not thread-safe by design: one thread owns it and calls {@link #schedule()}, then {@link #update} with that
 * step's result, in turn; {@link #add}, {@link #abort} and {@link #finish} in between.
 */
public final class Scheduler {
    private final SchedulerConfig config;
    private final KvCacheManager kvCache;
    /// every request not finished yet, by id
    private final Map<Long, Request> live = new HashMap<>();
    /// FIFO of new requests; preempted ones re-enter at the front
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    /// in admission order: the last one is the first to be preempted; padding rows included
    private final List<Request> running = new ArrayList<>();
    private final BatchingPolicy batching;
    /// requests the worker knew that finished or were preempted since the last plan
    private final List<Long> forget = new ArrayList<>();
    /// the adapter of every sequence the worker holds with one, by request id, until a plan has it forgotten
    private final Map<Long, Integer> workerAdapters = new HashMap<>();
    private long preemptions;
    private long lastStepId;

    public Scheduler(SchedulerConfig config, KvCacheManager kvCache) {
        // A request alone must always fit, or preempting everything else would not save it.
        if ((long) kvCache.totalBlocks() * kvCache.blockSize() < config.maxModelLen()) {
            throw new IllegalArgumentException("the KV cache holds " + kvCache.totalBlocks() + " blocks of "
                    + kvCache.blockSize() + " tokens, fewer than maxModelLen " + config.maxModelLen());
        }
        this.config = config;
        this.kvCache = kvCache;
        this.batching = BatchingPolicy.of(config.batching());
    }

    /** Queues a new request behind the waiting ones. */
    public void add(Request request) {
        if (request.status() != RequestStatus.WAITING || live.containsKey(request.id())) {
            throw new IllegalArgumentException("request " + request.id() + " was added before");
        }
        if (request.promptLength() > config.maxModelLen()) {
            throw new IllegalArgumentException("request " + request.id() + ": prompt of " + request.promptLength()
                    + " tokens exceeds maxModelLen " + config.maxModelLen());
        }
        if (request.adapterId() != NewSequence.NO_ADAPTER && config.maxLoras() == 0) {
            throw new IllegalArgumentException("request " + request.id() + " names LoRA adapter "
                    + request.adapterId() + ", but this model serves none");
        }
        live.put(request.id(), request);
        waiting.addLast(request);
    }

    /**
     * Queues a request that another scheduler ran, whose worker died: like a preempted one it is computed again,
     * prompt and output so far, and then goes on from where it stopped. Requests resumed in turn keep their order.
     */
    public void resume(Request request) {
        if (request.status() != RequestStatus.PREEMPTED || live.containsKey(request.id())) {
            throw new IllegalArgumentException("request " + request.id() + " is " + request.status()
                    + (live.containsKey(request.id()) ? " and live here" : "") + ": only an evicted one resumes");
        }
        if (request.numTokens() > config.maxModelLen()) {
            throw new IllegalArgumentException("request " + request.id() + ": " + request.numTokens()
                    + " tokens so far exceed maxModelLen " + config.maxModelLen());
        }
        live.put(request.id(), request);
        waiting.addLast(request);
    }

    /**
     * Evicts every live request, for a new worker to recompute them all: the worker that held their KV is gone.
     * Running ones come first, in admission order, then the waiting ones in queue order. Static batching's
     * padding rows are dropped. The scheduler is empty afterwards and is not to be used again.
     */
    public List<Request> evictAll() {
        List<Request> evicted = new ArrayList<>();
        for (Request request : running) {
            if (batching.paddingRow(request.id()) == null) {
                evicted.add(request);
            }
        }
        evicted.addAll(waiting);
        evicted.forEach(Request::preempt);
        live.clear();
        waiting.clear();
        running.clear();
        forget.clear();
        workerAdapters.clear();
        return evicted;
    }

    /** Cancels a request (its client went away); its blocks are free at once. False if it was not live. */
    public boolean abort(long requestId) {
        return finish(requestId, FinishReason.ABORT);
    }

    /**
     * Ends a request for a reason found outside the scheduler (a stop sequence matched in the text, an error):
     * frees its blocks at once and tells the worker to forget it with the next plan, unless static batching keeps
     * its row as padding. False if it was not live; a padding row finished again (an error, a late abort) is
     * dropped at once.
     */
    public boolean finish(long requestId, FinishReason reason) {
        Request request = live.remove(requestId);
        if (request == null) {
            Request row = batching.paddingRow(requestId);
            if (row != null) {
                drop(row);
            }
            return false;
        }
        if (request.status() != RequestStatus.RUNNING) {
            waiting.remove(request);
        } else if (!batching.keepsRow(request, reason, running)) {
            running.remove(request);
            release(request);
        }
        request.finish(reason);
        endBatchIfDone();
        return true;
    }

    /** Plans the next step. Running requests that cannot get blocks preempt the newest ones. */
    public StepPlan schedule() {
        endBatchIfDone();
        int budget = config.maxNumBatchedTokens();
        List<ScheduledSequence> batch = new ArrayList<>();
        long preemptionsBefore = preemptions;
        boolean admitting = batching.admits(running);
        // Only the last running request can be mid-prompt (a partial chunk ends admission), so every request
        // ahead of it decodes one token: decodes never wait behind a long prompt.
        int i = 0;
        while (i < running.size() && budget > 0) {
            Request request = running.get(i);
            int numNewTokens = tokensThisStep(request.numTokens() - request.numComputedTokens(), budget);
            if (numNewTokens == 0) {
                break;
            }
            int lookahead = 0;
            if (batching.paddingRow(request.id()) != null) {
                // Padding never preempts a live request: without a block it leaves the batch early.
                if (kvCache.allocateSlots(request, numNewTokens).isEmpty()) {
                    drop(request);
                    continue;
                }
                batching.countPaddingTokens(numNewTokens);
            } else if (!allocateOrPreempt(request, numNewTokens)) {
                break;
            } else {
                // Drafts spend budget too, but never the decode token of a request behind this one.
                int spareBudget = budget - numNewTokens - (running.size() - 1 - i);
                lookahead = reserveLookahead(request, numNewTokens, spareBudget);
            }
            batch.add(scheduled(request, numNewTokens, null, lookahead));
            budget -= numNewTokens + lookahead;
            i++;
        }
        // Blocks were short this step: admitting anyone now would only preempt them again.
        if (admitting && preemptions == preemptionsBefore) {
            admitWaiting(budget, batch);
        }
        long[] forgetIds = forget.stream().mapToLong(Long::longValue).toArray();
        forget.clear();
        if (config.maxLoras() > 0) {
            trackAdapters(forgetIds, batch);
        }
        return new StepPlan(++lastStepId, batch, forgetIds);
    }

    /**
     * Applies a step's result: appends the tokens each scheduled request gained, in order, until one meets a stop
     * condition (the rest are discarded and the request finishes), and advances its computed tokens. A speculating
     * request's kept drafts were computed in the step, so its computed tokens advance by all it gained but the
     * last; the blocks reserved for rejected drafts go back to the pool. Requests finished while the step ran are
     * skipped; padding rows advance too, their tokens unchecked and unreported.
     *
     * @param sampledTokens the tokens each request of {@code plan} that sampled gained, in order, by request id:
     *                      one, or 1 to lookahead + 1 for a speculating one
     * @return one event per token appended, in batch order
     */
    public List<TokenEvent> update(StepPlan plan, Map<Long, int[]> sampledTokens) {
        List<TokenEvent> events = new ArrayList<>();
        for (ScheduledSequence sequence : plan.sequences()) {
            Request row = batching.paddingRow(sequence.requestId());
            if (row != null) {
                advancePadding(row, sequence, plan, sampledTokens);
                continue;
            }
            Request request = live.get(sequence.requestId());
            if (request == null || request.status() != RequestStatus.RUNNING) {
                continue;
            }
            int computed = sequence.startPosition() + sequence.tokenIds().length;
            if (!sequence.sample()) {
                request.setNumComputedTokens(computed);
                kvCache.cacheComputedBlocks(request);
                continue;
            }
            int[] gained = sampledTokens(plan, sampledTokens, sequence);
            int kept = 0;
            FinishReason reason = null;
            while (reason == null && kept < gained.length) {
                int token = gained[kept++];
                request.appendOutputToken(token);
                reason = stopReason(request, token);
                events.add(new TokenEvent(request.id(), token, reason));
            }
            // Only the KV of kept tokens counts: full blocks are registered from these positions alone.
            request.setNumComputedTokens(computed + kept - 1);
            if (sequence.lookahead() > 0) {
                kvCache.freeBlocksPastTokens(request);
            }
            kvCache.cacheComputedBlocks(request);
            if (reason != null) {
                finish(request.id(), reason);
            }
        }
        endBatchIfDone();
        return events;
    }

    /** Whether any request is waiting or running (padding rows included), or the worker has something to forget. */
    public boolean hasWork() {
        return !live.isEmpty() || !running.isEmpty() || !forget.isEmpty();
    }

    /**
     * Whether a sequence the worker holds, or will once the last plan ran, uses adapter {@code adapterId}: a
     * finished request's sequence holds its adapter until the plan that has the worker forget it.
     */
    public boolean workerHoldsAdapter(int adapterId) {
        return workerAdapters.containsValue(adapterId);
    }

    /** Sequences a plan has forgotten no longer hold their adapter; those it sends new do. */
    private void trackAdapters(long[] forgetIds, List<ScheduledSequence> batch) {
        for (long id : forgetIds) {
            workerAdapters.remove(id);
        }
        for (ScheduledSequence sequence : batch) {
            if (sequence.isNew() && sequence.newSequence().adapterId() != NewSequence.NO_ADAPTER) {
                workerAdapters.put(sequence.requestId(), sequence.newSequence().adapterId());
            }
        }
    }

    public SchedulerStats stats() {
        return new SchedulerStats(running.size() - batching.paddingRows(), waiting.size(), preemptions,
                kvCache.prefixHitTokens(), kvCache.usedBlocks(), kvCache.totalBlocks(), batching.paddingTokens());
    }

    /** Allocates for {@code request}, preempting from the tail until it fits; false if it preempted itself. */
    private boolean allocateOrPreempt(Request request, int numNewTokens) {
        while (kvCache.allocateSlots(request, numNewTokens).isEmpty()) {
            Request victim = running.get(running.size() - 1);
            if (batching.paddingRow(victim.id()) != null) {
                drop(victim);
            } else {
                running.remove(running.size() - 1);
                preempt(victim);
            }
            if (victim == request) {
                return false;
            }
        }
        return true;
    }

    private void preempt(Request victim) {
        release(victim);
        victim.preempt();
        waiting.addFirst(victim);
        preemptions++;
    }

    /** Frees a sequence's blocks and has the worker forget it with the next plan. */
    private void release(Request request) {
        kvCache.free(request);
        forget.add(request.id());
    }

    private void advancePadding(Request row, ScheduledSequence sequence, StepPlan plan, Map<Long, int[]> sampled) {
        row.setNumComputedTokens(sequence.startPosition() + sequence.tokenIds().length);
        if (sequence.sample()) {
            row.appendOutputToken(sampledTokens(plan, sampled, sequence)[0]);
            // Its next token would have no position within the model's length.
            if (row.numTokens() >= config.maxModelLen()) {
                drop(row);
            }
        }
    }

    private void drop(Request row) {
        running.remove(row);
        batching.dropRow(row);
        release(row);
    }

    /** Static batching: once no live request runs, the batch is over and its padding rows leave together. */
    private void endBatchIfDone() {
        List<Request> ended = batching.endedBatch(running);
        if (!ended.isEmpty()) {
            ended.forEach(this::release);
            running.clear();
        }
    }

    /**
     * Admits waiting requests in FIFO order while budget, sequence slots and blocks last. A request whose adapter
     * would be one more than {@code max_loras} running at once is passed over, keeping its place, as vLLM does:
     * requests behind it with an adapter already running, or none, go ahead.
     */
    private void admitWaiting(int budget, List<ScheduledSequence> batch) {
        Set<Integer> adapters = config.maxLoras() > 0 ? runningAdapters() : Set.of();
        List<Request> passedOver = new ArrayList<>();
        while (budget > 0 && running.size() < config.maxNumSeqs() && !waiting.isEmpty()) {
            Request request = waiting.peekFirst();
            int adapter = request.adapterId();
            if (adapter != NewSequence.NO_ADAPTER && !adapters.contains(adapter)
                    && adapters.size() >= config.maxLoras()) {
                passedOver.add(waiting.pollFirst());
                continue;
            }
            CachedPrefix prefix = kvCache.findCachedPrefix(request);
            int numNewTokens = tokensThisStep(request.numTokens() - prefix.numTokens(), budget);
            if (numNewTokens == 0 || kvCache.allocateSlots(request, numNewTokens, prefix).isEmpty()) {
                break;
            }
            waiting.pollFirst();
            request.startRunning(prefix.numTokens());
            running.add(request);
            if (adapter != NewSequence.NO_ADAPTER) {
                adapters.add(adapter);
            }
            NewSequence first = new NewSequence(request.id(), request.promptLength(), request.params(),
                    request.tokenIds(0, prefix.numTokens()), adapter);
            batch.add(scheduled(request, numNewTokens, first, 0));
            budget -= numNewTokens;
        }
        for (int i = passedOver.size() - 1; i >= 0; i--) {
            waiting.addFirst(passedOver.get(i));
        }
    }

    /** The distinct adapters of the running rows (padding included: their sequences hold a worker slot too). */
    private Set<Integer> runningAdapters() {
        Set<Integer> adapters = new HashSet<>();
        for (Request request : running) {
            if (request.adapterId() != NewSequence.NO_ADAPTER) {
                adapters.add(request.adapterId());
            }
        }
        return adapters;
    }

    /** What a sequence with {@code remaining} tokens to compute gets of {@code budget}: 0 when it must wait. */
    private int tokensThisStep(int remaining, int budget) {
        if (config.enableChunkedPrefill()) {
            return Math.min(remaining, budget);
        }
        return remaining <= budget ? remaining : 0;
    }

    private static int[] sampledTokens(StepPlan plan, Map<Long, int[]> sampledTokens, ScheduledSequence sequence) {
        int[] tokens = sampledTokens.get(sequence.requestId());
        if (tokens == null || tokens.length == 0 || tokens.length > sequence.lookahead() + 1) {
            throw new IllegalArgumentException("step " + plan.stepId() + " gave request " + sequence.requestId()
                    + " " + (tokens == null ? 0 : tokens.length) + " tokens, not 1 to "
                    + (sequence.lookahead() + 1));
        }
        return tokens;
    }

    /**
     * The drafts a decoding request may gain this step, their KV slots allocated: as many as speculative_length,
     * its max_tokens, max_model_len and the step's spare budget allow, fewer when free blocks are short. Lookahead
     * never preempts anyone, and neither a prefill chunk nor a constrained request speculates.
     */
    private int reserveLookahead(Request request, int numNewTokens, int spareBudget) {
        boolean decodes = numNewTokens == 1 && request.numOutputTokens() > 0
                && request.numComputedTokens() + 1 == request.numTokens();
        // Each draft's mask would depend on the drafts before it, which only the worker knows.
        if (config.speculativeLength() == 0 || !decodes || request.params().constraint().isPresent()) {
            return 0;
        }
        // The step gains up to lookahead + 1 tokens; each of them must fit max_tokens and max_model_len.
        int lookahead = Math.min(Math.min(config.speculativeLength(), spareBudget),
                Math.min(request.params().maxNewTokens() - request.numOutputTokens(),
                        config.maxModelLen() - request.numTokens()) - 1);
        while (lookahead > 0 && kvCache.allocateSlots(request, numNewTokens + lookahead).isEmpty()) {
            lookahead--;
        }
        return Math.max(lookahead, 0);
    }

    private ScheduledSequence scheduled(Request request, int numNewTokens, NewSequence newSequence, int lookahead) {
        int start = request.numComputedTokens();
        int end = start + numNewTokens;
        return new ScheduledSequence(request.id(), request.tokenIds(start, end), start,
                kvCache.blockTable(request.id()), end == request.numTokens(), newSequence, lookahead);
    }

    /** The stop condition {@code token} meets, or null. Stop sequences on text are the caller's to find. */
    private FinishReason stopReason(Request request, int token) {
        SamplingParams params = request.params();
        if (!params.ignoreEos() && config.eosTokenIds().contains(token)) {
            return FinishReason.EOS_TOKEN;
        }
        if (params.stopTokenIds().contains(token)) {
            return FinishReason.STOP_SEQUENCE;
        }
        if (request.numOutputTokens() >= params.maxNewTokens() || request.numTokens() >= config.maxModelLen()) {
            return FinishReason.LENGTH;
        }
        return null;
    }
}
