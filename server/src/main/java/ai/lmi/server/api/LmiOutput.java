package ai.lmi.server.api;

/**
 * What an LMI response should contain besides the generated text.
 *
 * @param inputs the request's {@code inputs}, echoed in {@code details.inputs}
 * @param details {@code parameters.details}: add {@code details} with per-token entries
 * @param decoderInputDetails {@code parameters.decoder_input_details}: add the prompt tokens as {@code prefill}
 * @param returnFullText {@code parameters.return_full_text}: prepend the inputs to {@code generated_text}
 * @param topNTokens {@code parameters.top_n_tokens}: add the best candidates of each position as {@code top_tokens}
 */
record LmiOutput(String inputs, boolean details, boolean decoderInputDetails, boolean returnFullText, int topNTokens) {

    String generatedText(String text) {
        return returnFullText ? inputs + text : text;
    }
}
