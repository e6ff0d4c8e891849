package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.regions.RegionOverrides;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's admin state in its {@link StateFile}: each change is saved atomically before it
 * is applied, and the revision counts this instance's changes.
 */
final class FileStateStore implements StateStore {

    private static final Logger log = LoggerFactory.getLogger(FileStateStore.class);

    private final StateFile file;
    private final AuditLog audit;
    private final Instant started;
    private final String instanceId = FleetIdentity.newInstanceId();
    private @Nullable Consumer<AdminState> applier;
    private volatile AdminState current = AdminState.INITIAL;
    private volatile String adminAddress = "";

    /** The {@code fleet} tag of this store's meters: one instance, its own state. */
    static final String FLEET = "local";

    /**
     * @param registry where the store's meters go (tagged {@code store="file", fleet="local"}, so
     *     that dashboards and rules about fleets find the same names on a single instance);
     *     {@code null} in tests that do not look at them
     */
    FileStateStore(StateFile file, AuditLog audit, Clock clock, @Nullable MeterRegistry registry) {
        this.file = requireNonNull(file, "file");
        this.audit = requireNonNull(audit, "audit");
        this.started = clock.instant();
        if (registry != null) {
            new StateStoreMeters(registry, kind(), FLEET, this::status, this::current);
        }
    }

    @Override
    public String instanceId() {
        return instanceId;
    }

    @Override
    public String kind() {
        return "file";
    }

    StateFile file() {
        return file;
    }

    @Override
    public synchronized AdminState start(Consumer<AdminState> applier) {
        this.applier = requireNonNull(applier, "applier");
        current = file.load();
        applier.accept(current);
        return current;
    }

    @Override
    public AdminState current() {
        return current;
    }

    @Override
    public synchronized Change change(String region, UnaryOperator<RegionOverrides> change, @Nullable IfMatch ifMatch) {
        AdminState before = current;
        if (ifMatch != null && !ifMatch.matches(before.revision())) {
            throw new PreconditionFailed(before.revision());
        }
        RegionOverrides next = change.apply(before.overrides());
        if (next.equals(before.overrides())) {
            return new Change(before, before);
        }
        AdminState after = before.next(next);
        save(after);
        publish(after);
        return new Change(before, after);
    }

    @Override
    public synchronized AdminState retainRegions(List<String> configured) {
        AdminState updated = current.next(current.overrides().retainRegions(configured));
        try {
            file.save(updated);
        } catch (IOException e) {
            // The dropped overrides are dropped again at the next start; only the revision on disk lags.
            log.error("reloaded, but cannot save the admin state to {}: {}", file.path(), e.toString());
        }
        publish(updated);
        return updated;
    }

    private void save(AdminState state) {
        try {
            file.save(state);
        } catch (IOException e) {
            log.error("cannot save the admin state to {}: {}", file.path(), e.toString());
            throw new StoreUnavailable(500, "state_not_saved", "cannot write the state file " + file.path() + " (" + e + "); nothing was changed");
        }
    }

    private void publish(AdminState state) {
        Consumer<AdminState> a = requireNonNull(applier, "start() first");
        a.accept(state);
        current = state;
    }

    @Override
    public void recordAudit(ObjectNode line, long revision) {
        // The audit file is this store's stream; AdminApi has appended the line to it already.
    }

    @Override
    public AuditPage recentAudit(int limit) {
        return new AuditPage(audit.recent(limit), false);
    }

    @Override
    public Status status() {
        return new Status(true, started, null);
    }

    @Override
    public List<Member> members() {
        return List.of(new Member(instanceId, adminAddress, FleetIdentity.VERSION, started, current.revision(), true));
    }

    @Override
    public void register(String adminAddress) {
        this.adminAddress = requireNonNull(adminAddress, "adminAddress");
    }

    @Override
    public void close() {
        // Nothing open between writes.
    }
}
