package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Which address is the client's, and the CIDR and rate syntax of the config. */
class ClientIpTest {

    private final ClientIp behindProxies = new ClientIp(List.of(IpRange.parse("10.0.0.0/8"), IpRange.parse("2001:db8::/32")));

    @Test
    void shouldTakeThePeerWhenItIsNoTrustedProxy() {
        assertThat(behindProxies.resolve("198.51.100.9", "203.0.113.1")).isEqualTo("198.51.100.9");
    }

    @Test
    void shouldTakeTheRightmostAddressThatIsNoTrustedProxy() {
        assertThat(behindProxies.resolve("10.0.0.2", "192.0.2.66, 203.0.113.1, 10.0.0.1")).isEqualTo("203.0.113.1");
        assertThat(behindProxies.resolve("2001:db8::1", "203.0.113.1")).isEqualTo("203.0.113.1");
    }

    @Test
    void shouldStopAtGarbageInTheChain() {
        assertThat(behindProxies.resolve("10.0.0.2", "203.0.113.1, evil.example, 10.0.0.7")).isEqualTo("10.0.0.7");
        assertThat(behindProxies.resolve("10.0.0.2", "999.1.1.1")).isEqualTo("10.0.0.2");
    }

    @Test
    void shouldMatchCidrRangesOfBothFamilies() {
        assertThat(IpRange.parse("192.30.252.0/22").contains("192.30.255.254")).isTrue();
        assertThat(IpRange.parse("192.30.252.0/22").contains("192.31.0.1")).isFalse();
        assertThat(IpRange.parse("2001:db8::/32").contains("2001:db8:ffff::1")).isTrue();
        assertThat(IpRange.parse("2001:db8::/32").contains("10.0.0.1")).isFalse();
        assertThat(IpRange.parse("0.0.0.0/0").contains("203.0.113.1")).isTrue();
        assertThat(IpRange.parse("127.0.0.1").contains("127.0.0.1")).isTrue();
        assertThat(IpRange.parse("127.0.0.1").contains("localhost")).as("names are never resolved").isFalse();
    }

    @Test
    void shouldRejectBadRangesAndRatesNamingThem() {
        assertThatThrownBy(() -> IpRange.parse("10.0.0.0/33")).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> IpRange.parse("example.com")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> SchemeContract.source("hmac", "allow_ips: [10.0.0.0/99]", "s1", "s2")).hasMessageContaining("10.0.0.0/99");
        assertThatThrownBy(() -> SchemeContract.source("hmac", "rate_limit: {per_ip: fast}", "s1", "s2")).hasMessageContaining("100/s");
        assertThatThrownBy(() -> SchemeContract.source("hmac", "rate_limit: {per_ip: 0/s}", "s1", "s2")).hasMessageContaining("leave it out");
        assertThat(Rate.parse("600/m")).isEqualTo(new Rate(600, Duration.ofMinutes(1)));
    }
}
