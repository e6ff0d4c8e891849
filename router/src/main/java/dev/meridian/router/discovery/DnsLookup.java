package dev.meridian.router.discovery;

import dev.meridian.config.LookupFamily;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One resolution of one host name, on the resolver's event loop: the search list and
 * {@code ndots} ({@link ResolvConf}), the address family rule ({@link LookupFamily}), each
 * server in turn, and CNAME chains. Netty's {@link DnsNameResolver} sends the queries (UDP with
 * EDNS, TCP when an answer is truncated, query ids, timeouts); this class decides what the
 * answers mean, which Netty's {@code resolveAll} cannot tell apart well enough for a router:
 *
 * <ul>
 *   <li>{@link Result.Kind#ANSWER}: a name answered with addresses, with the smallest TTL of the
 *       records used (CNAMEs included);
 *   <li>{@link Result.Kind#EMPTY}: every name tried exists not (NXDOMAIN) or has no record of
 *       the family asked (NODATA): the name really has no address now;
 *   <li>{@link Result.Kind#FAILURE}: no answer for some name from any server (timeouts, SERVFAIL,
 *       REFUSED, an unreachable server) and no addresses from the others: nothing is known, so
 *       the caller keeps what it had.
 * </ul>
 *
 * Like glibc, a name that fails does not end the search: a later candidate may still answer.
 */
final class DnsLookup {

    /** What one resolution found. */
    record Result(Kind kind, List<InetAddress> addresses, long ttlSeconds, String detail) {
        enum Kind { ANSWER, EMPTY, FAILURE }

        static Result answer(List<InetAddress> addresses, long ttlSeconds, String name) {
            return new Result(Kind.ANSWER, List.copyOf(addresses), ttlSeconds, name);
        }

        static Result empty(String detail) {
            return new Result(Kind.EMPTY, List.of(), 0, detail);
        }

        static Result failure(String detail) {
            return new Result(Kind.FAILURE, List.of(), 0, detail);
        }
    }

    /** What one name and family gave. */
    private record Part(Kind kind, List<InetAddress> addresses, long ttlSeconds, String detail) {
        enum Kind { RECORDS, NXDOMAIN, NODATA, FAILED }

        static Part of(Kind kind, String detail) {
            return new Part(kind, List.of(), 0, detail);
        }
    }

    /** CNAME chains longer than this are a loop or a mistake. */
    private static final int MAX_CNAME_HOPS = 8;

    private final DnsNameResolver resolver;
    private final EventLoop loop;
    private final List<InetSocketAddress> servers;
    private final ResolvConf resolvConf;
    private final LookupFamily family;
    private final long queryTimeoutMillis;

    DnsLookup(DnsNameResolver resolver, EventLoop loop, List<InetSocketAddress> servers, ResolvConf resolvConf,
            LookupFamily family, long queryTimeoutMillis) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("servers: empty (expected: at least one DNS server)");
        }
        this.resolver = resolver;
        this.loop = loop;
        this.servers = List.copyOf(servers);
        this.resolvConf = resolvConf;
        this.family = family;
        this.queryTimeoutMillis = queryTimeoutMillis;
    }

    List<InetSocketAddress> servers() {
        return servers;
    }

    ResolvConf resolvConf() {
        return resolvConf;
    }

    /** Resolves {@code host}; the future never fails (a failure is a {@link Result.Kind#FAILURE}). Any thread. */
    Future<Result> lookup(String host) {
        Promise<Result> promise = loop.newPromise();
        if (loop.inEventLoop()) {
            candidate(resolvConf.candidates(host), 0, null, null, promise);
        } else {
            loop.execute(() -> candidate(resolvConf.candidates(host), 0, null, null, promise));
        }
        return promise;
    }

    private void candidate(List<String> names, int i, @Nullable String failure, @Nullable String empty,
            Promise<Result> promise) {
        if (i == names.size()) {
            promise.trySuccess(failure != null ? Result.failure(failure)
                    : Result.empty(empty != null ? empty : "no address"));
            return;
        }
        String name = names.get(i);
        family(name).addListener(f -> {
            Part part = partOf(f, name);
            switch (part.kind()) {
                case RECORDS -> promise.trySuccess(Result.answer(part.addresses(), part.ttlSeconds(), name));
                case FAILED -> candidate(names, i + 1, failure != null ? failure : part.detail(), empty, promise);
                default -> candidate(names, i + 1, failure, empty != null ? empty : part.detail(), promise);
            }
        });
    }

    private Future<Part> family(String name) {
        return switch (family) {
            case V4_ONLY -> query(name, DnsRecordType.A, 0);
            case V6_ONLY -> query(name, DnsRecordType.AAAA, 0);
            case V4_PREFERRED -> preferred(name, DnsRecordType.A, DnsRecordType.AAAA);
            case V6_PREFERRED -> preferred(name, DnsRecordType.AAAA, DnsRecordType.A);
            case ALL -> both(name);
        };
    }

    /** The preferred family; the other only when the name exists but has no record of it. */
    private Future<Part> preferred(String name, DnsRecordType first, DnsRecordType second) {
        Promise<Part> promise = loop.newPromise();
        query(name, first, 0).addListener(f -> {
            Part part = partOf(f, name);
            if (part.kind() != Part.Kind.NODATA) {
                promise.trySuccess(part);
                return;
            }
            query(name, second, 0).addListener(g -> {
                Part other = partOf(g, name);
                promise.trySuccess(other.kind() == Part.Kind.NODATA
                        ? Part.of(Part.Kind.NODATA, "no " + first.name() + " or " + second.name() + " record")
                        : other);
            });
        });
        return promise;
    }

    /** A and AAAA at once: an answer only when both were answered (a failed half would drop replicas). */
    private Future<Part> both(String name) {
        Promise<Part> promise = loop.newPromise();
        Future<Part> a = query(name, DnsRecordType.A, 0);
        Future<Part> aaaa = query(name, DnsRecordType.AAAA, 0);
        a.addListener(f -> aaaa.addListener(g -> {
            Part p4 = partOf(f, name);
            Part p6 = partOf(g, name);
            if (p4.kind() == Part.Kind.FAILED || p6.kind() == Part.Kind.FAILED) {
                promise.trySuccess(p4.kind() == Part.Kind.FAILED ? p4 : p6);
            } else if (p4.kind() == Part.Kind.RECORDS || p6.kind() == Part.Kind.RECORDS) {
                List<InetAddress> all = new ArrayList<>(p4.addresses());
                all.addAll(p6.addresses());
                long ttl = p4.kind() != Part.Kind.RECORDS ? p6.ttlSeconds()
                        : p6.kind() != Part.Kind.RECORDS ? p4.ttlSeconds() : Math.min(p4.ttlSeconds(), p6.ttlSeconds());
                promise.trySuccess(new Part(Part.Kind.RECORDS, all, ttl, name));
            } else {
                promise.trySuccess(p4.kind() == Part.Kind.NXDOMAIN ? p4 : Part.of(Part.Kind.NODATA, "no A or AAAA record"));
            }
        }));
        return promise;
    }

    private static Part partOf(Future<?> future, String name) {
        Object part = future.getNow();
        return part instanceof Part p ? p : Part.of(Part.Kind.FAILED, name + ": " + future.cause());
    }

    /** {@code type} records of {@code name}, asking each server in turn until one answers. */
    private Future<Part> query(String name, DnsRecordType type, int hops) {
        Promise<Part> promise = loop.newPromise();
        ask(name, type, hops, 0, null, promise);
        return promise;
    }

    private void ask(String name, DnsRecordType type, int hops, int server, @Nullable String problem, Promise<Part> promise) {
        if (server == servers.size()) {
            promise.trySuccess(Part.of(Part.Kind.FAILED, problem != null ? problem : "no DNS server answered"));
            return;
        }
        InetSocketAddress address = servers.get(server);
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> sent;
        try {
            sent = resolver.query(address, new DefaultDnsQuestion(name, type));
        } catch (RuntimeException e) { // an invalid name (a label over 63 characters): no server will do better
            promise.trySuccess(Part.of(Part.Kind.FAILED, name + ": " + e.getMessage()));
            return;
        }
        sent.addListener(f -> {
            if (!f.isSuccess()) {
                ask(name, type, hops, server + 1, describe(f.cause(), address), promise);
                return;
            }
            @SuppressWarnings("unchecked") // the future's own type; Netty's listener is raw
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                    (AddressedEnvelope<DnsResponse, InetSocketAddress>) f.getNow();
            Part part;
            String follow = null;
            String refused = null;
            try {
                DnsResponse response = envelope.content();
                DnsResponseCode code = response.code();
                if (code.equals(DnsResponseCode.NXDOMAIN)) {
                    part = Part.of(Part.Kind.NXDOMAIN, "NXDOMAIN for " + trim(name) + " from " + text(address));
                } else if (!code.equals(DnsResponseCode.NOERROR)) {
                    part = null;
                    refused = code + " for " + trim(name) + " " + type.name() + " from " + text(address);
                } else {
                    Answer answer = read(response, name, type);
                    if (!answer.addresses.isEmpty()) {
                        part = new Part(Part.Kind.RECORDS, answer.addresses, answer.ttl, name);
                    } else if (answer.target != null && hops < MAX_CNAME_HOPS) {
                        part = null;
                        follow = answer.target; // a CNAME whose target the server did not resolve
                    } else {
                        part = Part.of(Part.Kind.NODATA, "no " + type.name() + " record for " + trim(name));
                    }
                }
            } finally {
                envelope.release();
            }
            if (part != null) {
                promise.trySuccess(part);
            } else if (follow != null) {
                String target = follow;
                query(target, type, hops + 1).addListener(g -> promise.trySuccess(partOf(g, target)));
            } else {
                ask(name, type, hops, server + 1, refused, promise);
            }
        });
    }

    /** The addresses in an answer for {@code name}, through its CNAME chain, and the chain's end when it has none. */
    private static final class Answer {
        final List<InetAddress> addresses = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        @Nullable String target;
    }

    private static Answer read(DnsResponse response, String name, DnsRecordType type) {
        int count = response.count(DnsSection.ANSWER);
        Map<String, String> aliases = new HashMap<>();
        Map<String, Long> aliasTtl = new HashMap<>();
        for (int i = 0; i < count; i++) {
            DnsRecord record = response.recordAt(DnsSection.ANSWER, i);
            if (record.type() == DnsRecordType.CNAME && record instanceof DnsRawRecord raw) {
                String target = decodeName(raw.content());
                if (target != null) {
                    aliases.put(key(record.name()), key(target));
                    aliasTtl.put(key(record.name()), record.timeToLive());
                }
            }
        }
        Set<String> chain = new LinkedHashSet<>();
        String current = key(name);
        Answer answer = new Answer();
        while (chain.add(current)) { // stops at a loop
            String next = aliases.get(current);
            if (next == null) {
                break;
            }
            answer.ttl = Math.min(answer.ttl, aliasTtl.get(current));
            current = next;
        }
        Set<InetAddress> seen = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            DnsRecord record = response.recordAt(DnsSection.ANSWER, i);
            if (record.type() == type && record instanceof DnsRawRecord raw && chain.contains(key(record.name()))) {
                InetAddress address = address(raw.content());
                if (address != null && seen.add(address)) {
                    answer.ttl = Math.min(answer.ttl, record.timeToLive());
                }
            }
        }
        answer.addresses.addAll(seen);
        if (answer.addresses.isEmpty()) {
            answer.ttl = 0;
            answer.target = chain.size() > 1 ? current : null;
        }
        return answer;
    }

    private static @Nullable String decodeName(ByteBuf content) {
        try {
            return DefaultDnsRecordDecoder.decodeName(content.duplicate());
        } catch (RuntimeException e) { // a corrupt name: ignore the record
            return null;
        }
    }

    private static @Nullable InetAddress address(ByteBuf content) {
        int length = content.readableBytes();
        if (length != 4 && length != 16) {
            return null;
        }
        try {
            return InetAddress.getByAddress(ByteBufUtil.getBytes(content)); // bytes: no lookup
        } catch (UnknownHostException e) {
            return null; // cannot happen for 4 or 16 bytes
        }
    }

    /** Names compare lowercase and with their final dot, as the records carry them. */
    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + '.';
    }

    private static String trim(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private String describe(Throwable cause, InetSocketAddress server) {
        if (cause instanceof DnsNameResolverTimeoutException || DnsNameResolver.isTimeoutError(cause)) {
            return "no answer within " + queryTimeoutMillis + " ms from " + text(server);
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message != null ? ": " + message : "") + " (" + text(server) + ")";
    }

    private static String text(InetSocketAddress server) {
        InetAddress ip = server.getAddress();
        String host = ip == null ? server.getHostString() : ip.getHostAddress();
        return (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + server.getPort();
    }
}
