package dev.meridian.config.loading;

import dev.meridian.config.MeridianConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import static java.util.Objects.requireNonNull;

/**
 * Reads a YAML configuration file into a {@link MeridianConfig}, or fails with
 * {@link ConfigException} listing every problem as {@code FILE:LINE:COL: message}.
 *
 * <p>Loading runs in stages, each reporting at the exact position of the offending key or value:
 * YAML is read with positions (duplicate keys and syntax errors caught); {@code ${ENV_VAR}}
 * references are substituted; the result is validated against the shipped JSON Schema (unknown
 * keys, types, ranges, enums); finally it is bound to records with the checks a schema cannot
 * express (durations, sizes, URLs, CIDR ranges, uniqueness). Problems from all stages are
 * collected and reported together, sorted by position.
 *
 * <pre>{@code
 * try {
 *     MeridianConfig config = ConfigLoader.create().load(Path.of("meridian.yaml"));
 * } catch (ConfigException e) {
 *     System.err.println(e.getMessage()); // one FILE:LINE:COL: message per line
 *     System.exit(2);
 * }
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ConfigLoader {

    /** A config file is a few KB; anything this large is a mistake (or an attack on the YAML parser). */
    static final long MAX_FILE_SIZE = 1024 * 1024;

    private final Map<String, String> environment;

    private ConfigLoader(Map<String, String> environment) {
        this.environment = environment;
    }

    /** A loader that substitutes from the process environment ({@link System#getenv()}). */
    public static ConfigLoader create() {
        return new ConfigLoader(System.getenv());
    }

    /** A loader that substitutes from {@code env} instead of the process environment (tests, embedding). */
    public ConfigLoader withEnvironment(Map<String, String> env) {
        return new ConfigLoader(Map.copyOf(requireNonNull(env, "env")));
    }

    /**
     * Loads {@code file} (UTF-8). Problems name the file as {@code file.toString()}.
     *
     * @throws ConfigException when the file cannot be read or is not a valid configuration
     */
    public MeridianConfig load(Path file) throws ConfigException {
        requireNonNull(file, "file");
        String name = file.toString();
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw fileProblem(name, "cannot read the file: it is a directory (expected a YAML file)");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                throw fileProblem(name, "cannot read the file: " + size + " bytes (expected at most " + MAX_FILE_SIZE + ")");
            }
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw fileProblem(name, "cannot read the file: it does not exist");
        } catch (AccessDeniedException e) {
            throw fileProblem(name, "cannot read the file: permission denied");
        } catch (CharacterCodingException e) {
            throw fileProblem(name, "cannot read the file: it is not UTF-8 text");
        } catch (IOException e) {
            throw fileProblem(name, "cannot read the file: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        }
        return parse(text, name);
    }

    /**
     * Parses YAML text.
     *
     * @param sourceName what problems call the file (the FILE in {@code FILE:LINE:COL})
     * @throws ConfigException when the text is not a valid configuration
     */
    public MeridianConfig parse(String yaml, String sourceName) throws ConfigException {
        requireNonNull(yaml, "yaml");
        requireNonNull(sourceName, "sourceName");
        Problems problems = new Problems();
        SourceTree tree = YamlSourceReader.read(yaml, environment, problems);
        MeridianConfig config = null;
        if (tree != null) {
            SchemaCheck.validate(tree, problems);
            config = ConfigBinder.bind(tree, problems);
        }
        if (config == null || !problems.isEmpty()) {
            throw new ConfigException(problems.toList(sourceName));
        }
        return config;
    }

    private static ConfigException fileProblem(String file, String message) {
        return new ConfigException(List.of(ConfigProblem.ofFile(file, message)));
    }
}
