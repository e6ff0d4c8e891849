package dev.meridian.loadtest.load;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The JSON, hgrm and SVG writers produce files their readers accept. */
class ResultFilesTest {

    private static LoadResult result;

    @TempDir
    Path directory;

    @BeforeAll
    static void runOnce() {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                (n, at) -> n % 10 == 0 ? ScriptedHttpServer.Reply.status(503) : ScriptedHttpServer.Reply.after(Duration.ofMillis(2)))) {
            result = LoadGenerator.run(LoadSpec.openLoop(server.uri(), 300, Duration.ofSeconds(1)).withConnections(8));
        }
    }

    @Test
    void jsonHasTheCountsPercentilesTimelineAndDecodableHistograms() throws IOException, DataFormatException {
        Path file = directory.resolve("out/run1.json");
        result.writeJson(file);

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("mode").asText()).isEqualTo("open-loop");
        assertThat(json.get("rate").asDouble()).isEqualTo(300);
        assertThat(json.get("requests").asLong()).isEqualTo(result.requests());
        assertThat(json.get("errors").get("status5xx").asLong()).isEqualTo(result.errors(ErrorKind.STATUS_5XX)).isPositive();
        assertThat(json.get("errors").get("total").asLong()).isEqualTo(result.errorCount());
        assertThat(json.get("latencyMs").get("ttfb").get("p99").asDouble())
                .isEqualTo(result.ttfb().getValueAtPercentile(99) / 1000.0);
        assertThat(json.get("latencyMs").get("serviceTotal").has("p99.99")).isTrue();
        assertThat(json.get("timeline").isArray()).isTrue();
        assertThat(json.get("timeline").size()).isEqualTo(result.timeline().size());
        assertThat(json.get("timeline").get(0).get("serviceTtfbP50Ms").asDouble())
                .isEqualTo(result.timeline().get(0).serviceTtfbP50Millis()).isPositive();
        assertThat(json.get("warmupSkipped").asLong()).isEqualTo(result.warmupSkipped());
        byte[] encoded = Base64.getDecoder().decode(json.get("histograms").get("total").asText());
        Histogram decoded = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
        assertThat(decoded.getTotalCount()).isEqualTo(result.requests());
        assertThat(decoded.getValueAtPercentile(90)).isEqualTo(result.total().getValueAtPercentile(90));
    }

    @Test
    void hgrmIsHdrHistogramsPercentileDistributionInMilliseconds() throws IOException {
        Path file = directory.resolve("run1.hgrm");
        result.writeHgrm(file);

        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines.get(0).strip().split("\\s+")).containsExactly("Value", "Percentile", "TotalCount", "1/(1-Percentile)");
        String[] first = lines.get(2).strip().split("\\s+");
        assertThat(Double.parseDouble(first[0])).as("values are milliseconds, not microseconds").isBetween(0.01, 100.0);
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("#[Mean"))
                .anySatisfy(line -> assertThat(line).containsPattern("Total count\\s*=\\s*" + result.requests()));
    }

    @Test
    void svgIsWellFormedXmlWithOneLinePerSeriesAndALegend() throws Exception {
        Path single = directory.resolve("run1.svg");
        result.writeSvgPlot(single, "healthz <at> 300/s & more");
        Map<String, LoadResult> series = new LinkedHashMap<>();
        series.put("first", result);
        series.put("second", result);
        series.put("third", result);
        Path compared = directory.resolve("compare.svg");
        LoadResult.writeSvgPlot(compared, "three runs", series);

        Document singleSvg = parseXml(single);
        assertThat(singleSvg.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(singleSvg.getElementsByTagName("polyline").getLength()).as("ttfb, total and both service times").isEqualTo(4);
        Document comparedSvg = parseXml(compared);
        NodeList lines = comparedSvg.getElementsByTagName("polyline");
        assertThat(lines.getLength()).isEqualTo(3);
        String svgText = Files.readString(compared);
        assertThat(svgText).contains(">0%<", ">90%<", ">99%<", "Latency (ms)", "Percentile", "first", "second", "third");
        assertThat(Files.readString(single)).contains("healthz &lt;at&gt; 300/s &amp; more");
    }

    @Test
    void percentileAxisLabelsAndNinesFollowTheSampleCount() {
        assertThat(LatencyPlot.percentileLabel(0)).isEqualTo("0%");
        assertThat(LatencyPlot.percentileLabel(1)).isEqualTo("90%");
        assertThat(LatencyPlot.percentileLabel(3)).isEqualTo("99.9%");
        assertThat(LatencyPlot.percentileLabel(5)).isEqualTo("99.999%");
        Histogram thousand = LoadMeasurements.newHistogram();
        for (int i = 1; i <= 1000; i++) {
            thousand.recordValue(i);
        }
        assertThat(LatencyPlot.of("t", Map.of("a", thousand)).axisNines()).isEqualTo(3);
        assertThat(LatencyPlot.of("t", Map.of("a", LoadMeasurements.newHistogram())).axisNines()).isEqualTo(2);
        List<double[]> points = LatencyPlot.points(thousand, 3);
        assertThat(points.get(points.size() - 1)).containsExactly(3, 1.0);
    }

    @Test
    void summaryNamesTheErrorsAndTheMeasures() {
        String summary = result.summary();

        assertThat(summary).contains("open loop 300/s", "status 5xx", "time to first byte", "service time to last byte", "p99.9");
    }

    private static Document parseXml(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(file.toFile());
    }
}
