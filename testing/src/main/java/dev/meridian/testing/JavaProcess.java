package dev.meridian.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A class's {@code main} run in a child JVM with this JVM's class path (a router started the way
 * users start it, to send it signals or watch it exit), its stdout and stderr read line by line
 * as they come. Closing it kills what is still running.
 *
 * <pre>{@code
 * try (JavaProcess router = JavaProcess.start("dev.meridian.router.Main", "run", "--config", file.toString())) {
 *     await().until(() -> router.printed("admin API listening") || !router.process().isAlive());
 * }
 * }</pre>
 */
public final class JavaProcess implements AutoCloseable {

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private JavaProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::read, "java-process-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java -cp CLASSPATH mainClass args} with this JVM's {@code java} and class path. */
    public static JavaProcess start(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        try {
            return new JavaProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass, e);
        }
    }

    public Process process() {
        return process;
    }

    /** Every line printed so far (stdout and stderr together). */
    public List<String> output() {
        return List.copyOf(output);
    }

    /** Whether a line printed so far contains {@code text}. */
    public boolean printed(String text) {
        return output.stream().anyMatch(line -> line.contains(text));
    }

    /** The first match of {@code pattern} in the lines printed so far. */
    public Optional<MatchResult> find(Pattern pattern) {
        for (String line : output) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.find()) {
                return Optional.of(matcher.toMatchResult());
            }
        }
        return Optional.empty();
    }

    /** Kills the process if it still runs (SIGKILL) and waits for it, bounded. */
    @Override
    public void close() {
        ExternalProgram.kill(process);
    }

    @Override
    public String toString() {
        return "pid " + process.pid() + "; output:\n" + String.join("\n", output);
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }
}
