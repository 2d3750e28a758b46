package dev.keygate.core.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ApiKeyFormatTests {

    @Test
    void checksumIsTheCrc32OfTheKeyBodyAsJavaUtilZipComputesIt() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            String body = "kg_" + Base62.random(random, 11) + "_" + Base62.random(random, i % 64);
            CRC32 reference = new CRC32();
            reference.update(body.getBytes(StandardCharsets.US_ASCII));

            assertThat(ApiKeyFormat.checksum(body, body.length()))
                    .as(body)
                    .isEqualTo(reference.getValue());
        }
    }

    @Test
    void checksumCoversOnlyTheGivenPrefixOfTheCharacters() {
        CRC32 reference = new CRC32();
        reference.update("kg_abc".getBytes(StandardCharsets.US_ASCII));

        assertThat(ApiKeyFormat.checksum("kg_abcXYZ", 6)).isEqualTo(reference.getValue());
        assertThat(ApiKeyFormat.checksum("", 0)).isZero();
    }

    @Test
    void base62DigitIsThePositionInTheAlphabetAndMinusOneOutsideIt() {
        for (int i = 0; i < Base62.ALPHABET.length(); i++) {
            assertThat(Base62.digit(Base62.ALPHABET.charAt(i))).isEqualTo(i);
        }
        for (char c : new char[] {'_', '-', ' ', '/', '{', '\u00e9', '\u0660', '\uffff'}) {
            assertThat(Base62.digit(c)).as("%s", c).isEqualTo(-1);
        }
    }
}
