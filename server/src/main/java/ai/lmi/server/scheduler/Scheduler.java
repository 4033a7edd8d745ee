package ai.lmi.server.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the batch of every step, vLLM-v1 style: no prefill or decode phases, each request's computed tokens
 * chase its token count, and each step spends a token budget over running requests first, then waiting ones in
 * FIFO order. A prompt longer than what is left of the budget is prefilled in chunks over several steps.
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
    /// in admission order: the last one is the first to be preempted
    private final List<Request> running = new ArrayList<>();
    /// requests the worker knew that finished or were preempted since the last plan
    private final List<Long> forget = new ArrayList<>();
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
        live.put(request.id(), request);
        waiting.addLast(request);
    }

    /** Cancels a request (its client went away); its blocks are free at once. False if it was not live. */
    public boolean abort(long requestId) {
        return finish(requestId, FinishReason.ABORT);
    }

    /**
     * Ends a request for a reason found outside the scheduler (a stop sequence matched in the text, an error):
     * frees its blocks at once and tells the worker to forget it with the next plan. False if it was not live.
     */
    public boolean finish(long requestId, FinishReason reason) {
        Request request = live.remove(requestId);
        if (request == null) {
            return false;
        }
        if (request.status() == RequestStatus.RUNNING) {
            running.remove(request);
            kvCache.free(request);
            forget.add(requestId);
        } else {
            waiting.remove(request);
        }
        request.finish(reason);
        return true;
    }

    /** Plans the next step. Running requests that cannot get blocks preempt the newest ones. */
    public StepPlan schedule() {
        int budget = config.maxNumBatchedTokens();
        List<ScheduledSequence> batch = new ArrayList<>();
        long preemptionsBefore = preemptions;
        // Only the last running request can be mid-prompt (a partial chunk ends admission), so every request
        // ahead of it decodes one token: decodes never wait behind a long prompt.
        for (int i = 0; i < running.size() && budget > 0; i++) {
            Request request = running.get(i);
            int numNewTokens = Math.min(request.numTokens() - request.numComputedTokens(), budget);
            if (!allocateOrPreempt(request, numNewTokens)) {
                break;
            }
            batch.add(scheduled(request, numNewTokens, null));
            budget -= numNewTokens;
        }
        // Blocks were short this step: admitting anyone now would only preempt them again.
        if (preemptions == preemptionsBefore) {
            admitWaiting(budget, batch);
        }
        long[] forgetIds = forget.stream().mapToLong(Long::longValue).toArray();
        forget.clear();
        return new StepPlan(++lastStepId, batch, forgetIds);
    }

    /**
     * Applies a step's result: advances each scheduled request's computed tokens, appends the sampled tokens,
     * and finishes the requests that hit a stop condition. Requests finished while the step ran are skipped.
     *
     * @param sampledTokens the token sampled for each request of {@code plan} that sampled, by request id
     * @return one event per token appended, in batch order
     */
    public List<TokenEvent> update(StepPlan plan, Map<Long, Integer> sampledTokens) {
        List<TokenEvent> events = new ArrayList<>();
        for (ScheduledSequence sequence : plan.sequences()) {
            Request request = live.get(sequence.requestId());
            if (request == null || request.status() != RequestStatus.RUNNING) {
                continue;
            }
            request.setNumComputedTokens(sequence.startPosition() + sequence.tokenIds().length);
            kvCache.cacheComputedBlocks(request);
            if (!sequence.sample()) {
                continue;
            }
            Integer token = sampledTokens.get(request.id());
            if (token == null) {
                throw new IllegalArgumentException("step " + plan.stepId() + " has no token for request "
                        + request.id());
            }
            request.appendOutputToken(token);
            FinishReason reason = stopReason(request, token);
            if (reason != null) {
                finish(request.id(), reason);
            }
            events.add(new TokenEvent(request.id(), token, reason));
        }
        return events;
    }

    /** Whether any request is waiting or running, or the worker still has something to forget. */
    public boolean hasWork() {
        return !live.isEmpty() || !forget.isEmpty();
    }

    public SchedulerStats stats() {
        return new SchedulerStats(running.size(), waiting.size(), preemptions, kvCache.prefixHitTokens(),
                kvCache.usedBlocks(), kvCache.totalBlocks());
    }

    /** Allocates for {@code request}, preempting from the tail until it fits; false if it preempted itself. */
    private boolean allocateOrPreempt(Request request, int numNewTokens) {
        while (kvCache.allocateSlots(request, numNewTokens).isEmpty()) {
            Request victim = running.remove(running.size() - 1);
            preempt(victim);
            if (victim == request) {
                return false;
            }
        }
        return true;
    }

    private void preempt(Request victim) {
        kvCache.free(victim);
        victim.preempt();
        waiting.addFirst(victim);
        forget.add(victim.id());
        preemptions++;
    }

    private void admitWaiting(int budget, List<ScheduledSequence> batch) {
        while (budget > 0 && running.size() < config.maxNumSeqs() && !waiting.isEmpty()) {
            Request request = waiting.peekFirst();
            CachedPrefix prefix = kvCache.findCachedPrefix(request);
            int numNewTokens = Math.min(request.numTokens() - prefix.numTokens(), budget);
            if (kvCache.allocateSlots(request, numNewTokens, prefix).isEmpty()) {
                return;
            }
            waiting.pollFirst();
            request.startRunning(prefix.numTokens());
            running.add(request);
            NewSequence first = new NewSequence(request.promptLength(), request.params().sampling(),
                    request.tokenIds(0, prefix.numTokens()));
            batch.add(scheduled(request, numNewTokens, first));
            budget -= numNewTokens;
        }
    }

    private ScheduledSequence scheduled(Request request, int numNewTokens, NewSequence newSequence) {
        int start = request.numComputedTokens();
        int end = start + numNewTokens;
        return new ScheduledSequence(request.id(), request.tokenIds(start, end), start,
                kvCache.blockTable(request.id()), end == request.numTokens(), newSequence);
    }

    /** The stop condition {@code token} meets, or null. Stop sequences on text are the caller's to find. */
    private FinishReason stopReason(Request request, int token) {
        RequestParams params = request.params();
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
