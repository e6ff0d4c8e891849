package dev.meridian.config;

import dev.meridian.config.loading.ConfigLoader;

/** Test input: the section under test, followed by the one region every configuration needs. */
final class OneRegionYaml {

    private OneRegionYaml() {
    }

    /** Parses {@code yaml} (whole lines; its positions in messages are its own) plus region {@code a} at {@code endpoint}. */
    static MeridianConfig parse(String yaml, String endpoint) {
        return ConfigLoader.create().parse(yaml + "regions: [{name: a, endpoints: [\"" + endpoint + "\"]}]\n", "m.yaml");
    }
}
