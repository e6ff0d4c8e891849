package dev.meridian.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meridian.config.PackageGraph;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The data path's packages depend one way: {@code server} → {@code exchange} → {@code upstream},
 * with {@code http} and {@code metrics} as leaves every layer may use (and {@code json}, the line
 * writer). The packages around the data path (admin, controller, the CLI, {@code MeridianServer})
 * may use it; it must not use them. The SLO controller, started by the admin API, does not know
 * it (it turns dials through its own {@code DialActuator}). Config's {@link PackageGraph} reads the references from the
 * classes and the imports.
 */
class PackageDependenciesTest {

    private static final String ROUTER = "dev.meridian.router";
    private static final String HTTP = ROUTER + ".http";
    private static final String METRICS = ROUTER + ".metrics";
    private static final String UPSTREAM = ROUTER + ".upstream";
    private static final String EXCHANGE = ROUTER + ".exchange";
    private static final String SERVER = ROUTER + ".server";
    private static final String JSON = ROUTER + ".json";
    private static final String CONTROLLER = ROUTER + ".controller";
    private static final String ETCD = ROUTER + ".etcd";
    private static final Set<String> DATA_PATH = Set.of(HTTP, METRICS, UPSTREAM, EXCHANGE, SERVER);

    @Test
    void theDataPathDependsOneWayFromTheServerToTheUpstreams() throws IOException, URISyntaxException {
        Map<String, Set<String>> uses = PackageGraph.of(MeridianServer.class, ROUTER);

        assertThat(uses.keySet()).as("the data path's packages").containsAll(DATA_PATH);
        assertThat(uses.get(HTTP)).as("http: message rules, a leaf").isSubsetOf(JSON);
        assertThat(uses.get(METRICS)).as("metrics: what the path records, a leaf over http").isSubsetOf(HTTP, JSON);
        assertThat(uses.get(UPSTREAM)).as("upstream knows no exchange and no client").isSubsetOf(HTTP, METRICS, JSON);
        assertThat(uses.get(EXCHANGE)).as("an exchange knows no client pipeline").isSubsetOf(UPSTREAM, HTTP, METRICS, JSON);
        assertThat(uses.get(SERVER)).isSubsetOf(EXCHANGE, UPSTREAM, HTTP, METRICS, JSON);
        Map<String, Set<String>> dataPath = new TreeMap<>(uses);
        dataPath.keySet().retainAll(DATA_PATH);
        assertThat(PackageGraph.packagesInCycles(dataPath)).as("packages that reach themselves").isEmpty();
    }

    @Test
    void theControllerTurnsDialsWithoutKnowingTheAdminApiAndJsonAndEtcdAreLeaves() throws IOException, URISyntaxException {
        Map<String, Set<String>> uses = PackageGraph.of(MeridianServer.class, ROUTER);

        assertThat(uses.get(CONTROLLER)).as("the controller reads the meters and etcd; the admin API drives it, not the other way")
                .isSubsetOf(METRICS, ETCD);
        assertThat(uses.getOrDefault(ETCD, Set.of())).as("etcd: how to reach the fleet's store, a leaf").isEmpty();
        assertThat(uses.getOrDefault(JSON, Set.of())).as("json: the line writer, a leaf").isEmpty();
    }
}
