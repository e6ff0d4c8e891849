package dev.meridian.router.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who changed what: every admin change as one JSON line, to the log (logger
 * {@code dev.meridian.router.admin.audit}) and appended to the audit file.
 *
 * <pre>{@code
 * {"time":"2026-11-23T13:50:00.123Z","token":"sre","remote":"127.0.0.1","action":"weight","region":"us-east4",
 *  "before":{"state":"active","weight":100},"after":{"state":"active","weight":50},"revision":8,"reason":"INC-42"}
 * }</pre>
 *
 * <p>The file is opened, appended to, forced and closed for each line: changes are rare, and an
 * external {@code logrotate} may move the file at any time.
 *
 * @param path the audit file, appended to
 * @param clock stamps each line
 */
record AuditLog(Path path, Clock clock) {

    private static final Logger log = LoggerFactory.getLogger("dev.meridian.router.admin.audit");
    private static final ObjectMapper JSON = new ObjectMapper();

    AuditLog {
        requireNonNull(path, "path");
        requireNonNull(clock, "clock");
    }

    /**
     * Records one change. A file that cannot be written is logged as an error with the line (the
     * change itself was made and saved; the log still has it). Blocks on the disk.
     *
     * @param region {@code null} for changes not about one region (reload)
     * @param reason what the caller said, or {@code null}
     * @param details what led an automated actor to the change (its inputs: SLIs, burn rates), or {@code null}
     * @return the line written
     */
    synchronized ObjectNode record(String token, String remote, String action, @Nullable String region,
            JsonNode before, JsonNode after, long revision, @Nullable String reason, @Nullable JsonNode details) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", clock.instant().toString());
        line.put("token", token);
        line.put("remote", remote);
        line.put("action", action);
        if (region != null) {
            line.put("region", region);
        }
        line.set("before", before);
        line.set("after", after);
        line.put("revision", revision);
        if (reason != null) {
            line.put("reason", reason);
        }
        if (details != null) {
            line.set("details", details);
        }
        String text;
        try {
            text = JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
        log.info("{}", text);
        try {
            Path dir = path.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            try (FileChannel channel = FileChannel.open(path,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(false);
            }
        } catch (IOException e) {
            log.error("cannot append to the audit file {} ({}); the change above is in this log only", path, e.toString());
        }
        return line;
    }

    /** How much of the file's end {@link #recent} reads: a few thousand lines. */
    private static final int TAIL_BYTES = 1024 * 1024;

    /**
     * The newest lines of the file first, at most {@code limit}, from its last megabyte; lines
     * that are not JSON objects (cut by a crash, edited by hand) are skipped. Blocks on the disk.
     */
    List<ObjectNode> recent(int limit) {
        List<ObjectNode> out = new ArrayList<>();
        byte[] tail;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.max(0, size - TAIL_BYTES);
            ByteBuffer buffer = ByteBuffer.allocate((int) (size - from));
            while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
                // read until full
            }
            tail = buffer.array();
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            log.warn("cannot read the audit file {}: {}", path, e.toString());
            return out;
        }
        String[] lines = new String(tail, StandardCharsets.UTF_8).split("\n");
        for (int i = lines.length - 1; i >= 0 && out.size() < limit; i--) {
            try {
                JsonNode node = JSON.readTree(lines[i]);
                if (node instanceof ObjectNode object) {
                    out.add(object);
                }
            } catch (IOException e) {
                // a torn first line of the tail, or a broken one: skipped
            }
        }
        return out;
    }
}
