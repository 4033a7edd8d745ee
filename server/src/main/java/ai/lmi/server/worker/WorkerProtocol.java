package ai.lmi.server.worker;

/** The worker protocol's one version number, shared by socket frames, the shm layout and ring messages. */
final class WorkerProtocol {

    /** docs/ipc-protocol.md; any change to any byte layout bumps it, and there is no negotiation. */
    static final int VERSION = 4;

    private WorkerProtocol() {
    }
}
