package dev.meridian.config.syntax;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * IPv4 and IPv6 address literals, parsed without ever touching DNS: the one parser for addresses
 * in the configuration and in request headers.
 *
 * <p>{@link InetAddress#getByName} resolves anything that does not look like a literal, and it
 * accepts legacy IPv4 forms ({@code 10.1}, {@code 010.0.0.1}) that mean something else to every
 * other tool. IPv4 is therefore parsed here, strictly; IPv6 text is handed to the JDK only when it
 * contains a colon, starts with a hex digit or a colon, and holds nothing but hex digits, colons
 * and dots, which the JDK always treats as a literal (it throws instead of resolving).
 */
public final class InetLiteral {

    private InetLiteral() {}

    /** The address, or {@code null} when {@code text} is not an IP literal. IPv4-mapped IPv6 text yields the IPv4 address. */
    public static @Nullable InetAddress parse(String text) {
        if (text.indexOf(':') >= 0) {
            return parseIpv6(text);
        }
        byte[] bytes = parseIpv4(text);
        return bytes == null ? null : ipv4(bytes);
    }

    /**
     * The address in a host as headers and URLs write it, with an optional port: {@code 192.0.2.1},
     * {@code 192.0.2.1:8080}, {@code 2001:db8::1}, {@code [2001:db8::1]}, {@code [2001:db8::1]:443};
     * surrounding whitespace is ignored. {@code null} when it is not one (a name, a list, a zone id).
     */
    public static @Nullable InetAddress parseHost(String text) {
        InetSocketAddress address = parseSocketAddress(text.trim(), 0);
        return address == null ? null : address.getAddress();
    }

    /**
     * An address literal with an optional port, written as in {@link #parseHost} (without the
     * surrounding whitespace); {@code defaultPort} when the text has none. {@code null} when it
     * is not one. The port may be 0: callers that need a real port check it.
     */
    public static @Nullable InetSocketAddress parseSocketAddress(String text, int defaultPort) {
        String host = text;
        String port = "";
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = text.substring(1, close);
            port = text.substring(close + 1);
            if (!isIpv6Notation(host)) {
                return null;
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && text.indexOf(':', colon + 1) < 0) { // exactly one colon: IPv4 with a port
                host = text.substring(0, colon);
                port = text.substring(colon);
            }
        }
        int portNumber = port.isEmpty() ? defaultPort : port(port);
        InetAddress address = portNumber < 0 ? null : parse(host);
        return address == null ? null : new InetSocketAddress(address, portNumber);
    }

    /** The port in {@code :} and up to five digits (0..65535), or -1. */
    private static int port(String colonAndDigits) {
        int n = colonAndDigits.length();
        if (n < 2 || n > 6 || colonAndDigits.charAt(0) != ':') {
            return -1;
        }
        for (int i = 1; i < n; i++) {
            if (colonAndDigits.charAt(i) < '0' || colonAndDigits.charAt(i) > '9') {
                return -1;
            }
        }
        int port = Integer.parseInt(colonAndDigits, 1, n, 10);
        return port <= 65535 ? port : -1;
    }

    /** True when the literal text is IPv6 notation (even if it denotes an IPv4-mapped address). */
    public static boolean isIpv6Notation(String text) {
        return text.indexOf(':') >= 0;
    }

    /** True for {@code 0.0.0.0} and {@code ::}, which bind every interface. */
    public static boolean isWildcard(InetAddress address) {
        return address.isAnyLocalAddress();
    }

    /** Canonical text: dotted quad for IPv4, RFC 5952 (lowercase, longest zero run as {@code ::}) for IPv6. */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // RFC 5952 4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    /** The IPv4 address inside an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}), else the address itself. */
    public static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return address;
                }
            }
            if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                return ipv4(new byte[] {b[12], b[13], b[14], b[15]});
            }
        }
        return address;
    }

    private static byte @Nullable [] parseIpv4(String text) {
        byte[] bytes = new byte[4];
        int part = 0;
        int i = 0;
        int n = text.length();
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 4 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return null; // leading zeros read as octal elsewhere: refuse the ambiguity
            }
            bytes[part++] = (byte) value;
            if (part < 4) {
                if (i >= n || text.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == n ? bytes : null;
    }

    private static InetAddress ipv4(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid address", e);
        }
    }

    private static @Nullable InetAddress parseIpv6(String text) {
        if (text.isEmpty() || text.length() > 45 || text.charAt(0) == '.') {
            return null; // the JDK reads text that does not start with a hex digit or ':' as a host name
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean allowed = c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!allowed) {
                return null; // also rejects zone ids ("%eth0") and brackets
            }
        }
        try {
            // Contains ':' and only literal characters: the JDK parses it as a literal or throws.
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /**
     * Whether two listeners would fight over a port: the same non-ephemeral port on addresses
     * that overlap (equal, or either one a wildcard; on Linux {@code ::} also takes IPv4).
     */
    public static boolean bindingsClash(String addressA, int portA, String addressB, int portB) {
        if (portA == 0 || portA != portB) {
            return false;
        }
        InetAddress a = parse(addressA);
        InetAddress b = parse(addressB);
        return a == null || b == null || a.equals(b) || a.isAnyLocalAddress() || b.isAnyLocalAddress();
    }
}
