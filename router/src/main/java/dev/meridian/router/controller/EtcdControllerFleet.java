package dev.meridian.router.controller;

import static dev.meridian.router.etcd.EtcdClients.bytes;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.router.etcd.EtcdClients;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller in a fleet: one instance decides, elected through etcd with a lease and a
 * transaction, and decides from the sum of every instance's counters.
 *
 * <p>Keys under the fleet's prefix {@code P}:
 * <pre>
 * P controller/leader        the leading instance, under its lease: {"instance": …, "admin": …}
 * P controller/counters/ID   one instance's cumulative per-region counters, under its lease, rewritten every {@link #PUBLISH}
 * </pre>
 *
 * <p>A heartbeat thread renews this instance's lease every {@link #HEARTBEAT}, publishes its
 * counters and, while the leader key is absent, creates it in a transaction that holds only if
 * nobody else did (so at most one instance leads). A leader that stops renewing (stopped,
 * partitioned) loses the key when its lease ({@link #LEASE_TTL}) expires, and another instance
 * takes it at its next heartbeat. While etcd does not answer for {@link #PAUSE_AFTER}, this
 * instance pauses: no decision from it, even as the last known leader, since another may already
 * lead.
 *
 * <p>The leader sums the instances' counters by differences: each instance's increase since the
 * leader last read it is added to a running total, so an instance that joins, restarts or leaves
 * moves no window (its counters before the first read are not counted).
 */
final class EtcdControllerFleet implements ControllerFleet {

    private static final Logger log = LoggerFactory.getLogger(EtcdControllerFleet.class);
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** How often the lease is renewed and the leader key looked at. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** How often this instance's counters are written. */
    static final Duration PUBLISH = Duration.ofSeconds(2);
    /** The lease of the leader key and of the published counters: a stopped leader is replaced within it. */
    static final long LEASE_TTL_SECONDS = 5;
    /** etcd unanswered this long: this instance pauses (shorter than the lease, so a paused leader stops before another starts). */
    static final Duration PAUSE_AFTER = Duration.ofSeconds(3);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final KV kv;
    private final Client client;
    private final String instance;
    private final String admin;
    private final ByteSequence leaderKey;
    private final String countersDir;
    private final ByteSequence countersKey;
    /** The leader key's value while this instance leads: {"instance": …, "admin": …}. */
    private final ByteSequence leaderValue;
    private final Clock clock;
    private final ScheduledExecutorService heartbeat;

    private volatile long leaseId;
    private volatile @Nullable String leader;
    private volatile boolean leading;
    private volatile Instant lastSuccess;
    private volatile @Nullable String problem;
    private volatile Map<String, SliCounters> local = Map.of();
    private volatile Instant lastPublish = Instant.EPOCH;
    private volatile boolean downLogged;
    /** Whether this instance's controller runs (not off): only then does it take part in the election. */
    private volatile boolean campaigning;

    // The controller thread's, while leading.
    private final Map<String, Map<String, SliCounters>> seen = new HashMap<>();
    private final Map<String, SliCounters> total = new HashMap<>();

    EtcdControllerFleet(Client client, String prefix, String instance, String adminAddress, Clock clock) {
        this.client = requireNonNull(client, "client");
        this.kv = client.getKVClient();
        this.instance = requireNonNull(instance, "instance");
        this.admin = requireNonNull(adminAddress, "adminAddress");
        this.leaderKey = bytes(prefix + "controller/leader");
        this.countersDir = prefix + "controller/counters/";
        this.countersKey = bytes(countersDir + instance);
        this.leaderValue = bytes(JSON.createObjectNode().put("instance", instance).put("admin", admin).toString());
        this.clock = requireNonNull(clock, "clock");
        this.lastSuccess = clock.instant();
        this.heartbeat = ControllerThreads.start("meridian-slo-controller-fleet");
        heartbeat.scheduleWithFixedDelay(this::beat, 0, HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String kind() {
        return "etcd";
    }

    @Override
    public void standBy() {
        if (!campaigning) {
            return;
        }
        campaigning = false;
        resetSums();
        heartbeat.execute(this::resign);
    }

    /** Deletes the leader key if it is this instance's (its value names this instance), so that another instance takes over at once. */
    private void resign() {
        long lease = leaseId;
        if (!leading || lease == 0) {
            return;
        }
        try {
            EtcdClients.await(kv.txn()
                    .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.value(leaderValue)))
                    .Then(Op.delete(leaderKey, DeleteOption.DEFAULT))
                    .commit(), REQUEST_TIMEOUT);
            leading = false;
            log.info("SLO controller: off on this instance ({}); it no longer leads the fleet's controller", instance);
        } catch (RuntimeException e) {
            log.debug("SLO controller: could not give up the leader key: {}", e.toString()); // its lease ends it
        }
    }

    @Override
    public View tick(Map<String, SliCounters> counters) {
        campaigning = true;
        local = Map.copyOf(counters);
        Instant now = clock.instant();
        if (Duration.between(lastSuccess, now).compareTo(PAUSE_AFTER) > 0) {
            resetSums();
            return new View(Role.PAUSED, instance, leader, Map.of(), "etcd has not answered since " + lastSuccess
                    + (problem != null ? ": " + problem : "") + "; no instance decides until it does");
        }
        if (!leading) {
            resetSums();
            return new View(Role.FOLLOWER, instance, leader, Map.of(), null);
        }
        try {
            Map<String, Map<String, SliCounters>> published = readCounters();
            published.put(instance, local);
            sum(published);
            return new View(Role.LEADER, instance, leader, Map.copyOf(total), null);
        } catch (RuntimeException e) {
            failed(e);
            resetSums();
            return new View(Role.PAUSED, instance, leader, Map.of(), "cannot read the fleet's counters from etcd: " + problem);
        }
    }

    private void resetSums() {
        seen.clear();
        total.clear();
    }

    /** Adds every instance's increase since the last read to the running total. */
    private void sum(Map<String, Map<String, SliCounters>> published) {
        published.forEach((id, regions) -> {
            Map<String, SliCounters> before = seen.get(id);
            if (before != null) {
                regions.forEach((region, now) -> {
                    SliCounters increase = now.since(before.getOrDefault(region, SliCounters.ZERO));
                    total.merge(region, increase, SliCounters::plus);
                });
            } else {
                regions.keySet().forEach(region -> total.putIfAbsent(region, SliCounters.ZERO));
            }
        });
        seen.keySet().retainAll(published.keySet());
        seen.putAll(published);
    }

    private Map<String, Map<String, SliCounters>> readCounters() {
        Map<String, Map<String, SliCounters>> published = new HashMap<>();
        for (KeyValue kv : EtcdClients.await(this.kv.get(bytes(countersDir), GetOption.builder().isPrefix(true).build()),
                REQUEST_TIMEOUT).getKvs()) {
            String id = kv.getKey().toString(StandardCharsets.UTF_8).substring(countersDir.length());
            try {
                published.put(id, parse(JSON.readTree(kv.getValue().getBytes())));
            } catch (IOException | RuntimeException e) {
                log.debug("SLO controller: ignoring unreadable counters of {}: {}", id, e.toString());
            }
        }
        return published;
    }

    /** Runs on the heartbeat thread: renew, publish, campaign. */
    private void beat() {
        try {
            long lease = leaseId;
            if (lease != 0) {
                long ttl = EtcdClients.await(client.getLeaseClient().keepAliveOnce(lease), REQUEST_TIMEOUT).getTTL();
                if (ttl <= 0) {
                    lease = 0;
                }
            }
            if (lease == 0) {
                lease = EtcdClients.await(client.getLeaseClient().grant(LEASE_TTL_SECONDS), REQUEST_TIMEOUT).getID();
                leaseId = lease;
                lastPublish = Instant.EPOCH;
            }
            Instant now = clock.instant();
            if (Duration.between(lastPublish, now).compareTo(PUBLISH) >= 0) {
                EtcdClients.await(kv.put(countersKey, bytes(JSON.writeValueAsString(json(local))),
                        PutOption.builder().withLeaseId(lease).build()), REQUEST_TIMEOUT);
                lastPublish = now;
            }
            if (!campaigning) {
                lastSuccess = clock.instant();
                return; // off here: publishes its counters, stays out of the election
            }
            TxnResponse campaign = EtcdClients.await(kv.txn()
                    .If(new Cmp(leaderKey, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(leaderKey, leaderValue, PutOption.builder().withLeaseId(lease).build()))
                    .Else(Op.get(leaderKey, GetOption.DEFAULT))
                    .commit(), REQUEST_TIMEOUT);
            boolean wasLeading = leading;
            if (campaign.isSucceeded()) {
                leading = true;
                leader = ControllerFleet.describe(instance, admin);
            } else {
                KeyValue holder = campaign.getGetResponses().isEmpty() || campaign.getGetResponses().get(0).getKvs().isEmpty()
                        ? null : campaign.getGetResponses().get(0).getKvs().get(0);
                if (holder == null) {
                    leading = false;
                    leader = null;
                } else {
                    JsonNode who = JSON.readTree(holder.getValue().getBytes());
                    leading = instance.equals(who.path("instance").asText()) && holder.getLease() == lease;
                    leader = ControllerFleet.describe(who.path("instance").asText(), who.path("admin").asText());
                }
            }
            if (leading && !wasLeading) {
                log.debug("SLO controller: elected through etcd as {}", instance); // the controller logs its new role
            }
            lastSuccess = clock.instant();
            problem = null;
            if (downLogged) {
                log.debug("SLO controller: etcd answers again");
                downLogged = false;
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        problem = e.getMessage() != null ? e.getMessage() : e.toString();
        if (!downLogged && Duration.between(lastSuccess, clock.instant()).compareTo(PAUSE_AFTER) > 0) {
            log.debug("SLO controller: etcd does not answer ({})", problem); // the controller logs the pause, once
            downLogged = true;
        }
    }

    private static ObjectNode json(Map<String, SliCounters> counters) {
        ObjectNode node = JSON.createObjectNode();
        counters.forEach((region, c) -> {
            ArrayNode values = node.putArray(region);
            values.add(c.attempts()).add(c.failures()).add(c.satisfied()).add(c.tolerating()).add(c.frustrated());
        });
        return node;
    }

    private static Map<String, SliCounters> parse(JsonNode node) {
        Map<String, SliCounters> counters = new HashMap<>();
        node.properties().forEach(e -> {
            JsonNode v = e.getValue();
            if (v.isArray() && v.size() == 5) {
                counters.put(e.getKey(), new SliCounters(v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble(),
                        v.get(3).asDouble(), v.get(4).asDouble()));
            }
        });
        return counters;
    }

    /** Gives up leadership at once (the key goes with the lease) so another instance takes over without waiting. */
    @Override
    public void close() {
        ControllerThreads.stop(heartbeat);
        long lease = leaseId;
        if (lease != 0) {
            try {
                EtcdClients.await(client.getLeaseClient().revoke(lease), Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                log.debug("SLO controller: could not revoke its lease: {}", e.toString());
            }
        }
    }
}
