package dev.meridian.deploy;

import dev.meridian.testing.ExternalProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JRE base image the image tests build on, made from Debian's packages because no image
 * registry can be reached from the machines these tests run on: {@code mmdebstrap --variant=apt
 * --include=openjdk-17-jre-headless,ca-certificates bookworm}, imported into podman's store as
 * {@value #NAME}. Kept there between runs (podman's store persists on the machine,
 * {@code /var/lib/containers/storage} for root); making it takes about two minutes, reusing it
 * nothing. To refresh it (new Debian security updates): {@code podman rmi } {@value #NAME}.
 */
final class TestBaseImage {

    static final String NAME = "localhost/meridian-test-base:bookworm-jre17";

    private static final Logger log = LoggerFactory.getLogger(TestBaseImage.class);
    private static final Duration MMDEBSTRAP_TIMEOUT = Duration.ofMinutes(15);

    private TestBaseImage() {}

    /** The base image's name, after making it when podman's store does not have it. */
    static synchronized String ensure(ExternalProgram podman) {
        if (podman.run(Duration.ofMinutes(1), "image", "exists", NAME).exitCode() == 0) {
            log.info("base image {} is in podman's store; reusing it", NAME);
            return NAME;
        }
        ExternalProgram mmdebstrap = ExternalProgram.require("mmdebstrap", "install Debian's mmdebstrap");
        Path dir;
        try {
            dir = Files.createTempDirectory("meridian-test-base-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path tarball = dir.resolve("rootfs.tar");
        long started = System.nanoTime();
        try {
            mmdebstrap.run(MMDEBSTRAP_TIMEOUT, "--variant=apt", "--include=openjdk-17-jre-headless,ca-certificates",
                    "bookworm", tarball.toString()).requireSuccess();
            long made = System.nanoTime();
            // PATH as the official JRE images set it, so that `java` is found as it would be there.
            podman.run(Duration.ofMinutes(5), "import",
                    "--change", "ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "--message", "meridian test base: mmdebstrap --variant=apt bookworm + openjdk-17-jre-headless",
                    tarball.toString(), NAME).requireSuccess();
            log.info("base image {} made in {} s (mmdebstrap {} s, podman import {} s)", NAME,
                    (System.nanoTime() - started) / 1_000_000_000, (made - started) / 1_000_000_000,
                    (System.nanoTime() - made) / 1_000_000_000);
        } finally {
            ExternalProgram.run(List.of("rm", "-rf", dir.toString()), null, null, Duration.ofMinutes(2));
        }
        return NAME;
    }
}
