package dev.meridian.loadtest.gateway;

import dev.meridian.router.json.JsonLineWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The body of a code completion, shaped like the AI gateway's {@code /v2/code/completions} answer:
 * {@code {"id":...,"model":{...},"object":"text_completion","created":...,"choices":[...]}}.
 *
 * <p>Everything but the id and the timestamp is encoded once; a response is three copies and two
 * numbers into one pooled buffer.
 */
final class CompletionBody {

    static final String MODEL_JSON = "{\"engine\":\"sim\",\"name\":\"sim-code\",\"lang\":\"python\"}";

    private static final byte[] BEFORE_ID = "{\"id\":\"cmpl-".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BEFORE_CREATED = ("\",\"model\":" + MODEL_JSON
            + ",\"object\":\"text_completion\",\"created\":").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHOICES = (",\"choices\":[{\"text\":" + JsonLineWriter.quoted(String.join("", EventFormat.TOKENS))
            + ",\"index\":0,\"finish_reason\":\"length\"}]}").getBytes(StandardCharsets.UTF_8);

    private CompletionBody() {
    }

    static ByteBuf write(ByteBufAllocator alloc, Clock clock) {
        ByteBuf body = alloc.buffer(BEFORE_ID.length + BEFORE_CREATED.length + CHOICES.length + 40);
        body.writeBytes(BEFORE_ID);
        long id = ThreadLocalRandom.current().nextLong();
        for (int shift = 60; shift >= 0; shift -= 4) {
            body.writeByte(Character.forDigit((int) (id >>> shift) & 0xf, 16));
        }
        body.writeBytes(BEFORE_CREATED);
        body.writeCharSequence(Long.toString(clock.millis() / 1000), StandardCharsets.US_ASCII);
        body.writeBytes(CHOICES);
        return body;
    }
}
