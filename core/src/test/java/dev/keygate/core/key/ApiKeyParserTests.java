package dev.keygate.core.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ApiKeyParserTests {

    private final ApiKeyFormat format = ApiKeyFormat.defaults();
    private final ApiKeyParser parser = new ApiKeyParser(format);
    private final ApiKeyGenerator generator = new ApiKeyGenerator(format, new SecureRandom());

    @Test
    void generatedKeysHaveTheDocumentedShapeAndParseBackToTheirIdAndSecretHash() {
        for (int i = 0; i < 2_000; i++) {
            ApiKeyGenerator.GeneratedKey key = generator.newKey();
            assertThat(key.token())
                    .hasSize(51)
                    .matches("kg_[0-9A-Za-z]{11}_[0-9A-Za-z]{36}")
                    .startsWith("kg_" + key.id() + "_");
            ParseResult result = parser.parse(key.token());
            assertThat(result).isInstanceOf(ParsedApiKey.class);
            ParsedApiKey parsed = (ParsedApiKey) result;
            assertThat(parsed.id()).isEqualTo(key.id());
            assertThat(parsed.secretHash().matches(key.hash())).isTrue();
        }
    }

    @Test
    void rotationKeepsTheIdAndChangesTheSecret() {
        ApiKeyGenerator.GeneratedKey first = generator.newKey();
        ApiKeyGenerator.GeneratedKey second = generator.forId(first.id());
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(second.hash().matches(first.hash())).isFalse();
    }

    @Test
    void everySingleCharacterSubstitutionIsRejectedOffline() {
        String key = generator.newKey().token();
        String alphabet = Base62.ALPHABET + "_-+/=. ";
        for (int position = 0; position < key.length(); position++) {
            for (char replacement : alphabet.toCharArray()) {
                if (replacement == key.charAt(position)) {
                    continue;
                }
                String typo =
                        key.substring(0, position) + replacement + key.substring(position + 1);
                assertThat(parser.parse(typo))
                        .as("typo at %s with %s", position, replacement)
                        .isInstanceOf(KeyRejection.class);
            }
        }
    }

    @Test
    void everyAdjacentTranspositionIsRejected() {
        String key = generator.newKey().token();
        for (int i = 0; i + 1 < key.length(); i++) {
            if (key.charAt(i) == key.charAt(i + 1)) {
                continue;
            }
            char[] chars = key.toCharArray();
            chars[i] = key.charAt(i + 1);
            chars[i + 1] = key.charAt(i);
            assertThat(parser.parse(new String(chars))).isInstanceOf(KeyRejection.class);
        }
    }

    @Test
    void malformedKeysAreRejectedWithTheirReason() {
        String key = generator.newKey().token();
        assertThat(parser.parse(null)).isEqualTo(KeyRejection.EMPTY);
        assertThat(parser.parse("")).isEqualTo(KeyRejection.EMPTY);
        assertThat(parser.parse("   ")).isEqualTo(KeyRejection.EMPTY);
        assertThat(parser.parse("x".repeat(256))).isEqualTo(KeyRejection.TOO_LONG);
        assertThat(parser.parse(key + "x".repeat(205))).isEqualTo(KeyRejection.TOO_LONG);
        assertThat(parser.parse(key.substring(1))).isEqualTo(KeyRejection.WRONG_LENGTH);
        assertThat(parser.parse(key + "A")).isEqualTo(KeyRejection.WRONG_LENGTH);
        assertThat(parser.parse(" " + key.substring(1))).isEqualTo(KeyRejection.WRONG_PREFIX);
        assertThat(parser.parse("gh" + key.substring(2))).isEqualTo(KeyRejection.WRONG_PREFIX);
        assertThat(parser.parse("kg-" + key.substring(3))).isEqualTo(KeyRejection.WRONG_PREFIX);
        assertThat(parser.parse(key.substring(0, 14) + "A" + key.substring(15)))
                .isEqualTo(KeyRejection.WRONG_STRUCTURE);
        assertThat(parser.parse(key.substring(0, 20) + "é" + key.substring(21)))
                .isEqualTo(KeyRejection.BAD_CHARACTER);
        assertThat(parser.parse(key.substring(0, 20) + "\n" + key.substring(21)))
                .isEqualTo(KeyRejection.BAD_CHARACTER);
        assertThat(parser.parse(key.substring(0, 5) + "_" + key.substring(6)))
                .isEqualTo(KeyRejection.BAD_CHARACTER);
        char last = key.charAt(key.length() - 1);
        assertThat(parser.parse(key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A')))
                .isEqualTo(KeyRejection.BAD_CHECKSUM);
    }

    @Test
    void randomGarbageNeverThrowsAndIsNeverAccepted() {
        Random random = new Random(42);
        String keyish = Base62.ALPHABET + "_";
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(i % 2 == 0 ? 300 : 60);
            StringBuilder candidate = new StringBuilder(length);
            boolean shaped = i % 3 == 0;
            if (shaped) {
                candidate.append("kg_");
            }
            while (candidate.length() < length) {
                candidate.append(
                        i % 5 == 0
                                ? (char) random.nextInt(0x3000)
                                : keyish.charAt(random.nextInt(keyish.length())));
            }
            assertThat(parser.parse(candidate.toString())).isInstanceOf(KeyRejection.class);
        }
    }

    @Test
    void wellShapedKeysWithARandomChecksumAreAlmostAlwaysRejected() {
        Random random = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            String body = "kg_" + Base62.random(random, 11) + "_" + Base62.random(random, 36);
            if (parser.parse(body) instanceof ParsedApiKey) {
                accepted++;
            }
        }
        // a random 6-digit base62 checksum matches with probability 2^-32 at best
        assertThat(accepted).isZero();
    }

    @Test
    void customPrefixIsHonouredAndOthersAreRejected() {
        ApiKeyFormat acme = ApiKeyFormat.withPrefix("acme");
        String key = new ApiKeyGenerator(acme, new SecureRandom()).newKey().token();
        assertThat(new ApiKeyParser(acme).parse(key)).isInstanceOf(ParsedApiKey.class);
        assertThat(parser.parse(key)).isInstanceOf(KeyRejection.class);
        assertThat(key).startsWith("acme_").hasSize(53);
    }

    @Test
    void invalidPrefixesFailFastWithTheValueInTheMessage() {
        assertThatThrownBy(() -> ApiKeyFormat.withPrefix("Bad_Prefix"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bad_Prefix");
        assertThatThrownBy(() -> ApiKeyFormat.withPrefix("k"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsedKeyAndGeneratedKeyNeverPrintTheirSecret() {
        ApiKeyGenerator.GeneratedKey key = generator.newKey();
        ParsedApiKey parsed = (ParsedApiKey) parser.parse(key.token());
        assertThat(parsed.toString()).doesNotContain(parsed.secret()).contains(parsed.id());
        assertThat(key.toString()).doesNotContain(parsed.secret());
        assertThat(key.hash().toString()).doesNotContain(key.hash().encoded());
    }

    @Test
    void secretHashIsSha256AndRoundTripsThroughItsStorageForm() {
        SecretHash hash = SecretHash.of("abc");
        // SHA-256("abc") from FIPS 180-2, in unpadded base64url
        assertThat(hash.encoded()).isEqualTo("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assertThat(SecretHash.decode(hash.encoded())).isEqualTo(hash);
        assertThat(hash.matches(SecretHash.of("abd"))).isFalse();
        assertThatThrownBy(() -> SecretHash.decode("AAAA"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
