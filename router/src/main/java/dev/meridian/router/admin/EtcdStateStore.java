package dev.meridian.router.admin;

import static dev.meridian.router.etcd.EtcdClients.await;
import static dev.meridian.router.etcd.EtcdClients.bytes;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.config.EtcdConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.router.etcd.EtcdClients;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet's admin state in etcd. Every instance reads and watches the same keys, so that a change
 * accepted by any instance is applied by all, and etcd, not a local lock, decides which of two
 * racing writers wins.
 *
 * <p>Keys under the prefix {@code P}:
 * <pre>
 * P state/revision         touched by every change: its modification revision is the state's revision
 * P state/regions/NAME     one region's overrides: {"weight": 50, "drained": true, "dial": {"percent": 50, …},
 *                          "time": …, "instance": …, "write": …}
 * P members/ID             one live instance (under its lease): id, admin address, version, start, applied revision
 * P audit/REVISION-ID      one admin change, newest kept ({@value #AUDIT_RETENTION})
 * </pre>
 *
 * <p>A write reads the state (linearizable), computes the region's next value from it, and commits
 * both keys in one transaction that holds only if {@code state/revision} has not moved since the
 * read: a change is never half made, and a writer that lost the race gets 412 (with
 * {@code If-Match}) or tries again on the fresh state (without). A write whose answer is lost (the
 * leader died mid-request) is looked up by its write id before answering, so the caller learns
 * whether it happened.
 *
 * <p>etcd is never on the request path. A watch from the loaded revision applies changes as they
 * commit; a heartbeat reads the state every {@link #HEARTBEAT}, which tells whether etcd answers and
 * repairs whatever a watch missed (a compaction, a wiped prefix, a watch that ended). While etcd
 * does not answer, the last applied state stays in force and is kept in a cache file, from which an
 * instance that starts meanwhile begins.
 */
final class EtcdStateStore implements StateStore {

    private static final Logger log = LoggerFactory.getLogger(EtcdStateStore.class);

    /** How often the state is read to check that etcd answers and that nothing was missed. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** While etcd is unavailable, a reminder at most this often (the first failure is logged at once). */
    static final Duration REMINDER = Duration.ofMinutes(1);
    /** The membership lease: an instance that stops renewing disappears from {@code /admin/fleet} after this. */
    static final long LEASE_TTL_SECONDS = 10;
    /** Audit lines kept in etcd; older ones are deleted by the writer of a newer one. */
    static final int AUDIT_RETENTION = 1000;
    /** Writes that lost a race (no {@code If-Match}) are tried again on the fresh state this often at most. */
    private static final int WRITE_ATTEMPTS = 5;
    /**
     * While etcd does not answer, a new client this often: gRPC's reconnect back-off grows to
     * minutes during a long outage, and a new channel tries at once.
     */
    static final Duration RECONNECT = Duration.ofSeconds(5);
    /** Largest value accepted under the prefix: ours are a hundred bytes. */
    private static final int MAX_VALUE_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = StateFile.JSON;

    private final EtcdConfig config;
    private final List<RegionConfig> regions;
    private final StateFile cache;
    private final Clock clock;
    private volatile Client client;
    private volatile KV kv;
    private final String prefix;
    private final ByteSequence stateDir;
    private final ByteSequence revisionKey;
    private final String regionsDir;
    private final ByteSequence membersDir;
    private final ByteSequence auditDir;
    private final ByteSequence memberKey;
    private final ScheduledExecutorService heartbeat;
    private final Instant started;
    private final String instanceId = FleetIdentity.newInstanceId();
    private final AuditLog audit;
    private final @Nullable StateStoreMeters meters;
    private final Map<String, Long> reportedBadValues = new HashMap<>();

    private final Object applyLock = new Object();
    /** Per region: the overrides etcd holds (regions not configured here too: other instances may have them). */
    private Map<String, RegionEntry> entries = Map.of();
    /** The etcd revision up to which this instance has applied the state (all keys, not only the state's). */
    private long processed;
    private volatile AdminState current = AdminState.INITIAL;
    private @Nullable Consumer<AdminState> applier;

    private volatile Status status;
    private volatile Instant lastReminder = Instant.EPOCH;
    private volatile Instant lastReconnect = Instant.EPOCH;
    /** When the failures that have not been followed by a success began; {@code null} after a success. */
    private volatile @Nullable Instant firstFailure;
    /** Failures for this long make the store unavailable: longer than a leader election, at least two heartbeats. */
    private final Duration downAfter;
    /** Whether the current outage was logged (the start logs its own line). */
    private volatile boolean downLogged;
    private Watch.@Nullable Watcher watcher;
    private volatile boolean watchBroken = true;
    private volatile long leaseId;
    private volatile long memberPutRevision = -1;
    private volatile String adminAddress = "";
    private volatile List<Member> lastMembers = List.of();
    private int ticks;

    /**
     * @param regions the configured regions, whose overrides are applied (others stay in etcd)
     * @param audit this instance's audit file, read when the shared stream cannot be
     * @param registry where the store's meters go; {@code null} in tests that do not look at them
     */
    EtcdStateStore(EtcdConfig config, List<RegionConfig> regions, Path cacheFile, AuditLog audit, Clock clock,
            @Nullable MeterRegistry registry) {
        this.config = requireNonNull(config, "config");
        this.regions = List.copyOf(regions);
        this.cache = new StateFile(cacheFile, clock);
        this.clock = requireNonNull(clock, "clock");
        this.prefix = config.prefix();
        this.client = EtcdClients.connect(config);
        this.kv = client.getKVClient();
        this.stateDir = bytes(prefix + "state/");
        this.revisionKey = bytes(prefix + "state/revision");
        this.regionsDir = prefix + "state/regions/";
        this.membersDir = bytes(prefix + "members/");
        this.auditDir = bytes(prefix + "audit/");
        this.memberKey = bytes(prefix + "members/" + instanceId);
        this.started = clock.instant();
        this.downAfter = max(HEARTBEAT.multipliedBy(2), config.requestTimeout().multipliedBy(2));
        this.status = new Status(false, started, "not contacted yet");
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meridian-fleet");
            t.setDaemon(true);
            return t;
        });
        this.audit = requireNonNull(audit, "audit");
        this.meters = registry == null ? null : new StateStoreMeters(registry, kind(), prefix, this::status, this::current);
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public String kind() {
        return "etcd";
    }

    EtcdConfig config() {
        return config;
    }

    // ---- start, heartbeat, watch ----

    @Override
    public AdminState start(Consumer<AdminState> applier) {
        synchronized (applyLock) {
            this.applier = requireNonNull(applier, "applier");
        }
        try {
            Snapshot snapshot = read(config.connectTimeout().plus(config.requestTimeout()));
            markUp();
            applySnapshot(snapshot, "loaded from etcd");
            log.info("fleet state loaded from etcd {} at {}: revision {}, weights {}, drained {}, dials {}", config.endpoints(),
                    prefix, current.revision(), current.overrides().weights(), current.overrides().drained(),
                    current.overrides().dials());
            startWatch(snapshot.header);
        } catch (RuntimeException e) {
            downLogged = true;
            lastReminder = clock.instant();
            status = new Status(false, started, problem(e));
            AdminState cached = cache.load();
            synchronized (applyLock) {
                entries = RegionEntry.of(cached.overrides());
                publish(cached);
            }
            log.warn("etcd {} does not answer ({}); starting from {} at revision {} and retrying every {} s",
                    config.endpoints(), problem(e), cached.equals(AdminState.INITIAL) ? "the configuration (no fleet cache yet)"
                            : "the fleet cache " + cache.path(), cached.revision(), HEARTBEAT.toSeconds());
        }
        heartbeat.scheduleWithFixedDelay(this::tick, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        return current;
    }

    /** Once a {@link #HEARTBEAT}: read the state (resyncing when it differs), keep the watch and the membership alive. */
    private void tick() {
        try {
            Snapshot snapshot = read(config.requestTimeout());
            boolean wasDown = !status.up();
            markUp();
            synchronized (applyLock) {
                if (snapshot.header < processed) {
                    log.warn("etcd's revision went back from {} to {} (restored from a snapshot?): applying the state it has now",
                            processed, snapshot.header);
                    processed = 0;
                    watchBroken = true;
                }
                if (snapshot.header > processed && (snapshot.revision != current.revision() || !snapshot.entries.equals(entries))) {
                    if (!wasDown) {
                        log.info("fleet state at revision {} was not delivered by the watch; applied from a full read", snapshot.revision);
                    }
                    applySnapshot(snapshot, wasDown ? "resynced after etcd returned" : "resynced");
                }
            }
            if (watchBroken) {
                startWatch(snapshot.header);
                if (meters != null) {
                    meters.watchRestarted();
                }
            }
            keepMembership();
        } catch (RuntimeException e) {
            markDown(e);
            Instant now = clock.instant();
            if (!status.up() && Duration.between(lastReconnect, now).compareTo(RECONNECT) >= 0) {
                lastReconnect = now;
                reconnect();
            }
        } catch (Error e) {
            log.error("fleet heartbeat failed", e);
            throw e;
        }
    }

    /** A new client in place of the old one (whose channels may be deep in their reconnect back-off); the watch starts again. */
    private void reconnect() {
        Client old = client;
        Client fresh;
        try {
            fresh = EtcdClients.connect(config);
        } catch (RuntimeException e) {
            log.debug("cannot build a new etcd client: {}", e.toString());
            return;
        }
        synchronized (applyLock) {
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
            watchBroken = true;
            client = fresh;
            kv = fresh.getKVClient();
        }
        old.close();
    }

    private void startWatch(long fromHeader) {
        synchronized (applyLock) {
            if (watcher != null) {
                watcher.close();
            }
            watchBroken = false;
            WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromHeader + 1).build();
            watcher = client.getWatchClient().watch(stateDir, option, Watch.listener(this::onWatch, this::onWatchError));
        }
    }

    private void onWatch(WatchResponse response) {
        synchronized (applyLock) {
            Map<String, RegionEntry> next = new HashMap<>(entries);
            long revision = current.revision();
            long writtenAt = -1;
            long newest = processed;
            for (WatchEvent event : response.getEvents()) {
                KeyValue kv = event.getKeyValue();
                if (kv.getModRevision() <= processed) {
                    continue; // applied already, by this instance's own write or a full read
                }
                String key = kv.getKey().toString(StandardCharsets.UTF_8);
                newest = Math.max(newest, kv.getModRevision());
                if (key.equals(revisionKey.toString(StandardCharsets.UTF_8))) {
                    revision = event.getEventType() == WatchEvent.EventType.PUT ? kv.getModRevision() : 0;
                    if (event.getEventType() == WatchEvent.EventType.DELETE) {
                        log.warn("fleet state revision key {} was deleted from etcd (a wipe?): regions without a key use their configured values",
                                key);
                    }
                    continue;
                }
                if (!key.startsWith(regionsDir)) {
                    continue;
                }
                String region = key.substring(regionsDir.length());
                if (event.getEventType() == WatchEvent.EventType.DELETE) {
                    if (next.remove(region) != null) {
                        log.info("fleet state of region {} was removed from etcd: its configured weight and state apply", region);
                    }
                } else {
                    RegionEntry entry = parseEntry(key, kv);
                    if (entry != null) {
                        next.put(region, entry);
                        writtenAt = Math.max(writtenAt, entry.time());
                    }
                }
            }
            if (newest <= processed) {
                return;
            }
            processed = newest; // not the header: a later response may still bring events below it
            entries = Map.copyOf(next);
            publish(new AdminState(overrides(entries), revision));
            if (writtenAt > 0 && meters != null) {
                meters.applyLag(clock.millis() - writtenAt);
            }
        }
    }

    private void onWatchError(Throwable error) {
        watchBroken = true;
        if (error instanceof CompactedException || (error.getCause() instanceof CompactedException)) {
            log.info("fleet watch fell behind a compaction of etcd; reading the state again");
        } else {
            log.debug("fleet watch ended: {}", error.toString());
        }
        heartbeat.execute(this::tick);
    }

    // ---- reads ----

    /** The state as etcd has it at {@code header}. */
    private record Snapshot(long header, long revision, Map<String, RegionEntry> entries) {}

    private Snapshot read(Duration timeout) {
        GetResponse response = await(kv.get(stateDir, GetOption.builder().isPrefix(true).build()), timeout);
        long revision = 0;
        Map<String, RegionEntry> read = new HashMap<>();
        Map<String, RegionEntry> previous;
        synchronized (applyLock) {
            previous = entries;
        }
        for (KeyValue kv : response.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            if (kv.getKey().equals(revisionKey)) {
                revision = kv.getModRevision();
            } else if (key.startsWith(regionsDir)) {
                String region = key.substring(regionsDir.length());
                RegionEntry entry = parseEntry(key, kv);
                if (entry != null) {
                    read.put(region, entry);
                } else if (previous.containsKey(region)) {
                    read.put(region, previous.get(region)); // a bad value keeps the previous one
                }
            }
        }
        return new Snapshot(response.getHeader().getRevision(), revision, Map.copyOf(read));
    }

    /** The entry in {@code kv}, or {@code null} (logged once per key and revision) when it is not one. */
    private @Nullable RegionEntry parseEntry(String key, KeyValue kv) {
        try {
            if (kv.getValue().size() > MAX_VALUE_BYTES) {
                throw new IllegalArgumentException(kv.getValue().size() + " bytes (expected a small JSON object)");
            }
            return RegionEntry.parse(JSON.readTree(kv.getValue().getBytes()));
        } catch (IOException | IllegalArgumentException e) {
            synchronized (reportedBadValues) {
                Long reported = reportedBadValues.put(key, kv.getModRevision());
                if (reported == null || reported != kv.getModRevision()) {
                    log.warn("ignoring the value of {} in etcd (revision {}): {}; the region keeps its previous state", key,
                            kv.getModRevision(), e instanceof JsonProcessingException j ? "not JSON (" + j.getOriginalMessage() + ")"
                                    : e.getMessage());
                }
            }
            return null;
        }
    }

    private void applySnapshot(Snapshot snapshot, String why) {
        synchronized (applyLock) {
            Set<String> removed = new HashSet<>(entries.keySet());
            removed.removeAll(snapshot.entries.keySet());
            if (!removed.isEmpty() && processed > 0) {
                log.info("fleet state of {} is no longer in etcd ({}): their configured weights and states apply", removed, why);
            }
            entries = snapshot.entries;
            processed = Math.max(processed, snapshot.header);
            publish(new AdminState(overrides(entries), snapshot.revision));
        }
    }

    /** Applies and caches {@code state}; the caller holds {@link #applyLock}. */
    private void publish(AdminState state) {
        Consumer<AdminState> a = requireNonNull(applier, "start() first");
        a.accept(state);
        current = state;
        try {
            cache.save(state);
        } catch (IOException e) {
            log.warn("cannot write the fleet cache {}: {}", cache.path(), e.toString());
        }
    }

    private RegionOverrides overrides(Map<String, RegionEntry> entries) {
        Map<String, Integer> weights = new HashMap<>();
        Set<String> drained = new HashSet<>();
        Map<String, RegionDial> dials = new HashMap<>();
        for (RegionConfig region : regions) {
            RegionEntry entry = entries.get(region.name());
            if (entry == null) {
                continue;
            }
            if (entry.dial() != null) {
                dials.put(region.name(), entry.dial());
            }
            if (entry.weight() != null) {
                weights.put(region.name(), entry.weight());
            }
            if (entry.drained()) {
                drained.add(region.name());
            }
        }
        return new RegionOverrides(weights, drained, dials);
    }

    @Override
    public AdminState current() {
        return current;
    }

    // ---- writes ----

    @Override
    public Change change(String region, UnaryOperator<RegionOverrides> change, @Nullable IfMatch ifMatch) {
        ByteSequence key = bytes(regionsDir + region);
        for (int attempt = 1; ; attempt++) {
            Snapshot fresh = readForWrite();
            if (ifMatch != null && !ifMatch.matches(fresh.revision)) {
                throw new PreconditionFailed(fresh.revision);
            }
            RegionEntry entry = fresh.entries.get(region);
            RegionOverrides before = (entry == null ? RegionEntry.NONE : entry).overrides(region);
            RegionOverrides after = change.apply(before);
            AdminState beforeState = new AdminState(overrides(fresh.entries), fresh.revision);
            if (after.equals(before)) {
                return new Change(beforeState, beforeState);
            }
            String write = UUID.randomUUID().toString();
            RegionEntry next = new RegionEntry(after.weights().get(region), after.isDrained(region), after.dials().get(region),
                    clock.millis(), instanceId, write);
            ByteSequence marker = bytes(json(Map.of("instance", instanceId, "time", clock.instant().toString(), "write", write)));
            Op regionOp = next.isEmpty() ? Op.delete(key, DeleteOption.DEFAULT)
                    : Op.put(key, bytes(next.toJson()), PutOption.DEFAULT);
            Cmp unchanged = new Cmp(revisionKey, Cmp.Op.EQUAL, CmpTarget.modRevision(fresh.revision));
            long committed;
            try {
                TxnResponse response = await(kv.txn().If(unchanged).Then(regionOp, Op.put(revisionKey, marker, PutOption.DEFAULT))
                        .commit(), config.requestTimeout());
                if (!response.isSucceeded()) {
                    if (ifMatch != null) {
                        throw new PreconditionFailed(currentRevisionOr(fresh.revision));
                    }
                    if (attempt < WRITE_ATTEMPTS) {
                        continue; // another instance wrote meanwhile: decide again on its state
                    }
                    throw new StoreUnavailable("the fleet state kept changing under " + WRITE_ATTEMPTS + " attempts; nothing was changed, try again");
                }
                committed = response.getHeader().getRevision();
            } catch (RuntimeException e) {
                if (e instanceof PreconditionFailed || e instanceof StoreUnavailable) {
                    throw e;
                }
                committed = findWrite(key, write, fresh.revision, e);
            }
            Map<String, RegionEntry> entriesAfter = new HashMap<>(fresh.entries);
            if (next.isEmpty()) {
                entriesAfter.remove(region);
            } else {
                entriesAfter.put(region, next);
            }
            AdminState afterState = new AdminState(overrides(entriesAfter), committed);
            synchronized (applyLock) {
                if (committed > processed) {
                    entries = Map.copyOf(entriesAfter);
                    processed = committed;
                    publish(afterState);
                }
            }
            return new Change(beforeState, afterState);
        }
    }

    /**
     * The state to decide a write on. Failures are tried again until {@link #downAfter} has
     * passed, so that a write rides out a leader election; then 503.
     */
    private Snapshot readForWrite() {
        long deadline = System.nanoTime() + downAfter.toNanos();
        while (true) {
            try {
                Snapshot fresh = read(config.requestTimeout());
                markUp();
                return fresh;
            } catch (RuntimeException e) {
                markDown(e);
                if (!status.up() || System.nanoTime() >= deadline) {
                    throw new StoreUnavailable("etcd does not answer (" + problem(e) + "); nothing was changed");
                }
                pause(Duration.ofMillis(100));
            }
        }
    }

    private static void pause(Duration pause) {
        try {
            TimeUnit.NANOSECONDS.sleep(pause.toNanos()); // an admin worker thread, never an event loop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailable("interrupted; nothing was changed");
        }
    }

    /**
     * A write whose answer was lost (a timeout, the leader gone mid-request): whether it committed,
     * looked up by its write id in the revision key (or, when a later change moved that key, in
     * the region's key). Returns the revision it committed at, or throws {@link StoreUnavailable}
     * saying that nothing was changed, or that etcd could not tell yet.
     */
    private long findWrite(ByteSequence key, String write, long before, RuntimeException cause) {
        long deadline = System.nanoTime() + config.requestTimeout().multipliedBy(3).toNanos();
        RuntimeException last = cause;
        while (System.nanoTime() < deadline) {
            try {
                GetResponse marker = await(kv.get(revisionKey), config.requestTimeout());
                KeyValue m = marker.getKvs().isEmpty() ? null : marker.getKvs().get(0);
                if (m != null && m.getValue().toString(StandardCharsets.UTF_8).contains(write)) {
                    log.info("a write to {} was committed at revision {} although its answer was lost ({})",
                            key.toString(StandardCharsets.UTF_8), m.getModRevision(), problem(cause));
                    return m.getModRevision();
                }
                GetResponse value = await(kv.get(key), config.requestTimeout());
                if (!value.getKvs().isEmpty() && value.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8).contains(write)) {
                    return value.getKvs().get(0).getModRevision();
                }
                long now = m == null ? 0 : m.getModRevision();
                throw new StoreUnavailable(now == before
                        ? "etcd did not confirm the write (" + problem(cause) + ") and it was not committed; nothing was changed"
                        : "another change was committed meanwhile and this one was not; nothing was changed, try again");
            } catch (StoreUnavailable e) {
                throw e;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        markDown(last);
        throw new StoreUnavailable("etcd did not say whether the write was committed (" + problem(last)
                + "); GET /admin/regions shows the state once etcd answers");
    }

    private long currentRevisionOr(long fallback) {
        try {
            GetResponse marker = await(kv.get(revisionKey), config.requestTimeout());
            return marker.getKvs().isEmpty() ? 0 : marker.getKvs().get(0).getModRevision();
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    @Override
    public AdminState retainRegions(List<String> configured) {
        // The shared state keeps every region's key: other instances may still be configured with it.
        synchronized (applyLock) {
            publish(new AdminState(overrides(entries).retainRegions(configured), current.revision()));
            return current;
        }
    }

    // ---- audit ----

    @Override
    public void recordAudit(ObjectNode line, long revision) {
        line.put("instance", instanceId);
        String id = String.format("%020d-%s", revision, instanceId);
        try {
            await(kv.put(bytes(prefix + "audit/" + id), bytes(line.toString())), config.requestTimeout());
            trimAudit();
        } catch (RuntimeException e) {
            log.error("cannot append the audit line of revision {} to etcd ({}); it is in this instance's audit file", revision, problem(e));
        }
    }

    /** Deletes audit lines older than the newest {@value #AUDIT_RETENTION}. */
    private void trimAudit() {
        GetResponse newest = await(kv.get(auditDir, GetOption.builder().isPrefix(true).withKeysOnly(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND)
                .withLimit(AUDIT_RETENTION + 1).build()), config.requestTimeout());
        if (newest.getKvs().size() <= AUDIT_RETENTION) {
            return;
        }
        ByteSequence oldestKept = newest.getKvs().get(AUDIT_RETENTION - 1).getKey();
        await(kv.delete(auditDir, DeleteOption.builder().withRange(oldestKept).build()), config.requestTimeout());
    }

    @Override
    public AuditPage recentAudit(int limit) {
        try {
            GetResponse response = await(kv.get(auditDir, GetOption.builder().isPrefix(true)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.DESCEND)
                    .withLimit(limit).build()), config.requestTimeout());
            List<ObjectNode> lines = new ArrayList<>();
            for (KeyValue kv : response.getKvs()) {
                try {
                    if (JSON.readTree(kv.getValue().getBytes()) instanceof ObjectNode line) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // not ours: skipped
                }
            }
            return new AuditPage(lines, false);
        } catch (RuntimeException e) {
            markDown(e);
            return new AuditPage(audit.recent(limit), true);
        }
    }

    // ---- membership ----

    @Override
    public void register(String adminAddress) {
        this.adminAddress = requireNonNull(adminAddress, "adminAddress");
        heartbeat.execute(() -> {
            try {
                keepMembership();
            } catch (RuntimeException e) {
                markDown(e);
            }
        });
    }

    /** Renews the lease (a new one when it expired) and rewrites this instance's key when something in it changed. */
    private void keepMembership() {
        if (adminAddress.isEmpty()) {
            return;
        }
        ticks++;
        boolean fresh = false;
        if (leaseId != 0 && ticks % 3 == 0) {
            try {
                long ttl = await(client.getLeaseClient().keepAliveOnce(leaseId), config.requestTimeout()).getTTL();
                if (ttl <= 0) {
                    leaseId = 0;
                }
            } catch (RuntimeException e) {
                if (problem(e).contains("requested lease not found")) {
                    leaseId = 0;
                } else {
                    throw e;
                }
            }
        }
        if (leaseId == 0) {
            leaseId = await(client.getLeaseClient().grant(LEASE_TTL_SECONDS), config.requestTimeout()).getID();
            fresh = true;
        }
        long applied = current.revision();
        boolean missing = ticks % 10 == 0 && await(kv.get(memberKey, GetOption.builder().withCountOnly(true).build()),
                config.requestTimeout()).getCount() == 0;
        if (fresh || missing || applied != memberPutRevision) {
            Map<String, Object> member = Map.of("id", instanceId, "admin", adminAddress, "version", FleetIdentity.VERSION,
                    "started", started.toString(), "appliedRevision", applied);
            await(kv.put(memberKey, bytes(json(member)), PutOption.builder().withLeaseId(leaseId).build()), config.requestTimeout());
            memberPutRevision = applied;
        }
    }

    @Override
    public List<Member> members() {
        try {
            GetResponse response = await(kv.get(membersDir, GetOption.builder().isPrefix(true).build()), config.requestTimeout());
            List<Member> members = new ArrayList<>();
            for (KeyValue kv : response.getKvs()) {
                try {
                    JsonNode m = JSON.readTree(kv.getValue().getBytes());
                    String id = m.path("id").asText("");
                    members.add(new Member(id, m.path("admin").asText(""), m.path("version").asText(""),
                            Instant.parse(m.path("started").asText(Instant.EPOCH.toString())),
                            m.path("appliedRevision").asLong(-1), id.equals(instanceId)));
                } catch (IOException | RuntimeException e) {
                    log.debug("skipping member key {}: {}", kv.getKey().toString(StandardCharsets.UTF_8), e.toString());
                }
            }
            lastMembers = List.copyOf(members);
            return lastMembers;
        } catch (RuntimeException e) {
            markDown(e);
            return lastMembers;
        }
    }

    // ---- health ----

    @Override
    public Status status() {
        return status;
    }

    private void markUp() {
        Status s = status;
        if (!s.up()) {
            Instant now = clock.instant();
            if (downLogged) {
                log.info("etcd answers again after {} s; the fleet state is current again", Duration.between(s.since(), now).toSeconds());
            }
            downLogged = false;
            status = new Status(true, now, null);
        }
        firstFailure = null;
    }

    /**
     * A failure. The store counts as unavailable once failures have lasted {@link #DOWN_AFTER}
     * (a leader election is not an outage); then one WARN line, and a reminder every
     * {@link #REMINDER} while it lasts.
     */
    private void markDown(Throwable e) {
        Status s = status;
        Instant now = clock.instant();
        Instant first = firstFailure;
        if (first == null) {
            firstFailure = first = now;
        }
        if (s.up() && Duration.between(first, now).compareTo(downAfter) < 0) {
            log.debug("etcd request failed ({}); not counted as an outage yet", problem(e));
            return;
        }
        if (!downLogged) {
            downLogged = true;
            lastReminder = now;
            status = new Status(false, s.up() ? first : s.since(), problem(e));
            log.warn("etcd {} does not answer ({}): routing goes on with revision {}, writes answer 503 until it returns",
                    config.endpoints(), problem(e), current.revision());
        } else if (Duration.between(lastReminder, now).compareTo(REMINDER) >= 0) {
            lastReminder = now;
            log.warn("etcd still does not answer after {} s ({}); routing with revision {}", Duration.between(s.since(), now).toSeconds(),
                    problem(e), current.revision());
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        synchronized (applyLock) {
            if (watcher != null) {
                watcher.close();
            }
        }
        long lease = leaseId;
        if (lease != 0 && status.up()) {
            try {
                await(client.getLeaseClient().revoke(lease), Duration.ofSeconds(1)); // leave the fleet at once
            } catch (RuntimeException e) {
                log.debug("could not revoke the membership lease: {}", e.toString());
            }
        }
        client.close();
    }

    // ---- helpers ----

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * One line for a log or an error detail: the distinct messages of the cause chain (etcd's
     * reason is often below a gRPC status code), without stack traces; and what a failed TLS
     * handshake most likely means, since the TLS library's words (an alert name) do not say.
     */
    static String problem(Throwable e) {
        String text = messages(e);
        String hint = tlsHint(e, text);
        return hint == null ? text : text + " (" + hint + ")";
    }

    /** What a TLS failure in {@code e} means for the operator; {@code null} when it is not one. */
    private static @Nullable String tlsHint(Throwable e, String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        boolean tls = lower.contains("ssl exception");
        for (Throwable t = e; t != null && !tls; t = t.getCause() == t ? null : t.getCause()) {
            tls = t instanceof SSLException || t instanceof CertificateException;
        }
        if (lower.contains("pkix") || lower.contains("certification path")) {
            return "TLS: the member's certificate is not issued by a CA in fleet.etcd.tls.ca";
        }
        if (lower.contains("bad_certificate") || lower.contains("bad certificate") || lower.contains("certificate_required")
                || lower.contains("certificate required") || lower.contains("unknown_ca") || lower.contains("unknown ca")) {
            return "TLS: the member refused this instance's client certificate, or its lack of one: fleet.etcd.tls.certificate "
                    + "and key must be issued by a CA in the member's --trusted-ca-file";
        }
        if (!tls) {
            return null;
        }
        if (lower.contains("subject alternative") || lower.contains("no name matching") || lower.contains("hostname")) {
            return "TLS: the member's certificate does not name the endpoint's host";
        }
        return "TLS handshake with the member failed";
    }

    private static String messages(Throwable e) {
        List<String> parts = new ArrayList<>();
        Throwable t = e;
        for (int depth = 0; t != null && depth < 6; depth++, t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank() || t instanceof ExecutionException) {
                continue;
            }
            String line = message.lines().findFirst().orElse(message).strip();
            if (parts.stream().noneMatch(p -> p.contains(line))) {
                parts.removeIf(line::contains);
                parts.add(line);
            }
        }
        return parts.isEmpty() ? e.getClass().getSimpleName() : String.join(": ", parts);
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialize", e);
        }
    }

    /**
     * One region's overrides as stored in etcd.
     *
     * @param weight the weight override, {@code null} for the configured one
     * @param drained whether the region is drained
     * @param dial the region's traffic dial, {@code null} for the default (100, not pinned)
     * @param time when it was written (epoch milliseconds, the writer's clock), for the apply lag
     * @param instance who wrote it
     * @param write the write's id, to find a write whose answer was lost
     */
    record RegionEntry(@Nullable Integer weight, boolean drained, @Nullable RegionDial dial, long time, String instance,
            String write) {

        static final RegionEntry NONE = new RegionEntry(null, false, null, 0, "", "");

        RegionEntry {
            if (weight != null) {
                RegionConfig.checkWeight(weight);
            }
        }

        /** Entries for the overrides of a state (from the cache). */
        static Map<String, RegionEntry> of(RegionOverrides overrides) {
            Map<String, RegionEntry> out = new HashMap<>();
            overrides.weights().forEach((region, weight) -> out.put(region, new RegionEntry(weight, false, null, 0, "", "")));
            for (String region : overrides.drained()) {
                RegionEntry e = out.getOrDefault(region, NONE);
                out.put(region, new RegionEntry(e.weight(), true, null, 0, "", ""));
            }
            overrides.dials().forEach((region, dial) -> {
                RegionEntry e = out.getOrDefault(region, NONE);
                out.put(region, new RegionEntry(e.weight(), e.drained(), dial, 0, "", ""));
            });
            return Map.copyOf(out);
        }

        boolean isEmpty() {
            return weight == null && !drained && dial == null;
        }

        RegionOverrides overrides(String region) {
            return new RegionOverrides(weight == null ? Map.of() : Map.of(region, weight), drained ? Set.of(region) : Set.of(),
                    dial == null ? Map.of() : Map.of(region, dial));
        }

        /** The entry in {@code node}; throws with a one-line message on anything unexpected. */
        static RegionEntry parse(JsonNode node) {
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            JsonNode weight = node.path("weight");
            Integer w = null;
            if (!weight.isMissingNode() && !weight.isNull()) {
                if (!weight.isIntegralNumber() || !weight.canConvertToInt() || weight.intValue() < RegionConfig.MIN_WEIGHT
                        || weight.intValue() > RegionConfig.MAX_WEIGHT) {
                    throw new IllegalArgumentException("weight: " + weight + " (expected " + RegionConfig.MIN_WEIGHT + ".."
                            + RegionConfig.MAX_WEIGHT + ")");
                }
                w = weight.intValue();
            }
            JsonNode drained = node.path("drained");
            if (!drained.isMissingNode() && !drained.isBoolean()) {
                throw new IllegalArgumentException("drained: " + drained + " (expected true or false)");
            }
            JsonNode dial = node.path("dial");
            RegionDial d = dial.isMissingNode() || dial.isNull() ? null : RegionDialJson.read(dial, "dial");
            return new RegionEntry(w, drained.asBoolean(false), d, node.path("time").asLong(0), node.path("instance").asText(""),
                    node.path("write").asText(""));
        }

        String toJson() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            if (weight != null) {
                m.put("weight", weight);
            }
            m.put("drained", drained);
            if (dial != null) {
                m.put("dial", RegionDialJson.write(dial));
            }
            m.put("time", time);
            m.put("instance", instance);
            m.put("write", write);
            return json(m);
        }

        /** Equality on what routing uses: two entries that differ only in who wrote them when are the same state. */
        @Override
        public boolean equals(Object o) {
            return o instanceof RegionEntry e && java.util.Objects.equals(weight, e.weight) && drained == e.drained
                    && java.util.Objects.equals(dial, e.dial);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(weight, drained, dial);
        }
    }
}
