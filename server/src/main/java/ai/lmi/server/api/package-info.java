/**
 * The request and response schemas: the LMI schema ({@code /invocations}), OpenAI completions, chat
 * completions and embeddings. Parsers validate JSON bodies into {@link ai.lmi.server.api.PreparedGeneration}s
 * and {@link ai.lmi.server.api.PreparedEmbedding}s, naming the offending field in every error; renderers turn
 * generation events and embeddings into response bodies and stream chunks.
 * Nothing here knows about Netty.
 */
package ai.lmi.server.api;
