package dev.meridian.config.loading;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code src/docs/configuration.md} is generated from the schema and must be committed up to date. */
class ConfigReferenceTest {

    private static final Path COMMITTED = Path.of("../src/docs/configuration.md");
    private static final String REGENERATE = "meridian.docs.regenerate";

    @Test
    void committedReferenceIsWhatTheGeneratorProduces() throws IOException {
        String generated = ConfigReference.markdown();
        if (Boolean.getBoolean(REGENERATE)) {
            Files.writeString(COMMITTED, generated, StandardCharsets.UTF_8);
        }

        assertThat(COMMITTED).as("run from the config module directory").exists();
        assertThat(Files.readString(COMMITTED, StandardCharsets.UTF_8))
                .as("src/docs/configuration.md is out of date with the schema; regenerate it with "
                        + "./mvnw -pl config test -D" + REGENERATE + "=true and commit the result")
                .isEqualTo(generated);
    }

    @Test
    void referenceListsEveryKeyOfTheSchema() {
        String markdown = ConfigReference.markdown();
        List<String> missing = new ArrayList<>();
        ConfigSchemaTest.walk((path, node) -> {
            boolean section = !path.contains(".") && !path.contains("[");
            String shown = section ? "### `" + path + "`" : "| `" + path + "` |";
            if (!markdown.contains(shown)) {
                missing.add(path);
            }
        });

        assertThat(missing).isEmpty();
    }

    @Test
    void referenceShowsTheMessagesTheLoaderReallyPrints() {
        assertThat(ConfigReference.markdown())
                .contains("meridian.yaml:2:3: listen.prot: unknown key (did you mean 'port'?)")
                .contains("meridian.yaml:4:15: timeouts.first-byte: '10 seconds' is not a duration (expected e.g. 250ms, 2s, 1m)")
                .contains("meridian validate --config FILE")
                .contains("exits with status 2");
    }

    @Test
    void referenceGivesDefaultsAndAllowedValues() {
        assertThat(ConfigReference.markdown())
                .contains("| `server.max-request-body` | [size](#size) | `16MiB` |")
                .contains("| `server.transport` | string | `auto` | `auto`, `epoll`, `nio` |")
                .contains("| `regions[].weight` | integer | `100` | 0..1000 |")
                .contains("| `regions[].endpoints` | list of strings | required | at least 1 item; each: pattern `^[Hh][Tt][Tt][Pp][Ss]?://` |");
    }
}
