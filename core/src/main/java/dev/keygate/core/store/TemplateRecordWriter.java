package dev.keygate.core.store;

import java.util.List;
import java.util.Objects;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;

/** Record scripts on the shared reactive template, no replica acknowledgement. Thread-safe. */
final class TemplateRecordWriter implements RecordWriter {

    private final ReactiveStringRedisTemplate redis;

    TemplateRecordWriter(ReactiveStringRedisTemplate redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    @Override
    public Mono<Written> write(RedisScript<?> script, String recordKey, List<String> args) {
        return redis.execute(script, List.of(recordKey), args)
                .collectList()
                .map(
                        replies ->
                                new Written(
                                        reply(script, replies),
                                        ReplicaAcknowledgement.NOT_REQUESTED));
    }

    /**
     * One reply from what a driver emitted: an integer arrives as one element; an array reply may
     * arrive as one list or element by element, depending on the driver.
     */
    static Object reply(RedisScript<?> script, List<?> replies) {
        if (Long.class.equals(script.getResultType())) {
            if (replies.size() != 1 || !(replies.get(0) instanceof Long)) {
                throw new IllegalStateException(
                        "expected one integer reply, got " + replies.size() + " elements");
            }
            return replies.get(0);
        }
        if (replies.size() == 1 && replies.get(0) instanceof List<?> nested) {
            return nested;
        }
        return replies;
    }
}
