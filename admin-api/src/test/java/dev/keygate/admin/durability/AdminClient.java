package dev.keygate.admin.durability;

import dev.keygate.admin.AdminApiTestSupport;
import dev.keygate.admin.web.KeyController;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The admin calls the replica tests make, and the replica headers of their answers. */
final class AdminClient {

    private final WebTestClient client;

    AdminClient(int port) {
        this.client =
                WebTestClient.bindToServer()
                        .baseUrl("http://localhost:" + port)
                        .responseTimeout(Duration.ofSeconds(30))
                        .defaultHeader(
                                HttpHeaders.AUTHORIZATION,
                                "Bearer " + AdminApiTestSupport.ADMIN_TOKEN)
                        .build();
    }

    /** Creates a key; returns its id and the replica headers. */
    Answer create() {
        EntityExchangeResult<Map> result =
                client.post()
                        .uri("/v1/keys")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("owner", "acct-1"))
                        .exchange()
                        .expectStatus()
                        .isCreated()
                        .expectBody(Map.class)
                        .returnResult();
        return Answer.of(
                result.getResponseBody().get("id").toString(), result.getResponseHeaders());
    }

    /** Rotates; the status is returned as is (a failover may make it 503). */
    Answer rotate(String id) {
        return answer(id, client.post().uri("/v1/keys/{id}/rotate", id).exchange());
    }

    /** Renames the key. */
    Answer rename(String id, String name) {
        return answer(
                id,
                client.patch()
                        .uri("/v1/keys/{id}", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("name", name))
                        .exchange());
    }

    /** Removes the key. */
    Answer remove(String id) {
        return answer(id, client.delete().uri("/v1/keys/{id}", id).exchange());
    }

    private static Answer answer(String id, WebTestClient.ResponseSpec response) {
        EntityExchangeResult<byte[]> result = response.expectBody().returnResult();
        return new Answer(
                id,
                result.getStatus().value(),
                header(result.getResponseHeaders(), KeyController.REPLICAS_REQUIRED_HEADER),
                header(result.getResponseHeaders(), KeyController.REPLICAS_ACKNOWLEDGED_HEADER));
    }

    /** The key's version as the admin API reads it. */
    long version(String id) {
        return ((Number)
                        client.get()
                                .uri("/v1/keys/{id}", id)
                                .exchange()
                                .expectStatus()
                                .isOk()
                                .expectBody(Map.class)
                                .returnResult()
                                .getResponseBody()
                                .get("version"))
                .longValue();
    }

    private static int header(HttpHeaders headers, String name) {
        String value = headers.getFirst(name);
        return value == null ? -1 : Integer.parseInt(value);
    }

    /**
     * @param required {@code Keygate-Replicas-Required}, -1 when absent
     * @param acknowledged {@code Keygate-Replicas-Acknowledged}, -1 when absent
     */
    record Answer(String id, int status, int required, int acknowledged) {
        static Answer of(String id, HttpHeaders headers) {
            return new Answer(
                    id,
                    201,
                    header(headers, KeyController.REPLICAS_REQUIRED_HEADER),
                    header(headers, KeyController.REPLICAS_ACKNOWLEDGED_HEADER));
        }
    }
}
