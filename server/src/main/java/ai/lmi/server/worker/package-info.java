/**
 * The Java parent side of the worker protocol, version 1 (docs/ipc-protocol.md): spawning a Python worker,
 * its control socket, the shared-memory step and result rings, and the step records that cross them.
 *
 * <p>Use: {@link ai.lmi.server.worker.WorkerProcess#start} a worker (from any thread: it spawns the worker from a
 * dedicated thread that lives as long as the worker, since Linux ties the worker's parent-death signal to the
 * spawning thread), then call {@link ai.lmi.server.worker.WorkerProcess#step} from one owning thread, one step
 * at a time. A {@link ai.lmi.server.worker.StepError} fails that step only; a
 * {@link ai.lmi.server.worker.WorkerException} means the worker is gone and a new one must be started. A model split
 * over tensor-parallel ranks runs as a {@link ai.lmi.server.worker.WorkerGroup}: rank 0 is such a worker, and the
 * other ranks follow it over torch.distributed.
 */
package ai.lmi.server.worker;
