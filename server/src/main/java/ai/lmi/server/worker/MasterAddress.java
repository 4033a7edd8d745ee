package ai.lmi.server.worker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Where rank 0 of a worker group listens for the other ranks to join torch.distributed: a loopback TCP port. */
record MasterAddress(String host, int port) {

    private static final String LOOPBACK = "127.0.0.1";

    /**
     * A port the kernel says is free now. It is closed again for rank 0 to bind: should another process take it
     * in between, the group's start fails.
     */
    static MasterAddress onFreeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return new MasterAddress(LOOPBACK, socket.getLocalPort());
        }
    }

    /** {@code HOST:PORT}, as {@code --tp-master} takes it. */
    String hostPort() {
        return host + ":" + port;
    }
}
