package dev.meridian.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The config module's packages depend one way: the syntax leaf, the records on it, the loader on
 * both ({@link PackageGraph} reads the references from the classes and the imports).
 */
class PackageDependenciesTest {

    private static final String SYNTAX = "dev.meridian.config.syntax";
    private static final String RECORDS = "dev.meridian.config";
    private static final String LOADING = "dev.meridian.config.loading";

    @Test
    void packagesDependOneWayFromTheSyntaxLeafToTheLoader() throws IOException, URISyntaxException {
        Map<String, Set<String>> uses = PackageGraph.of(MeridianConfig.class, RECORDS);

        assertThat(uses).as("a new package needs a place in this layering").containsOnlyKeys(SYNTAX, RECORDS, LOADING);
        assertThat(uses.get(SYNTAX)).as("the syntax leaf uses nothing else in config").isEmpty();
        assertThat(uses.get(RECORDS)).as("the records use only the syntax leaf").isSubsetOf(SYNTAX);
        assertThat(uses.get(LOADING)).isSubsetOf(RECORDS, SYNTAX);
        assertThat(PackageGraph.packagesInCycles(uses)).as("packages that reach themselves").isEmpty();
    }
}
