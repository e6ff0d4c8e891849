package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meridian.config.RegionConfig;
import dev.meridian.regions.RegionDial;
import dev.meridian.regions.RegionOverrides;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin state on disk, so that weights, drains and dials survive a restart.
 *
 * <p>Writes are atomic: the new content goes to a temporary file in the same directory, is
 * forced to disk ({@link FileChannel#force}), and is renamed over the old file; then the directory
 * is forced so the rename itself survives a power cut. A crash at any point leaves either the old
 * file or the new one, never a mix. A file that is nevertheless unreadable (cut short by a broken
 * disk, edited by hand) is reported with one WARN line at start and the configured values are
 * used: the router must start without its admin state rather than not at all.
 *
 * <pre>{@code
 * {"format": 1, "revision": 7, "written": "2026-11-23T13:50:00Z",
 *  "weights": {"us-east4": 50}, "drained": ["europe-west2"],
 *  "dials": {"us-east1": {"percent": 50, "baseline": 100, "pinned": false, "set_by": "slo-controller"}}}
 * }</pre>
 *
 * <p>{@code dials} is optional (files written before dials existed have none).
 *
 * @param path the state file
 * @param clock stamps each save
 */
record StateFile(Path path, Clock clock) {

    private static final Logger log = LoggerFactory.getLogger(StateFile.class);

    static final int FORMAT = 1;
    /** A state file holds a few hundred bytes; a huge one is not ours. */
    private static final long MAX_SIZE = 1024 * 1024;

    /** Strict: a duplicate key or anything after the value is an error. The etcd store reads its values with it too. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    StateFile {
        requireNonNull(path, "path");
        requireNonNull(clock, "clock");
    }

    /**
     * The state saved in the file, or {@link AdminState#INITIAL} when there is none or it cannot be
     * used (said in one WARN line naming the file and the problem). Never throws.
     */
    AdminState load() {
        try {
            long size = Files.size(path);
            if (size > MAX_SIZE) {
                throw new IllegalArgumentException(size + " bytes (expected at most " + MAX_SIZE + ")");
            }
            AdminState state = parse(Files.readAllBytes(path));
            log.info("admin state restored from {}: revision {}, weights {}, drained {}, dials {}", path, state.revision(),
                    new TreeMap<>(state.overrides().weights()), new TreeSet<>(state.overrides().drained()),
                    new TreeMap<>(state.overrides().dials()));
            return state;
        } catch (NoSuchFileException e) {
            log.info("no admin state file at {}: starting at revision 0 with the configured weights", path);
        } catch (IOException | IllegalArgumentException e) {
            log.warn("admin state file {} is unusable, starting with the configured weights and drains: {}", path, problem(e));
        }
        return AdminState.INITIAL;
    }

    private static String problem(Exception e) {
        if (e instanceof JsonParseException p) {
            return "not valid JSON (" + p.getOriginalMessage() + " at line " + p.getLocation().getLineNr()
                    + ", column " + p.getLocation().getColumnNr() + ")";
        }
        if (e instanceof JsonProcessingException p) {
            return "not valid JSON (" + p.getOriginalMessage() + ")";
        }
        if (e instanceof IOException) {
            return "cannot read it: " + e;
        }
        return e.getMessage();
    }

    /** Parses the file's bytes; throws with a one-line message on anything unexpected. */
    static AdminState parse(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the file is empty");
        }
        JsonNode root = JSON.readTree(bytes);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        if (root.path("format").asInt(-1) != FORMAT) {
            throw new IllegalArgumentException("format: " + root.path("format") + " (expected " + FORMAT + ")");
        }
        JsonNode revision = root.path("revision");
        if (!revision.isIntegralNumber() || !revision.canConvertToLong() || revision.longValue() < 0) {
            throw new IllegalArgumentException("revision: " + revision + " (expected a whole number >= 0)");
        }
        Map<String, Integer> weights = new HashMap<>();
        JsonNode weightsNode = root.path("weights");
        if (!weightsNode.isObject()) {
            throw new IllegalArgumentException("weights: " + weightsNode + " (expected an object of region: weight)");
        }
        for (Map.Entry<String, JsonNode> e : weightsNode.properties()) {
            JsonNode w = e.getValue();
            if (!w.isIntegralNumber() || !w.canConvertToInt()
                    || w.intValue() < RegionConfig.MIN_WEIGHT || w.intValue() > RegionConfig.MAX_WEIGHT) {
                throw new IllegalArgumentException("weights." + e.getKey() + ": " + w + " (expected "
                        + RegionConfig.MIN_WEIGHT + ".." + RegionConfig.MAX_WEIGHT + ")");
            }
            weights.put(e.getKey(), w.intValue());
        }
        Set<String> drained = new HashSet<>();
        JsonNode drainedNode = root.path("drained");
        if (!drainedNode.isArray()) {
            throw new IllegalArgumentException("drained: " + drainedNode + " (expected a list of region names)");
        }
        for (JsonNode d : drainedNode) {
            if (!d.isTextual()) {
                throw new IllegalArgumentException("drained: " + d + " (expected a region name)");
            }
            drained.add(d.textValue());
        }
        Map<String, RegionDial> dials = new HashMap<>();
        JsonNode dialsNode = root.path("dials");
        if (!dialsNode.isMissingNode()) {
            if (!dialsNode.isObject()) {
                throw new IllegalArgumentException("dials: " + dialsNode + " (expected an object of region: dial)");
            }
            for (Map.Entry<String, JsonNode> e : dialsNode.properties()) {
                dials.put(e.getKey(), RegionDialJson.read(e.getValue(), "dials." + e.getKey()));
            }
        }
        return new AdminState(new RegionOverrides(weights, drained, dials), revision.longValue());
    }

    /** The file's content for {@code state}: keys sorted, so that two states diff cleanly. */
    byte[] render(AdminState state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("revision", state.revision());
        root.put("written", clock.instant().toString());
        ObjectNode weights = root.putObject("weights");
        new TreeMap<>(state.overrides().weights()).forEach(weights::put);
        new TreeSet<>(state.overrides().drained()).forEach(root.putArray("drained")::add);
        ObjectNode dials = root.putObject("dials");
        new TreeMap<>(state.overrides().dials()).forEach((region, dial) -> dials.set(region, RegionDialJson.write(dial)));
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /**
     * Replaces the file with {@code state}, atomically and durably. Blocks on the disk: call it off
     * the event loops.
     *
     * @throws IOException when it cannot be written; the old file is then untouched
     */
    void save(AdminState state) throws IOException {
        byte[] bytes = render(state);
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Same directory, so this only happens on exotic file systems; a plain replace is the best left.
                Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        forceDirectory(dir);
    }

    /** Makes the rename durable. Not every platform can open a directory (Windows cannot); the file is written either way. */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot force directory {}: {}", dir, e.toString());
        }
    }
}
