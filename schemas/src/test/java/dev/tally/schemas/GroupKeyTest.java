package dev.tally.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class GroupKeyTest {

    @Test
    void shouldJoinValuesWithABar() {
        assertThat(GroupKey.join(List.of("github", "push"))).isEqualTo("github|push");
    }

    @Test
    void shouldKeepValuesThatContainTheSeparatorApart() {
        final String ab = GroupKey.join(List.of("a|b", "c"));
        final String a = GroupKey.join(List.of("a", "b|c"));
        assertThat(ab).isNotEqualTo(a);
        assertThat(GroupKey.split(ab)).containsExactly("a|b", "c");
        assertThat(GroupKey.split(a)).containsExactly("a", "b|c");
    }

    @Test
    void shouldWriteAnAbsentValueAsEmpty() {
        assertThat(GroupKey.join(Arrays.asList("shop", null))).isEqualTo("shop|");
        assertThat(GroupKey.split("shop|")).containsExactly("shop", "");
    }

    @Test
    void shouldRoundTripBackslashes() {
        final List<String> values = List.of("a\\", "\\|", "");
        assertThat(GroupKey.split(GroupKey.join(values))).isEqualTo(values);
    }
}
