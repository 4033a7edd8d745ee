package ai.lmi.server.scheduler;

/**
 * A snapshot of the scheduler's counters, for metrics.
 *
 * @param running         live requests holding KV blocks ({@code lmi_requests_running})
 * @param waiting         requests queued, preempted ones included ({@code lmi_requests_waiting})
 * @param preemptions     preemptions since start ({@code lmi_preemptions_total})
 * @param prefixHitTokens prompt tokens served from the prefix cache since start
 *                        ({@code lmi_prefix_cache_hit_tokens_total})
 * @param usedBlocks      KV blocks held by running sequences, padding included ({@code lmi_kv_cache_blocks_used})
 * @param totalBlocks     KV blocks in the pool ({@code lmi_kv_cache_blocks_total})
 * @param paddingTokens   tokens scheduled for finished rows of static batches since start
 *                        ({@code lmi_padding_tokens_total})
 */
public record SchedulerStats(
        int running, int waiting, long preemptions, long prefixHitTokens, int usedBlocks, int totalBlocks,
        long paddingTokens) {
}
