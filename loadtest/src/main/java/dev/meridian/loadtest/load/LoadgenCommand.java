package dev.meridian.loadtest.load;

import dev.meridian.loadtest.DurationArgument;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code meridian loadgen}: sends open-loop (fixed rate) or closed-loop HTTP/1.1 load to a target,
 * prints a progress line per second and a summary, and writes the result files.
 *
 * <pre>{@code
 * meridian loadgen --target http://127.0.0.1:8080 --rate 2000 --duration 30s --warmup 5s \
 *     --path /v2/code/completions --method POST --body '{}' --header 'Content-Type: application/json' \
 *     --out results/run1            # results/run1.json, run1.hgrm, run1.svg
 * meridian loadgen --target http://127.0.0.1:8080 --closed --concurrency 64 --duration 10s --mix mix.yaml
 * meridian loadgen --target https://127.0.0.1:8443 --ca cert.pem --rate 2000 --duration 30s   # TLS, verified
 * meridian loadgen --target 127.0.0.1:8443 --tls --insecure --rate 2000                     # TLS, self-signed
 * }</pre>
 *
 * <p>Exit status 0 when the run completed, errors or not (they are in the summary); 1 when it
 * could not run (no connection to the target, unreadable mix file); 2 for a usage error.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Sends HTTP/1.1 load to a target and measures latency with HdrHistogram.",
            "Open loop (--rate): requests are due at fixed times and latency counts from the intended send time,"
                    + " so queueing behind a slow server is measured (no coordinated omission).",
            "Closed loop (--closed): each connection sends its next request when the previous one ends.",
            "TLS (--tls, or an https:// target): HTTP/1.1 over TLS 1.3/1.2 with ALPN http/1.1, one handshake per connection."})
public final class LoadgenCommand implements Callable<Integer> {

    @Spec
    @Nullable CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "URL",
            description = "Where to send: http://HOST:PORT or https://HOST:PORT (a path here is used as --path).")
    @Nullable String target;

    @Option(names = "--tls", description = "TLS to the target (implied by an https:// target); "
            + "the certificate is verified against the JVM's trust store unless --ca or --insecure says otherwise.")
    boolean tls;

    @Option(names = "--ca", paramLabel = "FILE",
            description = "With TLS: trust the CAs in this PEM file (a self-signed certificate is its own CA); the host name is checked too.")
    @Nullable Path ca;

    @Option(names = "--insecure", description = "With TLS: accept any certificate (no chain or host name check).")
    boolean insecure;

    @Option(names = "--rate", paramLabel = "N", description = "Open loop: requests per second over all connections.")
    @Nullable Double rate;

    @Option(names = "--closed", description = "Closed loop: each connection sends its next request as soon as the last one ends.")
    boolean closed;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "Closed loop: requests outstanding at once (= connections; default 64).")
    @Nullable Integer concurrency;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "30s", converter = DurationArgument.class,
            description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
    Duration duration = Duration.ofSeconds(30);

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "5s", converter = DurationArgument.class,
            description = "Load sent first and left out of the results (default: ${DEFAULT-VALUE}).")
    Duration warmup = Duration.ofSeconds(5);

    @Option(names = "--connections", paramLabel = "N",
            description = "Keep-alive connections (default: " + LoadSpec.DEFAULT_CONNECTIONS + ").")
    @Nullable Integer connections;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationArgument.class,
            description = "Per request, from its intended send time (default: ${DEFAULT-VALUE}).")
    Duration timeout = LoadSpec.DEFAULT_TIMEOUT;

    @Option(names = "--mix", paramLabel = "FILE",
            description = "Request mix: YAML list or JSON lines of {method, path, headers, body | bodyFile, weight}.")
    @Nullable Path mix;

    @Option(names = "--path", paramLabel = "PATH", description = "Without --mix: the request path (default: /).")
    @Nullable String path;

    @Option(names = {"-X", "--method"}, paramLabel = "METHOD",
            description = "Without --mix: the method (default: POST with a body, else GET).")
    @Nullable String method;

    @Option(names = {"-d", "--body"}, paramLabel = "TEXT", description = "Without --mix: the request body.")
    @Nullable String body;

    @Option(names = "--body-file", paramLabel = "FILE", description = "Without --mix: read the request body from FILE.")
    @Nullable Path bodyFile;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "Without --mix: a request header; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the weighted request choice (default: ${DEFAULT-VALUE}).")
    long seed = LoadSpec.DEFAULT_SEED;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
            description = "Client event loops (default: 0 = min(connections, cores / 2)).")
    int eventLoops;

    @Option(names = "--out", paramLabel = "PREFIX",
            description = "Write PREFIX.json, PREFIX.hgrm and PREFIX.svg (directories are created).")
    @Nullable Path out;

    @Option(names = "--title", paramLabel = "TEXT", description = "Title of the plot (default: what ran).")
    @Nullable String title;

    @Option(names = {"-q", "--quiet"}, description = "No progress line.")
    boolean quiet;

    /** Where the progress line goes; standard error, replaced in tests. */
    PrintStream progressStream = System.err;

    @Override
    public Integer call() {
        CommandSpec command = commandSpec();
        PrintWriter stdout = command.commandLine().getOut();
        PrintWriter stderr = command.commandLine().getErr();
        LoadSpec load;
        try {
            load = loadSpec();
        } catch (MixFileProblems | UncheckedIOException e) {
            stderr.println(e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage(), e);
        }
        LoadTls loadTls = load.tls();
        stderr.printf("loadgen: %s, %d connections, %s for %s%s -> %s%s%n", load.describeLoad(), load.connections(),
                load.mix(), DurationArgument.format(load.duration()),
                load.warmup().isZero() ? "" : " after a " + DurationArgument.format(load.warmup()) + " warm-up",
                load.target(), loadTls == null ? "" : ", " + loadTls.describe());
        stderr.flush();
        LoadResult result;
        try {
            result = LoadGenerator.run(load);
        } catch (IllegalStateException | IllegalArgumentException e) {
            stderr.println("loadgen: " + e.getMessage());
            if (loadTls != null && !loadTls.insecure() && String.valueOf(e.getMessage()).contains("TLS handshake")) {
                stderr.println("loadgen: if the target's certificate is not signed by a CA in "
                        + (loadTls.ca() != null ? loadTls.ca() : "the JVM's trust store")
                        + ", give its CA with --ca FILE (for a self-signed one: the certificate), or --insecure");
            }
            return 1;
        }
        stdout.println();
        stdout.print(result.summary());
        if (out != null) {
            Path prefix = out;
            String name = prefix.getFileName() == null ? "run" : prefix.getFileName().toString();
            Path json = prefix.resolveSibling(name + ".json");
            Path hgrm = prefix.resolveSibling(name + ".hgrm");
            Path svg = prefix.resolveSibling(name + ".svg");
            try {
                result.writeJson(json);
                result.writeHgrm(hgrm);
                result.writeSvgPlot(svg, title != null ? title : defaultTitle(load));
            } catch (UncheckedIOException e) {
                stderr.println("loadgen: " + e.getMessage());
                return 1;
            }
            stdout.printf("wrote %s, %s, %s%n", json, hgrm, svg);
        }
        stdout.flush();
        return 0;
    }

    /** The spec the options describe. */
    LoadSpec loadSpec() {
        URI uri = targetUri();
        String targetPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? null : uri.getRawPath();
        URI base = URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
        LoadTls trust = loadTls(uri.getScheme().equalsIgnoreCase("https"));
        if (rate != null && closed) {
            throw new IllegalArgumentException("--rate and --closed: give one (open loop at a rate, or a closed loop)");
        }
        if (rate == null && !closed) {
            throw new IllegalArgumentException(concurrency != null
                    ? "--concurrency applies to a closed loop: add --closed (or give --rate N for an open loop)"
                    : "give --rate N (open loop, N requests per second) or --closed [--concurrency N] (closed loop)");
        }
        LoadSpec load;
        if (closed) {
            if (concurrency != null && connections != null && !concurrency.equals(connections)) {
                throw new IllegalArgumentException("--concurrency " + concurrency + " and --connections " + connections
                        + ": in a closed loop they are the same thing; give one");
            }
            int count = concurrency != null ? concurrency : connections != null ? connections : LoadSpec.DEFAULT_CONNECTIONS;
            load = LoadSpec.closedLoop(base, count, duration);
        } else {
            load = LoadSpec.openLoop(base, rate, duration);
            if (connections != null) {
                load = load.withConnections(connections);
            }
        }
        if (trust != null) {
            load = load.withTls(trust);
        }
        return load.withWarmup(warmup)
                .withTimeout(timeout)
                .withMix(requestMix(targetPath))
                .withSeed(seed)
                .withEventLoops(eventLoops)
                .withProgress(quiet ? null : progressStream);
    }

    /** The TLS settings of the options, or null for plaintext. */
    private @Nullable LoadTls loadTls(boolean httpsTarget) {
        if (!tls && !httpsTarget) {
            if (ca != null || insecure) {
                throw new IllegalArgumentException((ca != null ? "--ca" : "--insecure")
                        + " applies to TLS: add --tls (or give an https:// target)");
            }
            return null;
        }
        if (ca != null && insecure) {
            throw new IllegalArgumentException("--ca and --insecure: give one (trust that CA, or trust anything)");
        }
        if (ca != null) {
            if (!Files.isReadable(ca)) {
                throw new IllegalArgumentException("--ca: " + ca + ": no such readable file");
            }
            return LoadTls.trusting(ca);
        }
        return insecure ? LoadTls.trustingAnything() : LoadTls.systemTrust();
    }

    private URI targetUri() {
        String text = target == null ? "" : target.strip();
        if (!text.contains("://")) {
            text = (tls ? "https://" : "http://") + text;
        }
        try {
            URI uri = new URI(text);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("--target: '" + target + "' (expected: http://HOST:PORT or https://HOST:PORT)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--target: '" + target + "' is not a URL: " + e.getMessage(), e);
        }
    }

    private RequestMix requestMix(@Nullable String targetPath) {
        if (mix != null) {
            if (path != null || method != null || body != null || bodyFile != null || !headers.isEmpty()) {
                throw new IllegalArgumentException(
                        "--mix and --path/--method/--body/--body-file/--header: the mix file says what to send; give one or the other");
            }
            try {
                return RequestMix.fromFile(mix);
            } catch (IllegalArgumentException e) {
                throw new MixFileProblems(e.getMessage());
            }
        }
        if (body != null && bodyFile != null) {
            throw new IllegalArgumentException("--body and --body-file: give one");
        }
        byte[] bytes = new byte[0];
        if (body != null) {
            bytes = body.getBytes(StandardCharsets.UTF_8);
        } else if (bodyFile != null) {
            try {
                bytes = Files.readAllBytes(bodyFile);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--body-file: " + bodyFile + ": no such file", e);
            } catch (IOException e) {
                throw new UncheckedIOException("--body-file: " + bodyFile + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> headerMap = new LinkedHashMap<>();
        for (String header : headers) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--header: '" + header + "' (expected: 'Name: value')");
            }
            headerMap.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
        }
        String requestMethod = method != null ? method : bytes.length > 0 ? "POST" : "GET";
        String requestPath = path != null ? path : targetPath != null ? targetPath : "/";
        return RequestMix.single(requestMethod, requestPath, headerMap, bytes);
    }

    private static String defaultTitle(LoadSpec load) {
        return load.mix() + " at " + load.target().getRawAuthority() + ", " + load.describeLoad();
    }

    /** The mix file's problems, one per line: reported as they are, without the usage text. */
    private static final class MixFileProblems extends RuntimeException {
        MixFileProblems(@Nullable String message) {
            super(message, null, false, false);
        }
    }

    private CommandSpec commandSpec() {
        if (spec == null) {
            throw new IllegalStateException("picocli did not inject the command spec");
        }
        return spec;
    }
}
