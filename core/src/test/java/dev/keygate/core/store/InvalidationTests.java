package dev.keygate.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InvalidationTests {

    @Test
    void messageRoundTripsThroughItsWireForm() {
        Invalidation invalidation = new Invalidation(42, "AbCdEfGhIjK");
        assertThat(invalidation.encode()).isEqualTo("42 AbCdEfGhIjK");
        assertThat(Invalidation.parse("42 AbCdEfGhIjK")).isEqualTo(invalidation);
        assertThat(Invalidation.parse("7 *").isFlushAll()).isTrue();
    }

    @Test
    void garbledMessagesAreRefused() {
        for (String garbled :
                new String[] {
                    null,
                    "",
                    "42",
                    "42 ",
                    " AbCdEfGhIjK",
                    "x AbCdEfGhIjK",
                    "0 AbCdEfGhIjK",
                    "-1 AbCdEfGhIjK",
                    "42 short",
                    "42 AbCdEfGhIjK extra",
                    "42  AbCdEfGhIjK"
                }) {
            assertThatThrownBy(() -> Invalidation.parse(garbled))
                    .as("'%s'", garbled)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
