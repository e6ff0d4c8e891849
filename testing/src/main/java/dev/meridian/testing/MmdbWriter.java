package dev.meridian.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import static java.util.Objects.requireNonNull;

/**
 * Writes small MaxMind DB files shaped like a GeoIP2/GeoLite2 City database, so that tests exercise
 * the real {@code DatabaseReader} on data they control (and can change between two versions of a
 * file) without shipping MaxMind's databases. Written from the MaxMind DB format specification
 * (v2.0): an IPv6 search tree with IPv4 networks under {@code ::/96}, aliased from
 * {@code ::ffff:0:0/96} and {@code 2002::/16} as MaxMind's own files do; a data section of maps,
 * strings, doubles, unsigned integers and pointers laid out like MaxMind's City records; and the
 * metadata.
 *
 * <pre>{@code
 * Path db = MmdbWriter.city()
 *         .add("192.0.2.0/24", 39.04, -77.49, "US")
 *         .add("2001:db8:2::/48", 51.51, -0.13, "GB")
 *         .writeTo(dir.resolve("city.mmdb"));
 * }</pre>
 */
public final class MmdbWriter {

    /**
     * One network and what the database says about it.
     *
     * @param cidr {@code 192.0.2.0/24} or {@code 2001:db8::/32}; an address without a prefix is one host
     * @param registeredCountryIsoCode where the block is registered, written as {@code registered_country}
     *     (MaxMind's files often differ from {@code country}); {@code null} to leave it out
     */
    public record Entry(String cidr, double lat, double lon, @Nullable String countryIsoCode,
            @Nullable String registeredCountryIsoCode) {

        public Entry {
            requireNonNull(cidr, "cidr");
        }
    }

    private static final byte[] METADATA_MARKER = {
        (byte) 0xAB, (byte) 0xCD, (byte) 0xEF, 'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};
    private static final int DATA_SECTION_SEPARATOR = 16;

    // Data field types (spec: "Output Data Section").
    private static final int UTF8_STRING = 2;
    private static final int DOUBLE = 3;
    private static final int UINT16 = 5;
    private static final int UINT32 = 6;
    private static final int MAP = 7;
    private static final int UINT64 = 9;
    private static final int ARRAY = 11;

    private final List<Entry> entries = new ArrayList<>();
    private String databaseType = "GeoLite2-City";
    private int recordSize; // 0: the smallest that fits
    private long buildEpoch = 1_763_856_000L; // 2025-11-23

    private MmdbWriter() {}

    /** A writer of a {@code GeoLite2-City} database with no networks yet. */
    public static MmdbWriter city() {
        return new MmdbWriter();
    }

    /** The metadata's {@code database_type}; the reader recognises words such as {@code City} and {@code Country} in it. */
    public MmdbWriter databaseType(String type) {
        this.databaseType = requireNonNull(type, "type");
        return this;
    }

    /** 24, 28 or 32 bits per search tree record; by default the smallest that can address everything. */
    public MmdbWriter recordSize(int bits) {
        if (bits != 24 && bits != 28 && bits != 32) {
            throw new IllegalArgumentException("recordSize: " + bits + " (expected: 24, 28 or 32)");
        }
        this.recordSize = bits;
        return this;
    }

    /** The metadata's {@code build_epoch}, in seconds. */
    public MmdbWriter buildEpoch(long seconds) {
        this.buildEpoch = seconds;
        return this;
    }

    /** Adds a network located at {@code lat, lon} in {@code countryIsoCode} (may be {@code null}). */
    public MmdbWriter add(String cidr, double lat, double lon, @Nullable String countryIsoCode) {
        return add(new Entry(cidr, lat, lon, countryIsoCode, null));
    }

    public MmdbWriter add(Entry entry) {
        entries.add(requireNonNull(entry, "entry"));
        return this;
    }

    /** Writes the database to {@code file} (replacing it in place) and returns {@code file}. */
    public Path writeTo(Path file) {
        try {
            Files.write(file, toBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces {@code file} atomically, as {@code geoipupdate} does: writes a temporary file in the
     * same directory, then renames it over {@code file}, so a reader never sees a half-written file.
     */
    public Path replace(Path file) {
        try {
            Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            Files.write(temp, toBytes());
            return Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The complete file: search tree, 16 zero bytes, data section, metadata marker, metadata. */
    public byte[] toBytes() {
        // Data section first: the tree's records point into it.
        Buffer data = new Buffer();
        Map<List<Object>, Integer> offsets = new HashMap<>(); // identical records are written once
        Map<Object, Integer> shared = new HashMap<>(); // and so are identical location and country maps
        Node ipv4Root = new Node();
        Node root = new Node();
        List<Network> networks = new ArrayList<>();
        for (Entry entry : entries) {
            List<Object> key = List.of(entry.lat(), entry.lon(), String.valueOf(entry.countryIsoCode()),
                    String.valueOf(entry.registeredCountryIsoCode()));
            Integer offset = offsets.get(key);
            if (offset == null) {
                offset = writeCityRecord(data, entry, shared);
                offsets.put(key, offset);
            }
            networks.add(Network.parse(entry.cidr(), new DataRef(offset)));
        }
        // Less specific networks first, so a more specific one splits its parent's record.
        networks.sort(Comparator.comparingInt(Network::prefixLength));
        for (Network n : networks) {
            insert(n.ipv4() ? ipv4Root : root, n.bits(), n.prefixLength(), n.data());
        }
        byte[] zeros = new byte[16];
        graft(root, zeros, 96, ipv4Root, "::/96");
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        graft(root, mapped, 96, ipv4Root, "::ffff:0:0/96");
        byte[] sixToFour = new byte[16];
        sixToFour[0] = 0x20;
        sixToFour[1] = 0x02;
        graft(root, sixToFour, 16, ipv4Root, "2002::/16");

        // Number the nodes breadth first (the root is node 0); the IPv4 subtree is shared, numbered once.
        Map<Node, Integer> ids = new IdentityHashMap<>();
        List<Node> order = new ArrayList<>();
        Deque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        ids.put(root, 0);
        while (!queue.isEmpty()) {
            Node node = queue.poll();
            order.add(node);
            for (Object child : new Object[] {node.left, node.right}) {
                if (child instanceof Node c && !ids.containsKey(c)) {
                    ids.put(c, ids.size());
                    queue.add(c);
                }
            }
        }
        long nodeCount = order.size();
        long largest = nodeCount + DATA_SECTION_SEPARATOR + data.size();
        int bits = recordSize != 0 ? recordSize : largest < (1L << 24) ? 24 : largest < (1L << 28) ? 28 : 32;
        if (largest >= (1L << bits)) {
            throw new IllegalStateException("recordSize: " + bits + " bits cannot address " + largest + " (expected: a larger record size)");
        }

        Buffer out = new Buffer();
        for (Node node : order) {
            writeNode(out, bits, value(node.left, ids, nodeCount), value(node.right, ids, nodeCount));
        }
        out.write(new byte[DATA_SECTION_SEPARATOR]);
        out.write(data.toByteArray());
        out.write(METADATA_MARKER);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("binary_format_major_version", new Unsigned(UINT16, 2));
        metadata.put("binary_format_minor_version", new Unsigned(UINT16, 0));
        metadata.put("build_epoch", new Unsigned(UINT64, buildEpoch));
        metadata.put("database_type", databaseType);
        metadata.put("description", Map.of("en", "Meridian test database (" + entries.size() + " networks)"));
        metadata.put("ip_version", new Unsigned(UINT16, 6));
        metadata.put("languages", List.of("en"));
        metadata.put("node_count", new Unsigned(UINT32, nodeCount));
        metadata.put("record_size", new Unsigned(UINT16, bits));
        writeValue(out, metadata);
        return out.toByteArray();
    }

    // ---- search tree ----

    /** A tree node; each record is a {@link Node}, a {@link DataRef} or {@code null} (no data). */
    private static final class Node {
        @Nullable Object left;
        @Nullable Object right;

        @Nullable Object get(int bit) {
            return bit == 0 ? left : right;
        }

        void set(int bit, @Nullable Object value) {
            if (bit == 0) {
                left = value;
            } else {
                right = value;
            }
        }
    }

    private record DataRef(int offset) {}

    private record Network(byte[] bits, int prefixLength, boolean ipv4, DataRef data) {

        static Network parse(String cidr, DataRef data) {
            int slash = cidr.indexOf('/');
            String host = slash < 0 ? cidr : cidr.substring(0, slash);
            if (!host.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) { // a literal: never a DNS lookup
                throw new IllegalArgumentException("cidr: '" + cidr + "' (expected e.g. 192.0.2.0/24 or 2001:db8::/32)");
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("cidr: '" + cidr + "' (expected e.g. 192.0.2.0/24 or 2001:db8::/32)", e);
            }
            boolean ipv4 = address instanceof Inet4Address;
            if (ipv4 && host.contains(":")) {
                throw new IllegalArgumentException("cidr: '" + cidr + "' is IPv4-mapped (expected the dotted IPv4 form)");
            }
            int max = ipv4 ? 32 : 128;
            int length = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
            if (length < 1 || length > max) {
                throw new IllegalArgumentException("cidr: '" + cidr + "' prefix length " + length + " (expected: 1.." + max + ")");
            }
            return new Network(address.getAddress(), length, ipv4, data);
        }
    }

    private static int bit(byte[] address, int index) {
        return (address[index >> 3] >> (7 - (index & 7))) & 1;
    }

    private static void insert(Node root, byte[] address, int prefixLength, DataRef data) {
        Node node = root;
        for (int i = 0; i < prefixLength - 1; i++) {
            int b = bit(address, i);
            Object child = node.get(b);
            if (child instanceof Node n) {
                node = n;
            } else {
                // Split: the new node's both halves keep what the record held (a less specific network, or nothing).
                Node split = new Node();
                split.left = child;
                split.right = child;
                node.set(b, split);
                node = split;
            }
        }
        int last = bit(address, prefixLength - 1);
        if (node.get(last) instanceof Node) {
            throw new IllegalStateException("a network more specific than /" + prefixLength + " was inserted first");
        }
        node.set(last, data);
    }

    /** Points the record at depth {@code depth} along {@code address} to {@code subtree}. */
    private static void graft(Node root, byte[] address, int depth, Node subtree, String where) {
        Node node = root;
        for (int i = 0; i < depth - 1; i++) {
            int b = bit(address, i);
            Object child = node.get(b);
            if (child == null) {
                Node created = new Node();
                node.set(b, created);
                node = created;
            } else if (child instanceof Node n) {
                node = n;
            } else {
                throw new IllegalArgumentException("an IPv6 network covers " + where + " (expected it free for IPv4)");
            }
        }
        int last = bit(address, depth - 1);
        if (node.get(last) != null) {
            throw new IllegalArgumentException("an IPv6 network overlaps " + where + " (expected it free for IPv4)");
        }
        node.set(last, subtree);
    }

    private static long value(@Nullable Object record, Map<Node, Integer> ids, long nodeCount) {
        if (record == null) {
            return nodeCount;
        }
        if (record instanceof Node n) {
            return ids.get(n);
        }
        return nodeCount + DATA_SECTION_SEPARATOR + ((DataRef) record).offset();
    }

    private static void writeNode(Buffer out, int bits, long left, long right) {
        switch (bits) {
            case 24 -> {
                out.writeUnsigned(left, 3);
                out.writeUnsigned(right, 3);
            }
            case 28 -> {
                out.writeUnsigned(left & 0xFFFFFF, 3);
                out.write((int) (((left >>> 24) & 0x0F) << 4 | ((right >>> 24) & 0x0F)));
                out.writeUnsigned(right & 0xFFFFFF, 3);
            }
            default -> {
                out.writeUnsigned(left, 4);
                out.writeUnsigned(right, 4);
            }
        }
    }

    // ---- data section ----

    private record Unsigned(int type, long value) {}

    /** A pointer to a value elsewhere in the data section, by its offset from the section's start. */
    private record Pointer(int offset) {}

    /**
     * A City record as MaxMind lays it out: {@code location}, {@code country}, {@code registered_country}.
     * Like MaxMind's files, the nested maps are written once and referenced by pointers, which is
     * what the reader's node cache caches.
     *
     * @return the record's offset in the data section
     */
    private static int writeCityRecord(Buffer out, Entry entry, Map<Object, Integer> shared) {
        Map<String, Object> record = new LinkedHashMap<>();
        Map<String, Object> location = new LinkedHashMap<>();
        location.put("accuracy_radius", new Unsigned(UINT16, 100));
        location.put("latitude", entry.lat());
        location.put("longitude", entry.lon());
        record.put("location", location);
        if (entry.countryIsoCode() != null) {
            record.put("country", country(entry.countryIsoCode()));
        }
        if (entry.registeredCountryIsoCode() != null) {
            record.put("registered_country", country(entry.registeredCountryIsoCode()));
        }
        Map<String, Object> pointed = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : record.entrySet()) {
            Integer offset = shared.get(e.getValue());
            if (offset == null) {
                offset = out.size();
                shared.put(e.getValue(), offset);
                writeValue(out, e.getValue());
            }
            pointed.put(e.getKey(), new Pointer(offset));
        }
        int start = out.size();
        writeValue(out, pointed);
        return start;
    }

    private static Map<String, Object> country(String isoCode) {
        Map<String, Object> country = new LinkedHashMap<>();
        country.put("geoname_id", new Unsigned(UINT32, Math.abs(isoCode.hashCode()) % 1_000_000));
        country.put("iso_code", isoCode);
        country.put("names", Map.of("en", "Country " + isoCode));
        return country;
    }

    private static void writeValue(Buffer out, Object value) {
        if (value instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            writeControl(out, UTF8_STRING, utf8.length);
            out.write(utf8);
        } else if (value instanceof Double d) {
            writeControl(out, DOUBLE, 8);
            out.writeUnsigned(Double.doubleToLongBits(d), 8);
        } else if (value instanceof Unsigned u) {
            int length = 0; // minimal big-endian byte count; 0 for the value 0
            for (long v = u.value(); v != 0; v >>>= 8) {
                length++;
            }
            writeControl(out, u.type(), length);
            out.writeUnsigned(u.value(), length);
        } else if (value instanceof Pointer p) {
            writePointer(out, p.offset());
        } else if (value instanceof Map<?, ?> map) {
            writeControl(out, MAP, map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                writeValue(out, e.getKey());
                writeValue(out, e.getValue());
            }
        } else if (value instanceof List<?> list) {
            writeControl(out, ARRAY, list.size());
            for (Object element : list) {
                writeValue(out, element);
            }
        } else {
            throw new IllegalArgumentException("value: " + value + " (expected: String, Double, Unsigned, Map or List)");
        }
    }

    /** {@code 001SSVVV}: SS selects 11, 19, 27 or 32 bits of offset, VVV are its top bits (spec: "Pointer - 1"). */
    private static void writePointer(Buffer out, long offset) {
        int pointer = 1 << 5;
        if (offset < 2048) {
            out.write(pointer | (int) (offset >>> 8));
            out.writeUnsigned(offset, 1);
        } else if (offset < 2048 + (1L << 19)) {
            long v = offset - 2048;
            out.write(pointer | 1 << 3 | (int) (v >>> 16));
            out.writeUnsigned(v, 2);
        } else if (offset < 526_336 + (1L << 27)) {
            long v = offset - 526_336;
            out.write(pointer | 2 << 3 | (int) (v >>> 24));
            out.writeUnsigned(v, 3);
        } else {
            out.write(pointer | 3 << 3);
            out.writeUnsigned(offset, 4);
        }
    }

    /** Control byte: type in the top 3 bits (0 = extended, type - 7 in the next byte), then the size. */
    private static void writeControl(Buffer out, int type, int size) {
        int first = type <= 7 ? type << 5 : 0;
        byte[] sizeBytes;
        if (size < 29) {
            first |= size;
            sizeBytes = new byte[0];
        } else if (size < 29 + 256) {
            first |= 29;
            sizeBytes = new byte[] {(byte) (size - 29)};
        } else if (size < 285 + 65_536) {
            first |= 30;
            int v = size - 285;
            sizeBytes = new byte[] {(byte) (v >>> 8), (byte) v};
        } else {
            first |= 31;
            int v = size - 65_821;
            sizeBytes = new byte[] {(byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        out.write(first);
        if (type > 7) {
            out.write(type - 7);
        }
        out.write(sizeBytes);
    }

    /** A growable byte array with big-endian unsigned writes. */
    private static final class Buffer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        int size() {
            return bytes.size();
        }

        void write(int b) {
            bytes.write(b);
        }

        void write(byte[] b) {
            bytes.write(b, 0, b.length);
        }

        void writeUnsigned(long value, int length) {
            for (int i = length - 1; i >= 0; i--) {
                bytes.write((int) (value >>> (8 * i)));
            }
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}
