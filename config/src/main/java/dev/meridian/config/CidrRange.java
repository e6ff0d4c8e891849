package dev.meridian.config;

import dev.meridian.config.syntax.InetLiteral;
import java.net.Inet4Address;
import java.net.InetAddress;
import static java.util.Objects.requireNonNull;

/**
 * An IPv4 or IPv6 address range, such as the proxies trusted to report client addresses.
 *
 * <p>Parsing never looks anything up: only literals are accepted. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:10.1.2.3}, which a dual-stack socket reports for IPv4 clients) are treated as the
 * IPv4 addresses they carry, both as ranges and as addresses to test, so {@code 10.0.0.0/8}
 * matches a client seen as {@code ::ffff:10.1.2.3}.
 *
 * @param address the first address of the range (no bits set beyond the prefix)
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record CidrRange(InetAddress address, int prefixLength) {

    public CidrRange {
        requireNonNull(address, "address");
        InetAddress plain = InetLiteral.unmapped(address);
        if (plain != address) { // an IPv4-mapped IPv6 range is the IPv4 range it carries
            if (prefixLength < 96 || prefixLength > 128) {
                throw new IllegalArgumentException("prefixLength: " + prefixLength
                        + " (expected: 96..128 for an IPv4-mapped address)");
            }
            address = plain;
            prefixLength -= 96;
        }
        int bits = address.getAddress().length * 8;
        Range.check("prefixLength", prefixLength, 0, bits);
        InetAddress network = masked(address, prefixLength);
        if (!network.equals(address)) {
            throw new IllegalArgumentException("address: " + InetLiteral.format(address) + " has bits set beyond /"
                    + prefixLength + " (expected: " + InetLiteral.format(network) + "/" + prefixLength + ")");
        }
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code fd00::/8}, or a bare address ({@code 127.0.0.1} = /32,
     * {@code ::1} = /128).
     *
     * @throws IllegalArgumentException with a one-line message quoting {@code text}, e.g.
     *     {@code "'10.0.0.0/33' has prefix length 33 (expected: 0..32)"}
     */
    public static CidrRange parse(String text) {
        requireNonNull(text, "text");
        String quoted = "'" + text + "'";
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = InetLiteral.parse(addressText);
        if (address == null) {
            throw new IllegalArgumentException(quoted + " is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)");
        }
        boolean mapped = InetLiteral.isIpv6Notation(addressText) && address instanceof Inet4Address;
        int bits = mapped || !(address instanceof Inet4Address) ? 128 : 32;
        int prefix = bits;
        if (slash >= 0) {
            String prefixText = text.substring(slash + 1);
            if (prefixText.isEmpty() || prefixText.length() > 3 || !prefixText.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException(quoted + " is not a CIDR range (expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)");
            }
            prefix = Integer.parseInt(prefixText);
            if (prefix > bits || (mapped && prefix < 96)) {
                throw new IllegalArgumentException(quoted + " has prefix length " + prefix
                        + " (expected: " + (mapped ? 96 : 0) + ".." + bits + ")");
            }
        }
        if (mapped) {
            prefix -= 96;
        }
        InetAddress network = masked(address, prefix);
        if (!network.equals(address)) {
            throw new IllegalArgumentException(quoted + " has bits set beyond the prefix (expected: "
                    + InetLiteral.format(network) + "/" + prefix + ")");
        }
        return new CidrRange(address, prefix);
    }

    /** Whether {@code candidate} is in the range; IPv4-mapped IPv6 candidates are tested as IPv4. */
    public boolean contains(InetAddress candidate) {
        byte[] c = InetLiteral.unmapped(requireNonNull(candidate, "candidate")).getAddress();
        byte[] a = address.getAddress();
        if (c.length != a.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (c[i] != a[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (c[full] & mask) == (a[full] & mask);
    }

    /** CIDR notation: {@code 10.0.0.0/8}, {@code fd00::/8}. */
    @Override
    public String toString() {
        return InetLiteral.format(address) + "/" + prefixLength;
    }

    private static InetAddress masked(InetAddress address, int prefixLength) {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            b[i] &= (byte) ((0xff << (8 - keep)) & 0xff);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes are always a valid address", e);
        }
    }
}
