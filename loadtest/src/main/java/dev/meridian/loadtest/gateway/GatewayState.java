package dev.meridian.loadtest.gateway;

import static java.util.Objects.requireNonNull;

import io.netty.util.AsciiString;
import java.time.Clock;

/**
 * What the data path of one gateway reads and the control side changes: the fault, the latency
 * model, the stream hold and the counters.
 *
 * <p>Fault and latency are immutable values in volatile fields, swapped whole by the control side
 * and read once per request by the event loops; nothing here is locked.
 */
final class GatewayState {

    private final String name;
    private final AsciiString nameHeaderValue;
    private final Clock clock;
    private final GatewayCounters counters = new GatewayCounters();
    private final StreamHold hold = new StreamHold();
    private volatile Fault fault;
    private volatile LatencyModel latency;

    GatewayState(String name, Fault fault, LatencyModel latency, Clock clock) {
        this.name = requireNonNull(name, "name");
        this.nameHeaderValue = AsciiString.cached(name);
        this.fault = requireNonNull(fault, "fault");
        this.latency = requireNonNull(latency, "latency");
        this.clock = requireNonNull(clock, "clock");
    }

    String name() {
        return name;
    }

    /** The name as a pre-encoded header value for {@code X-Sim-Gateway}. */
    AsciiString nameHeaderValue() {
        return nameHeaderValue;
    }

    Clock clock() {
        return clock;
    }

    GatewayCounters counters() {
        return counters;
    }

    StreamHold hold() {
        return hold;
    }

    Fault fault() {
        return fault;
    }

    void fault(Fault fault) {
        this.fault = requireNonNull(fault, "fault");
    }

    LatencyModel latency() {
        return latency;
    }

    void latency(LatencyModel latency) {
        this.latency = requireNonNull(latency, "latency");
    }
}
