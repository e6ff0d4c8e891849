package dev.meridian.router.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Who this process is in a fleet: a host-qualified id unique per process, and Meridian's version. */
final class FleetIdentity {

    /** {@code HOST-xxxxxxxx}: the host name for people, eight random hex digits so that instances on one host differ. */
    static final String INSTANCE_ID = hostName() + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());

    /** From the jar's manifest; {@code dev} when run from classes (tests, the IDE). */
    static final String VERSION = version();

    private FleetIdentity() {}

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
