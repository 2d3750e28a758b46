package dev.keygate.admin;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.web.AuditController;
import dev.keygate.admin.web.KeyPageView;
import dev.keygate.admin.web.KeyView;
import java.time.Duration;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec;

/**
 * The one admin test client: the calls tests make to {@code /v1/keys} (answers read as {@link
 * KeyView}s), {@code /v1/owners/{owner}/limits} and {@code /v1/audit}. Methods returning a {@link
 * ResponseSpec} leave the status to the test; {@link #created} and {@link #get} expect success. Not
 * thread-safe beyond what {@link WebTestClient} is.
 */
public final class AdminApi {

    private final WebTestClient client;

    public AdminApi(WebTestClient client) {
        this.client = client;
    }

    /** A client of the admin API on {@code port} sending {@code token}. */
    public static AdminApi at(int port, String token) {
        return new AdminApi(
                WebTestClient.bindToServer()
                        .baseUrl("http://localhost:" + port)
                        .responseTimeout(Duration.ofSeconds(30))
                        .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                        .build());
    }

    public WebTestClient client() {
        return client;
    }

    /** {@code POST /v1/keys}, with an {@code Idempotency-Key} unless it is {@code null}. */
    public ResponseSpec create(Object body, String idempotencyKey) {
        WebTestClient.RequestBodySpec request =
                client.post().uri("/v1/keys").contentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.bodyValue(body).exchange();
    }

    /** Creates a key, expecting 201; the answer, with the full key. */
    public KeyView created(Object body) {
        return key(create(body, null).expectStatus().isCreated());
    }

    /**
     * {@code POST /v1/keys/{id}/rotate}; without a body when it is {@code null}, with an {@code
     * Idempotency-Key} unless that is {@code null}.
     */
    public ResponseSpec rotate(String id, Object body, String idempotencyKey) {
        WebTestClient.RequestBodySpec request = client.post().uri("/v1/keys/{id}/rotate", id);
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return body == null
                ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    /** {@code PATCH /v1/keys/{id}}. */
    public ResponseSpec update(String id, Object body) {
        return client.patch()
                .uri("/v1/keys/{id}", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    /** {@code DELETE /v1/keys/{id}}. */
    public ResponseSpec remove(String id) {
        return client.delete().uri("/v1/keys/{id}", id).exchange();
    }

    /** Reads a key, expecting 200. */
    public KeyView get(String id) {
        return key(client.get().uri("/v1/keys/{id}", id).exchange().expectStatus().isOk());
    }

    /** Lists one page of keys, expecting 200; {@code query} after {@code ?}. */
    public KeyPageView list(String query) {
        return client.get()
                .uri("/v1/keys?" + query)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(KeyPageView.class)
                .returnResult()
                .getResponseBody();
    }

    /** A key's audit events (at most 100), newest first, expecting 200. */
    public List<AuditEvent> auditOf(String id) {
        return client.get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(AuditController.AuditPageView.class)
                .returnResult()
                .getResponseBody()
                .events();
    }

    /** {@code GET /v1/owners/{owner}/limits}. */
    public ResponseSpec ownerLimits(String owner) {
        return client.get().uri("/v1/owners/{owner}/limits", owner).exchange();
    }

    /** {@code PUT /v1/owners/{owner}/limits}. */
    public ResponseSpec setOwnerLimits(String owner, Object body) {
        return client.put()
                .uri("/v1/owners/{owner}/limits", owner)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange();
    }

    /** {@code DELETE /v1/owners/{owner}/limits}. */
    public ResponseSpec removeOwnerLimits(String owner) {
        return client.delete().uri("/v1/owners/{owner}/limits", owner).exchange();
    }

    /** An owner's audit events (its keys' and its limits', at most 100), newest first. */
    public List<AuditEvent> auditOfOwner(String owner) {
        return client.get()
                .uri("/v1/audit?owner={owner}&limit=100", owner)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(AuditController.AuditPageView.class)
                .returnResult()
                .getResponseBody()
                .events();
    }

    /** The answer as a key. */
    public static KeyView key(ResponseSpec response) {
        return response.expectBody(KeyView.class).returnResult().getResponseBody();
    }
}
