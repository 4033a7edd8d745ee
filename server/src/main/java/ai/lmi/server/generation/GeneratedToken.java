package ai.lmi.server.generation;

import java.util.List;

/**
 * A token the model produced.
 *
 * @param text the text this token releases now: may be empty (an incomplete UTF-8 character, or a
 *     suffix held back because it could start a stop sequence) and may include text held back
 *     before; the texts of all tokens concatenate to the final generated text
 * @param special true for tokens such as EOS whose text is not part of the output
 * @param top the best candidates at this position, best first (empty unless asked)
 * @param last the generation ends with this token: {@link TokenSink#onFinish} follows at once, so a
 *     renderer that closes a stream with the last token need not hold earlier ones back
 */
public record GeneratedToken(int id, String text, float logprob, boolean special, List<TopLogprob> top,
        boolean last) {}
