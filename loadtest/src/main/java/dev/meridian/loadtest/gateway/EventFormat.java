package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.AsciiString;
import java.time.Clock;

/**
 * The two streaming wire formats of the AI gateway, event by event.
 *
 * <p>{@link #SSE} is {@code /v4/code/suggestions}: {@code stream_start}, one {@code content_chunk}
 * per token, {@code stream_end} (WHATWG HTML §9.2 server-sent events, each event ending in a blank
 * line). {@link #NDJSON} is {@code /v2/chat/agent}: one JSON object per line, the last with
 * {@code "type":"final"}. Content events are pre-built {@link SharedBuffer}s; only the first and
 * last events, which carry per-request values, are encoded per request.
 */
enum EventFormat {
    /** Content events between {@code stream_start} and {@code stream_end}. */
    SSE(AsciiString.cached("text/event-stream; charset=utf-8"), 2) {
        @Override
        ByteBuf event(ByteBufAllocator alloc, int index, int chunks, Clock clock) {
            if (index == 0) {
                return ByteBufUtil.writeAscii(alloc, "event: stream_start\ndata: {\"metadata\":{\"model\":"
                        + CompletionBody.MODEL_JSON + ",\"timestamp\":" + clock.millis() / 1000 + "}}\n\n");
            }
            if (index <= chunks) {
                return SSE_CHUNKS[(index - 1) % SSE_CHUNKS.length].duplicate();
            }
            return ByteBufUtil.writeAscii(alloc,
                    "event: stream_end\ndata: {\"metadata\":{\"chunks\":" + chunks + "}}\n\n");
        }
    },
    /** Content lines, then the {@code final} one. */
    NDJSON(AsciiString.cached("application/x-ndjson"), 1) {
        @Override
        ByteBuf event(ByteBufAllocator alloc, int index, int chunks, Clock clock) {
            if (index < chunks) {
                return NDJSON_CHUNKS[index % NDJSON_CHUNKS.length].duplicate();
            }
            return ByteBufUtil.writeAscii(alloc, "{\"type\":\"final\",\"chunks\":" + chunks
                    + ",\"finish_reason\":\"stop\",\"created\":" + clock.millis() / 1000 + "}\n");
        }
    };

    /** A completion, token by token, as the content events carry it. */
    static final String[] TOKENS = {
        "def ", "fibonacci", "(n", "):\n", "    if ", "n < 2", ":\n", "        return ", "n\n",
        "    return ", "fibonacci(n - 1)", " + ", "fibonacci(n - 2)", "\n",
    };

    private static final ByteBuf[] SSE_CHUNKS = new ByteBuf[TOKENS.length];
    private static final ByteBuf[] NDJSON_CHUNKS = new ByteBuf[TOKENS.length];

    static {
        for (int i = 0; i < TOKENS.length; i++) {
            String token = JsonLineWriter.quoted(TOKENS[i]);
            SSE_CHUNKS[i] = SharedBuffer.of("event: content_chunk\ndata: {\"choices\":[{\"delta\":{\"content\":"
                    + token + "},\"index\":0}]}\n\n");
            NDJSON_CHUNKS[i] = SharedBuffer.of("{\"type\":\"chunk\",\"content\":" + token + "}\n");
        }
    }

    private final AsciiString contentType;
    private final int framingEvents;

    EventFormat(AsciiString contentType, int framingEvents) {
        this.contentType = contentType;
        this.framingEvents = framingEvents;
    }

    AsciiString contentType() {
        return contentType;
    }

    /** How many events (HTTP chunks) a stream with {@code chunks} content events has in all. */
    int events(int chunks) {
        return chunks + framingEvents;
    }

    /** Event {@code index} ({@code 0 <= index < events(chunks)}), ready to write. */
    abstract ByteBuf event(ByteBufAllocator alloc, int index, int chunks, Clock clock);
}
