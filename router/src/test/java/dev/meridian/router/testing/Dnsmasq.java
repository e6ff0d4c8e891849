package dev.meridian.router.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real DNS server for the router's discovery tests: Debian's {@code dnsmasq} (package
 * {@code dnsmasq-base}) on a free port of 127.0.0.1, answering from a hosts file that the test
 * rewrites ({@link #set}, {@link #remove}), with a TTL of one second.
 *
 * <pre>{@code
 * try (Dnsmasq dns = Dnsmasq.start(dir)) {
 *     dns.set("gw.test", "127.0.0.2", "127.0.0.3");     // then: dns.servers: ["127.0.0.1:" + dns.port()]
 *     ...
 *     dns.stop();                                          // the server gone: queries time out
 *     dns.restart();
 * }
 * }</pre>
 *
 * <p>It runs {@code dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts
 * --addn-hosts=FILE --local-ttl=1 --local=/test/ --cache-size=0}: no configuration, upstream
 * servers or {@code /etc/hosts} of the machine, names under {@code .test} answered from the file
 * only, so a name not in it is NXDOMAIN and a name without an AAAA entry is NODATA; any other name
 * is REFUSED (no upstream). The file is re-read on SIGHUP, and {@link #set} returns only once
 * dnsmasq logged reading it again. As root it is told {@code --user=root} (it would drop to
 * {@code nobody} and fail to read the file in a private temporary directory). Missing binary: see
 * {@link ExternalProgram}.
 */
public final class Dnsmasq implements AutoCloseable {

    /** Debian installs it in /usr/sbin, which is not on every user's PATH. */
    private static final Path SBIN = Path.of("/usr/sbin/dnsmasq");
    private static final Duration READY = Duration.ofSeconds(10);
    private static final int ATTEMPTS = 3;

    private final Path binary;
    private final Path directory;
    private final Path hosts;
    private final Path log;
    private final Map<String, List<String>> records = new LinkedHashMap<>();
    private int port;
    private @Nullable Process process;

    private Dnsmasq(Path binary, Path directory) {
        this.binary = binary;
        this.directory = directory;
        this.hosts = directory.resolve("hosts");
        this.log = directory.resolve("dnsmasq.log");
    }

    /** Starts dnsmasq with an empty hosts file in {@code directory} (a test's temporary directory). */
    public static Dnsmasq start(Path directory) {
        Path binary = Files.isExecutable(SBIN) ? SBIN
                : ExternalProgram.require("dnsmasq", "install Debian's dnsmasq-base; .ci/run does").path();
        Dnsmasq dns = new Dnsmasq(binary, directory);
        dns.writeHosts();
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            dns.port = freePort();
            try {
                dns.launch();
                return dns;
            } catch (IllegalStateException e) { // the port was taken between finding and binding it
                failure = failure == null ? e : failure;
            }
        }
        throw failure;
    }

    /** The port dnsmasq answers on, UDP and TCP, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}, as {@code dns.servers} takes it. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** Makes {@code name} answer {@code addresses} (none: NXDOMAIN), and waits until dnsmasq has read it. */
    public synchronized Dnsmasq set(String name, String... addresses) {
        records.put(name, List.of(addresses));
        reload();
        return this;
    }

    /** Makes {@code name} NXDOMAIN. */
    public synchronized Dnsmasq remove(String name) {
        records.remove(name);
        reload();
        return this;
    }

    /** Stops the server (SIGTERM): queries to its port go unanswered. */
    public synchronized void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        process = null;
    }

    /** Starts the server again on the same port, with the same records. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** What dnsmasq logged, for failure messages. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public synchronized void close() {
        stop();
    }

    private void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString(),
                "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--addn-hosts=" + hosts, "--local-ttl=1", "--local=/test/", "--cache-size=0",
                "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces",
                "--pid-file=", "--log-facility=-"));
        if ("root".equals(System.getProperty("user.name"))) {
            command.add("--user=root");
        }
        int readsBefore = reads();
        try {
            Files.writeString(log, "--- Dnsmasq: starting: " + String.join(" ", command) + "\n", UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process started = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            process = started;
            await().atMost(READY).pollInterval(Duration.ofMillis(20))
                    .until(() -> !started.isAlive() || reads() > readsBefore);
            if (!started.isAlive()) {
                process = null;
                throw new IllegalStateException("dnsmasq exited with status " + started.exitValue() + " on port " + port
                        + ":\n" + log());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
    }

    private void reload() {
        writeHosts();
        Process p = process;
        if (p == null || !p.isAlive()) {
            return; // read when it starts again
        }
        int readsBefore = reads();
        try {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal dnsmasq", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        await().atMost(READY).pollInterval(Duration.ofMillis(10)).until(() -> reads() > readsBefore);
    }

    /** How often dnsmasq has logged reading the hosts file ("read FILE - N names"). */
    private int reads() {
        String text = log();
        String marker = "read " + hosts;
        int count = 0;
        for (int i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) {
            count++;
        }
        return count;
    }

    private void writeHosts() {
        StringBuilder text = new StringBuilder("# written by the Dnsmasq test fixture\n");
        records.forEach((name, addresses) -> addresses.forEach(a -> text.append(a).append(' ').append(name).append('\n')));
        try {
            Path next = Files.createTempFile(directory, "hosts", ".next");
            Files.writeString(next, text, UTF_8);
            Files.move(next, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hosts, e);
        }
    }

    /** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both). */
    private static int freePort() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress(loopback, 0));
                int candidate = tcp.getLocalPort();
                if (udpFree(new InetSocketAddress(loopback, candidate))) {
                    return candidate;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + loopback, e);
            }
        }
        throw new IllegalStateException("no port free for both UDP and TCP on " + loopback);
    }

    private static boolean udpFree(InetSocketAddress address) {
        try {
            new DatagramSocket(address).close();
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
