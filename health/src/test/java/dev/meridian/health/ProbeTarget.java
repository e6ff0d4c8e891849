package dev.meridian.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A gateway replica for probes, on loopback and port 0: answers each request with the next
 * status of a script (then a fixed status), after an optional delay, or never. It records every
 * request, with what the test's observer said when it arrived.
 */
final class ProbeTarget implements AutoCloseable {

    /** One request as it arrived. */
    record Request(long arrivedNanos, String method, String path, String host, boolean observed) {}

    private final HttpServer server;
    private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final Queue<Integer> script = new ConcurrentLinkedQueue<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<HttpExchange> held = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean hang;
    private volatile BooleanSupplier observer = () -> true;

    private ProbeTarget() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    static ProbeTarget start() throws IOException {
        return new ProbeTarget();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers the next requests with these statuses, in order, then with {@link #status(int)}. */
    ProbeTarget script(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    ProbeTarget status(int status) {
        this.status = status;
        return this;
    }

    ProbeTarget delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Accepts requests and never answers them. */
    ProbeTarget hang() {
        this.hang = true;
        return this;
    }

    /** Evaluated when each request arrives; the result is recorded with it. */
    ProbeTarget observe(BooleanSupplier observer) {
        this.observer = observer;
        return this;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) {
        requests.add(new Request(System.nanoTime(), exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                String.valueOf(exchange.getRequestHeaders().getFirst("Host")), observer.getAsBoolean()));
        if (hang) {
            held.add(exchange);
            return;
        }
        Integer scripted = script.poll();
        int code = scripted != null ? scripted : status;
        if (delay.isZero()) {
            answer(exchange, code);
        } else {
            answers.schedule(() -> answer(exchange, code), delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static void answer(HttpExchange exchange, int code) {
        try (exchange) {
            byte[] body = "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException e) {
            // the prober gave up on this request (timeout, close): nothing to answer
        }
    }

    @Override
    public void close() {
        server.stop(0);
        held.forEach(HttpExchange::close);
        answers.shutdownNow();
        handlers.shutdownNow();
    }
}
