package dev.meridian.loadtest.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A deliberately small HTTP/1.1 client over a plain socket, so that tests control every byte the
 * router sees (hop-by-hop headers, malformed requests, pipelining) and see every byte it sends
 * back, chunk by chunk, as it arrives. Every read has a socket timeout, so no test hangs.
 */
final class RawHttpClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpClient(int port) throws IOException {
        this(port, null);
    }

    /** A client whose socket is bound to {@code localAddress} (any 127.x.y.z works on Linux loopback). */
    RawHttpClient(int port, String localAddress) throws IOException {
        socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Sends {@code raw} on a new connection to {@code port}, reads one response and closes the connection. */
    static Response exchange(int port, String raw) throws IOException {
        try (RawHttpClient client = new RawHttpClient(port)) {
            client.send(raw);
            return client.readResponse();
        }
    }

    void send(String head) throws IOException {
        out.write(head.getBytes(ISO_8859_1));
        out.flush();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends a request with a Content-Length body. */
    void sendRequest(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: test.local\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Reads one whole response. */
    Response readResponse() throws IOException {
        return readResponse(chunk -> { }, false);
    }

    /**
     * Reads one response on another thread, adding each part of the body to {@code chunks} as text
     * as it arrives: for a streamed response the test watches while the upstream still holds the rest.
     */
    CompletableFuture<Response> readResponseAsync(List<String> chunks) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return readResponse(chunk -> chunks.add(new String(chunk, UTF_8)), false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Reads one response, calling {@code onChunk} with each part of the body as it arrives (the
     * data of each HTTP chunk, or each socket read of a length-delimited body).
     *
     * @param digestOnly whether to keep only a SHA-256 of the body instead of the bytes (for big bodies)
     */
    Response readResponse(Consumer<byte[]> onChunk, boolean digestOnly) throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        BodySink sink = new BodySink(onChunk, digestOnly);
        String te = first(headers, "transfer-encoding");
        String length = first(headers, "content-length");
        boolean complete = true;
        if (status == 100) {
            return new Response(status, headers, new byte[0], "", 0, true);
        }
        if (te != null && te.equalsIgnoreCase("chunked")) {
            complete = readChunked(sink);
        } else if (length != null) {
            complete = readFixed(sink, Long.parseLong(length));
        } else if (status != 204 && status != 304) {
            readUntilClose(sink);
        }
        return new Response(status, headers, sink.bytes(), sink.sha256(), sink.length, complete);
    }

    private boolean readChunked(BodySink sink) throws IOException {
        for (int guard = 0; guard < 10_000_000; guard++) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                return false;
            }
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return true;
            }
            byte[] data = in.readNBytes(size);
            if (data.length < size) {
                sink.accept(data);
                return false;
            }
            sink.accept(data);
            readLine();
        }
        throw new IOException("too many chunks");
    }

    private boolean readFixed(BodySink sink, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long remaining = length;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                return false;
            }
            byte[] data = new byte[n];
            System.arraycopy(buffer, 0, data, 0, n);
            sink.accept(data);
            remaining -= n;
        }
        return true;
    }

    private void readUntilClose(BodySink sink) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            byte[] data = new byte[n];
            System.arraycopy(buffer, 0, data, 0, n);
            sink.accept(data);
        }
    }

    /** Whether the server closed the connection (reads end of stream within the socket timeout). */
    boolean isClosedByPeer() {
        try {
            return in.read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(ISO_8859_1);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    record Response(int status, Map<String, List<String>> headers, byte[] body, String sha256, long length,
            boolean complete) {
        String header(String name) {
            return first(headers, name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, UTF_8);
        }
    }

    private static final class BodySink {
        private final Consumer<byte[]> onChunk;
        private final boolean digestOnly;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final MessageDigest digest;
        long length;

        BodySink(Consumer<byte[]> onChunk, boolean digestOnly) {
            this.onChunk = onChunk;
            this.digestOnly = digestOnly;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void accept(byte[] data) {
            length += data.length;
            digest.update(data);
            if (!digestOnly) {
                bytes.write(data, 0, data.length);
            }
            onChunk.accept(data);
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
