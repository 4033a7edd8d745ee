/**
 * Text embeddings served in-process: the daemon's side of the DJL embedding engine ({@code ai.lmi.engines.embedding}),
 * which tokenizes, batches dynamically and runs the encoder. No Python worker takes part.
 */
package ai.lmi.server.embedding;
