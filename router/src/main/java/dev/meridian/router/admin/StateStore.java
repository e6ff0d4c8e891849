package dev.meridian.router.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.regions.RegionOverrides;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Where the admin state (weights, drains and dials) lives: this instance's {@link FileStateStore}, or a
 * fleet's {@link EtcdStateStore}. The store owns the state in force and its revision, checks
 * {@code If-Match}, serializes writes, and hands every state it applies, local or not, to the
 * applier given to {@link #start}, in revision order.
 *
 * <p>Every method may block (disk, network): call them off the event loops.
 */
interface StateStore extends AutoCloseable {

    /** {@code file} or {@code etcd}, as {@code /admin/regions} shows it. */
    String kind();

    /** This instance's id: its entry in {@link #members()}, and the one its SLO controller is elected and shown as. */
    String instanceId();

    /**
     * Loads the state to start from and calls {@code applier} with it before returning; later
     * changes (from other instances, resyncs) are passed to it as they are applied. Never fails
     * because a remote store is down: it then starts from what it has (a cache, or the
     * configuration) and says so in the log.
     */
    AdminState start(Consumer<AdminState> applier);

    /** The state in force. */
    AdminState current();

    /**
     * Changes one region's overrides atomically: {@code change} gets the freshest overrides the
     * store has and returns the next ones. With {@code ifMatch} (a parsed {@code If-Match}), the
     * change is made only when the store's revision is one of the tags.
     *
     * @return the state before and after; {@code after == before} when nothing changed
     * @throws PreconditionFailed when {@code ifMatch} names no current revision
     * @throws StoreUnavailable when the store cannot take the write; nothing was changed
     */
    Change change(String region, UnaryOperator<RegionOverrides> change, @Nullable IfMatch ifMatch);

    /**
     * After a reload: the overrides of regions that are no longer configured stop applying. A
     * local store drops them (the next revision); a fleet's store keeps them in the shared state,
     * since other instances may still have those regions.
     */
    AdminState retainRegions(List<String> configured);

    /** Appends one audit line to the store's shared audit stream (a local store has none: its audit file is the stream). */
    void recordAudit(ObjectNode line, long revision);

    /** The newest audit lines first, at most {@code limit}; from the shared stream, or the local audit file. */
    AuditPage recentAudit(int limit);

    /** Whether the store answers, and since when it does not. */
    Status status();

    /** The instances sharing this state, this one included, with the revision each has applied. */
    List<Member> members();

    /** Records this instance in the fleet (a no-op for a local store); {@code adminAddress} is where SREs reach it. */
    void register(String adminAddress);

    @Override
    void close();

    /** A change as the store made it. */
    record Change(AdminState before, AdminState after) {
        boolean changed() {
            return after.revision() != before.revision();
        }
    }

    /**
     * The store's health.
     *
     * @param up whether the last request to the store succeeded
     * @param since when it last changed between up and not
     * @param problem why it is not up; {@code null} when up
     */
    record Status(boolean up, Instant since, @Nullable String problem) {}

    /** One page of audit lines, newest first; {@code stale} when read from the local file because the shared stream could not be. */
    record AuditPage(List<ObjectNode> lines, boolean stale) {}

    /**
     * One instance of the fleet.
     *
     * @param id unique per process
     * @param admin where its admin API listens
     * @param version Meridian's version
     * @param started when it started
     * @param appliedRevision the last revision of the state it applied
     * @param self whether it is the instance answering
     */
    record Member(String id, String admin, String version, Instant started, long appliedRevision, boolean self) {}

    /** {@code If-Match} did not name the store's revision. */
    final class PreconditionFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long current;

        PreconditionFailed(long current) {
            super("revision is " + current, null, false, false);
            this.current = current;
        }

        long current() {
            return current;
        }
    }

    /**
     * The store cannot take a write now; the message says why and whether anything was written,
     * {@code error} is the admin API's error code for it.
     */
    final class StoreUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String error;

        StoreUnavailable(int status, String error, String message) {
            super(message, null, false, false);
            this.status = status;
            this.error = error;
        }

        /** A fleet store that etcd does not serve: 503 {@code state_store_unavailable}. */
        StoreUnavailable(String message) {
            this(503, "state_store_unavailable", message);
        }

        int status() {
            return status;
        }

        String error() {
            return error;
        }
    }
}
