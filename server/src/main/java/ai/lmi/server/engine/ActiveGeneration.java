package ai.lmi.server.engine;

import ai.lmi.server.core.FinishReason;
import ai.lmi.server.generation.GeneratedToken;
import ai.lmi.server.generation.GenerationRequest;
import ai.lmi.server.generation.GenerationResult;
import ai.lmi.server.generation.PromptToken;
import ai.lmi.server.generation.TokenSink;
import ai.lmi.server.generation.TopLogprob;
import ai.lmi.server.structured.ConstraintState;
import ai.lmi.server.tokenizer.IncrementalDetokenizer;
import ai.lmi.server.tokenizer.StopSequenceMatcher;
import ai.lmi.server.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** One accepted request as the engine thread follows it: its text so far, its timings, its sink. */
final class ActiveGeneration {
    final GenerationRequest request;
    final TokenSink sink;
    private final Tokenizer tokenizer;
    private final IncrementalDetokenizer detokenizer;
    private final StopSequenceMatcher stops;
    /** Structured output's place in its grammar; null for an unconstrained request. */
    private final ConstraintState constraint;
    private final List<PromptToken> promptLogprobs = new ArrayList<>();
    final long submittedNanos;
    private long lastTokenNanos;
    private int generated;
    private int crashes;

    ActiveGeneration(GenerationRequest request, TokenSink sink, Tokenizer tokenizer, long submittedNanos) {
        this.request = request;
        this.sink = sink;
        this.tokenizer = tokenizer;
        this.detokenizer = IncrementalDetokenizer.afterPrompt(tokenizer, request.promptIds(), true);
        this.stops = new StopSequenceMatcher(request.params().stop());
        this.constraint = request.params().constraint().map(ConstraintState::new).orElse(null);
        this.submittedNanos = submittedNanos;
    }

    /** Nanoseconds since the previous token (or since submission for the first), for latency metrics. */
    long sinceLastToken(long now) {
        long since = now - (generated == 0 ? submittedNanos : lastTokenNanos);
        lastTokenNanos = now;
        return since;
    }

    /** Counts one more worker that died computing this request; returns how many have. */
    int survivedCrash() {
        return ++crashes;
    }

    /** Where structured output stands, null for an unconstrained request. */
    ConstraintState constraint() {
        return constraint;
    }

    boolean isFirstToken() {
        return generated == 0;
    }

    /**
     * Turns a sampled token into text and hands it to the sink.
     *
     * @param ending the scheduler's reason to stop with this token, or null
     * @return the reason this generation ends with this token (a stop sequence may end it), or null
     */
    FinishReason accept(int tokenId, float logprob, List<TopLogprob> top, FinishReason ending) {
        generated++;
        if (constraint != null) {
            constraint.advance(tokenId);
        }
        // The end-of-sequence and stop tokens end the output; their own text is not part of it.
        boolean stopToken = ending == FinishReason.EOS_TOKEN || ending == FinishReason.STOP_SEQUENCE;
        String text = "";
        FinishReason finish = ending;
        boolean stopString = false;
        if (!stopToken) {
            StopSequenceMatcher.Emission emission = stops.append(detokenizer.next(tokenId));
            text = emission.text();
            stopString = emission.stopped();
        }
        if (stopString) {
            finish = FinishReason.STOP_SEQUENCE;
        } else if (finish != null) {
            // Text held back for a possible stop string, or an unfinished character, is final now.
            text += stops.append(detokenizer.flush()).text() + stops.flush().text();
        }
        sink.onToken(new GeneratedToken(tokenId, text, logprob, stopToken || tokenizer.isSpecialToken(tokenId), top,
                finish != null));
        if (finish != null) {
            sink.onFinish(new GenerationResult(finish, stops.text(), request.promptIds().length, generated,
                    List.copyOf(promptLogprobs)));
        }
        return finish;
    }

    /** Adds prompt logprobs for positions from {@code startPos}, skipping those a recompute repeats. */
    void addPromptLogprobs(int startPos, float[] logprobs, List<List<TopLogprob>> tops) {
        int[] prompt = request.promptIds();
        for (int i = 0; i < logprobs.length; i++) {
            int position = startPos + i;
            if (position == promptLogprobs.size() && position < prompt.length) {
                int id = prompt[position];
                promptLogprobs.add(new PromptToken(id, tokenizer.tokenText(id), logprobs[i], tops.get(i)));
            }
        }
    }
}
