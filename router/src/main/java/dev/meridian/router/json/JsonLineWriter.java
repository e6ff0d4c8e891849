package dev.meridian.router.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * Writes flat JSON objects, one per line, as UTF-8 into a buffer it reuses: Jackson's streaming
 * generator, so the escaping is Jackson's and nothing builds a tree or a {@code String} per line.
 * The access log formats every request with one of these on its writer thread; error bodies and
 * the simulated gateways use it too, so Meridian escapes JSON in one way only.
 *
 * <pre>{@code
 * JsonLineWriter line = new JsonLineWriter();
 * line.begin().string("error", "no_upstream").string("detail", detail).end();
 * byte[] body = line.toByteArray();            // {"error":"no_upstream","detail":"..."}\n
 * }</pre>
 *
 * <p>One thread at a time. The buffer only grows: {@link #reset()} empties it for the next batch.
 */
public final class JsonLineWriter {

    private static final JsonFactory FACTORY = new JsonFactory();

    /** Jackson flushes to it once per line, at {@link #end()}, so its lock is taken once a line. */
    private final Bytes buffer = new Bytes(1024);
    private final JsonGenerator generator;
    /** For {@link #tenths}: the longest long, a point and a digit. */
    private final char[] digits = new char[22];

    public JsonLineWriter() {
        try {
            generator = FACTORY.createGenerator(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        generator.setRootValueSeparator(null); // lines are separated by end()'s newline alone
    }

    /** Starts a line's object. */
    public JsonLineWriter begin() {
        try {
            generator.writeStartObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A string field, {@code null} when {@code value} is. */
    public JsonLineWriter string(String name, @Nullable String value) {
        try {
            if (value == null) {
                generator.writeNullField(name);
            } else {
                generator.writeStringField(name, value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * A string field from {@code length} characters of {@code text} at {@code offset}, escaped as
     * {@link #string(String, String)} escapes: for text kept in a reused buffer rather than a
     * {@code String}.
     */
    public JsonLineWriter string(String name, char[] text, int offset, int length) {
        try {
            generator.writeFieldName(name);
            generator.writeString(text, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A whole-number field. */
    public JsonLineWriter number(String name, long value) {
        try {
            generator.writeNumberField(name, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * A number field with one decimal, {@code tenths / 10} ({@code 412} is {@code 41.2}), never in
     * exponent notation; {@code null} when {@code tenths} is negative.
     */
    public JsonLineWriter tenths(String name, long tenths) {
        try {
            generator.writeFieldName(name);
            if (tenths < 0) {
                generator.writeNull();
                return this;
            }
            int end = digits.length;
            digits[--end] = (char) ('0' + tenths % 10);
            digits[--end] = '.';
            long whole = tenths / 10;
            do {
                digits[--end] = (char) ('0' + whole % 10);
                whole /= 10;
            } while (whole > 0);
            generator.writeRawValue(digits, end, digits.length - end);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Ends the object and the line; the line is in the buffer now. */
    public void end() {
        try {
            generator.writeEndObject();
            generator.writeRaw('\n');
            generator.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of the whole lines written since the last {@link #reset()}. */
    public int size() {
        return buffer.size();
    }

    /** Writes the buffered lines to {@code out} in one call. */
    public void writeTo(OutputStream out) throws IOException {
        buffer.writeTo(out);
    }

    /** Hands the buffered lines to {@code sink} in one call, without copying them into a new array first. */
    public void copyTo(Sink sink) {
        sink.write(buffer.array(), 0, buffer.size());
    }

    /** Where {@link #copyTo} puts the bytes, for example a {@code ByteBuf}'s {@code writeBytes}. */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] bytes, int offset, int length);
    }

    public byte[] toByteArray() {
        return buffer.toByteArray();
    }

    /** Empties the buffer, keeping its memory. */
    public void reset() {
        buffer.reset();
    }

    /**
     * Appends {@code value} to {@code out} as a JSON string literal, quotes included, escaped as
     * the lines are: for JSON that is put together as text.
     */
    public static StringBuilder appendQuoted(StringBuilder out, CharSequence value) {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(value, out);
        return out.append('"');
    }

    /** {@code value} as a JSON string literal, quotes included. */
    public static String quoted(CharSequence value) {
        return appendQuoted(new StringBuilder(value.length() + 2), value).toString();
    }

    /** The line buffer, whose array {@link #copyTo} lends out. */
    private static final class Bytes extends ByteArrayOutputStream {
        Bytes(int size) {
            super(size);
        }

        byte[] array() {
            return buf;
        }
    }
}
