/**
 * The contract between the HTTP front end and the engine loop: a request in, token events out.
 *
 * <p>The HTTP layer parses and validates, tokenizes the prompt and submits a {@link
 * ai.lmi.server.generation.GenerationRequest}; the engine loop schedules it, detokenizes, applies
 * stop sequences and calls the request's {@link ai.lmi.server.generation.TokenSink} from its own
 * thread. Sinks must not block.
 */
package ai.lmi.server.generation;
