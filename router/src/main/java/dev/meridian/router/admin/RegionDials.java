package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import dev.meridian.config.RegionConfig;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import dev.meridian.router.controller.SloController;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The traffic dials for code inside the router (the SLO controller): read each region's dial and
 * turn one as a given actor, through exactly the path {@code PUT /admin/regions/{name}/dial} takes:
 * this instance's write lock, the state store ({@code If-Match} checked by the store, a
 * transaction in an etcd fleet, so every instance applies the change), then one audit line whose
 * {@code token} is the actor, {@code remote} is {@value #REMOTE} and {@code details} holds the
 * inputs that led to the change.
 *
 * <p>Who may turn what:
 * <ul>
 *   <li>An SRE (an actor that is the name of an admin token with write scope) sets the percent and
 *       the baseline together and pins the dial, exactly like the HTTP API.
 *   <li>Anyone else (for example {@value #SLO_CONTROLLER}) moves only the percent, between 0 and
 *       the baseline the SRE left; the dial stays unpinned and its {@code set_by} becomes the
 *       actor. A pinned dial, or a percent above the baseline, is refused with {@link Refused}
 *       ({@link Refused.Reason#PINNED}, {@link Refused.Reason#ABOVE_BASELINE}); the check is made
 *       on the store's fresh state inside the write, so an SRE who pins a dial meanwhile wins.
 * </ul>
 *
 * <p>Writes block on the store (disk, etcd), so {@link #turnDial} runs them on the admin API's
 * worker threads and answers at once with a future; call it from anywhere but never wait on the
 * future on an event loop. Reads ({@link #dials()}, {@link #revision()}) do not block.
 *
 * <pre>{@code
 * RegionDials dials = adminServer.dials();
 * RegionDial now = dials.dial("europe-west2");
 * dials.turnDial("europe-west2", now.percent() / 2, RegionDials.SLO_CONTROLLER,
 *                 Map.of("errorRatio5m", 0.21, "burnRate5m", 210.0, "burnRate1h", 15.2))
 *      .whenComplete((revision, error) -> {
 *          if (error instanceof RegionDials.Refused refused && refused.reason() == RegionDials.Refused.Reason.PINNED) {
 *              // an SRE holds this dial: leave it alone
 *          }
 *      });
 * }</pre>
 */
public final class RegionDials {

    /** The actor name of the SLO controller: the one it turns dials as. */
    public static final String SLO_CONTROLLER = SloController.ACTOR;
    /** The audit line's {@code remote} for changes made inside the router rather than over HTTP. */
    public static final String REMOTE = "internal";

    private final AdminApi api;
    private final Supplier<List<RegionConfig>> regions;
    private final Executor worker;

    RegionDials(AdminApi api, Supplier<List<RegionConfig>> regions, Executor worker) {
        this.api = requireNonNull(api, "api");
        this.regions = requireNonNull(regions, "regions");
        this.worker = requireNonNull(worker, "worker");
    }

    /**
     * Every configured region's dial in force, in configuration order ({@link RegionDial#DEFAULT}
     * for a region nobody dialled). On a fleet instance whose store is unreachable, the last state
     * it saw.
     */
    public Map<String, RegionDial> dials() {
        RegionOverrides overrides = api.state().overrides();
        Map<String, RegionDial> out = new LinkedHashMap<>();
        for (RegionConfig region : regions.get()) {
            out.put(region.name(), overrides.dial(region.name()));
        }
        return out;
    }

    /** {@code region}'s dial in force ({@link RegionDial#DEFAULT} for a region nobody dialled or not configured). */
    public RegionDial dial(String region) {
        return api.state().overrides().dial(region);
    }

    /** The revision of the admin state in force (what {@code ifRevision} of {@link #turnDial} compares with). */
    public long revision() {
        return api.state().revision();
    }

    /**
     * Turns {@code region}'s dial to {@code percent} as {@code actor} (see the class for who may
     * turn what), whatever the revision.
     *
     * @param details the inputs that led to the change (SLIs, burn rates, thresholds), recorded in
     *     the audit line's {@code details}; values must be what Jackson can write (numbers, strings,
     *     booleans, lists and maps of them)
     * @return the revision of the admin state after the change (the current one when the dial was
     *     already there); completes exceptionally with {@link Refused} itself (not wrapped) when
     *     the change is not made
     */
    public CompletableFuture<Long> turnDial(String region, int percent, String actor, Map<String, Object> details) {
        return submit(region, percent, actor, details, null);
    }

    /**
     * Like {@link #turnDial(String, int, String, Map)}, but only while the admin state is still at
     * {@code ifRevision} (as {@code If-Match} does): a decision made on an older state is refused
     * with {@link Refused.Reason#REVISION_CHANGED} instead of overwriting what changed since.
     */
    public CompletableFuture<Long> turnDial(String region, int percent, String actor, Map<String, Object> details,
            long ifRevision) {
        return submit(region, percent, actor, details, IfMatch.parse("\"" + ifRevision + "\""));
    }

    private CompletableFuture<Long> submit(String region, int percent, String actor, Map<String, Object> details,
            @Nullable IfMatch ifMatch) {
        requireNonNull(region, "region");
        requireNonNull(actor, "actor");
        Map<String, Object> inputs = Map.copyOf(requireNonNull(details, "details"));
        if (actor.isBlank()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("actor: blank (expected a name, e.g. " + SLO_CONTROLLER + ")"));
        }
        CompletableFuture<Long> result = new CompletableFuture<>();
        try {
            // Completed by hand rather than by supplyAsync, so that the failure is the Refused itself, not wrapped.
            worker.execute(() -> {
                try {
                    result.complete(turn(region, percent, actor, inputs, ifMatch));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new Refused(Refused.Reason.STORE_UNAVAILABLE,
                    "the admin API's workers are saturated; nothing was changed (" + e.getMessage() + ")"));
        }
        return result;
    }

    private long turn(String region, int percent, String actor, Map<String, Object> details, @Nullable IfMatch ifMatch) {
        try {
            return api.turnDial(region, percent, actor, details, ifMatch);
        } catch (AdminError e) {
            Refused.Reason reason = switch (e.status()) {
                case 404 -> Refused.Reason.UNKNOWN_REGION;
                case 412 -> Refused.Reason.REVISION_CHANGED;
                default -> Refused.Reason.STORE_UNAVAILABLE;
            };
            throw new Refused(reason, e.error() + ": " + e.getMessage());
        }
    }

    /** A dial change that was not made, and why; nothing was changed. */
    public static final class Refused extends RuntimeException {

        private static final long serialVersionUID = 1L;

        /** Why a dial change was refused. */
        public enum Reason {
            /** No region of that name is configured. */
            UNKNOWN_REGION,
            /** The percent is outside 0..100. */
            INVALID_PERCENT,
            /** An SRE pinned the dial; only an SRE may turn it until it is unpinned. */
            PINNED,
            /** Automation may not turn a dial above the baseline the SRE left. */
            ABOVE_BASELINE,
            /** The admin state is no longer at the revision the change was decided on. */
            REVISION_CHANGED,
            /** The state store (disk, etcd) or the admin API cannot take a write now: try again later. */
            STORE_UNAVAILABLE
        }

        private final Reason reason;

        Refused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = requireNonNull(reason, "reason");
        }

        public Reason reason() {
            return reason;
        }
    }
}
