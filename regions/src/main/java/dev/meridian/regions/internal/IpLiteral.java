package dev.meridian.regions.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * Parses IP address literals from headers without ever resolving a name: a value that is not a
 * literal is rejected here, before {@link InetAddress#getByName} could treat it as a host name and
 * block an event loop on DNS.
 */
public final class IpLiteral {

    private IpLiteral() {}

    /**
     * The address in {@code text} ({@code 192.0.2.1}, {@code 192.0.2.1:8080}, {@code 2001:db8::1},
     * {@code [2001:db8::1]}, {@code [2001:db8::1]:443}, {@code ::ffff:192.0.2.1}), or {@code null}
     * when it is not one. IPv4-mapped IPv6 addresses come back as IPv4.
     */
    public static @Nullable InetAddress parse(String text) {
        String s = text.trim();
        if (s.isEmpty() || s.length() > 64) {
            return null;
        }
        if (s.charAt(0) == '[') {
            int close = s.indexOf(']');
            if (close < 0) {
                return null;
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !isPort(rest)) {
                return null;
            }
            return ipv6(s.substring(1, close));
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return ipv4(s);
        }
        if (s.indexOf(':', colon + 1) < 0) {
            // exactly one colon: IPv4 with a port
            return isPort(s.substring(colon)) ? ipv4(s.substring(0, colon)) : null;
        }
        return ipv6(s);
    }

    private static boolean isPort(String colonAndDigits) {
        int n = colonAndDigits.length();
        if (n < 2 || n > 6 || colonAndDigits.charAt(0) != ':') {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = colonAndDigits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(colonAndDigits.substring(1)) <= 65535;
    }

    private static @Nullable InetAddress ipv4(String s) {
        byte[] bytes = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                bytes[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // leading zeros are ambiguous (octal in some parsers)
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        if (part != 4) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    private static @Nullable InetAddress ipv6(String s) {
        if (s.isEmpty()) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                    || c == ':' || c == '.';
            if (!ok) {
                return null; // no zone ids, no names
            }
        }
        if (s.indexOf(':') < 0 || s.charAt(0) == '.') {
            return null;
        }
        try {
            // A string with a colon is only ever parsed as an IPv6 literal, never looked up.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
