package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** The port a worker group's ranks meet on: free on the loopback interface when picked. */
class MasterAddressTest {

    @Test
    void thePickedPortIsOnLoopbackAndFreeForRankZeroToBind() throws IOException {
        MasterAddress master = MasterAddress.onFreeLoopbackPort();
        assertEquals("127.0.0.1", master.host());
        assertEquals("127.0.0.1:" + master.port(), master.hostPort());
        try (ServerSocket rankZero = new ServerSocket(master.port(), 1, InetAddress.getByName(master.host()))) {
            assertEquals(master.port(), rankZero.getLocalPort());
        }
    }
}
