package ai.lmi.server.scheduler;

import ai.lmi.server.core.FinishReason;

/** Where a request stands: WAITING → RUNNING ⇄ PREEMPTED → FINISHED. */
public enum RequestStatus {
    /** Queued, never admitted: holds no KV blocks. */
    WAITING,
    /** Admitted: holds KV blocks and is scheduled every step. */
    RUNNING,
    /** Evicted to free KV blocks: queued again, its tokens to be recomputed. */
    PREEMPTED,
    /** Done for good; see {@link FinishReason}. */
    FINISHED
}
