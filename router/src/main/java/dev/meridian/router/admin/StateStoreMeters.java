package dev.meridian.router.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The state store's meters, tagged with the store's kind and the fleet (the etcd prefix, or
 * {@code local} for a state file), so that a fleet's instances can be compared by one query:
 * {@code meridian_state_store_up}, {@code meridian_state_revision},
 * {@code meridian_state_apply_lag_seconds}, {@code meridian_state_watch_restarts_total}.
 * Both stores register them: a router without a fleet shows {@code store="file", fleet="local"}
 * (its apply lag and watch restarts stay at 0).
 */
final class StateStoreMeters {

    static final String UP = "meridian.state.store.up";
    static final String REVISION = "meridian.state.revision";
    static final String APPLY_LAG = "meridian.state.apply.lag";
    static final String WATCH_RESTARTS = "meridian.state.watch.restarts";

    private final Timer applyLag;
    private final Counter watchRestarts;

    StateStoreMeters(MeterRegistry registry, String kind, String fleet, Supplier<StateStore.Status> status,
            Supplier<AdminState> state) {
        Tags tags = Tags.of("store", kind, "fleet", fleet);
        // Strong references: a gauge holds its object weakly by default, and nothing else holds
        // these suppliers (method references made by the caller), so after the first garbage
        // collection both gauges would read NaN, and alerts on them (== 0, <) would never fire.
        Gauge.builder(UP, status, s -> s.get().up() ? 1 : 0)
                .strongReference(true)
                .tags(tags).description("1 when the admin state store answers, 0 while it does not (routing goes on with the last state)")
                .register(registry);
        Gauge.builder(REVISION, state, s -> s.get().revision())
                .strongReference(true)
                .tags(tags).description("Revision of the admin state this instance has applied; the same on every instance of a fleet once a change has reached all")
                .register(registry);
        applyLag = Timer.builder(APPLY_LAG)
                .tags(tags).description("Time from a change's write (on any instance) to its application on this one")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        watchRestarts = Counter.builder(WATCH_RESTARTS)
                .tags(tags).description("Watches of the shared state started again (after a compaction, an error, or etcd's return)")
                .register(registry);
    }

    void applyLag(long millis) {
        applyLag.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    void watchRestarted() {
        watchRestarts.increment();
    }
}
