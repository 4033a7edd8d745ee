package ai.lmi.server.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/** HTTP/1.1 by hand over a plain socket, for what {@code java.net.http} cannot do: hang up, or send a head only. */
final class RawHttpConnection implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 60_000;

    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private RawHttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    static RawHttpConnection open(int port) {
        return open(port, 0);
    }

    /** With {@code receiveBufferBytes} above 0, set before connecting: the client's TCP window stays that small. */
    static RawHttpConnection open(int port, int receiveBufferBytes) {
        try {
            Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            return new RawHttpConnection(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a POST with a JSON body. */
    void post(String path, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        write(head(path, body.length, "") + new String(body, StandardCharsets.UTF_8));
    }

    /** Sends a POST whose head announces all of {@code json} but only its first {@code bytesSent} bytes. */
    void postTruncated(String path, String json, int bytesSent) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        write(head(path, body.length, "") + new String(body, 0, bytesSent, StandardCharsets.UTF_8));
    }

    /** Sends only the head of a POST: its Content-Length, and {@code Expect: 100-continue}. */
    void postHeadExpectingContinue(String path, long contentLength) {
        write(head(path, contentLength, "Expect: 100-continue\r\n"));
    }

    /** Reads until what was received so far (head included) satisfies {@code done}, or the server closes. */
    String readUntil(Predicate<String> done) {
        byte[] buffer = new byte[8192];
        try {
            while (!done.test(received())) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                received.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return received();
    }

    /** Everything until the server closes the connection. */
    String readToEnd() {
        return readUntil(text -> false);
    }

    String received() {
        return received.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String head(String path, long contentLength, String extraHeaders) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n" + extraHeaders + "\r\n";
    }

    /** Whether bytes arrived that were not read yet. */
    boolean hasUnread() {
        try {
            return in.available() > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code text} as it is, UTF-8 encoded. */
    void write(String text) {
        try {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
