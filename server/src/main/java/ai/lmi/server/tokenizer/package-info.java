/**
 * Text in and out of token ids.
 *
 * <ul>
 *   <li>{@link ai.lmi.server.tokenizer.Tokenizer}: one per model, shared by all threads; encodes
 *       prompts (BOS/EOS as the model adds them), decodes, and knows BOS, the EOS ids and each
 *       token's display text. Loading it never touches the network.
 *   <li>{@link ai.lmi.server.tokenizer.ChatTemplate}: the model's Jinja chat template; a
 *       {@link ai.lmi.server.tokenizer.ChatTemplateException} is the client's error (HTTP 400).
 *       Encode its output with {@code addSpecialTokens=false}: the template writes BOS itself.
 *   <li>Per sequence, in this order: {@link ai.lmi.server.tokenizer.IncrementalDetokenizer} turns
 *       each new token into final text, and {@link ai.lmi.server.tokenizer.StopSequenceMatcher}
 *       releases the part of it that no stop string can still claim. When the sequence ends
 *       otherwise (EOS, length), flush the detokenizer into the matcher, then flush the matcher.
 * </ul>
 */
package ai.lmi.server.tokenizer;
