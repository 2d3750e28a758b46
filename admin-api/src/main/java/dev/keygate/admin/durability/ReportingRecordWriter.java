package dev.keygate.admin.durability;

import dev.keygate.core.store.RecordWriter;
import dev.keygate.core.store.ReplicaAcknowledgement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * Counts and logs how many replicas confirmed each record write of the writer it wraps (a {@link
 * dev.keygate.core.store.ReplicaWaitingRecordWriter}): the counter {@value #METER} with tag {@code
 * outcome} = {@code acknowledged} or {@code shortfall}, and a warning for each shortfall naming the
 * Redis key (which holds the key id, never a secret). Changes nothing it passes on; {@link
 * #close()} closes the wrapped writer. Thread-safe.
 */
public final class ReportingRecordWriter implements RecordWriter, AutoCloseable {

    /** Counter of record writes that waited for replicas. */
    public static final String METER = "keygate.admin.replica.acknowledgements";

    private static final Logger log = LoggerFactory.getLogger(ReportingRecordWriter.class);

    private final RecordWriter delegate;
    private final Counter acknowledged;
    private final Counter shortfall;

    public ReportingRecordWriter(RecordWriter delegate, MeterRegistry meters) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.acknowledged =
                Counter.builder(METER)
                        .description("Record writes confirmed by the required replicas, or not")
                        .tag("outcome", "acknowledged")
                        .register(meters);
        this.shortfall =
                Counter.builder(METER)
                        .description("Record writes confirmed by the required replicas, or not")
                        .tag("outcome", "shortfall")
                        .register(meters);
    }

    @Override
    public Mono<Written> write(RedisScript<?> script, String recordKey, List<String> args) {
        return delegate.write(script, recordKey, args)
                .doOnNext(written -> report(recordKey, written.replicas()));
    }

    private void report(String recordKey, ReplicaAcknowledgement replicas) {
        if (!replicas.requested()) {
            return;
        }
        if (replicas.shortfall()) {
            shortfall.increment();
            log.warn(
                    "Change to {} confirmed by {} of {} required replicas: it is on the master,"
                            + " but a failover before the replicas catch up could undo it",
                    recordKey,
                    replicas.acknowledged(),
                    replicas.required());
        } else {
            acknowledged.increment();
        }
    }

    @Override
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    @Override
    public String toString() {
        return "ReportingRecordWriter[" + delegate + "]";
    }
}
