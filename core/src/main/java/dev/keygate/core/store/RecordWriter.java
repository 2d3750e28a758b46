package dev.keygate.core.store;

import java.util.List;
import java.util.Objects;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/**
 * Runs the Lua script that changes one key record, on that record's slot. {@link RedisKeyStore}
 * sends every record write through one; the implementation decides which connection carries it and
 * whether to wait for replicas afterwards.
 *
 * <ul>
 *   <li>{@link #on(ReactiveStringRedisTemplate)}: the shared reactive template, no waiting (the
 *       default).
 *   <li>{@link ReplicaWaitingRecordWriter}: a connection of its own, then {@code WAIT}.
 * </ul>
 *
 * <p>Implementations are thread-safe and never block the calling thread. A script error is an error
 * signal; nothing is retried here.
 */
public interface RecordWriter {

    /**
     * Runs {@code script} with {@code recordKey} as its only key.
     *
     * @return the reply: a {@link Long} for an integer reply, a {@link List} of strings for an
     *     array reply (empty for an empty array), with the replicas that confirmed it
     */
    Mono<Written> write(RedisScript<?> script, String recordKey, List<String> args);

    /** A writer on the shared reactive template that never waits for replicas. */
    static RecordWriter on(ReactiveStringRedisTemplate redis) {
        return new TemplateRecordWriter(redis);
    }

    /**
     * What a script replied, and how many replicas confirmed the write.
     *
     * @param reply a {@link Long} or a {@link List} of strings
     * @param replicas the replicas that confirmed, or {@link ReplicaAcknowledgement#NOT_REQUESTED}
     */
    record Written(Object reply, ReplicaAcknowledgement replicas) {

        public Written {
            Objects.requireNonNull(reply, "reply");
            Objects.requireNonNull(replicas, "replicas");
        }

        /** The reply of a script declared to return an integer. */
        public long asLong() {
            if (reply instanceof Long value) {
                return value;
            }
            throw new IllegalStateException("expected an integer reply, got " + type());
        }

        /** The reply of a script declared to return an array. */
        public List<?> asList() {
            if (reply instanceof List<?> list) {
                return list;
            }
            throw new IllegalStateException("expected an array reply, got " + type());
        }

        private String type() {
            return reply.getClass().getSimpleName();
        }
    }
}
