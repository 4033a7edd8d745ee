package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.core.NewSequence;
import ai.lmi.server.core.SamplingParams;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One generation: its prompt, sampling parameters, the tokens generated so far, and where it stands.
 *
 * <p>Owned by the scheduler's thread: only the scheduler changes it. There are no prefill or decode phases:
 * {@link #numComputedTokens()} (tokens whose KV the worker holds) chases {@link #numTokens()} (prompt plus
 * output), and every step computes some of the difference.
 */
public final class Request {
    private final long id;
    private final int promptLength;
    private final SamplingParams params;
    private final int adapterId;
    /// the prompt, then the output tokens; grows as tokens are sampled
    private int[] tokens;
    private int numTokens;
    /// tokens at positions 0..numComputedTokens-1 have their KV in the worker's cache
    private int numComputedTokens;
    private RequestStatus status = RequestStatus.WAITING;
    /// null until FINISHED
    private FinishReason finishReason;

    /** A request for the base model. */
    public Request(long id, int[] promptTokenIds, SamplingParams params) {
        this(id, promptTokenIds, params, NewSequence.NO_ADAPTER);
    }

    /** A request served with the LoRA adapter {@code adapterId} (it keys the prefix cache too). */
    public Request(long id, int[] promptTokenIds, SamplingParams params, int adapterId) {
        if (promptTokenIds.length == 0) {
            throw new IllegalArgumentException("promptTokenIds must not be empty");
        }
        for (int token : promptTokenIds) {
            if (token < 0) {
                throw new IllegalArgumentException("promptTokenIds must be non-negative, got " + token);
            }
        }
        this.id = id;
        this.promptLength = promptTokenIds.length;
        this.params = Objects.requireNonNull(params, "params");
        this.adapterId = adapterId;
        // Room for every output token up front, capped so that a huge max_new_tokens reserves nothing.
        this.tokens = Arrays.copyOf(promptTokenIds, promptLength + Math.min(params.maxNewTokens(), 256));
        this.numTokens = promptLength;
    }

    public long id() {
        return id;
    }

    public SamplingParams params() {
        return params;
    }

    public int adapterId() {
        return adapterId;
    }

    public int promptLength() {
        return promptLength;
    }

    public int[] promptTokenIds() {
        return Arrays.copyOf(tokens, promptLength);
    }

    public int[] outputTokenIds() {
        return Arrays.copyOfRange(tokens, promptLength, numTokens);
    }

    public int numOutputTokens() {
        return numTokens - promptLength;
    }

    /** Prompt plus output tokens. */
    public int numTokens() {
        return numTokens;
    }

    public int numComputedTokens() {
        return numComputedTokens;
    }

    public RequestStatus status() {
        return status;
    }

    /** Present once the request is FINISHED. */
    public Optional<FinishReason> finishReason() {
        return Optional.ofNullable(finishReason);
    }

    public boolean isFinished() {
        return status == RequestStatus.FINISHED;
    }

    /** The token at {@code position} (prompt first, then output). */
    int tokenAt(int position) {
        return tokens[Objects.checkIndex(position, numTokens)];
    }

    /** The tokens at positions {@code from} (inclusive) to {@code to} (exclusive). */
    int[] tokenIds(int from, int to) {
        Objects.checkFromToIndex(from, to, numTokens);
        return Arrays.copyOfRange(tokens, from, to);
    }

    /** Admitted (or re-admitted) with its first {@code numCachedTokens} tokens found in the prefix cache. */
    void startRunning(int numCachedTokens) {
        status = RequestStatus.RUNNING;
        numComputedTokens = numCachedTokens;
    }

    /** The worker now holds the KV of the first {@code numComputedTokens} tokens. */
    void setNumComputedTokens(int numComputedTokens) {
        this.numComputedTokens = Objects.checkIndex(numComputedTokens, numTokens + 1);
    }

    void appendOutputToken(int token) {
        if (numTokens == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[numTokens++] = token;
    }

    /** Evicted: its KV is gone, so every token, generated ones included, is computed again on re-admission. */
    void preempt() {
        status = RequestStatus.PREEMPTED;
        numComputedTokens = 0;
    }

    void finish(FinishReason reason) {
        status = RequestStatus.FINISHED;
        finishReason = Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return "Request[id=" + id + ", status=" + status + ", tokens=" + numTokens + ", computed="
                + numComputedTokens + "]";
    }
}
