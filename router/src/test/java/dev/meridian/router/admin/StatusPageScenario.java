package dev.meridian.router.admin;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meridian.testing.RouterFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

/**
 * What the status page's tests look at: a real router and admin API ({@link AdminFixture}) in
 * front of four regions on loopback, each endpoint a small HTTP server that answers the probe
 * and the completions after a region-specific delay; {@code us-east1} has a second endpoint on a
 * port nobody listens on, so once the probes notice, it is <em>degraded</em> (one of two
 * endpoints available). Clients in New York, London, São Paulo and Tokyo say where they are with
 * a trusted location header. Completions are retried (they have no side effects), so a 503 of
 * {@code us-east1} fails over to another region.
 */
final class StatusPageScenario implements AutoCloseable {

    static final String DEGRADED = "us-east1";
    static final String DRAINED = "europe-west2";

    /** Where the clients are: name, {@code lat,lon}. */
    private static final String[][] CLIENTS = {
        {"New York", "40.71,-74.01"}, {"London", "51.51,-0.13"}, {"Tokyo", "35.68,139.76"}, {"São Paulo", "-23.55,-46.63"},
    };

    private final List<HttpServer> upstreams;
    private final ExecutorService upstreamThreads;
    final AdminFixture admin;
    final int deadPort;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicBoolean trafficOn = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Thread traffic;

    private StatusPageScenario(List<HttpServer> upstreams, ExecutorService upstreamThreads, AdminFixture admin, int deadPort) {
        this.upstreams = upstreams;
        this.upstreamThreads = upstreamThreads;
        this.admin = admin;
        this.deadPort = deadPort;
    }

    /**
     * Starts the upstreams and the router; {@code failureRate} of the completions that
     * {@code us-east1} answers are 503s (retried elsewhere: failovers to show), 0 for none.
     */
    static StatusPageScenario start(Path dir, double failureRate) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExecutorService threads = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "status-page-upstream");
            t.setDaemon(true);
            return t;
        });
        List<HttpServer> upstreams = new ArrayList<>();
        try {
            HttpServer usEast4 = upstream(threads, 35, 0);
            HttpServer usEast1 = upstream(threads, 60, failureRate);
            HttpServer europeWest2 = upstream(threads, 45, 0);
            HttpServer asiaNortheast1 = upstream(threads, 90, 0);
            upstreams.addAll(List.of(usEast4, usEast1, europeWest2, asiaNortheast1));
            int dead = freePort();
            RouterFixture.Builder fixture = AdminFixture.fixture()
                    .server("{max-connections-per-ip: 0}")
                    .health("{probe: {interval: 300ms, timeout: 300ms}}")
                    .locationHeader()
                    .regionAt("us-east4", endpoints(usEast4.getAddress().getPort()))
                    .regionAt(DEGRADED, endpoints(usEast1.getAddress().getPort(), dead))
                    .regionAt(DRAINED, endpoints(europeWest2.getAddress().getPort()))
                    .regionAt("asia-northeast1", endpoints(asiaNortheast1.getAddress().getPort()))
                    .route("completions", "/v2/code/completions", "retry: {non-idempotent: true}");
            return new StatusPageScenario(upstreams, threads, AdminFixture.start(dir, fixture), dead);
        } catch (RuntimeException e) {
            upstreams.forEach(u -> u.stop(0));
            threads.shutdownNow();
            throw e;
        }
    }

    private static List<String> endpoints(int... ports) {
        return IntStream.of(ports).mapToObj(port -> "http://127.0.0.1:" + port).toList();
    }

    /** An endpoint: 200 to the probe, a small JSON completion after about {@code latencyMs} to anything else. */
    private static HttpServer upstream(ExecutorService threads, int latencyMs, double failureRate) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(threads);
            server.createContext("/", exchange -> answer(exchange, latencyMs, failureRate));
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void answer(HttpExchange exchange, int latencyMs, double failureRate) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        boolean probe = exchange.getRequestURI().getPath().equals("/monitoring/healthz");
        int status = 200;
        String body = "{\"status\":\"ok\"}";
        if (!probe) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            try {
                Thread.sleep((long) (latencyMs * (0.6 + 0.8 * random.nextDouble())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (random.nextDouble() < failureRate) {
                status = 503;
                body = "{\"detail\":\"inference failed\"}";
            } else {
                body = "{\"choices\":[{\"text\":\"fib(n - 1) + fib(n - 2)\"}]}";
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status page's address with the token in the fragment, or without a fragment. */
    String page(String token) {
        return admin.uri("/ui/").toString() + (token == null ? "" : "#token=" + token);
    }

    String origin() {
        return "http://127.0.0.1:" + admin.admin.address().getPort();
    }

    /** Drains {@link #DRAINED} through the API, as an SRE with curl would. */
    void drain() {
        HttpResponse<String> response = admin.write("POST", "/admin/regions/" + DRAINED + "/drain",
                "{\"reason\": \"CHG-7 maintenance window\"}");
        if (response.statusCode() != 200) {
            throw new AssertionError("drain: " + response.statusCode() + " " + response.body());
        }
    }

    /** Waits until the probes took {@link #DEGRADED}'s dead endpoint out. */
    void awaitDegraded() {
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode region = AdminFixture.region(admin.regions(), DEGRADED);
            int available = 0;
            for (JsonNode endpoint : region.path("endpoints")) {
                available += endpoint.path("available").asBoolean() ? 1 : 0;
            }
            return region.path("available").asBoolean() && available == 1;
        });
    }

    /** Sends {@code perClient} completions from every client, one after another. */
    void sendCompletions(int perClient) {
        for (int i = 0; i < perClient; i++) {
            for (String[] place : CLIENTS) {
                try {
                    client.send(completion(place[1]), HttpResponse.BodyHandlers.discarding());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Starts sending about {@code perSecond} completions a second from the clients in turn, until {@link #close}. */
    void startTraffic(int perSecond) {
        trafficOn.set(true);
        traffic = new Thread(() -> {
            long pause = 1000L / perSecond;
            for (int i = 0; trafficOn.get(); i++) {
                client.sendAsync(completion(CLIENTS[i % CLIENTS.length][1]), HttpResponse.BodyHandlers.discarding());
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "status-page-traffic");
        traffic.setDaemon(true);
        traffic.start();
    }

    private HttpRequest completion(String location) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.router.port() + "/v2/code/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-Client-Geo-Location", location)
                .POST(HttpRequest.BodyPublishers.ofString("{\"current_file\":{\"content_above_cursor\":\"def fib(\"}}"))
                .build();
    }

    /** Stops everything; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        trafficOn.set(false);
        if (traffic != null) {
            traffic.interrupt();
            try {
                traffic.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            admin.close();
        } finally {
            upstreams.forEach(u -> u.stop(0));
            upstreamThreads.shutdownNow();
        }
    }
}
