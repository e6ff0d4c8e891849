package dev.meridian.router.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Who an instance is in a fleet: a host-qualified id unique per admin state store, and Meridian's version. */
final class FleetIdentity {

    private static final String HOST = hostName();

    /** From the jar's manifest; {@code dev} when run from classes (tests, the IDE). */
    static final String VERSION = version();

    private FleetIdentity() {}

    /** {@code HOST-xxxxxxxx}: the host name for people, eight random hex digits so that instances on one host (or in one JVM) differ. */
    static String newInstanceId() {
        return HOST + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }

    private static String version() {
        String v = FleetIdentity.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
