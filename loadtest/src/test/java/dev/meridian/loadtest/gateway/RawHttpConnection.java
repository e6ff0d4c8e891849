package dev.meridian.loadtest.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A bare HTTP/1.1 connection over a {@link Socket}, for tests that must see the wire: chunk
 * boundaries, resets, a connection kept open, a request that is never finished. Every read has a
 * socket timeout, so a missing byte fails the test instead of hanging it.
 */
final class RawHttpConnection implements AutoCloseable {

    private static final int MAX_LINE = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttpConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawHttpConnection open(int port) throws IOException {
        return open(port, Duration.ofSeconds(5), 0);
    }

    /** Connects with a read timeout and, when positive, a small receive buffer (to provoke backpressure). */
    static RawHttpConnection open(int port, Duration readTimeout, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return new RawHttpConnection(socket);
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}. */
    RawHttpConnection send(String head, byte[] body) throws IOException {
        String framing = body.length > 0 ? "\r\ncontent-length: " + body.length : "";
        byte[] headBytes = (head + framing + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        out.write(request);
        out.flush();
        return this;
    }

    /** Sends a request without a body. */
    RawHttpConnection send(String head) throws IOException {
        return send(head, new byte[0]);
    }

    /** Writes raw bytes as they are. */
    RawHttpConnection write(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Reads a status line and headers (names lower-cased; the last value of a repeated name wins). */
    Head readHead() throws IOException {
        String statusLine = readLine();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    /** Reads one chunk of a chunked body; null for the last (zero-length) chunk, trailers consumed. */
    byte @Nullable [] readChunk() throws IOException {
        String sizeLine = readLine();
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
        if (size == 0) {
            for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
                // trailers are not used by the simulator; skip them
            }
            return null;
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length < size) {
            throw new EOFException("chunk truncated after " + chunk.length + " of " + size + " bytes");
        }
        String end = readLine();
        if (!end.isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
        }
        return chunk;
    }

    /** Reads exactly {@code n} body bytes. */
    byte[] readBytes(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new EOFException("body truncated after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /** Reads a whole response: head, then a chunked or content-length body. */
    Response readResponse() throws IOException {
        Head head = readHead();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(head.headers().get("transfer-encoding"))) {
            for (byte[] chunk = readChunk(); chunk != null; chunk = readChunk()) {
                body.write(chunk);
            }
        } else {
            body.write(readBytes(Integer.parseInt(head.headers().getOrDefault("content-length", "0"))));
        }
        return new Response(head, body.toString(StandardCharsets.UTF_8));
    }

    /** Reads one byte; -1 at end of stream (the server closed the connection). */
    int read() throws IOException {
        return in.read();
    }

    InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed after '" + line + "'");
            }
            if (b == '\n') {
                int length = line.length();
                if (length > 0 && line.charAt(length - 1) == '\r') {
                    line.setLength(length - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE);
            }
            line.append((char) b);
        }
    }

    record Head(int status, Map<String, String> headers) {
        String header(String name) {
            String value = headers.get(name);
            if (value == null) {
                throw new AssertionError("no header " + name + " in " + headers);
            }
            return value;
        }
    }

    record Response(Head head, String body) {
        int status() {
            return head.status();
        }
    }
}
