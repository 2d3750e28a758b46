package dev.keygate.admin.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.keygate.admin.AdminApiTestSupport;
import dev.keygate.admin.durability.AdminClient.Answer;
import dev.keygate.admin.web.KeyController;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code wait-for-replicas} on a Redis with no replica at all: every change waits the timeout, is
 * made and announced anyway, and says that fewer replicas than required confirmed it.
 */
@TestPropertySource(
        properties = {
            "keygate.admin.durability.wait-for-replicas=1",
            "keygate.admin.durability.wait-timeout=100ms"
        })
class ReplicaAcknowledgementTests extends AdminApiTestSupport {

    @Autowired MeterRegistry meters;

    @Test
    void everyChangeReportsAShortfallWhenNoReplicaConfirmsAndIsMadeAnyway() {
        AdminClient changes = new AdminClient(port);
        double shortfallsBefore = shortfalls();
        long epochBefore = epoch();

        Answer created = changes.create();
        String id = created.id();
        List<Answer> answers =
                List.of(
                        created,
                        changes.rotate(id),
                        changes.rename(id, "renamed"),
                        changes.remove(id));

        assertThat(answers)
                .extracting(Answer::status, Answer::required, Answer::acknowledged)
                .containsExactly(
                        tuple(201, 1, 0), tuple(200, 1, 0), tuple(200, 1, 0), tuple(204, 1, 0));
        admin().get().uri("/v1/keys/{id}", id).exchange().expectStatus().isNotFound();
        assertThat(epoch()).isEqualTo(epochBefore + 4);
        assertThat(shortfalls() - shortfallsBefore).isEqualTo(4.0);
        auditOf(id, READ_ONLY_TOKEN)
                .jsonPath("$.events.length()")
                .isEqualTo(4)
                .jsonPath("$.events[*].changes.replicasAcknowledged")
                .isEqualTo(List.of("0/1", "0/1", "0/1", "0/1"));
    }

    @Test
    void idempotentReplayWritesNothingAndSoReportsNoReplicas() {
        String idempotencyKey = "replay-0123456789";
        adminApi()
                .create(Map.of("owner", "acct-1"), idempotencyKey)
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals(KeyController.REPLICAS_ACKNOWLEDGED_HEADER, "0");

        adminApi()
                .create(Map.of("owner", "acct-1"), idempotencyKey)
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals("Idempotent-Replayed", "true")
                .expectHeader()
                .doesNotExist(KeyController.REPLICAS_ACKNOWLEDGED_HEADER);
    }

    /**
     * An owner's limits are not a record write (core writes them with plain commands), so nothing
     * waits for replicas and the answers say nothing about them; a key's limit change does.
     */
    @Test
    void ownerLimitChangesDoNotWaitForReplicasAndSaySoByNoHeaders() {
        double shortfallsBefore = shortfalls();
        adminApi()
                .setOwnerLimits("acct-1", Map.of("quota", Map.of("requests", 10, "period", "day")))
                .expectStatus()
                .isOk()
                .expectHeader()
                .doesNotExist(KeyController.REPLICAS_REQUIRED_HEADER)
                .expectHeader()
                .doesNotExist(KeyController.REPLICAS_ACKNOWLEDGED_HEADER);
        adminApi()
                .removeOwnerLimits("acct-1")
                .expectStatus()
                .isNoContent()
                .expectHeader()
                .doesNotExist(KeyController.REPLICAS_REQUIRED_HEADER);
        assertThat(shortfalls()).isEqualTo(shortfallsBefore);

        String id = createKey(Map.of("owner", "acct-1")).id();
        adminApi()
                .update(id, Map.of("quota", Map.of("requests", 10, "period", "day")))
                .expectStatus()
                .isOk()
                .expectHeader()
                .valueEquals(KeyController.REPLICAS_REQUIRED_HEADER, "1");
    }

    private double shortfalls() {
        var counter =
                meters.find(ReportingRecordWriter.METER).tag("outcome", "shortfall").counter();
        return counter == null ? 0 : counter.count();
    }

    private long epoch() {
        Object epoch = redis.command("GET", "kg:epoch");
        return epoch == null ? 0 : Long.parseLong(epoch.toString());
    }
}
