package dev.meridian.router.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The search list and {@code ndots} of the system resolver ({@code resolv.conf(5)}), applied to
 * endpoint names the way glibc applies them: a name with at least {@code ndots} dots is tried as
 * it is first, then with each search domain; a shorter one with the search domains first; a name
 * ending with a dot is absolute. In a Kubernetes pod ({@code ndots:5}, {@code search
 * ns.svc.cluster.local svc.cluster.local cluster.local}) this is what lets {@code gateway} find
 * the headless Service {@code gateway.ns.svc.cluster.local}.
 *
 * <p>The servers listed in the file are read by Netty ({@code DnsServerAddressStreamProviders});
 * this class reads only what Netty's public API does not expose.
 *
 * @param search the search domains, in order (the last {@code search} or {@code domain} line wins, as in glibc)
 * @param ndots dots a name needs to be tried as it is before the search list (glibc's default 1, at most 15)
 */
public record ResolvConf(List<String> search, int ndots) {

    /** The system file. */
    public static final Path SYSTEM_FILE = Path.of("/etc/resolv.conf");
    /** No search list, {@code ndots:1}: names are tried as they are. */
    public static final ResolvConf NONE = new ResolvConf(List.of(), 1);

    /** glibc caps {@code ndots} at 15. */
    private static final int MAX_NDOTS = 15;

    public ResolvConf {
        search = List.copyOf(search);
        if (ndots < 0 || ndots > MAX_NDOTS) {
            throw new IllegalArgumentException("ndots: " + ndots + " (expected: 0.." + MAX_NDOTS + ")");
        }
    }

    /** {@link #SYSTEM_FILE}, or {@link #NONE} when there is none. Reads a file: call it off the event loops. */
    public static ResolvConf system() throws IOException {
        return read(SYSTEM_FILE);
    }

    /** {@code file}, or {@link #NONE} when it does not exist. */
    public static ResolvConf read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return NONE;
        }
    }

    /** The {@code search}, {@code domain} and {@code options ndots:N} lines of a resolv.conf text; the rest is ignored. */
    public static ResolvConf parse(String text) {
        List<String> search = List.of();
        int ndots = 1;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] words = line.split("\\s+");
            switch (words[0]) {
                case "search", "domain" -> {
                    List<String> domains = new ArrayList<>();
                    for (int i = 1; i < words.length; i++) {
                        String domain = stripDot(words[i].toLowerCase(Locale.ROOT));
                        if (!domain.isEmpty() && !domains.contains(domain)) {
                            domains.add(domain);
                        }
                    }
                    search = words[0].equals("domain") && !domains.isEmpty() ? List.of(domains.get(0)) : domains;
                }
                case "options" -> {
                    for (int i = 1; i < words.length; i++) {
                        if (words[i].startsWith("ndots:")) {
                            try {
                                ndots = Math.min(MAX_NDOTS, Math.max(0, Integer.parseInt(words[i].substring(6))));
                            } catch (NumberFormatException e) {
                                // glibc ignores a malformed option too
                            }
                        }
                    }
                }
                default -> {
                    // nameserver (Netty reads those), sortlist, and anything else
                }
            }
        }
        return new ResolvConf(search, ndots);
    }

    /** The names to ask for {@code host}, in order. */
    public List<String> candidates(String host) {
        if (host.endsWith(".")) {
            return List.of(host);
        }
        if (search.isEmpty()) {
            return List.of(host);
        }
        int dots = (int) host.chars().filter(c -> c == '.').count();
        List<String> names = new ArrayList<>(search.size() + 1);
        if (dots >= ndots) {
            names.add(host);
        }
        for (String domain : search) {
            names.add(host + '.' + domain);
        }
        if (dots < ndots) {
            names.add(host);
        }
        return names;
    }

    private static String stripDot(String domain) {
        return domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
    }
}
