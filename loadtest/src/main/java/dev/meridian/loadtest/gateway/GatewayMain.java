package dev.meridian.loadtest.gateway;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs simulated gateways from the command line until Ctrl-C, for the demo and for benchmarks that
 * need upstreams in another process than the router.
 *
 * <pre>{@code
 * java -cp meridian-loadtest.jar dev.meridian.loadtest.gateway.GatewayMain \
 *     --name us-east-1 --port 8081 --control-port 9081 \
 *     --name eu-west-1 --port 8082 --control-port 9082 \
 *     --latency-median 20ms --latency-p99 200ms
 * }</pre>
 *
 * <p>One gateway per {@code --name} (or {@code --count N} gateways named {@code sim-1..sim-N});
 * {@code --port} and {@code --control-port} are matched to the gateways in order, and gateways
 * without one get an ephemeral port. Each prints where it listens; the control port then steers
 * it ({@code curl -X PUT localhost:9081/fault -d '{"mode":"errors","status":503,"rate":0.5}'}).
 * With {@code --tls-cert FILE --tls-key FILE} every data port speaks TLS (h2 or http/1.1 by ALPN);
 * without, plaintext HTTP/1.1 and h2c with prior knowledge share the port.
 */
@Command(name = "simulated-gateway", mixinStandardHelpOptions = true,
        description = "Runs simulated AI-gateway replicas until interrupted.")
public final class GatewayMain implements Callable<Integer> {

    @Spec
    private @Nullable CommandSpec spec;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME",
            description = "Name of a gateway (sent as X-Sim-Gateway); repeat for several gateways.")
    private List<String> names = new ArrayList<>();

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
            description = "Without --name: start N gateways named sim-1..sim-N (default: ${DEFAULT-VALUE}).")
    private int count = 1;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = GatewayConfig.LOOPBACK,
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String host = GatewayConfig.LOOPBACK;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT",
            description = "Data port of each gateway, in order; 0 or missing: ephemeral.")
    private List<Integer> ports = new ArrayList<>();

    @Option(names = "--control-port", paramLabel = "PORT",
            description = "Control port of each gateway, in order; 0 or missing: ephemeral.")
    private List<Integer> controlPorts = new ArrayList<>();

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "1",
            description = "Event loops per gateway (default: ${DEFAULT-VALUE}).")
    private int eventLoops = 1;

    @Option(names = "--latency-median", paramLabel = "DURATION", defaultValue = "0ms",
            converter = DurationConverter.class,
            description = "Median simulated latency, e.g. 20ms (default: ${DEFAULT-VALUE}).")
    private Duration latencyMedian = Duration.ZERO;

    @Option(names = "--latency-p99", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "99th-percentile simulated latency (default: the median, a fixed delay).")
    private @Nullable Duration latencyP99;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "PEM certificate chain: every gateway's data port speaks TLS (ALPN h2, http/1.1); needs --tls-key.")
    private @Nullable Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "PEM private key (unencrypted PKCS#8) of --tls-cert.")
    private @Nullable Path tlsKey;

    /** Starts the gateways described by {@code args} and blocks until the JVM is interrupted. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new GatewayMain()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        List<GatewayConfig> configs = configs();
        List<SimulatedGateway> gateways = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateways.forEach(SimulatedGateway::close);
            stopped.countDown();
        }, "simulated-gateway-shutdown"));
        PrintWriter out = commandSpec().commandLine().getOut();
        try {
            for (GatewayConfig config : configs) {
                SimulatedGateway gateway = SimulatedGateway.start(config);
                gateways.add(gateway);
                out.println(describe(gateway));
            }
        } catch (RuntimeException e) {
            gateways.forEach(SimulatedGateway::close);
            throw e;
        }
        out.println("Ctrl-C to stop.");
        out.flush();
        stopped.await();
        return 0;
    }

    /** One line saying where a gateway listens. */
    static String describe(SimulatedGateway gateway) {
        return "gateway " + gateway.name() + " listening on " + gateway.baseUri()
                + " (control " + gateway.controlUri() + ", " + gateway.transport() + ")";
    }

    /** The gateways the options describe. */
    List<GatewayConfig> configs() {
        List<String> gatewayNames = new ArrayList<>(names);
        if (gatewayNames.isEmpty()) {
            if (count < 1 || count > 64) {
                throw new ParameterException(commandSpec().commandLine(), "--count: " + count + " (expected: 1..64)");
            }
            for (int i = 1; i <= count; i++) {
                gatewayNames.add("sim-" + i);
            }
        }
        if (ports.size() > gatewayNames.size() || controlPorts.size() > gatewayNames.size()) {
            throw new ParameterException(commandSpec().commandLine(),
                    "more --port or --control-port values than gateways (" + gatewayNames.size() + ")");
        }
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new ParameterException(commandSpec().commandLine(), "--tls-cert and --tls-key go together");
        }
        List<GatewayConfig> configs = new ArrayList<>();
        try {
            LatencyModel latency = new LatencyModel(latencyMedian, latencyP99 == null ? latencyMedian : latencyP99);
            for (int i = 0; i < gatewayNames.size(); i++) {
                GatewayConfig config = GatewayConfig.of(gatewayNames.get(i))
                        .withHost(host)
                        .withPort(i < ports.size() ? ports.get(i) : 0)
                        .withControlPort(i < controlPorts.size() ? controlPorts.get(i) : 0)
                        .withEventLoops(eventLoops)
                        .withLatency(latency);
                configs.add(tlsCertificate == null || tlsKey == null ? config : config.withTls(tlsCertificate, tlsKey));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(commandSpec().commandLine(), String.valueOf(e.getMessage()), e);
        }
        return configs;
    }

    private CommandSpec commandSpec() {
        if (spec == null) {
            throw new IllegalStateException("picocli did not inject the command spec");
        }
        return spec;
    }

    /** Parses {@code 20ms}, {@code 1.5s}, ... for picocli. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return DurationText.parse(value);
        }
    }
}
