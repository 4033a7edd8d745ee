/**
 * The engine loop: one thread that owns the scheduler and drives the worker step by step, turning
 * each step's sampled tokens into text and events for the requests' sinks.
 */
package ai.lmi.server.engine;
