package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tally.schemas.Json;

class AcceptedAnswerTest {

    @Test
    void shouldWriteTheSameJsonAsTheObjectMapperWouldForAnyEventIds() throws Exception {
        final List<String> ids = List.of("evt-1", "quote\" back\\slash", "tab\tnewline\n", "ünï ☃");

        final byte[] answer = Intake.accepted("src \"x\"", ids);

        assertThat(Json.MAPPER.readTree(answer))
                .isEqualTo(Json.MAPPER.valueToTree(Map.of("status", "accepted", "source", "src \"x\"", "event_ids", ids)));
        assertThat(new String(Intake.accepted("bench", List.of("a")), StandardCharsets.UTF_8))
                .isEqualTo("{\"status\":\"accepted\",\"source\":\"bench\",\"event_ids\":[\"a\"]}");
    }
}
