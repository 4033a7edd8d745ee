/**
 * LMI Bench: a load generator for LLM servers. It streams OpenAI completions or LMI invocations at a fixed
 * concurrency or a Poisson request rate, times every token as it arrives, and reports TTFT, TPOT, ITL and
 * end-to-end latency percentiles, throughput and goodput, with the server's step split when it is an LMI server.
 */
package ai.lmi.bench;
