package dev.meridian.loadtest.load;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@link LatencyPlot} and {@link TimelinePlot} share: a hand-written SVG document with its
 * head (size, font, title, white background, heading), escaped text, axis steps, and the file it
 * is written to. No plotting dependency; the result opens in any browser.
 */
final class SvgDocument {

    private final StringBuilder svg = new StringBuilder(16 * 1024);

    /** A document of {@code width} x {@code height}, its {@code title} as a heading centred on {@code headingX}. */
    SvgDocument(int width, int height, int fontSize, String title, int headingX, int headingY, int headingFontSize) {
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        add("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"%d\">%n", width, height, width, height, fontSize);
        svg.append("<title>").append(escape(title)).append("</title>\n");
        add("<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height);
        add("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\">%s</text>%n", headingX, headingY, headingFontSize,
                escape(title));
    }

    /** Appends {@code format} filled in with {@link Locale#ROOT} (so decimals have a point). */
    SvgDocument add(String format, Object... arguments) {
        svg.append(String.format(Locale.ROOT, format, arguments));
        return this;
    }

    /** Appends markup as it is. */
    SvgDocument raw(CharSequence markup) {
        svg.append(markup);
        return this;
    }

    /** The document, closed. */
    String end() {
        return svg.append("</svg>\n").toString();
    }

    /** Writes {@code svg} to {@code file}, creating its directory when missing. */
    static void write(Path file, String svg) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, svg, UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Text as SVG character data or an attribute value; control characters other than tab and newline are dropped. */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }

    /** A grid step: 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * magnitude >= raw) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
