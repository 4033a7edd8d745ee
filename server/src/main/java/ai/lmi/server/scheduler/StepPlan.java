package ai.lmi.server.scheduler;

import java.util.List;

/**
 * The scheduler's decision for one step, in the shape of the worker's STEP message. Its arrays belong to the plan:
 * readers must not change them.
 *
 * @param stepId     increases by one per plan, from 1
 * @param sequences  the batch, in order
 * @param forgetIds  sequences the worker drops before running this step: finished or preempted since the last plan
 */
public record StepPlan(long stepId, List<ScheduledSequence> sequences, long[] forgetIds) {

    public StepPlan {
        sequences = List.copyOf(sequences);
    }

    /** Tokens computed in this step, over all sequences. */
    public int numTokens() {
        return sequences.stream().mapToInt(sequence -> sequence.tokenIds().length).sum();
    }

    /** Nothing to compute and nothing to forget: no need to wake the worker. */
    public boolean isEmpty() {
        return sequences.isEmpty() && forgetIds.length == 0;
    }
}
