package dev.meridian.router.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The published OpenAPI document and the routes actually served are the same set. */
class OpenApiDocumentTest extends RunningAdminTest {

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private static JsonNode document;

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = AdminServer.class.getResourceAsStream("openapi.yaml")) {
            assertThat(in).as("openapi.yaml next to AdminServer").isNotNull();
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    private static Set<String> documented() {
        Set<String> operations = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                if (HTTP_METHODS.contains(operation.getKey())) {
                    operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return operations;
    }

    @Test
    void everyServedRouteIsDocumentedAndEveryDocumentedOneIsServed() {
        Set<String> served = new TreeSet<>();
        for (AdminRoute route : AdminRoute.values()) {
            served.add(route.method().name() + " " + route.template());
        }

        assertThat(documented()).isEqualTo(served);
    }

    @Test
    void everyDocumentedOperationAnswersOverHttpWithoutNotFoundOrMethodNotAllowed() {
        for (String operation : documented()) {
            String method = operation.substring(0, operation.indexOf(' '));
            String path = operation.substring(operation.indexOf(' ') + 1).replace("{name}", "us-east1");
            String query = path.startsWith("/admin/regions/") ? "?dry_run=true" : path.equals("/admin/explain") ? "?ip=10.0.0.1" : "";
            String body = method.equals("PUT") ? "{\"weight\": 5}" : null;

            HttpResponse<String> response = admin.send(method, path + query, AdminFixture.WRITE_TOKEN, body);

            assertThat(response.statusCode()).as("%s answered %s", operation, response.body()).isNotIn(404, 405).isLessThan(500);
        }
    }

    @Test
    void openEndpointsAreTheOnesWithoutSecurityInTheDocument() {
        Set<String> open = new TreeSet<>();
        for (AdminRoute route : AdminRoute.values()) {
            if (route.scope() == null) {
                open.add(route.template());
            }
        }
        Set<String> documentedOpen = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            JsonNode get = path.getValue().path("get");
            if (get.has("security") && get.path("security").isEmpty()) {
                documentedOpen.add(path.getKey());
            }
        }

        assertThat(documentedOpen).isEqualTo(open).containsExactlyInAnyOrder("/healthz", "/ready");
        assertThat(document.path("security").get(0).has("bearer")).as("everything else needs a token").isTrue();
    }
}
