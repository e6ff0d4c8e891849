package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JavaProcessTest {

    /** The child's main: prints its arguments and a port-like line on both streams, exits 3. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println("args " + String.join(",", args));
            System.err.println("listening on /127.0.0.1:4242");
            System.exit(3);
        }
    }

    @Test
    void aMainRunsInAChildJvmWithThisClassPathAndItsOutputIsReadLineByLine() throws Exception {
        try (JavaProcess child = JavaProcess.start(Child.class.getName(), "a", "b")) {
            assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("exited; %s", child).isTrue();
            assertThat(child.process().exitValue()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> child.output().size() == 2);

            assertThat(child.printed("args a,b")).as("stdout; %s", child).isTrue();
            assertThat(child.find(Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)")))
                    .as("stderr too").hasValueSatisfying(match -> assertThat(match.group(1)).isEqualTo("4242"));
            assertThat(child.printed("never printed")).isFalse();
        }
    }
}
