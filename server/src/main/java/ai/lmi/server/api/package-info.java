/**
 * The request and response schemas: the LMI schema ({@code /invocations}), OpenAI completions and chat
 * completions. Parsers validate JSON bodies into {@link ai.lmi.server.api.PreparedGeneration}s, naming the
 * offending field in every error; renderers turn generation events into response bodies and stream chunks.
 * Nothing here knows about Netty.
 */
package ai.lmi.server.api;
