package dev.keygate.admin.durability;

import dev.keygate.admin.AdminApi;
import dev.keygate.admin.AdminApiTestSupport;
import dev.keygate.admin.web.KeyController;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The admin calls the replica tests make, and the replica headers of their answers. */
final class AdminClient {

    private final AdminApi api;

    AdminClient(int port) {
        this.api = AdminApi.at(port, AdminApiTestSupport.ADMIN_TOKEN);
    }

    /** Creates a key; returns its id and the replica headers. */
    Answer create() {
        EntityExchangeResult<byte[]> result =
                api.create(Map.of("owner", "acct-1"), null)
                        .expectStatus()
                        .isCreated()
                        .expectBody()
                        .returnResult();
        String id =
                result.getResponseHeaders().getLocation().getPath().substring("/v1/keys/".length());
        return answer(id, result);
    }

    /** Rotates; the status is returned as is (a failover may make it 503). */
    Answer rotate(String id) {
        return answer(id, api.rotate(id, null, null));
    }

    /** Renames the key. */
    Answer rename(String id, String name) {
        return answer(id, api.update(id, Map.of("name", name)));
    }

    /** Removes the key. */
    Answer remove(String id) {
        return answer(id, api.remove(id));
    }

    /** The key's version as the admin API reads it. */
    long version(String id) {
        return api.get(id).version();
    }

    private static Answer answer(String id, WebTestClient.ResponseSpec response) {
        return answer(id, response.expectBody().returnResult());
    }

    private static Answer answer(String id, EntityExchangeResult<byte[]> result) {
        return new Answer(
                id,
                result.getStatus().value(),
                header(result.getResponseHeaders(), KeyController.REPLICAS_REQUIRED_HEADER),
                header(result.getResponseHeaders(), KeyController.REPLICAS_ACKNOWLEDGED_HEADER));
    }

    private static int header(HttpHeaders headers, String name) {
        String value = headers.getFirst(name);
        return value == null ? -1 : Integer.parseInt(value);
    }

    /**
     * @param status the answer's status
     * @param required {@code Keygate-Replicas-Required}, -1 when absent
     * @param acknowledged {@code Keygate-Replicas-Acknowledged}, -1 when absent
     */
    record Answer(String id, int status, int required, int acknowledged) {}
}
