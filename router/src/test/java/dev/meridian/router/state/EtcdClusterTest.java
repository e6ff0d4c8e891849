package dev.meridian.router.state;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fixture against the real thing: each test starts its own three-member cluster and checks
 * what the fleet's tests will rely on.
 */
class EtcdClusterTest {

    private static final ByteSequence KEY = bytes("/meridian/test/regions/us-east4");

    @Test
    void aWriteThroughOneMemberIsReadThroughAnother() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3);
                Client first = single(etcd, 0);
                Client third = single(etcd, 2)) {
            assertThat(etcd.clientUrls()).hasSize(3).doesNotHaveDuplicates()
                    .allSatisfy(url -> assertThat(URI.create(url).getHost()).isEqualTo("127.0.0.1"));
            assertThat(etcd.clientUrl(2)).isEqualTo(etcd.clientUrls().get(2));

            long written = first.getKVClient().put(KEY, bytes("weight=30")).get(5, SECONDS).getHeader().getRevision();

            List<KeyValue> read = third.getKVClient().get(KEY).get(5, SECONDS).getKvs();
            assertThat(read).singleElement().satisfies(kv -> {
                assertThat(kv.getValue()).isEqualTo(bytes("weight=30"));
                assertThat(kv.getModRevision()).as("the revision member 0 gave the write").isEqualTo(written);
            });
            assertThat(third.getKVClient().get(KEY).get(5, SECONDS).getHeader().getMemberId())
                    .as("member 2 answered the read itself")
                    .isNotEqualTo(first.getKVClient().get(KEY).get(5, SECONDS).getHeader().getMemberId());
        }
    }

    @Test
    void killingTheLeaderElectsAnotherAndTheRestartedMemberCatchesUp() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            KV kv = etcd.client().getKVClient();
            kv.put(KEY, bytes("before")).get(5, SECONDS);
            int killed = etcd.leader();

            etcd.kill(killed);
            assertRefusesConnections(etcd.clientUrl(killed));
            int elected = etcd.leader();
            assertThat(elected).as("a new leader among the two others").isNotEqualTo(killed).isBetween(0, 2);
            kv.put(KEY, bytes("while one member is down")).get(5, SECONDS);

            etcd.restart(killed);
            try (Client restarted = single(etcd, killed)) {
                assertThat(restarted.getKVClient().get(KEY).get(5, SECONDS).getKvs())
                        .as("the write it missed while it was dead")
                        .singleElement().extracting(KeyValue::getValue).isEqualTo(bytes("while one member is down"));
            }
            assertThat(etcd.leader()).isBetween(0, 2);
        }
    }

    @Test
    void afterStopAllRequestsFailAndAfterStartAllTheDataIsThere() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            KV kv = etcd.client().getKVClient();
            kv.put(KEY, bytes("kept")).get(5, SECONDS);

            etcd.stopAll();
            etcd.clientUrls().forEach(EtcdClusterTest::assertRefusesConnections);
            CompletableFuture<?> get = kv.get(KEY);
            assertThatThrownBy(() -> get.get(1, SECONDS)).as("no member answers")
                    .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
            get.cancel(true);

            etcd.startAll();
            assertThat(kv.get(KEY).get(5, SECONDS).getKvs()).as("on disk, through the same client")
                    .singleElement().extracting(KeyValue::getValue).isEqualTo(bytes("kept"));
            kv.put(KEY, bytes("writable again")).get(5, SECONDS);
        }
    }

    @Test
    void aWatchFromBeforeTheCompactionFailsWithCompactedException() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            KV kv = etcd.client().getKVClient();
            long first = kv.put(KEY, bytes("1")).get(5, SECONDS).getHeader().getRevision();
            kv.put(KEY, bytes("2")).get(5, SECONDS);
            long last = kv.put(KEY, bytes("3")).get(5, SECONDS).getHeader().getRevision();

            long compacted = etcd.compact();
            assertThat(compacted).isGreaterThanOrEqualTo(last);

            // On a member other than the one the compaction went through, too.
            for (int member = 0; member < 3; member++) {
                try (Client single = single(etcd, member)) {
                    CompletableFuture<Throwable> failed = new CompletableFuture<>();
                    Watch.Watcher watcher = single.getWatchClient().watch(KEY,
                            WatchOption.builder().withRevision(first).build(),
                            response -> failed.completeExceptionally(
                                    new AssertionError("an event from a compacted revision: " + response.getEvents())),
                            failed::complete);
                    try {
                        assertThat(failed.get(5, SECONDS)).as("member %d", member)
                                .isInstanceOfSatisfying(CompactedException.class, e ->
                                        assertThat(e.getCompactedRevision()).isEqualTo(compacted));
                    } finally {
                        watcher.close();
                    }
                }
            }
            assertThat(kv.get(KEY).get(5, SECONDS).getKvs()).as("the current value survives")
                    .singleElement().extracting(KeyValue::getValue).isEqualTo(bytes("3"));
        }
    }

    @Test
    void wipeDeletesEveryKeyUnderThePrefixAndNothingElse() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            KV kv = etcd.client().getKVClient();
            for (String key : List.of("/meridian/a", "/meridian/regions/b", "/meridian/regions/c", "/other/d",
                    "/meridian")) {
                kv.put(bytes(key), bytes("x")).get(5, SECONDS);
            }

            etcd.wipe("/meridian/");

            GetOption everything = GetOption.builder().withRange(ByteSequence.from(new byte[] {0})).build();
            assertThat(kv.get(ByteSequence.from(new byte[] {0}), everything).get(5, SECONDS).getKvs())
                    .extracting(k -> k.getKey().toString(UTF_8))
                    .containsExactly("/meridian", "/other/d");

            etcd.wipe("");
            assertThat(kv.get(ByteSequence.from(new byte[] {0}), everything).get(5, SECONDS).getCount())
                    .as("an empty prefix: every key").isZero();
        }
    }

    @Test
    void aMemberThatCannotStartFailsTheWaitAtOnceWithTheEndOfItsLog() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(3)) {
            etcd.stop(1);
            int port = URI.create(etcd.clientUrl(1)).getPort();
            try (ServerSocket squatter = new ServerSocket()) {
                squatter.bind(new InetSocketAddress("127.0.0.1", port));

                Throwable failure = catchThrowable(() -> etcd.restart(1));

                assertThat(failure).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("etcd: m1 exited with code")
                        .hasMessageContaining("--- last 30 lines of m1 (" + etcd.clientUrl(1) + ")");
                String log = failure.getMessage().substring(failure.getMessage().indexOf(" ---\n") + 5);
                assertThat(log.lines()).hasSizeBetween(1, 30)
                        .anySatisfy(line -> assertThat(line).contains("127.0.0.1:" + port, "address already in use"));
            }

            etcd.restart(1);
            assertThat(etcd.leader()).isBetween(0, 2);
        }
    }

    @Test
    void closeKillsEveryMemberAndDeletesItsFilesAndIsIdempotent() throws Exception {
        EtcdCluster etcd = EtcdCluster.start(3);
        Path directory = etcd.directory();
        List<String> urls = etcd.clientUrls();
        etcd.stop(1);
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).as("data and logs").isNotEmpty();
        }

        etcd.close();
        etcd.close();

        urls.forEach(EtcdClusterTest::assertRefusesConnections);
        assertThat(directory).doesNotExist();
        assertThatThrownBy(etcd::leader).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aTlsClusterAnswersClientsWithItsClientCertificateOnlyAndRestartsWithTls() throws Exception {
        try (EtcdCluster etcd = EtcdCluster.start(1, EtcdCluster.Tls.generate())) {
            EtcdCluster.TlsFiles files = etcd.tlsFiles();
            assertThat(etcd.clientUrl(0)).startsWith("https://127.0.0.1:");
            assertThat(List.of(files.ca(), files.certificate(), files.key(), files.serverCertificate(), files.serverKey()))
                    .allSatisfy(file -> assertThat(file).startsWith(etcd.directory()).isNotEmptyFile());
            assertThat(Files.readString(files.key())).as("unencrypted PKCS#8").startsWith("-----BEGIN PRIVATE KEY-----");
            etcd.client().getKVClient().put(KEY, bytes("over TLS")).get(5, SECONDS);

            etcd.restart(0);

            assertThat(etcd.client().getKVClient().get(KEY).get(5, SECONDS).getKvs())
                    .singleElement().extracting(KeyValue::getValue).isEqualTo(bytes("over TLS"));
            try (Client anonymous = failFast(etcd).sslContext(b -> b.trustManager(files.ca().toFile())).build();
                    Client plaintext = failFast(etcd).build()) {
                assertThatThrownBy(() -> anonymous.getKVClient().get(KEY).get(10, SECONDS))
                        .as("--client-cert-auth: no client certificate, no answer").isInstanceOf(ExecutionException.class);
                assertThatThrownBy(() -> plaintext.getKVClient().get(KEY).get(10, SECONDS))
                        .as("no plaintext on the client port").isInstanceOf(ExecutionException.class);
            }
        }
        assertThatThrownBy(() -> {
            try (EtcdCluster plain = EtcdCluster.start(1)) {
                plain.tlsFiles();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("plaintext");
    }

    private static ClientBuilder failFast(EtcdCluster etcd) {
        return Client.builder().endpoints(etcd.clientUrl(0)).waitForReady(false).retryMaxAttempts(0)
                .connectTimeout(Duration.ofSeconds(2));
    }

    private static Client single(EtcdCluster etcd, int member) {
        return Client.builder().endpoints(etcd.clientUrl(member)).build();
    }

    private static void assertRefusesConnections(String url) {
        URI uri = URI.create(url);
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000))
                    .as("nothing listens on %s", url).isInstanceOf(ConnectException.class);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, UTF_8);
    }
}
