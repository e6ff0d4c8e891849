package dev.meridian.loadtest.load;

import dev.meridian.loadtest.DurationArgument;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

/** The timeline SVG is well-formed and draws what it is given. */
class TimelinePlotTest {

    @Test
    void drawsOneLinePerSeriesAndMarkersInWellFormedSvg() throws Exception {
        String svg = new TimelinePlot("outage <test> & more")
                .panel("latency (ms)", true, Map.of("p99", new double[] {10, 0, 1000, 20}))
                .panel("per second", false, Map.of("to a", new double[] {100, 100, 0, 0}, "errors", new double[] {0, 3, 0, 0}))
                .event(2.5, "a down")
                .shade(0, 1, "warm-up")
                .toSvg();

        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
        // The log panel leaves out the 0 and so draws p99 in two pieces; the linear panel one line per series.
        assertThat(document.getElementsByTagName("polyline").getLength()).isEqualTo(4);
        assertThat(svg).contains("outage &lt;test&gt; &amp; more", "a down", "warm-up", "#d62728");
    }

    @Test
    void durationsParseAndFormatTheWayTheOptionsAreWritten() {
        assertThat(DurationArgument.parse("1.5m")).hasSeconds(90);
        assertThat(DurationArgument.parse("250ms").toMillis()).isEqualTo(250);
        assertThat(DurationArgument.format(DurationArgument.parse("10m"))).isEqualTo("10m");
        assertThat(DurationArgument.format(DurationArgument.parse("90s"))).isEqualTo("90s");
        assertThat(DurationArgument.format(DurationArgument.parse("1500ms"))).isEqualTo("1.5s");
    }
}
