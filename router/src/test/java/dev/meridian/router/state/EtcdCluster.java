package dev.meridian.router.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import dev.meridian.testing.ExternalProgram;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster on loopback for the fleet's tests: {@code N} members (default 3) of the
 * system's {@code etcd} (Debian's {@code etcd-server}, etcd 3.4), each its own process with its own
 * data directory, that a test can kill, stop, restart, compact and wipe.
 *
 * <pre>{@code
 * try (EtcdCluster etcd = EtcdCluster.start(3)) {
 *     etcd.client().getKVClient().put(key, value).get(5, SECONDS);
 *     etcd.kill(etcd.leader());
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Members.</b> Member {@code i} is named {@code m<i>} and listens on
 * {@code http://127.0.0.1:<port>} for clients and on another port for its peers, both found by
 * binding port 0. Between closing those probe sockets and etcd binding the ports another process
 * may take one; etcd then exits with "address already in use", and {@link #start} begins again on
 * new ports (three attempts). A restarted member must keep its ports (they are in the cluster's
 * membership), so {@link #restart} and {@link #startAll} relaunch it a few times instead. Settings
 * for speed: {@code --heartbeat-interval=50 --election-timeout=500} (a new leader within about a
 * second of a kill; etcd's defaults are 100 and 1000 ms), {@code --pre-vote=true} (etcd 3.5's
 * default: a member that comes back does not depose a healthy leader). Each cluster has a unique
 * {@code --initial-cluster-token}, so members of two clusters can never join each other. The
 * {@code ETCD*} environment variables are cleared for the processes: etcd reads its flags from
 * {@code ETCD_*} too, and a developer's {@code ETCD_DATA_DIR} must not leak in.
 *
 * <p><b>TLS.</b> {@link #start(int, Tls) start(members, Tls.generate())} starts members that
 * serve clients on {@code https://127.0.0.1:<port>} only and require a client certificate
 * ({@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file}, {@code --client-cert-auth});
 * peer traffic stays plaintext {@code http://}. The CA, the members' certificate (for
 * {@code 127.0.0.1} and {@code localhost}) and a client certificate are written as PEM files (keys
 * unencrypted PKCS#8) under {@code tls/}; {@link #tlsFiles()} names the CA and the client's files, the
 * ones a router's {@code fleet.etcd.tls} takes, and the fixture's own clients use them too.
 *
 * <p><b>Files.</b> Everything lives under one temporary directory, deleted by {@link #close}:
 * {@code m<i>/data} and {@code m<i>.log}, where each member appends everything it prints (a marker
 * line separates its runs), and {@code tls/} in TLS mode. Every exception of this class ends with
 * the last 30 lines of the logs of the members concerned.
 *
 * <p><b>Waiting.</b> Every wait is bounded: {@link #start}, {@link #startAll}, {@link #restart},
 * {@link #leader}, {@link #compact} and {@link #wipe} by {@link #AWAIT} (20 s), SIGTERM by 10 s,
 * SIGKILL by 5 s, and every request the fixture makes by a 2 s gRPC deadline; they poll every
 * 50 ms. A member that exits while the
 * fixture waits for it fails the wait at once with its log. "Healthy" means: every running member's
 * status names the same leader, itself a running member; a linearizable read through each running
 * member alone succeeds (it is connected to the leader and has applied everything committed before
 * the read); and a read through {@link #client()} succeeds.
 *
 * <p><b>Why jetcd, not etcdctl.</b> Status, compaction and deletion go through jetcd, the client the
 * store uses: no second program to install (Debian ships {@code etcdctl} in another package,
 * {@code etcd-client}), no process per poll, no output to parse, and the waits exercise the same
 * client stack as the code under test. The fixture's own requests use a separate client that fails
 * fast ({@code waitForReady(false)}, no retries) and sets a deadline on every call, and a new
 * channel (or a new client) per member probe, so that gRPC's reconnect back-off, which grows while
 * a member is down, never delays noticing that it is back.
 *
 * <p><b>Processes.</b> {@link #close} kills every member and waits for it; a JVM shutdown hook
 * kills, as a last resort, every member still alive (for a test that forgot {@code close}, or a
 * build interrupted with Ctrl-C). Only a JVM killed with SIGKILL can leave members behind; they
 * are recognisable by their {@code --data-dir} under a {@code meridian-etcd-*} temporary
 * directory.
 *
 * <p><b>Skipping.</b> Without {@code etcd} on {@code PATH}, {@link #start} skips the test outside CI
 * and fails it under {@code CI=true} ({@link ExternalProgram}).
 *
 * <p>The methods are {@code synchronized}: a test may use the fixture from several threads, but its
 * operations do not overlap.
 */
public final class EtcdCluster implements AutoCloseable {

    /** The size of a cluster that tolerates one member down, as the fleet's tests need. */
    public static final int DEFAULT_MEMBERS = 3;

    /** The bound of every wait for the cluster or a member to become healthy, and of {@link #leader}. */
    public static final Duration AWAIT = Duration.ofSeconds(20);

    private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);

    private static final String INSTALL = "install Debian's etcd-server; .ci/run does";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int START_ATTEMPTS = 3;
    private static final int RELAUNCH_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 30;
    private static final String PORT_TAKEN = "address already in use";
    private static final String COMPACTED = "required revision has been compacted";
    private static final ByteSequence PROBE_KEY = ByteSequence.from("/meridian-etcd-cluster/probe", UTF_8);
    private static final InetAddress LOOPBACK = loopback();

    /** Members alive in this JVM, for the shutdown hook; and the directories to delete after them. */
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(EtcdCluster::reap, "etcd-cluster-reaper"));
    }

    private final Path etcd;
    private final Path directory;
    /** The CA and client files in TLS mode; {@code null} in plaintext mode. */
    private final @Nullable TlsFiles tlsFiles;
    /** The client side of {@link #tlsFiles}, shared by the fixture's clients; {@code null} in plaintext mode. */
    private final @Nullable SslContext sslContext;
    private final String token;
    private final List<Member> members;
    private final String initialCluster;
    /** For the fixture's own requests: fails fast, a deadline on every call (see the class Javadoc). */
    private final Client admin;
    /** For the tests: jetcd's defaults, on every member. */
    private final Client client;
    private boolean closed;

    private EtcdCluster(Path etcd, int size, @Nullable Tls tls) {
        this.etcd = etcd;
        try {
            this.directory = Files.createTempDirectory("meridian-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for etcd", e);
        }
        DIRECTORIES.add(directory);
        this.token = "meridian-test-" + UUID.randomUUID();
        int[] ports = freePorts(2 * size);
        List<Member> list = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            list.add(new Member(i, ports[2 * i], ports[2 * i + 1], directory, tls != null));
        }
        this.members = List.copyOf(list);
        this.initialCluster = members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
        if (tls == null) {
            this.tlsFiles = null;
            this.sslContext = null;
        } else {
            this.tlsFiles = tls.write(directory.resolve("tls"));
            this.sslContext = tlsFiles.sslContext();
        }
        this.admin = clientBuilder(clientUrls())
                .waitForReady(false)
                .retryMaxAttempts(0)
                .connectTimeout(CALL_TIMEOUT)
                .interceptor(deadline(CALL_TIMEOUT))
                .build();
        this.client = clientBuilder(clientUrls()).build();
    }

    /** A client builder for {@code endpoints}, with the client certificate in TLS mode. */
    private ClientBuilder clientBuilder(List<String> endpoints) {
        ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(String[]::new));
        return sslContext == null ? builder : builder.sslContext(sslContext);
    }

    /** {@link #start(int) start}({@value #DEFAULT_MEMBERS}). */
    public static EtcdCluster start() {
        return start(DEFAULT_MEMBERS);
    }

    /**
     * Starts a new cluster of {@code members} members and returns once it is healthy (see the class
     * Javadoc), at most {@link #AWAIT} later. Skips the calling test when {@code etcd} is missing,
     * outside CI.
     *
     * @throws IllegalStateException when the cluster does not become healthy in time or a member
     *     exits, with the members' logs; the members are killed and the files deleted
     */
    public static EtcdCluster start(int members) {
        return start(members, null);
    }

    /**
     * Like {@link #start(int)}, with TLS for clients when {@code tls} is not {@code null} (see the
     * class Javadoc); {@code null}: plaintext, as {@link #start(int)}.
     */
    public static EtcdCluster start(int members, @Nullable Tls tls) {
        if (members < 1) {
            throw new IllegalArgumentException("members: " + members + " (expected: at least 1)");
        }
        Path etcd = ExternalProgram.require("etcd", INSTALL).path();
        for (int attempt = 1; ; attempt++) {
            long began = System.nanoTime();
            EtcdCluster cluster = new EtcdCluster(etcd, members, tls);
            try {
                cluster.members.forEach(cluster::launch);
                int leader = cluster.awaitHealthy("a healthy new cluster", false);
                log.info("etcd: {} members healthy in {} ms, leader m{}, {}{}", members,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), leader, cluster.directory,
                        tls == null ? "" : ", TLS with client certificates");
                return cluster;
            } catch (PortTakenException e) {
                cluster.closeAfter(e);
                if (attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("etcd: a port was taken by another process in each of "
                            + START_ATTEMPTS + " attempts to start a cluster", e);
                }
                log.info("etcd: {}; starting again on other ports", e.getMessage());
            } catch (RuntimeException | Error e) {
                cluster.closeAfter(e);
                throw e;
            }
        }
    }

    /**
     * The client URL of every member, {@code http://127.0.0.1:<port>} ({@code https://} in TLS
     * mode), in member order.
     */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /** The client URL of member {@code member} (0-based). */
    public String clientUrl(int member) {
        return member(member).clientUrl();
    }

    /**
     * The CA that signed the members' certificate and a client certificate it issued, as PEM files
     * (in this cluster's temporary directory, gone after {@link #close}).
     *
     * @throws IllegalStateException in plaintext mode
     */
    public TlsFiles tlsFiles() {
        if (tlsFiles == null) {
            throw new IllegalStateException("a plaintext cluster (started without Tls): " + this);
        }
        return tlsFiles;
    }

    /**
     * A jetcd client on every member with jetcd's defaults (and the client certificate in TLS mode), for tests to read and write; closed by
     * {@link #close}. Its requests wait for a connection (jetcd's {@code waitForReady}): bound each
     * one, for example {@code .get(5, SECONDS)}.
     */
    public synchronized Client client() {
        ensureOpen();
        return client;
    }

    /**
     * The index of the current leader: once every running member's status names the same leader
     * and that leader is running (an election in progress is waited for, at most {@link #AWAIT}).
     */
    public synchronized int leader() {
        ensureOpen();
        return await("the running members to agree on a leader", false, this::agreedLeader);
    }

    /** Kills member {@code member} with SIGKILL and waits until its process is gone. */
    public synchronized void kill(int member) {
        ensureOpen();
        Member m = running(member);
        Process process = Objects.requireNonNull(m.process);
        process.destroyForcibly();
        awaitExit(m, KILL_WAIT, "SIGKILL");
    }

    /**
     * Stops member {@code member} with SIGTERM (etcd's graceful stop: a leader first hands its
     * leadership to a follower) and waits until its process is gone.
     *
     * @throws IllegalStateException when it has not exited 10 s after SIGTERM (it is then killed)
     */
    public synchronized void stop(int member) {
        ensureOpen();
        Member m = running(member);
        Objects.requireNonNull(m.process).destroy();
        awaitExit(m, STOP_GRACE, "SIGTERM");
    }

    /**
     * Starts member {@code member} again, on its data directory and ports (stopping it first with
     * SIGTERM when it runs), and waits until it has rejoined: the cluster is healthy, which includes
     * a linearizable read through this member alone.
     */
    public synchronized void restart(int member) {
        ensureOpen();
        Member m = member(member);
        if (m.process != null) {
            stop(member);
        }
        long began = System.nanoTime();
        m.relaunches = 0;
        launch(m);
        awaitHealthy("m" + member + " to rejoin", true);
        log.info("etcd: m{} rejoined in {} ms", member, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    /**
     * Stops every running member with SIGTERM and waits until all are gone. The followers go
     * together first, then the leader: stopped together, the leader tries to hand its leadership to
     * a follower that is itself going away, and gives up only after etcd's request timeout (about
     * 6 s).
     */
    public synchronized void stopAll() {
        ensureOpen();
        List<Member> running = running();
        @Nullable Member leader = leaderNow();
        List<Member> followers = running.stream().filter(m -> m != leader).toList();
        followers.forEach(m -> Objects.requireNonNull(m.process).destroy());
        followers.forEach(m -> awaitExit(m, STOP_GRACE, "SIGTERM"));
        if (leader != null) {
            Objects.requireNonNull(leader.process).destroy();
            awaitExit(leader, STOP_GRACE, "SIGTERM");
        }
    }

    /** Starts every member that is not running, and waits until the cluster is healthy. */
    public synchronized void startAll() {
        ensureOpen();
        long began = System.nanoTime();
        for (Member m : members) {
            if (m.process == null) {
                m.relaunches = 0;
                launch(m);
            }
        }
        int leader = awaitHealthy("a healthy cluster again", true);
        log.info("etcd: all members healthy in {} ms, leader m{}",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), leader);
    }

    /**
     * Compacts the key-value history at the current revision, physically (the member that serves
     * the request has removed the old revisions when it answers), and returns once every running
     * member has applied the compaction: from then on, a watch or a read at an older revision fails
     * everywhere with "mvcc: required revision has been compacted". Like {@link #wipe}, it waits
     * (at most {@link #AWAIT}) while the cluster cannot take a request, for example during the
     * election after {@link #kill kill(leader())}.
     *
     * @return the revision compacted at, the current revision when it was called
     */
    public synchronized long compact() {
        ensureOpen();
        long revision = operate("read the current revision", () -> admin.getKVClient().get(PROBE_KEY))
                .getHeader().getRevision();
        CompactOption physical = CompactOption.builder().withCompactPhysical(true).build();
        operate("compact at revision " + revision, () -> admin.getKVClient().compact(revision, physical)
                .thenApply(response -> true)
                // When an attempt that seemed to fail (its answer lost) was applied, the next one is
                // told so.
                .exceptionally(e -> {
                    if (String.valueOf(rootCause(e).getMessage()).contains(COMPACTED)) {
                        return true;
                    }
                    throw new CompletionException(e);
                }));
        // A linearizable read through a member waits until it has applied every entry committed
        // before it, the compaction included.
        return await("every running member to apply the compaction at revision " + revision, false, () -> {
            readThroughEach(running());
            return revision;
        });
    }

    /**
     * Deletes every key that starts with {@code prefix} (every key when it is empty), linearizably:
     * a read after it sees none, on any member.
     */
    public synchronized void wipe(String prefix) {
        ensureOpen();
        ByteSequence key;
        DeleteOption option;
        if (prefix.isEmpty()) {
            // etcd rejects an empty key; from "\0" to the end "\0" means every key.
            key = ByteSequence.from(new byte[] {0});
            option = DeleteOption.builder().withRange(key).build();
        } else {
            key = ByteSequence.from(prefix, UTF_8);
            option = DeleteOption.builder().isPrefix(true).build();
        }
        long deleted = operate("delete the keys under '" + prefix + "'", () -> admin.getKVClient().delete(key, option))
                .getDeleted();
        log.info("etcd: wiped {} keys under '{}'", deleted, prefix);
    }

    /**
     * Closes the clients, kills every member (SIGKILL, waiting for each) and deletes the data
     * directories and logs. Idempotent.
     *
     * @throws IllegalStateException when a member did not die; everything else was still done
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        client.close();
        admin.close();
        members.forEach(m -> {
            if (m.process != null) {
                m.process.destroyForcibly();
            }
        });
        List<String> survivors = new ArrayList<>();
        for (Member m : members) {
            Process process = m.process;
            if (process == null) {
                continue;
            }
            if (waitFor(process, KILL_WAIT)) {
                LIVE.remove(process);
                m.process = null;
            } else {
                survivors.add("m" + m.index + " (pid " + process.pid() + ")");
            }
        }
        deleteRecursively(directory);
        DIRECTORIES.remove(directory);
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("etcd: still alive " + KILL_WAIT.toSeconds() + " s after SIGKILL: "
                    + survivors);
        }
    }

    @Override
    public String toString() {
        return "EtcdCluster" + clientUrls() + " in " + directory;
    }

    /** The temporary directory that holds the members' data and logs; gone after {@link #close}. */
    Path directory() {
        return directory;
    }

    // ---- processes ----

    private void launch(Member m) {
        List<String> command = new ArrayList<>(List.of(
                etcd.toString(),
                "--name=" + m.name,
                "--data-dir=" + m.dataDir,
                "--listen-client-urls=" + m.clientUrl(),
                "--advertise-client-urls=" + m.clientUrl(),
                "--listen-peer-urls=" + m.peerUrl(),
                "--initial-advertise-peer-urls=" + m.peerUrl(),
                // Used only on the first start; on a restart etcd reads the membership from its data.
                "--initial-cluster=" + initialCluster,
                "--initial-cluster-state=new",
                "--initial-cluster-token=" + token,
                "--heartbeat-interval=50",
                "--election-timeout=500",
                "--pre-vote=true",
                "--logger=zap",
                "--log-outputs=stderr"));
        if (tlsFiles != null) {
            command.addAll(List.of(
                    "--cert-file=" + tlsFiles.serverCertificate(),
                    "--key-file=" + tlsFiles.serverKey(),
                    "--trusted-ca-file=" + tlsFiles.ca(),
                    "--client-cert-auth=true"));
        }
        try {
            Files.createDirectories(m.dataDir.getParent());
            Files.writeString(m.logFile, "--- EtcdCluster: " + Instant.now() + " starting m" + m.index + ": "
                    + String.join(" ", command) + "\n", UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            m.logOffset = Files.size(m.logFile);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    // A file, not a pipe: nobody has to read it for etcd to go on.
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile.toFile()));
            builder.environment().keySet().removeIf(name -> name.startsWith("ETCD"));
            Process process = builder.start();
            LIVE.add(process);
            m.process = process;
        } catch (IOException e) {
            throw failure("cannot start m" + m.index + " (" + etcd + "): " + e.getMessage(), List.of(m));
        }
    }

    /** Waits until {@code m}'s process has exited after {@code signal}; kills it if SIGTERM was not enough. */
    private void awaitExit(Member m, Duration grace, String signal) {
        Process process = Objects.requireNonNull(m.process);
        boolean exited = waitFor(process, grace);
        if (!exited && !signal.equals("SIGKILL")) {
            process.destroyForcibly();
            exited = waitFor(process, KILL_WAIT);
            if (exited) {
                LIVE.remove(process);
                m.process = null;
            }
            throw failure("m" + m.index + " did not exit within " + grace.toSeconds() + " s of " + signal
                    + (exited ? "; killed it" : "; nor after SIGKILL"), List.of(m));
        }
        if (!exited) {
            throw failure("m" + m.index + " (pid " + process.pid() + ") still alive " + grace.toSeconds()
                    + " s after " + signal, List.of(m));
        }
        LIVE.remove(process);
        m.process = null;
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for etcd (pid " + process.pid() + ")", e);
        }
    }

    /** The shutdown hook: kills what {@link #close} did not, then deletes the directories. */
    private static void reap() {
        LIVE.forEach(Process::destroyForcibly);
        for (Process process : LIVE) {
            try {
                process.waitFor(KILL_WAIT.toMillis(), MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        DIRECTORIES.forEach(EtcdCluster::deleteRecursively);
    }

    // ---- waiting ----

    /**
     * Polls until the cluster is healthy (see the class Javadoc) and returns the leader's index.
     * {@code relaunch}: a member that exits because its port is taken is started again (its ports
     * are fixed); otherwise that ends the wait with a {@link PortTakenException}.
     */
    private int awaitHealthy(String what, boolean relaunch) {
        return await(what, relaunch, () -> {
            int leader = agreedLeader();
            readThroughEach(running());
            String failure = read(admin, "the fixture's client");
            if (failure == null) {
                failure = read(client, "client()");
            }
            if (failure != null) {
                throw new NotYet(failure);
            }
            return leader;
        });
    }

    /** Polls {@code probe} every 50 ms until it holds, at most {@link #AWAIT}, watching the processes. */
    private <T> T await(String what, boolean relaunch, Probe<T> probe) {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        String last = "not checked yet";
        while (true) {
            checkAlive(relaunch);
            try {
                return probe.probe();
            } catch (NotYet e) {
                last = e.getMessage();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw failure("gave up after " + AWAIT.toSeconds() + " s waiting for " + what + "; last: " + last,
                        members);
            }
            pause(POLL);
        }
    }

    /** Fails at once when a member that should run has exited, or relaunches it when its port was taken. */
    private void checkAlive(boolean relaunch) {
        for (Member m : members) {
            Process process = m.process;
            if (process == null || process.isAlive()) {
                continue;
            }
            LIVE.remove(process);
            m.process = null;
            boolean portTaken = logSinceLaunch(m).contains(PORT_TAKEN);
            String exit = "m" + m.index + " exited with code " + process.exitValue();
            if (portTaken && !relaunch) {
                throw new PortTakenException(exit + ": one of its ports (" + m.clientPort + ", " + m.peerPort
                        + ") was taken");
            }
            if (portTaken && m.relaunches < RELAUNCH_ATTEMPTS) {
                m.relaunches++;
                log.info("etcd: {}: a port was taken; starting it again ({} of {})", exit, m.relaunches,
                        RELAUNCH_ATTEMPTS);
                pause(Duration.ofMillis(200));
                launch(m);
                continue;
            }
            throw failure(exit, List.of(m));
        }
    }

    /** The leader's index when every running member's status names the same leader, itself running. */
    private int agreedLeader() {
        List<Member> running = running();
        if (running.isEmpty()) {
            throw new NotYet("no member is running");
        }
        // Asked together: one poll takes as long as the slowest member, not their sum.
        List<CompletableFuture<StatusResponse>> asked = running.stream()
                .map(m -> admin.getMaintenanceClient().statusMember(m.clientUrl())).toList();
        Set<Long> leaders = new HashSet<>();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            Member m = running.get(i);
            StatusResponse status = answer(m, asked.get(i), "status");
            m.id = status.getHeader().getMemberId();
            leaders.add(status.getLeader());
            answers.add("m" + m.index + " says leader " + Long.toHexString(status.getLeader()));
        }
        if (leaders.size() != 1 || leaders.contains(0L)) {
            throw new NotYet("no agreed leader: " + answers);
        }
        long leader = leaders.iterator().next();
        return running.stream().filter(m -> m.id == leader).findFirst().map(m -> m.index)
                .orElseThrow(() -> new NotYet("the leader " + Long.toHexString(leader) + " is not a running member: "
                        + answers));
    }

    /** The leader from one round of status requests, without waiting; null when there is none now. */
    private @Nullable Member leaderNow() {
        try {
            return members.get(agreedLeader());
        } catch (NotYet e) {
            return null;
        }
    }

    /** A linearizable read through each of {@code targets} alone, together; NotYet when one fails. */
    private void readThroughEach(List<Member> targets) {
        // A new client every time: one kept per member would wait out gRPC's reconnect back-off,
        // which grows while the member is down.
        List<Client> singles = targets.stream().map(m -> clientBuilder(List.of(m.clientUrl()))
                .waitForReady(false)
                .retryMaxAttempts(0)
                .connectTimeout(CALL_TIMEOUT)
                .interceptor(deadline(CALL_TIMEOUT))
                .build()).toList();
        try {
            List<CompletableFuture<GetResponse>> reads = singles.stream()
                    .map(single -> single.getKVClient().get(PROBE_KEY)).toList();
            for (int i = 0; i < targets.size(); i++) {
                answer(targets.get(i), reads.get(i), "a linearizable read through it alone");
            }
        } finally {
            singles.forEach(Client::close);
        }
    }

    /**
     * {@code m}'s answer to {@code request}; NotYet when the request fails, times out, or {@code m}'s
     * process exits first (then {@link #checkAlive} tells why, without waiting for the deadline).
     */
    private static <T> T answer(Member m, CompletableFuture<T> request, String what) {
        Process process = m.process;
        CompletableFuture<?> exited = process == null ? new CompletableFuture<>() : process.onExit();
        try {
            CompletableFuture.anyOf(request, exited).get(CALL_TIMEOUT.toMillis() + 500, MILLISECONDS);
        } catch (ExecutionException e) {
            // The request failed: below.
        } catch (TimeoutException e) {
            request.cancel(true);
            throw new NotYet("m" + m.index + ": no answer to " + what + " within " + CALL_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            request.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
        if (!request.isDone()) {
            request.cancel(true);
            throw new NotYet("m" + m.index + " exited");
        }
        try {
            return request.join();
        } catch (CompletionException | CancellationException e) {
            throw new NotYet("m" + m.index + ": " + what + " failed: " + (e.getCause() == null ? e : e.getCause()));
        }
    }

    private static @Nullable String read(Client through, String name) {
        try {
            call(through.getKVClient().get(PROBE_KEY));
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return name + ": " + describe(e);
        }
    }

    private static <T> T call(CompletableFuture<T> request) throws ExecutionException, TimeoutException {
        try {
            // A little over the gRPC deadline, which is what normally ends a request.
            return request.get(CALL_TIMEOUT.toMillis() + 500, MILLISECONDS);
        } catch (InterruptedException e) {
            request.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        } catch (TimeoutException e) {
            request.cancel(true);
            throw e;
        }
    }

    /**
     * The answer to a request of an operation ({@link #compact}, {@link #wipe}), sent again while
     * it fails as etcd fails when it cannot take a request now (UNAVAILABLE: no leader, leader
     * changed, a member going away; or no answer in time), at most {@link #AWAIT}; another failure
     * fails at once.
     */
    private <T> T operate(String what, Supplier<CompletableFuture<T>> request) {
        return await("etcd to " + what, false, () -> {
            try {
                return call(request.get());
            } catch (TimeoutException e) {
                throw new NotYet("no answer within " + CALL_TIMEOUT.toMillis() + " ms");
            } catch (ExecutionException e) {
                Throwable cause = rootCause(e);
                if (notNow(cause)) {
                    throw new NotYet(cause.toString());
                }
                IllegalStateException failure = failure("cannot " + what + ": " + cause, running());
                failure.initCause(cause);
                throw failure;
            }
        });
    }

    /** Whether etcd answered {@code failure} because it cannot take the request now. */
    private static boolean notNow(Throwable failure) {
        // jetcd turns some gRPC failures into an EtcdException with the status code, not as a cause.
        if (failure instanceof EtcdException etcd) {
            return etcd.getErrorCode() == ErrorCode.UNAVAILABLE || etcd.getErrorCode() == ErrorCode.DEADLINE_EXCEEDED;
        }
        Status.Code code = Status.fromThrowable(failure).getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String describe(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof TimeoutException ? "no answer within " + CALL_TIMEOUT.toMillis() + " ms" : cause.toString();
    }

    private static void pause(Duration interval) {
        try {
            Thread.sleep(interval.toMillis()); // the interval of a bounded poll, not a synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    private static ClientInterceptor deadline(Duration timeout) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                    Channel next) {
                return next.newCall(method, options.withDeadlineAfter(timeout.toMillis(), MILLISECONDS));
            }
        };
    }

    // ---- members ----

    private Member member(int member) {
        return members.get(Objects.checkIndex(member, members.size()));
    }

    private Member running(int member) {
        Member m = member(member);
        if (m.process == null) {
            throw new IllegalStateException("m" + member + " is not running");
        }
        return m;
    }

    private List<Member> running() {
        return members.stream().filter(m -> m.process != null).toList();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("closed: " + this);
        }
    }

    /** Closes after a failed start, keeping the start's failure the one that is thrown. */
    private void closeAfter(Throwable failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static int[] freePorts(int count) {
        // All bound at once, so that they differ. They are free again when etcd binds them: the race
        // that start() and checkAlive() handle.
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(LOOPBACK, 0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports on " + LOOPBACK, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    log.debug("cannot close {}: {}", socket, e.toString());
                }
            }
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- logs and failures ----

    /** An exception whose message ends with the last lines of each of {@code concerned}'s logs. */
    private IllegalStateException failure(String message, List<Member> concerned) {
        StringBuilder text = new StringBuilder("etcd: ").append(message);
        for (Member m : concerned) {
            text.append("\n--- last ").append(LOG_TAIL_LINES).append(" lines of m").append(m.index)
                    .append(" (").append(m.clientUrl()).append("), ").append(m.logFile).append(" ---\n")
                    .append(tail(m.logFile, LOG_TAIL_LINES));
        }
        return new IllegalStateException(text.toString());
    }

    private static String logSinceLaunch(Member m) {
        try (FileChannel file = FileChannel.open(m.logFile, StandardOpenOption.READ)) {
            long size = file.size();
            long from = Math.max(m.logOffset, size - 1024 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.max(0, size - from));
            file.read(buffer, from);
            return new String(buffer.array(), 0, buffer.position(), UTF_8);
        } catch (IOException e) {
            return "(cannot read " + m.logFile + ": " + e + ")";
        }
    }

    static String tail(Path log, int lines) {
        try (FileChannel file = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = file.size();
            long from = Math.max(0, size - 256 * 1024);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            file.read(buffer, from);
            String[] all = new String(buffer.array(), 0, buffer.position(), UTF_8).split("\n", -1);
            int end = all.length > 0 && all[all.length - 1].isEmpty() ? all.length - 1 : all.length;
            return String.join("\n", Arrays.asList(all).subList(Math.max(0, end - lines), end));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            log.warn("etcd: cannot delete {}: {}", root, e.toString());
        }
    }

    /** One etcd process's identity (fixed) and state (its process while it runs). */
    private static final class Member {
        final int index;
        final String name;
        final int clientPort;
        final int peerPort;
        final Path dataDir;
        final Path logFile;
        @Nullable Process process;
        /** etcd's id for it, known after its first status answer; 0 before. */
        long id;
        /** Where the log of its current run starts. */
        long logOffset;
        /** How often it was started again because a port was taken. */
        int relaunches;
        /** Whether it serves clients over TLS. */
        final boolean tls;

        Member(int index, int clientPort, int peerPort, Path directory, boolean tls) {
            this.index = index;
            this.tls = tls;
            this.name = "m" + index;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.dataDir = directory.resolve(name).resolve("data");
            this.logFile = directory.resolve(name + ".log");
        }

        String clientUrl() {
            return (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    /**
     * The certificates of a TLS cluster: a CA, the members' certificate it issued (for
     * {@code 127.0.0.1} and {@code localhost}, server and client use: etcd 3.4's gateway dials its own
     * member with it) and a client certificate it issued ({@code CN=meridian}, client use). ECDSA
     * P-256, valid for a day around now.
     *
     * @param ca the CA, also for a test that issues more certificates (another client, say)
     */
    public record Tls(X509Bundle ca, X509Bundle server, X509Bundle client) {

        /** New certificates, under a new CA. */
        public static Tls generate() {
            try {
                X509Bundle ca = new CertificateBuilder().subject("CN=Meridian etcd test CA")
                        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
                X509Bundle server = new CertificateBuilder().subject("CN=etcd")
                        .addSanIpAddress("127.0.0.1").addSanDnsName("localhost")
                        .addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth()
                        .ecp256().buildIssuedBy(ca);
                X509Bundle client = new CertificateBuilder().subject("CN=meridian")
                        .addExtendedKeyUsageClientAuth().ecp256().buildIssuedBy(ca);
                return new Tls(ca, server, client);
            } catch (Exception e) {
                throw new IllegalStateException("cannot generate test certificates: " + e, e);
            }
        }

        /** Writes the PEM files into {@code dir}. */
        TlsFiles write(Path dir) {
            try {
                Files.createDirectories(dir);
                TlsFiles files = new TlsFiles(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client-key.pem"),
                        dir.resolve("server.pem"), dir.resolve("server-key.pem"));
                Files.writeString(files.ca(), ca.getCertificatePEM(), UTF_8);
                Files.writeString(files.certificate(), client.getCertificatePathPEM(), UTF_8);
                Files.writeString(files.key(), client.getPrivateKeyPEM(), UTF_8);
                Files.writeString(files.serverCertificate(), server.getCertificatePathPEM(), UTF_8);
                Files.writeString(files.serverKey(), server.getPrivateKeyPEM(), UTF_8);
                return files;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the TLS files to " + dir, e);
            }
        }
    }

    /**
     * The PEM files of a TLS cluster.
     *
     * @param ca the CA that issued every certificate here ({@code fleet.etcd.tls.ca})
     * @param certificate a client certificate the members accept ({@code fleet.etcd.tls.certificate})
     * @param key its private key, unencrypted PKCS#8 ({@code fleet.etcd.tls.key})
     * @param serverCertificate the members' certificate ({@code --cert-file})
     * @param serverKey its private key ({@code --key-file})
     */
    public record TlsFiles(Path ca, Path certificate, Path key, Path serverCertificate, Path serverKey) {

        /** The fixture's client side: trusts {@link #ca}, presents {@link #certificate}. */
        SslContext sslContext() {
            try {
                return GrpcSslContexts.forClient().trustManager(ca.toFile())
                        .keyManager(certificate.toFile(), key.toFile()).build();
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("etcd: cannot use the TLS files in " + ca.getParent() + ": " + e, e);
            }
        }
    }

    @FunctionalInterface
    private interface Probe<T> {
        /** The result once the condition holds; throws {@link NotYet} with the reason otherwise. */
        T probe();
    }

    /** A condition that does not hold yet, and why. */
    private static final class NotYet extends RuntimeException {
        NotYet(String reason) {
            super(reason, null, false, false);
        }
    }

    /** A member exited because another process had taken one of its ports. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
