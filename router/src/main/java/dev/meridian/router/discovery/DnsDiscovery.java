package dev.meridian.router.discovery;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.DnsConfig;
import dev.meridian.config.RegionConfig;
import dev.meridian.regions.EndpointAddresses;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStream;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the endpoints given by host name and keeps resolving them (Envoy's {@code STRICT_DNS},
 * HAProxy's {@code resolvers}): each name again when its answer's TTL runs out, kept within
 * {@code dns.min-refresh} and {@code dns.max-refresh}; after a failure with a backoff from
 * {@code min-refresh}, doubling up to {@code max-refresh}. When a name's addresses change it calls
 * {@code onChange}, and the router builds the next routing table from {@link #of}, which answers
 * from memory and never waits for DNS.
 *
 * <p>What an outcome does to a name's addresses:
 * <ul>
 *   <li>an answer replaces them;
 *   <li>an empty answer (NXDOMAIN, no records) empties them once the last answer's TTL has run
 *       out, which leaves their regions without these replicas;
 *   <li>a failure (timeouts, SERVFAIL, REFUSED, the server gone) keeps them: a DNS outage must not
 *       take healthy replicas away. It is logged once, then at most once a minute, and counted.
 * </ul>
 *
 * <h2>Threads</h2>
 *
 * Resolution runs on one {@code meridian-dns} event loop of its own, created with the first name
 * and never shared with the data path; per-name state lives on it. {@link #of} and
 * {@link #names()} read an immutable snapshot published by that loop. {@link #update},
 * {@link #awaitAnswers} and {@link #close} may block briefly and belong off the event loops;
 * {@code onChange} runs on the DNS loop and must not block.
 *
 * <pre>{@code
 * DnsDiscovery dns = DnsDiscovery.create(meters, () -> applier.execute(router::followDns));
 * dns.update(config.dns(), DnsDiscovery.regionsByHost(config.regions()));
 * dns.awaitAnswers(Duration.ofSeconds(4));   // a bounded wait: a name that does not answer does not stop the start
 * RoutingTable table = RoutingTable.build(config.regions(), config.routing(), System::nanoTime, dns);
 * }</pre>
 */
public final class DnsDiscovery implements EndpointAddresses, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);

    /** After the first failure of a name is logged, the next ones are at most this often. */
    static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);
    /** Results of {@code meridian_dns_resolutions_total}. */
    static final List<String> RESULTS = List.of("success", "empty", "failure");
    private static final int SUCCESS = 0;
    private static final int EMPTY = 1;
    private static final int FAILURE = 2;

    private final MeterRegistry meters;
    private final Runnable onChange;
    private final LongSupplier nanoClock;
    private final Clock clock;
    /** {@code /etc/resolv.conf}, or a test's file: the search list and {@code ndots}. */
    private final Path resolvConfFile;

    /** Guards {@link #update} and {@link #close}, and the fields below that are not loop-confined. */
    private final Object lock = new Object();
    private @Nullable EventLoopGroup group;
    private @Nullable EventLoop loop;
    /** Written under {@link #lock}, read on the DNS loop too. */
    private volatile @Nullable DnsConfig config;
    private List<InetSocketAddress> servers = List.of();
    private ResolvConf resolvConf = ResolvConf.NONE;
    private final Map<String, List<Meter>> metersByRegion = new HashMap<>();
    private volatile boolean closed;

    // ---- confined to the DNS loop ----
    private @Nullable DnsNameResolver resolver;
    private @Nullable DnsLookup lookup;
    private final Map<String, Name> names = new HashMap<>();

    /** Per region: resolutions by result ({@link #SUCCESS}, {@link #EMPTY}, {@link #FAILURE}). Written on the loop. */
    private final Map<String, AtomicLongArray> counts = new ConcurrentHashMap<>();
    /** Published by the loop, read anywhere. */
    private volatile Map<String, NameStatus> published = Map.of();
    private volatile List<CompletableFuture<Void>> firstOutcomes = List.of();

    private DnsDiscovery(MeterRegistry meters, Runnable onChange, LongSupplier nanoClock, Clock clock, Path resolvConfFile) {
        this.meters = requireNonNull(meters, "meters");
        this.onChange = requireNonNull(onChange, "onChange");
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        this.clock = requireNonNull(clock, "clock");
        this.resolvConfFile = requireNonNull(resolvConfFile, "resolvConfFile");
    }

    /**
     * A discovery with no names yet (and no thread: the DNS loop starts with the first name).
     *
     * @param onChange called on the DNS loop whenever a name's addresses changed; must not block
     */
    public static DnsDiscovery create(MeterRegistry meters, Runnable onChange) {
        return new DnsDiscovery(meters, onChange, System::nanoTime, Clock.systemUTC(), ResolvConf.SYSTEM_FILE);
    }

    /** A discovery that takes its search list and {@code ndots} from {@code resolvConfFile} (tests). */
    static DnsDiscovery create(MeterRegistry meters, Runnable onChange, Path resolvConfFile) {
        return new DnsDiscovery(meters, onChange, System::nanoTime, Clock.systemUTC(), resolvConfFile);
    }

    /**
     * The endpoint host names of {@code regions} (not the IP literals), each with the names of the
     * regions that have an endpoint on it.
     */
    public static Map<String, Set<String>> regionsByHost(List<RegionConfig> regions) {
        Map<String, Set<String>> byHost = new TreeMap<>();
        for (RegionConfig region : regions) {
            for (URI endpoint : region.endpoints()) {
                String host = endpoint.getHost();
                if (isName(host)) {
                    byHost.computeIfAbsent(host, h -> new TreeSet<>()).add(region.name());
                }
            }
        }
        return byHost;
    }

    /** Whether a URI host is a name to resolve rather than an IP literal ({@code [v6]} or dotted quad). */
    public static boolean isName(String host) {
        return !host.startsWith("[") && !NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host);
    }

    /**
     * Resolves the names of {@code regionsByHost} with {@code config} from now on: new names are
     * resolved at once, names no longer configured are dropped, and when the settings changed
     * every name is resolved again at once (keeping its addresses meanwhile). Reads the system's
     * DNS settings ({@code /etc/resolv.conf}) when {@code config} changed: call it off the event
     * loops.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public void update(DnsConfig config, Map<String, Set<String>> regionsByHost) {
        requireNonNull(config, "config");
        Map<String, Set<String>> wanted = new HashMap<>();
        regionsByHost.forEach((host, regions) -> wanted.put(host, Set.copyOf(regions)));
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            boolean reconfigure = !config.equals(this.config);
            this.config = config;
            if (wanted.isEmpty() && loop == null) {
                return; // nothing to resolve, no thread needed
            }
            if (reconfigure || loop == null) {
                readSystemSettings(config);
            }
            EventLoop dnsLoop = startLoop();
            DnsNameResolver nextResolver = reconfigure || resolver == null ? newResolver(dnsLoop, config) : null;
            List<InetSocketAddress> useServers = servers;
            ResolvConf useConf = resolvConf;
            CompletableFuture<Void> done = new CompletableFuture<>();
            dnsLoop.execute(() -> {
                try {
                    apply(dnsLoop, config, nextResolver, useServers, useConf, wanted);
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
            join(done);
            syncMeters(wanted);
        }
    }

    /**
     * Waits until every name has had its first outcome (an answer, an empty answer or a failure),
     * at most {@code bound}: a DNS server that does not answer must not stop a start.
     *
     * @return whether every name had an outcome in time
     */
    public boolean awaitAnswers(Duration bound) {
        List<CompletableFuture<Void>> pending = firstOutcomes;
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(bound.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false; // never completed exceptionally
        }
    }

    /** The addresses in use for {@code host}, sorted; empty for a name without an answer or not configured. */
    @Override
    public List<InetAddress> of(String host) {
        NameStatus status = published.get(host);
        return status == null ? List.of() : status.addresses();
    }

    /** Every name, sorted, with its addresses, state and last answer. */
    public Map<String, NameStatus> names() {
        return published;
    }

    /** The settings in force, or {@code null} before the first {@link #update}. */
    public @Nullable DnsConfig config() {
        synchronized (lock) {
            return config;
        }
    }

    /** Stops resolving, closes the resolver and the DNS loop (waiting a bounded time), removes the meters. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            EventLoop dnsLoop = loop;
            if (dnsLoop != null) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                dnsLoop.execute(() -> {
                    names.values().forEach(Name::cancel);
                    names.clear();
                    if (resolver != null) {
                        resolver.close();
                        resolver = null;
                    }
                    done.complete(null);
                });
                join(done);
            }
            EventLoopGroup g = group;
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            metersByRegion.values().forEach(list -> list.forEach(meters::remove));
            metersByRegion.clear();
        }
    }

    // ---- setup, off the loop ----

    private void readSystemSettings(DnsConfig config) {
        try {
            resolvConf = ResolvConf.read(resolvConfFile);
        } catch (IOException e) {
            log.warn("cannot read {} ({}); endpoint names are resolved without a search list", resolvConfFile, e.toString());
            resolvConf = ResolvConf.NONE;
        }
        if (!config.servers().isEmpty()) {
            servers = config.servers();
            return;
        }
        // Netty's reading of /etc/resolv.conf (and /etc/resolver/* on macOS), done here, off the DNS loop.
        DnsServerAddressStream stream = DnsServerAddressStreamProviders.platformDefault().nameServerAddressStream("");
        Set<InetSocketAddress> found = new LinkedHashSet<>();
        for (int i = 0; i < stream.size(); i++) {
            found.add(stream.next());
        }
        servers = List.copyOf(found);
    }

    private EventLoop startLoop() {
        EventLoop current = loop;
        if (current != null) {
            return current;
        }
        EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("meridian-dns", true),
                NioIoHandler.newFactory());
        group = g;
        EventLoop created = g.next();
        loop = created;
        return created;
    }

    /** Built off the loop: the resolver opens its socket and waits for it. */
    private static DnsNameResolver newResolver(EventLoop dnsLoop, DnsConfig config) {
        return new DnsNameResolverBuilder(dnsLoop)
                .datagramChannelType(NioDatagramChannel.class)
                .socketChannelType(NioSocketChannel.class) // answers too large for UDP are asked again over TCP
                .queryTimeoutMillis(Math.max(1, config.queryTimeout().toMillis()))
                .resolveCache(NoopDnsCache.INSTANCE) // every refresh asks the server: the TTLs are ours to follow
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .build();
    }

    private static void join(CompletableFuture<Void> done) {
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the DNS event loop did not answer within 10 s", e);
        }
    }

    private void syncMeters(Map<String, Set<String>> wanted) {
        Set<String> regions = new HashSet<>();
        wanted.values().forEach(regions::addAll);
        metersByRegion.entrySet().removeIf(e -> {
            if (regions.contains(e.getKey())) {
                return false;
            }
            e.getValue().forEach(meters::remove);
            counts.remove(e.getKey());
            return true;
        });
        for (String region : regions) {
            if (metersByRegion.containsKey(region)) {
                continue;
            }
            AtomicLongArray byResult = counts.computeIfAbsent(region, r -> new AtomicLongArray(RESULTS.size()));
            List<Meter> list = new ArrayList<>();
            for (int i = 0; i < RESULTS.size(); i++) {
                int result = i;
                list.add(FunctionCounter.builder("meridian.dns.resolutions", byResult, c -> c.get(result))
                        .description("Resolutions of the region's endpoint names, by result: success (addresses), "
                                + "empty (NXDOMAIN or no records), failure (no answer: timeout, SERVFAIL, REFUSED)")
                        .tags("region", region, "result", RESULTS.get(i))
                        .register(meters));
            }
            list.add(Gauge.builder("meridian.dns.addresses", this, d -> d.addressesOf(region))
                    .description("Addresses the region's endpoint names stand for now (replicas found by DNS)")
                    .tag("region", region)
                    .register(meters));
            metersByRegion.put(region, list);
        }
    }

    private double addressesOf(String region) {
        Set<InetAddress> all = new HashSet<>();
        for (NameStatus status : published.values()) {
            if (status.regions().contains(region)) {
                all.addAll(status.addresses());
            }
        }
        return all.size();
    }

    // ---- on the DNS loop ----

    private void apply(EventLoop dnsLoop, DnsConfig config, @Nullable DnsNameResolver nextResolver,
            List<InetSocketAddress> useServers, ResolvConf useConf, Map<String, Set<String>> wanted) {
        boolean reconfigured = nextResolver != null;
        if (nextResolver != null) {
            DnsNameResolver old = resolver;
            resolver = nextResolver;
            if (useServers.isEmpty()) {
                log.warn("no DNS server configured (dns.servers is empty and {} names none): endpoint names cannot be resolved",
                        ResolvConf.SYSTEM_FILE);
                lookup = null;
            } else {
                lookup = new DnsLookup(nextResolver, dnsLoop, useServers, useConf, config.lookupFamily(),
                        config.queryTimeout().toMillis());
            }
            if (old != null) {
                old.close(); // its queries in flight fail; their names are asked again below
            }
        }
        names.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().cancel();
            log.info("DNS: {} is no longer an endpoint name; it is not resolved any more", e.getKey());
            return true;
        });
        List<CompletableFuture<Void>> firsts = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : wanted.entrySet()) {
            Name name = names.get(e.getKey());
            if (name == null) {
                name = new Name(e.getKey(), e.getValue());
                names.put(name.host, name);
                resolve(name);
            } else {
                name.regions = e.getValue();
                if (reconfigured) {
                    name.cancelTimer();
                    resolve(name);
                }
            }
            firsts.add(name.first);
        }
        firstOutcomes = List.copyOf(firsts);
        publish();
    }

    private void resolve(Name name) {
        name.timer = null;
        if (closed || name.removed || name.inFlight) {
            return;
        }
        DnsLookup current = lookup;
        if (current == null) {
            onResult(name, DnsLookup.Result.failure("no DNS server configured"));
            return;
        }
        name.inFlight = true;
        current.lookup(name.host).addListener(f -> {
            name.inFlight = false;
            if (closed || name.removed) {
                return;
            }
            if (lookup != current) { // the settings changed meanwhile (their old resolver was closed): ask again
                name.cancelTimer();
                resolve(name);
                return;
            }
            DnsLookup.Result result = (DnsLookup.Result) f.getNow();
            onResult(name, result != null ? result : DnsLookup.Result.failure(String.valueOf(f.cause())));
        });
    }

    private void onResult(Name name, DnsLookup.Result result) {
        long now = nanoClock.getAsLong();
        DnsConfig settings = requireNonNull(config);
        List<InetAddress> before = name.addresses;
        long delayNanos;
        switch (result.kind()) {
            case ANSWER -> {
                count(name, SUCCESS);
                List<InetAddress> sorted = sorted(result.addresses());
                if (name.state == NameStatus.State.FAILING) {
                    log.info("DNS: {} resolves again after {} failed resolution(s): {}", name, name.failures, text(sorted));
                } else if (name.state == NameStatus.State.EMPTY) {
                    log.info("DNS: {} answers with addresses again: {}", name, text(sorted));
                } else if (name.state == NameStatus.State.PENDING) {
                    log.info("DNS: {} resolves to {} (TTL {} s{})", name, text(sorted), result.ttlSeconds(),
                            result.detail().equals(name.host) || result.detail().equals(name.host + '.') ? "" : ", as " + result.detail());
                } else if (!sorted.equals(before)) {
                    log.info("DNS: {} now answers {} (was {})", name, text(sorted), text(before));
                }
                name.addresses = sorted;
                name.state = NameStatus.State.RESOLVED;
                name.resolvedAt = clock.instant();
                name.ttlSeconds = result.ttlSeconds();
                name.expiresAtNanos = now + TimeUnit.SECONDS.toNanos(result.ttlSeconds());
                name.problem = null;
                name.failures = 0;
                name.emptyStreak = 0;
                delayNanos = clamp(TimeUnit.SECONDS.toNanos(result.ttlSeconds()), settings);
            }
            case EMPTY -> {
                count(name, EMPTY);
                name.failures = 0;
                name.problem = result.detail();
                boolean wasEmpty = name.state == NameStatus.State.EMPTY;
                name.state = NameStatus.State.EMPTY;
                name.emptyStreak++;
                long left = name.expiresAtNanos - now;
                if (!before.isEmpty() && left > 0) {
                    if (!wasEmpty) {
                        log.warn("DNS: {} answers no address ({}); its {} address(es) stay until their TTL ends in {} ms",
                                name, result.detail(), before.size(), TimeUnit.NANOSECONDS.toMillis(left));
                    }
                    delayNanos = Math.max(settings.minRefresh().toNanos(), left);
                } else {
                    if (!before.isEmpty() || name.emptyStreak == 1) {
                        log.warn("DNS: {} answers no address ({}): {} no replica from it until it does",
                                name, result.detail(), name.regions.size() == 1 ? "its region has" : "its regions have");
                    }
                    name.addresses = List.of();
                    delayNanos = backoff(name.emptyStreak, settings);
                }
            }
            default -> {
                count(name, FAILURE);
                name.failures++;
                name.problem = result.detail();
                if (name.state != NameStatus.State.FAILING) {
                    name.failedSinceNanos = now;
                    name.loggedAtNanos = now;
                    name.unlogged = 0;
                    if (before.isEmpty()) {
                        log.warn("DNS: cannot resolve {}: {}; {} no replica from it until it resolves; retrying with backoff",
                                name, result.detail(), name.regions.size() == 1 ? "its region has" : "its regions have");
                    } else {
                        log.warn("DNS: cannot resolve {}: {}; keeping its last answer {} (from {}); retrying with backoff",
                                name, result.detail(), text(before), name.resolvedAt);
                    }
                    name.state = NameStatus.State.FAILING;
                } else if (now - name.loggedAtNanos >= FAILURE_LOG_INTERVAL.toNanos()) {
                    log.warn("DNS: still cannot resolve {} ({} failures in {} s, {} not logged): {}", name, name.failures,
                            TimeUnit.NANOSECONDS.toSeconds(now - name.failedSinceNanos), name.unlogged, result.detail());
                    name.loggedAtNanos = now;
                    name.unlogged = 0;
                } else {
                    name.unlogged++;
                    log.debug("DNS: cannot resolve {}: {}", name, result.detail());
                }
                delayNanos = backoff(name.failures, settings);
            }
        }
        publish();
        if (!name.addresses.equals(before)) {
            onChange.run();
        }
        name.first.complete(null); // after publishing: a caller of awaitAnswers reads what was found
        if (!closed && !name.removed) {
            EventLoop dnsLoop = requireNonNull(loop);
            name.timer = dnsLoop.schedule(() -> resolve(name), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void count(Name name, int result) {
        for (String region : name.regions) {
            AtomicLongArray byResult = counts.computeIfAbsent(region, r -> new AtomicLongArray(RESULTS.size()));
            byResult.incrementAndGet(result);
        }
    }

    private void publish() {
        Map<String, NameStatus> next = new TreeMap<>();
        for (Name name : names.values()) {
            next.put(name.host, new NameStatus(name.host, name.state, name.addresses, name.resolvedAt, name.ttlSeconds,
                    name.problem, name.failures, List.copyOf(new TreeSet<>(name.regions))));
        }
        published = Collections.unmodifiableMap(next);
    }

    /** A TTL kept within the refresh bounds. */
    static long clamp(long ttlNanos, DnsConfig config) {
        return Math.min(config.maxRefresh().toNanos(), Math.max(config.minRefresh().toNanos(), ttlNanos));
    }

    /** {@code min-refresh × 2^(n-1)}, at most {@code max-refresh}, ±10% so that a fleet does not retry in step. */
    static long backoff(long attempt, DnsConfig config) {
        long min = config.minRefresh().toNanos();
        long max = config.maxRefresh().toNanos();
        int shift = (int) Math.min(30, Math.max(0, attempt - 1));
        long base = min > max >> shift ? max : Math.min(max, min << shift);
        double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
        return Math.max(min, Math.min(max, (long) (base * jitter)));
    }

    private static List<InetAddress> sorted(List<InetAddress> addresses) {
        List<InetAddress> out = new ArrayList<>(new LinkedHashSet<>(addresses));
        out.sort(Comparator.<InetAddress>comparingInt(a -> a.getAddress().length).thenComparing(DnsDiscovery::compareBytes));
        return List.copyOf(out);
    }

    private static int compareBytes(InetAddress a, InetAddress b) {
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }

    private static String text(List<InetAddress> addresses) {
        List<String> out = new ArrayList<>(addresses.size());
        addresses.forEach(a -> out.add(a.getHostAddress()));
        return out.toString();
    }

    /** One name's state; loop-confined. */
    private static final class Name {
        final String host;
        Set<String> regions;
        final CompletableFuture<Void> first = new CompletableFuture<>();
        List<InetAddress> addresses = List.of();
        NameStatus.State state = NameStatus.State.PENDING;
        @Nullable Instant resolvedAt;
        long ttlSeconds;
        long expiresAtNanos;
        @Nullable String problem;
        long failures;
        long emptyStreak;
        long failedSinceNanos;
        long loggedAtNanos;
        long unlogged;
        boolean inFlight;
        boolean removed;
        @Nullable ScheduledFuture<?> timer;

        Name(String host, Set<String> regions) {
            this.host = host;
            this.regions = regions;
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
                timer = null;
            }
        }

        void cancel() {
            removed = true;
            cancelTimer();
            first.complete(null);
        }

        @Override
        public String toString() {
            return host + " (" + (regions.size() == 1 ? "region " : "regions ") + String.join(", ", new TreeSet<>(regions)) + ")";
        }
    }
}
