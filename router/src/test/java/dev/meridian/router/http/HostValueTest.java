package dev.meridian.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Host values {@link MessageFraming} accepts: {@code uri-host [":" port]} (RFC 3986 §3.2.2), or empty. */
class HostValueTest {

    @Test
    void hostValues() {
        assertThat(MessageFraming.isHostValue("")).isTrue();
        assertThat(MessageFraming.isHostValue("a.example:8080")).isTrue();
        assertThat(MessageFraming.isHostValue("[2001:db8::1]")).isTrue();
        assertThat(MessageFraming.isHostValue("a.example:")).isFalse();
        assertThat(MessageFraming.isHostValue("a b")).isFalse();
        assertThat(MessageFraming.isHostValue("a:b:80")).isFalse();
        assertThat(MessageFraming.isHostValue("[::1")).isFalse();
        assertThat(MessageFraming.isHostValue("a.example:99999999")).isFalse();
    }
}
