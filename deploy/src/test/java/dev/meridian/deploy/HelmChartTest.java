package dev.meridian.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.LintResult;
import dev.meridian.config.AdminToken;
import dev.meridian.config.loading.ConfigException;
import dev.meridian.config.loading.ConfigLoader;
import dev.meridian.config.MeridianConfig;
import dev.meridian.deploy.Manifests.MountedFile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart in {@code src/deploy/helm/meridian}: it lints strictly and renders, for its
 * defaults and for value sets users deploy (a fleet on etcd, a TLS listener, Prometheus Operator
 * scraping, GeoIP with the updater); every rendered object is valid for the Kubernetes API (strict
 * fabric8 model); the Meridian configuration it renders passes Meridian's own validation with the
 * environment the pods get; and the objects fit together (ports, probes, mounts, secrets, labels).
 */
class HelmChartTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the API server accepts as a label value, and as a Service (or any object) name here. */
    private static final String LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?";
    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";

    static Stream<@Nullable String> everyValueSet() {
        List<@Nullable String> sets = new ArrayList<>();
        sets.add(null);
        sets.addAll(HelmChart.VALUE_SETS);
        return sets.stream();
    }

    // ---- lint, render, strict model, Meridian's validation: every value set ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyValueSet")
    void lintsWithoutWarningsInStrictMode(@Nullable String valueSet, @TempDir Path work) {
        LintResult lint = HelmChart.lint(valueSet, work);

        assertThat(lint.getMessages()).as("helm lint --strict messages").noneMatch(m -> m.startsWith("[WARNING]") || m.startsWith("[ERROR]"));
        assertThat(lint.isFailed()).as("helm lint --strict failed: %s", lint.getMessages()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyValueSet")
    void everyRenderedObjectDeserializesStrictlyIntoTheKubernetesModel(@Nullable String valueSet) {
        Manifests manifests = HelmChart.render(valueSet, Map.of());

        assertThat(manifests.all()).extracting(o -> o.getKind())
                .contains("Deployment", "Service", "ConfigMap", "ServiceAccount", "PodDisruptionBudget");
        assertThat(manifests.all()).allSatisfy(o -> {
            assertThat(o.getMetadata().getName()).as("%s name (RFC 1123 label)", o.getKind()).matches(DNS_LABEL);
            assertThat(o.getMetadata().getLabels()).as("%s %s label values", o.getKind(), o.getMetadata().getName())
                    .allSatisfy((key, value) -> assertThat(value).matches(LABEL_VALUE));
            assertThat(o.getMetadata().getNamespace()).as("%s namespace", o.getMetadata().getName()).isEqualTo(HelmChart.NAMESPACE);
            assertThat(o.getMetadata().getLabels()).as("%s %s labels", o.getKind(), o.getMetadata().getName())
                    .containsEntry("app.kubernetes.io/name", "meridian")
                    .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsKey("helm.sh/chart");
        });
    }

    @Test
    void strictReadingRefusesAFieldTheApiDoesNotKnow() throws IOException {
        JsonNode probe = YAML.readTree("""
                apiVersion: v1
                kind: Service
                metadata: {name: x}
                spec:
                  ports: [{port: 80, targetPrt: http}]
                """);
        JsonNode wrongType = YAML.readTree("""
                apiVersion: v1
                kind: Service
                metadata: {name: x}
                spec:
                  ports: [{port: "80"}]
                """);

        assertThatThrownBy(() -> Manifests.read(probe)).hasMessageContaining("targetPrt");
        assertThatThrownBy(() -> Manifests.read(wrongType)).as("a string where the API wants an integer")
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyValueSet")
    void renderedConfigurationPassesMeridiansValidationWithThePodsEnvironment(@Nullable String valueSet) {
        Manifests manifests = HelmChart.render(valueSet, Map.of());

        MeridianConfig config = validate(manifests);

        assertThat(config.regions()).isNotEmpty();
    }

    // ---- the pod ----

    @Test
    void podRunsAsNonRootWithAReadOnlyRootFilesystemAndNoCapabilities() {
        Manifests manifests = HelmChart.render("geoip-updater", Map.of());
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        PodSecurityContext podContext = pod.getSecurityContext();

        assertThat(podContext.getRunAsNonRoot()).isTrue();
        assertThat(podContext.getRunAsUser()).isEqualTo(10001L);
        assertThat(podContext.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).as("Meridian does not call the Kubernetes API").isFalse();
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        assertThat(containers).extracting(Container::getName).containsExactlyInAnyOrder("meridian", "geoipupdate", "geoipupdate-init");
        assertThat(containers).allSatisfy(c -> {
            SecurityContext context = c.getSecurityContext();
            assertThat(context.getReadOnlyRootFilesystem()).as("%s readOnlyRootFilesystem", c.getName()).isTrue();
            assertThat(context.getAllowPrivilegeEscalation()).as("%s allowPrivilegeEscalation", c.getName()).isFalse();
            assertThat(context.getCapabilities().getDrop()).as("%s capabilities dropped", c.getName()).containsExactly("ALL");
            assertThat(context.getCapabilities().getAdd()).as("%s capabilities added", c.getName()).isNullOrEmpty();
            assertThat(context.getPrivileged()).as("%s privileged", c.getName()).isNotEqualTo(Boolean.TRUE);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyValueSet")
    void everyFileMeridianWritesIsOnAWritableVolume(@Nullable String valueSet) {
        Manifests manifests = HelmChart.render(valueSet, Map.of());
        MeridianConfig config = validate(manifests);
        List<String> written = new ArrayList<>(List.of(
                config.admin().stateFile().toString(), config.admin().auditFile().toString(), "/tmp/netty-native.so"));
        JsonNode cacheFile = renderedConfigTree(manifests).path("fleet").path("etcd").path("cache-file");
        if (!cacheFile.isMissingNode()) {
            written.add(cacheFile.asText());
        }

        assertThat(written).allSatisfy(path -> assertThat(manifests.mountedFile(manifests.meridian(), path))
                .as("%s is on a writable volume of the meridian container (the root filesystem is read-only)", path)
                .hasValueSatisfying(file -> assertThat(file.writable()).isTrue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyValueSet")
    void containerPortsAreTheListenersOfTheConfigurationAndTheAdminApiIsReachableByKubelet(@Nullable String valueSet)
            throws IOException {
        Manifests manifests = HelmChart.render(valueSet, Map.of());
        MeridianConfig config = validate(manifests);
        Container meridian = manifests.meridian();

        assertThat(port(meridian, config.listen().tls() == null ? "http" : "https")).isEqualTo(config.listen().port());
        assertThat(port(meridian, "admin")).isEqualTo(config.admin().port());
        assertThat(InetAddress.getByName(config.admin().address()).isLoopbackAddress())
                .as("admin.address %s: kubelet probes the pod address", config.admin().address()).isFalse();
        assertThat(config.admin().tokens().isEmpty() && !config.admin().allowInsecure())
                .as("a non-loopback admin API without tokens or allow-insecure refuses to start").isFalse();
    }

    @Test
    void livenessAndStartupProbeHealthzAndReadinessProbesReadyOnTheAdminPort() {
        Container meridian = HelmChart.render(null, Map.of()).meridian();

        assertThat(httpGet(meridian.getLivenessProbe())).satisfies(get -> {
            assertThat(get.getPath()).isEqualTo("/healthz");
            assertThat(get.getPort()).isEqualTo(new IntOrString("admin"));
            assertThat(get.getScheme()).isEqualTo("HTTP");
        });
        assertThat(httpGet(meridian.getStartupProbe()).getPath()).isEqualTo("/healthz");
        assertThat(httpGet(meridian.getStartupProbe()).getPort()).isEqualTo(new IntOrString("admin"));
        assertThat(httpGet(meridian.getReadinessProbe())).satisfies(get -> {
            assertThat(get.getPath()).isEqualTo("/ready");
            assertThat(get.getPort()).isEqualTo(new IntOrString("admin"));
        });
        assertThat(meridian.getArgs()).containsExactly("run", "--config", "/etc/meridian/meridian.yaml");
    }

    @Test
    void probesUseHttpsWhenTheAdminApiServesTls() {
        Container meridian = HelmChart.render(null, Map.of(
                "config.admin.tls.certificate", "/var/run/secrets/admin/tls.crt",
                "config.admin.tls.key", "/var/run/secrets/admin/tls.key")).meridian();

        assertThat(List.of(meridian.getLivenessProbe(), meridian.getReadinessProbe(), meridian.getStartupProbe()))
                .allSatisfy(probe -> assertThat(httpGet(probe).getScheme()).isEqualTo("HTTPS"));
    }

    @Test
    void terminationGraceCoversThePreStopSleepAndTheDrain() {
        Manifests defaults = HelmChart.render(null, Map.of());
        Manifests longDrain = HelmChart.render(null, Map.of("config.server.shutdown-grace", "2m", "preStop.sleepSeconds", "8"));
        Manifests milliseconds = HelmChart.render(null, Map.of("config.server.shutdown-grace", "1500ms"));

        assertThat(defaults.meridian().getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);
        assertThat(gracePeriod(defaults)).as("5 s preStop + 30 s shutdown-grace + 10 s").isEqualTo(45L);
        assertThat(gracePeriod(longDrain)).as("8 s + 120 s + 10 s").isEqualTo(138L);
        assertThat(gracePeriod(milliseconds)).as("5 s + 1.5 s rounded up + 10 s").isEqualTo(17L);
    }

    @Test
    void terminationGraceWithoutShutdownGraceInTheConfigurationUsesMeridiansDefault() {
        Manifests manifests = HelmChart.render(null, Map.of("config.server", "null"));
        MeridianConfig config = validate(manifests);

        assertThat(renderedConfigTree(manifests).has("server")).isFalse();
        assertThat(gracePeriod(manifests)).isEqualTo(5 + config.server().shutdownGrace().toSeconds() + 10);
    }

    @Test
    void preStopCanBeLeftOut() {
        Manifests manifests = HelmChart.render(null, Map.of("preStop.sleepSeconds", "0"));

        assertThat(manifests.meridian().getLifecycle()).isNull();
        assertThat(gracePeriod(manifests)).isEqualTo(40L);
    }

    @Test
    void aTerminationGraceShorterThanTheDrainIsRefused() {
        assertThatThrownBy(() -> HelmChart.render(null, Map.of("terminationGracePeriodSeconds", "30")))
                .hasMessageContaining("terminationGracePeriodSeconds: 30 is less than preStop.sleepSeconds + config.server.shutdown-grace = 35 seconds");
        assertThat(gracePeriod(HelmChart.render(null, Map.of("terminationGracePeriodSeconds", "35")))).isEqualTo(35L);
    }

    @Test
    void aConfigurationChangeChangesTheChecksumThatRollsThePods() {
        String defaults = checksum(HelmChart.render(null, Map.of()));
        String otherMode = checksum(HelmChart.render(null, Map.of("config.routing.mode", "latency-aware")));
        String fleet = checksum(HelmChart.render("fleet-etcd", Map.of()));
        String otherPrefix = checksum(HelmChart.render("fleet-etcd", Map.of("fleet.etcd.prefix", "/meridian/staging/")));
        String moreReplicas = checksum(HelmChart.render(null, Map.of("replicaCount", "7")));

        assertThat(defaults).matches("[0-9a-f]{64}");
        assertThat(otherMode).as("config.routing.mode changed").isNotEqualTo(defaults);
        assertThat(otherPrefix).as("fleet.etcd.prefix is part of the rendered configuration").isNotEqualTo(fleet);
        assertThat(moreReplicas).as("nothing in the configuration changed").isEqualTo(defaults);
    }

    @Test
    void replicasAreSpreadOverNodesAndZonesPreferablyByDefault() {
        Manifests manifests = HelmChart.render(null, Map.of());
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        Map<String, String> podLabels = manifests.deployment().getSpec().getTemplate().getMetadata().getLabels();

        assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).isNullOrEmpty();
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement()
                .satisfies(term -> {
                    assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
                    assertThat(podLabels).containsAllEntriesOf(term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
                });
        assertThat(pod.getTopologySpreadConstraints()).singleElement().satisfies(spread -> {
            assertThat(spread.getTopologyKey()).isEqualTo("topology.kubernetes.io/zone");
            assertThat(spread.getWhenUnsatisfiable()).isEqualTo("ScheduleAnyway");
            assertThat(podLabels).containsAllEntriesOf(spread.getLabelSelector().getMatchLabels());
        });
        assertThat(manifests.deployment().getSpec().getStrategy().getRollingUpdate().getMaxUnavailable())
                .as("a rolling update never goes below the replica count").isEqualTo(new IntOrString(0));

        PodSpec hard = HelmChart.render(null, Map.of("podAntiAffinity", "hard")).deployment().getSpec().getTemplate().getSpec();
        assertThat(hard.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).singleElement()
                .satisfies(term -> assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    }

    @Test
    void emptyDirsWithoutASizeLimitAreStillEmptyDirs() {
        Manifests manifests = HelmChart.render(null, Map.of("state.sizeLimit", "", "tmp.sizeLimit", ""));

        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(v -> v.getName().equals("state") || v.getName().equals("tmp"))
                .hasSize(2)
                .allSatisfy(v -> {
                    assertThat(v.getEmptyDir()).as("%s emptyDir", v.getName()).isNotNull();
                    assertThat(v.getEmptyDir().getSizeLimit()).isNull();
                });
    }

    @Test
    void anImageDigestIsUsedAsGivenAndLabelledAsAValidLabelValue() {
        String tag = "0.2.0@sha256:" + "ab".repeat(32);
        Manifests manifests = HelmChart.render(null, Map.of("image.tag", tag, "image.repository", "registry.internal/meridian/meridian"));

        assertThat(manifests.meridian().getImage()).isEqualTo("registry.internal/meridian/meridian:" + tag);
        assertThat(manifests.deployment().getMetadata().getLabels().get("app.kubernetes.io/version"))
                .matches(LABEL_VALUE).startsWith("0.2.0_sha256_ab").hasSizeLessThanOrEqualTo(63);
    }

    // ---- the objects around the pod ----

    @Test
    void podDisruptionBudgetIsOnByDefaultAndCoversThePods() {
        Manifests manifests = HelmChart.render(null, Map.of());
        PodDisruptionBudget pdb = manifests.one(PodDisruptionBudget.class);

        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(pdb.getSpec().getMinAvailable()).isNull();
        assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).as("not-ready pods do not block node drains").isEqualTo("AlwaysAllow");
        assertThat(manifests.deployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(manifests.deployment().getSpec().getSelector().getMatchLabels());

        assertThat(HelmChart.render(null, Map.of("podDisruptionBudget.enabled", "false")).all(PodDisruptionBudget.class)).isEmpty();
        assertThat(HelmChart.render(null, Map.of("podDisruptionBudget.maxUnavailable", "null", "podDisruptionBudget.minAvailable", "1"))
                .one(PodDisruptionBudget.class).getSpec().getMinAvailable()).isEqualTo(new IntOrString(1));
    }

    @Test
    void horizontalPodAutoscalerOnlyWhenEnabledAndThenItOwnsTheReplicaCount() {
        Manifests defaults = HelmChart.render(null, Map.of());
        Manifests autoscaled = HelmChart.render("geoip-updater", Map.of());

        assertThat(defaults.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(defaults.deployment().getSpec().getReplicas()).isEqualTo(2);
        HorizontalPodAutoscaler hpa = autoscaled.one(HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(autoscaled.deployment().getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(12);
        assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getResource().getName() + "=" + m.getResource().getTarget().getAverageUtilization())
                .containsExactlyInAnyOrder("cpu=70", "memory=80");
        assertThat(autoscaled.deployment().getSpec().getReplicas()).as("replicas left to the autoscaler").isNull();
    }

    @Test
    void generatedTokensAreLongRandomAndDistinctAndFeedTheConfiguredTokens() {
        Manifests manifests = HelmChart.render(null, Map.of());
        Secret secret = manifests.one(Secret.class);
        MeridianConfig config = validate(manifests);
        String admin = manifests.secretValue(secret.getMetadata().getName(), "admin-token");
        String metrics = manifests.secretValue(secret.getMetadata().getName(), "metrics-token");

        assertThat(secret.getMetadata().getName()).isEqualTo(HelmChart.FULLNAME + "-tokens");
        assertThat(List.of(admin, metrics)).allSatisfy(token -> assertThat(token).matches("[A-Za-z0-9]{48}"));
        assertThat(admin).isNotEqualTo(metrics);
        assertThat(scopeOf(config, admin)).isEqualTo(AdminToken.Scope.WRITE);
        assertThat(scopeOf(config, metrics)).isEqualTo(AdminToken.Scope.READ);
    }

    @Test
    void tokensFromAnExistingSecretReplaceTheGeneratedOnes() {
        Manifests manifests = HelmChart.render("service-monitor", Map.of(
                "adminTokens.existingSecret", "sre-tokens", "adminTokens.metricsTokenKey", "prometheus"));
        MeridianConfig config = validate(manifests);

        assertThat(manifests.all(Secret.class)).as("no Secret rendered").isEmpty();
        assertThat(manifests.meridian().getEnv()).filteredOn(e -> e.getName().startsWith("MERIDIAN_") && e.getName().endsWith("_TOKEN"))
                .extracting(e -> e.getName() + "=" + e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey())
                .containsExactlyInAnyOrder("MERIDIAN_ADMIN_TOKEN=sre-tokens/admin-token", "MERIDIAN_METRICS_TOKEN=sre-tokens/prometheus");
        JsonNode credentials = endpoint(manifests).path("authorization").path("credentials");
        assertThat(credentials.path("name").asText()).isEqualTo("sre-tokens");
        assertThat(scopeOf(config, manifests.secretValue("sre-tokens", credentials.path("key").asText())))
                .as("Prometheus scrapes with the read token").isEqualTo(AdminToken.Scope.READ);
    }

    @Test
    void serviceMonitorScrapesMetricsOnTheAdminServiceWithTheReadToken() {
        Manifests manifests = HelmChart.render("service-monitor", Map.of());
        MeridianConfig config = validate(manifests);
        GenericKubernetesResource monitor = manifests.custom(Manifests.SERVICE_MONITOR).get(0);
        JsonNode spec = tree(monitor).path("spec");
        JsonNode endpoint = endpoint(manifests);
        Service admin = manifests.named(Service.class, HelmChart.FULLNAME + "-admin").orElseThrow();
        Service proxy = manifests.named(Service.class, HelmChart.FULLNAME).orElseThrow();
        Map<String, String> selector = JSON.convertValue(spec.path("selector").path("matchLabels"), stringMap());

        assertThat(manifests.custom(Manifests.SERVICE_MONITOR)).hasSize(1);
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
        assertThat(admin.getMetadata().getLabels()).as("the admin Service is selected").containsAllEntriesOf(selector);
        assertThat(proxy.getMetadata().getLabels()).as("the client Service is not").doesNotContainEntry("app.kubernetes.io/component", "admin");
        assertThat(admin.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(admin.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo(endpoint.path("port").asText());
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString("admin"));
        });
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        assertThat(endpoint.path("scheme").asText()).isEqualTo("http");
        assertThat(endpoint.path("interval").asText()).isEqualTo("15s");
        assertThat(endpoint.path("authorization").path("type").asText()).isEqualTo("Bearer");
        JsonNode credentials = endpoint.path("authorization").path("credentials");
        assertThat(scopeOf(config, manifests.secretValue(credentials.path("name").asText(), credentials.path("key").asText())))
                .as("the ServiceMonitor's token is one Meridian accepts, with the read scope").isEqualTo(AdminToken.Scope.READ);

        assertThat(HelmChart.render(null, Map.of()).custom(Manifests.SERVICE_MONITOR)).as("off by default").isEmpty();
    }

    @Test
    void networkPolicyLetsOnlyTheGivenPeersReachTheAdminPort() {
        Manifests manifests = HelmChart.render("service-monitor", Map.of());
        NetworkPolicy policy = manifests.one(NetworkPolicy.class);
        List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();

        assertThat(manifests.deployment().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(rules).hasSize(2);
        assertThat(rules.get(0).getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString("http")));
        assertThat(rules.get(0).getFrom()).as("client traffic from anywhere").isNullOrEmpty();
        assertThat(rules.get(1).getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(new IntOrString("admin")));
        assertThat(rules.get(1).getFrom()).singleElement().satisfies(peer ->
                assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "monitoring"));

        NetworkPolicy closed = HelmChart.render(null, Map.of("networkPolicy.enabled", "true")).one(NetworkPolicy.class);
        assertThat(closed.getSpec().getIngress()).as("no adminFrom: no rule opens the admin port")
                .flatExtracting(NetworkPolicyIngressRule::getPorts).extracting(p -> p.getPort().getStrVal()).containsExactly("http");
        assertThat(HelmChart.render(null, Map.of()).all(NetworkPolicy.class)).as("off by default").isEmpty();
    }

    @Test
    void clientServiceIsClusterIpByDefaultAndTargetsTheListener() {
        Service service = HelmChart.render(null, Map.of()).named(Service.class, HelmChart.FULLNAME).orElseThrow();

        assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(80);
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString("http"));
        });
        assertThat(service.getSpec().getExternalTrafficPolicy()).isNull();
    }

    // ---- value sets: fleet, TLS listener, GeoIP ----

    @Test
    void fleetSettingsAreRenderedIntoTheConfigurationWithTheirSecretsMounted() {
        Manifests manifests = HelmChart.render("fleet-etcd", Map.of());
        JsonNode etcd = renderedConfigTree(manifests).path("fleet").path("etcd");
        Container meridian = manifests.meridian();
        Map<String, String> env = manifests.environment();

        assertThat(JSON.convertValue(etcd.path("endpoints"), stringList())).containsExactly(
                "https://etcd-0.etcd.meridian.svc:2379", "https://etcd-1.etcd.meridian.svc:2379", "https://etcd-2.etcd.meridian.svc:2379");
        assertThat(etcd.path("prefix").asText()).isEqualTo("/meridian/prod/");
        assertThat(etcd.path("timeouts").path("connect").asText()).isEqualTo("2s");
        assertThat(etcd.path("timeouts").path("request").asText()).isEqualTo("5s");
        assertThat(Map.of("ca", "ca.crt", "certificate", "tls.crt", "key", "tls.key")).allSatisfy((field, key) -> {
            String path = etcd.path("tls").path(field).asText();
            MountedFile file = manifests.mountedFile(meridian, path).orElseThrow(() -> new AssertionError(path + " is not mounted"));
            assertThat(file.volume().getSecret().getSecretName()).isEqualTo("meridian-etcd-client");
            assertThat(file.relative()).isEqualTo(key);
            assertThat(file.mount().getReadOnly()).isTrue();
        });
        assertThat(etcd.path("username").asText()).isEqualTo("${MERIDIAN_ETCD_USERNAME}");
        assertThat(etcd.path("password").asText()).isEqualTo("${MERIDIAN_ETCD_PASSWORD}");
        assertThat(env).containsEntry("MERIDIAN_ETCD_USERNAME", "external:meridian-etcd-auth/username")
                .containsEntry("MERIDIAN_ETCD_PASSWORD", "external:meridian-etcd-auth/password");
        assertThat(manifests.deployment().getSpec().getReplicas()).isEqualTo(3);
        assertThat(gracePeriod(manifests)).as("5 s + 90 s shutdown-grace + 10 s").isEqualTo(105L);
    }

    @Test
    void withoutEtcdEndpointsThereIsNoFleetSection() {
        Manifests manifests = HelmChart.render("fleet-etcd", Map.of("fleet.etcd.endpoints", "null"));

        assertThat(renderedConfigTree(manifests).has("fleet")).isFalse();
        assertThat(manifests.meridian().getEnv()).extracting(e -> e.getName()).doesNotContain("MERIDIAN_ETCD_USERNAME");
        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName)
                .doesNotContain("etcd-tls");
    }

    @Test
    void tlsListenerServesTheCertificateFromTheMountedSecret() {
        Manifests manifests = HelmChart.render("tls-listener", Map.of());
        MeridianConfig config = validate(manifests);
        Container meridian = manifests.meridian();
        Service service = manifests.named(Service.class, HelmChart.FULLNAME).orElseThrow();

        assertThat(config.listen().tls()).isNotNull();
        assertThat(Map.of(config.listen().tls().certificate().toString(), "tls.crt", config.listen().tls().key().toString(), "tls.key"))
                .allSatisfy((path, key) -> {
                    MountedFile file = manifests.mountedFile(meridian, path).orElseThrow(() -> new AssertionError(path + " is not mounted"));
                    assertThat(file.volume().getSecret().getSecretName()).isEqualTo("meridian-edge-tls");
                    assertThat(file.volume().getSecret().getDefaultMode()).as("not world-readable").isEqualTo(0440);
                    assertThat(file.relative()).isEqualTo(key);
                });
        assertThat(config.listen().tls().protocols()).containsExactly("TLSv1.3");
        assertThat(port(meridian, "https")).isEqualTo(8443);
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getExternalTrafficPolicy()).as("client addresses kept for GeoIP").isEqualTo("Local");
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(443);
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString("https"));
        });
    }

    @Test
    void geoipUpdaterDownloadsTheDatabaseBeforeMeridianStartsAndKeepsItCurrent() {
        Manifests manifests = HelmChart.render("geoip-updater", Map.of());
        MeridianConfig config = validate(manifests);
        PodSpec pod = manifests.deployment().getSpec().getTemplate().getSpec();
        Container init = pod.getInitContainers().get(0);
        Container sidecar = manifests.container("geoipupdate");

        String database = String.valueOf(config.geo().database());
        assertThat(database).isEqualTo("/var/lib/GeoIP/GeoLite2-City.mmdb");
        MountedFile seen = manifests.mountedFile(manifests.meridian(), database).orElseThrow();
        assertThat(seen.mount().getReadOnly()).isTrue();
        assertThat(seen.volume().getEmptyDir()).isNotNull();
        assertThat(List.of(init, sidecar)).allSatisfy(updater -> {
            assertThat(updater.getImage()).isEqualTo("ghcr.io/maxmind/geoipupdate:v7.1.0");
            Map<String, String> env = new LinkedHashMap<>();
            updater.getEnv().forEach(e -> env.put(e.getName(), e.getValue() != null ? e.getValue()
                    : e.getValueFrom().getSecretKeyRef().getName() + "/" + e.getValueFrom().getSecretKeyRef().getKey()));
            assertThat(env).containsEntry("GEOIPUPDATE_ACCOUNT_ID", "maxmind-license/account-id")
                    .containsEntry("GEOIPUPDATE_LICENSE_KEY", "maxmind-license/license-key")
                    .containsEntry("GEOIPUPDATE_EDITION_IDS", "GeoLite2-City");
            String written = env.get("GEOIPUPDATE_DB_DIR") + "/GeoLite2-City.mmdb";
            MountedFile file = manifests.mountedFile(updater, written).orElseThrow(() -> new AssertionError(written + " is not mounted"));
            assertThat(file.mount().getName()).as("%s writes where Meridian reads", updater.getName()).isEqualTo(seen.mount().getName());
            assertThat(file.relative()).isEqualTo(seen.relative());
            assertThat(file.writable()).isTrue();
        });
        assertThat(init.getEnv()).as("the init container runs once").noneMatch(e -> e.getName().equals("GEOIPUPDATE_FREQUENCY"));
        assertThat(sidecar.getEnv()).anyMatch(e -> e.getName().equals("GEOIPUPDATE_FREQUENCY") && "24".equals(e.getValue()));
    }

    @Test
    void geoipFromAnExistingClaimIsMountedReadOnlyWithoutAnUpdater() {
        Manifests manifests = HelmChart.render(null, Map.of("geoip.enabled", "true", "geoip.existingClaim", "geoip-db"));
        MeridianConfig config = validate(manifests);

        MountedFile file = manifests.mountedFile(manifests.meridian(), String.valueOf(config.geo().database())).orElseThrow();
        assertThat(file.volume().getPersistentVolumeClaim().getClaimName()).isEqualTo("geoip-db");
        assertThat(file.volume().getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(file.relative()).isEqualTo("GeoLite2-City.mmdb");
        assertThat(manifests.deployment().getSpec().getTemplate().getSpec().getContainers()).extracting(Container::getName)
                .containsExactly("meridian");
    }

    @Test
    void statePersistsOnAnExistingClaimWhenGivenOne() {
        Manifests manifests = HelmChart.render(null, Map.of("state.existingClaim", "meridian-state"));
        MeridianConfig config = validate(manifests);

        MountedFile file = manifests.mountedFile(manifests.meridian(), config.admin().stateFile().toString()).orElseThrow();
        assertThat(file.volume().getPersistentVolumeClaim().getClaimName()).isEqualTo("meridian-state");
        assertThat(file.writable()).isTrue();
    }

    static Stream<Arguments> contradictoryValues() {
        return Stream.of(
                Arguments.of(Map.of("config.fleet.etcd.prefix", "/x/"), "config.fleet: set the etcd settings under fleet.etcd"),
                Arguments.of(Map.of("geoip.enabled", "true"), "geoip.enabled: set geoip.existingClaim or geoip.volume"),
                Arguments.of(Map.of("geoip.enabled", "true", "config.geo.database", "/data/City.mmdb", "geoip.existingClaim", "db"),
                        "config.geo.database is /data/City.mmdb, but with geoip.enabled the chart mounts the database at /var/lib/GeoIP/GeoLite2-City.mmdb"),
                Arguments.of(Map.of("geoip.enabled", "true", "geoip.updater.enabled", "true"), "geoip.updater.existingSecret must name a Secret"),
                Arguments.of(Map.of("listenTls.secretName", "tls", "config.listen.tls.key", "/k.pem"),
                        "config.listen.tls.key is /k.pem, but with listenTls.secretName the chart mounts it at /var/run/secrets/meridian/tls/tls.key"),
                Arguments.of(Map.of("config.admin.port", "0"), "config.admin.port: 0 picks a random port"),
                Arguments.of(Map.of("config.server.shutdown-grace", "1m30s"), "config.server.shutdown-grace: '1m30s' is not a duration"),
                Arguments.of(Map.of("podDisruptionBudget.minAvailable", "1"), "podDisruptionBudget: set minAvailable or maxUnavailable, not both"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("contradictoryValues")
    void contradictoryValuesAreRefusedWithAMessageThatSaysWhatToChange(Map<String, String> set, String message) {
        assertThatThrownBy(() -> HelmChart.render(null, set)).hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"replicaCount=-1", "service.type=ExternalName", "podAntiAffinity=sometimes", "imageTypo.tag=1"})
    void valuesOutsideTheSchemaAreRefused(String assignment) {
        String[] pair = assignment.split("=", 2);

        assertThatThrownBy(() -> HelmChart.render(null, Map.of(pair[0], pair[1])))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(pair[0].split("\\.")[0]);
    }

    // ---- documentation ----

    @Test
    void notesSayHowToReachTheAdminApiWithTheTokenFromTheSecret(@TempDir Path work) {
        String notes = HelmChart.notes(Map.of("replicaCount", "1", "config.regions[0].name", "us-east4"), work);

        assertThat(notes).contains(
                "kubectl -n ai get secret edge-meridian-tokens",
                "-o jsonpath='{.data.admin-token}' | base64 -d",
                "kubectl -n ai port-forward svc/edge-meridian-admin 9901:9901",
                "curl -s -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:9901/admin/regions");
        assertThat(notes).as("one replica, a real region: no warnings").doesNotContain("WARNING", "placeholder");
    }

    @Test
    void notesWarnThatWithoutAFleetADrainReachesOnePod(@TempDir Path work) {
        assertThat(HelmChart.notes(Map.of(), work)).contains("WARNING: several replicas and no fleet.etcd", "placeholder region \"example\"");
    }

    @Test
    void chartReadmeDocumentsEveryValueAndNoOther() throws IOException {
        JsonNode values = YAML.readTree(HelmChart.dir().resolve("values.yaml").toFile());
        JsonNode schema = JSON.readTree(HelmChart.dir().resolve("values.schema.json").toFile());
        String readme = Files.readString(HelmChart.dir().resolve("README.md"));
        String valuesSection = readme.substring(readme.indexOf("\n## Values\n"));
        List<String> documented = new ArrayList<>();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z0-9.]+)` \\|").matcher(valuesSection);
        while (row.find()) {
            documented.add(row.group(1));
        }
        List<String> paths = new ArrayList<>();
        valuePaths("", values, schema, paths);

        assertThat(paths).as("values in values.yaml").hasSizeGreaterThan(50);
        assertThat(documented).as("rows of the README's value tables").containsExactlyInAnyOrderElementsOf(paths);
    }

    // ---- helpers ----

    /**
     * Loads the rendered configuration with {@link ConfigLoader}, as {@code meridian run} and
     * {@code meridian validate} do, with the environment the pods get. A configuration schema
     * that does not know {@code fleet} yet (it comes with the etcd store) is given the
     * configuration without it; once the schema has it, the whole configuration is checked.
     */
    private static MeridianConfig validate(Manifests manifests) {
        String yaml = manifests.meridianYaml();
        if (!configSchemaKnowsFleet()) {
            ObjectNode tree = (ObjectNode) readYaml(yaml);
            tree.remove("fleet");
            try {
                yaml = YAML.writeValueAsString(tree);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            return ConfigLoader.create().withEnvironment(manifests.environment()).parse(yaml, "meridian.yaml");
        } catch (ConfigException e) {
            throw new AssertionError("the rendered meridian.yaml is refused by Meridian:\n" + e.getMessage() + "\n---\n" + yaml, e);
        }
    }

    private static boolean configSchemaKnowsFleet() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/dev/meridian/config/meridian-config.schema.json")) {
            if (in == null) {
                throw new AssertionError("the config module's JSON Schema is not on the class path");
            }
            return JSON.readTree(in).path("properties").has("fleet");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode renderedConfigTree(Manifests manifests) {
        return readYaml(manifests.meridianYaml());
    }

    private static JsonNode readYaml(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AdminToken.@Nullable Scope scopeOf(MeridianConfig config, String token) {
        return config.admin().tokens().stream().filter(t -> t.token().equals(token)).map(AdminToken::scope).findFirst().orElse(null);
    }

    private static JsonNode endpoint(Manifests manifests) {
        List<GenericKubernetesResource> monitors = manifests.custom(Manifests.SERVICE_MONITOR);
        assertThat(monitors).hasSize(1);
        return tree(monitors.get(0)).path("spec").path("endpoints").path(0);
    }

    private static JsonNode tree(GenericKubernetesResource resource) {
        return JSON.valueToTree(resource.getAdditionalProperties());
    }

    private static TypeReference<Map<String, String>> stringMap() {
        return new TypeReference<>() {};
    }

    private static TypeReference<List<String>> stringList() {
        return new TypeReference<>() {};
    }

    private static int port(Container container, String name) {
        return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name + " in " + container.getPorts()));
    }

    private static HTTPGetAction httpGet(Probe probe) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet()).isNotNull();
        return probe.getHttpGet();
    }

    private static long gracePeriod(Manifests manifests) {
        return manifests.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
    }

    private static String checksum(Manifests manifests) {
        Deployment deployment = manifests.deployment();
        return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config");
    }

    /**
     * Dotted paths of the values: a map is descended into when the schema lists its properties
     * (the chart's own objects); anything else (free-form Kubernetes objects, the Meridian
     * configuration, lists, scalars) is one value.
     */
    private static void valuePaths(String prefix, JsonNode values, JsonNode schema, List<String> out) {
        for (Map.Entry<String, JsonNode> field : values.properties()) {
            String path = prefix + field.getKey();
            JsonNode fieldSchema = schema.path("properties").path(field.getKey());
            if (field.getValue().isObject() && fieldSchema.path("additionalProperties").isBoolean()
                    && !fieldSchema.path("additionalProperties").asBoolean()) {
                valuePaths(path + ".", field.getValue(), fieldSchema, out);
            } else {
                out.add(path);
            }
        }
    }
}
