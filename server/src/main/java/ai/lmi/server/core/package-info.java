/**
 * The types every layer of the generation path shares, from the HTTP parsers down to the worker's wire format:
 * how a request samples and stops ({@link ai.lmi.server.core.SamplingParams}), why it ended
 * ({@link ai.lmi.server.core.FinishReason}), and what a worker is told of a sequence it has not seen
 * ({@link ai.lmi.server.core.NewSequence}). They depend on nothing else in the server.
 */
package ai.lmi.server.core;
