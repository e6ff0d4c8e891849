package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ExternalProgramTest {

    @Test
    void aProgramOnThePathIsFoundByItsAbsolutePath() {
        ExternalProgram sh = ExternalProgram.require("sh", "it is in every Debian");

        assertThat(sh.path()).isAbsolute().endsWithRaw(Path.of("sh"));
        assertThat(Files.isExecutable(sh.path())).isTrue();
    }

    @Test
    void aMissingProgramSkipsTheTestOutsideCiAndFailsItInCi() {
        String name = "meridian-no-such-program";
        String reason = name + " not found: install it from nowhere";

        if (ExternalProgram.isCi()) {
            assertThatThrownBy(() -> ExternalProgram.require(name, "install it from nowhere"))
                    .as("CI must not skip").isInstanceOf(AssertionError.class).hasMessageStartingWith(reason);
        } else {
            assertThatThrownBy(() -> ExternalProgram.require(name, "install it from nowhere"))
                    .isInstanceOf(TestAbortedException.class).hasMessageContaining(reason);
        }
    }
}
