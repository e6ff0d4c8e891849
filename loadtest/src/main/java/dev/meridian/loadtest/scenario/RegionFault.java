package dev.meridian.loadtest.scenario;

import dev.meridian.loadtest.gateway.Fault;
import dev.meridian.loadtest.gateway.SimulatedGateway;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** What a scenario does to a region's gateways ({@code apply}), and how it is undone ({@code undo}). */
record RegionFault(Consumer<List<SimulatedGateway>> apply, Consumer<List<SimulatedGateway>> undo) {

    /** Every gateway down: connections refused, in-flight ones cut. */
    static RegionFault outage() {
        return new RegionFault(region -> region.parallelStream().forEach(SimulatedGateway::down),
                region -> region.parallelStream().forEach(SimulatedGateway::up));
    }

    /** Every gateway down, its open connections reset (RST) instead of closed. */
    static RegionFault outageWithResets() {
        return new RegionFault(region -> region.parallelStream().forEach(SimulatedGateway::downWithResets),
                outage().undo());
    }

    /** The first half of the gateways down. */
    static RegionFault halfDown() {
        RegionFault outage = outage();
        return new RegionFault(region -> outage.applyTo(region.subList(0, region.size() / 2)),
                region -> outage.undoOn(region.subList(0, region.size() / 2)));
    }

    /** Every gateway hangs: connections accepted, nothing answered. */
    static RegionFault hang() {
        return injected(Fault.hang());
    }

    /** Every answer, probes included, {@code delay} later. */
    static RegionFault slow(Duration delay) {
        return injected(Fault.slow(delay));
    }

    /** Every gateway answers a fraction {@code rate} (0..1) of requests with {@code status}; probes still succeed. */
    static RegionFault errors(int status, double rate) {
        return injected(Fault.errors(status, rate));
    }

    /** The simulated gateways' own fault injection, set on every gateway and cleared. */
    private static RegionFault injected(Fault fault) {
        return new RegionFault(region -> region.forEach(gateway -> gateway.setFault(fault)),
                region -> region.forEach(gateway -> gateway.setFault(Fault.none())));
    }

    void applyTo(List<SimulatedGateway> region) {
        apply.accept(region);
    }

    void undoOn(List<SimulatedGateway> region) {
        undo.accept(region);
    }
}
