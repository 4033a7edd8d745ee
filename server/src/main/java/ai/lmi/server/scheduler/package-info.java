/**
 * The batching policy: which requests run in each step, how many tokens each computes, and which KV-cache
 * blocks hold them. Pure and single-threaded: one owning thread calls {@link ai.lmi.server.scheduler.Scheduler};
 * nothing here locks, blocks or does I/O.
 */
package ai.lmi.server.scheduler;
